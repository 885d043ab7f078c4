import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, inject, it } from 'vitest';
import { buildServer } from '../../src/adapters/http/server.js';
import { aFathom, type TestFathom } from './fathom.js';
import { CHROMIUM, CHROMIUM_FLAGS, SCREENSHOTS } from './ui-build.js';

export { CHROMIUM, CHROMIUM_FLAGS } from './ui-build.js';

/**
 * The web UI in a real headless Chromium (Debian's `chromium`, driven by playwright-core).
 *
 * The e2e project's globalSetup (test/support/ui-build.ts) builds the UI once with Vite into a
 * temporary folder; each test file starts its own Fathom serving that build on a loopback port,
 * and one browser. Every page a test opens is watched: a console error, an uncaught exception, a
 * failed request or an HTTP error answer fails the test, unless the test said it expects it
 * (`expectFailures`). Where Chromium is missing, the suites are skipped with a loud message,
 * except under CI=true, where they fail.
 */

export interface UiServer {
  fathom: TestFathom;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>/` */
  baseUrl: string;
  close(): Promise<void>;
}

export interface UiServerOptions {
  /** 'token': the server asks for credentials (FATHOM_AUTH=token); make users with aUser (access.ts). */
  auth?: 'none' | 'token';
}

/** A Fathom (SQLite, throwaway data dir) serving the UI build on a free loopback port. */
export async function startUiServer(uiDir: string | undefined, options: UiServerOptions = {}): Promise<UiServer> {
  const fathom = await aFathom({ store: 'sqlite', ...options });
  const app = await buildServer({ container: fathom.container, uiDir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    fathom,
    app,
    baseUrl: `http://127.0.0.1:${address.port}/`,
    close: async () => {
      await app.close();
      await fathom.close();
    },
  };
}

/** One headless Chromium with a fresh profile. */
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'fathom-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface UiSession {
  server: UiServer;
  /** Opens the UI at a hash path (`#/experiments/<id>?filter=…`, or '' for the home page), watched. */
  open(hash?: string): Promise<Page>;
  /** Lets requests whose URL matches (and the console errors Chromium logs for them) happen in this test. */
  expectFailures(pattern: RegExp): void;
  /** Writes test-results/ui/<name>.png (the whole page). */
  screenshot(page: Page, name: string): Promise<string>;
}

/**
 * A describe block with a UI server and a browser for the file. Each test's problems (console
 * errors, page errors, failed requests, HTTP errors) fail it in afterEach.
 */
export function describeUi(name: string, body: (ui: () => UiSession) => void, options: UiServerOptions = {}): void {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs Chromium, which CI must provide', () => {
          throw new Error(`UI tests cannot run: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does)`);
        });
      });
      return;
    }
    console.warn(
      `\n${'!'.repeat(100)}\n!! SKIPPED "${name}": Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)\n` +
        `!! (under CI=true this fails)\n${'!'.repeat(100)}\n`,
    );
    describe.skip(name, () => body(() => ({}) as UiSession));
    return;
  }
  describe(name, () => {
    let server: UiServer | undefined;
    let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
    let problems: string[] = [];
    let allowed: RegExp[] = [];
    const pages: Page[] = [];

    beforeAll(async () => {
      const uiDir = inject('fathomUiDir');
      if (uiDir === undefined) throw new Error('no UI build: run the browser tests through the e2e vitest project, whose global set-up builds it');
      server = await startUiServer(uiDir, options);
      browser = await launchBrowser();
    }, 120_000);

    afterEach(async () => {
      for (const page of pages.splice(0)) await page.close();
      const found = problems;
      problems = [];
      allowed = [];
      if (found.length > 0) throw new Error(`the browser reported problems:\n${found.join('\n')}`);
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    const isAllowed = (text: string) => allowed.some((pattern) => pattern.test(text));

    body(() => {
      if (!server || !browser) throw new Error('the UI session is not started yet (use it inside a test)');
      const { context } = browser;
      const base = server.baseUrl;
      return {
        server,
        expectFailures: (pattern) => allowed.push(pattern),
        open: async (hash = '') => {
          const page = await context.newPage();
          pages.push(page);
          page.on('console', (message) => {
            if (message.type() !== 'error') return;
            const where = message.location().url;
            if (!isAllowed(where) && !isAllowed(message.text())) problems.push(`console error: ${message.text()} (${where})`);
          });
          page.on('pageerror', (error) => problems.push(`uncaught in the page: ${error.stack ?? error.message}`));
          page.on('requestfailed', (request) => {
            const reason = request.failure()?.errorText ?? '';
            // The UI aborts requests it no longer needs (a newer filter, a page left): not a failure.
            if (reason.includes('ERR_ABORTED')) return;
            if (!isAllowed(request.url())) problems.push(`request failed: ${request.method()} ${request.url()}: ${reason}`);
          });
          page.on('response', (response) => {
            if (response.status() >= 400 && !isAllowed(response.url())) {
              problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
            }
          });
          await page.goto(`${base}${hash}`);
          return page;
        },
        screenshot: async (page, name) => {
          await mkdir(SCREENSHOTS, { recursive: true });
          const path = join(SCREENSHOTS, `${name}.png`);
          await page.screenshot({ path, fullPage: true });
          return path;
        },
      };
    });
  });
}
