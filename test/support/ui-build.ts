import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * The e2e project's globalSetup: builds the web UI once for the run (nothing of the server is
 * loaded here), and says where Chromium is.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Playwright's own `--disable-features` list (playwright-core 1.65.1, chromiumSwitches.ts).
 * Chromium keeps only the last `--disable-features` it is given, so a list of ours must repeat
 * Playwright's; test/e2e/chromium-flags.test.ts fails when the browser's command line drops any.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];
/**
 * Chromium 156 builds its address bar's popup (a WebUI page, `chrome://omnibox-popup.top-chrome`,
 * in a renderer process of its own) for every new window, which is every browser context: work
 * on the same two cores as the page under test, for a bar headless Chromium never shows.
 */
export const BROWSER_UI_FEATURES_OFF = ['WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup', 'WebUIOmniboxPopup'];
/** What the machine's notes say headless Chromium needs here (no sandbox as root, no network chatter), and none of its own UI's work. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...BROWSER_UI_FEATURES_OFF].join(',')}`,
];
const ROOT = resolve(import.meta.dirname, '../..');
/** Screenshots for people to look at (git-ignored); docs/images holds the committed ones. */
export const SCREENSHOTS = join(ROOT, 'test-results', 'ui');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The UI built by the globalSetup, or undefined when Chromium is missing (nothing to drive it). */
    fathomUiDir: string | undefined;
  }
}

/** vitest globalSetup: builds the UI once for the run. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM)) {
    project.provide('fathomUiDir', undefined);
    return async () => undefined;
  }
  const outDir = await mkdtemp(join(tmpdir(), 'fathom-ui-'));
  const started = Date.now();
  await buildUi(outDir);
  console.info(`web UI built for the e2e tests in ${Date.now() - started} ms`);
  project.provide('fathomUiDir', outDir);
  return () => rm(outDir, { recursive: true, force: true });
}

/** `vite build` of the UI into a folder (the project's vite.config.ts, another outDir). */
export async function buildUi(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}


