import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../support/ui-build.js';

/**
 * W9: the web UI in headless Chromium, on data the read workloads left on the server: how long
 * until a person sees the first rows of the run table of an experiment with 10,000 runs, and
 * the compare page's chart of 100 runs × 10,000 points. Each measurement is a cold visit (a new
 * browser context: nothing cached), from the start of navigation to the frame that paints the
 * element, on the page's own clock.
 *
 * The ceiling, measured in the same browser in the same run: navigating to a trivial page (the
 * server's /healthz, shown as text), i.e. what any page costs on this machine before the UI does
 * anything.
 */

/** The trivial page: Chromium shows a JSON answer as text in a <pre>. */
const TRIVIAL = 'pre';
/** The run table's rows (pages/experiment): the first one visible means the table is on screen. */
export const FIRST_ROW = 'table[aria-label="Runs"] tbody tr[aria-rowindex]';
/** The compare chart's canvas holder once uPlot has drawn `n` lines. */
export const compareChart = (n: number) => `.chart-canvas[data-series-count="${n}"] canvas`;

export interface UiResult {
  trivialMs: number[];
  firstRowsMs: number[];
  compareChartMs: number[];
  runs: number;
  seriesRuns: number;
  pointsPerRun: number;
}

export interface UiOptions {
  base: string;
  /** The experiment of W5 (its runs carry 10 parameters and 5 metrics each). */
  experimentId: string;
  runs: number;
  /** The runs of the series workload and their metric key. */
  seriesRunIds: string[];
  seriesKey: string;
  pointsPerRun: number;
  repeats: number;
}

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install -y chromium)`;
}

export async function browserPages(options: UiOptions): Promise<UiResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  try {
    const base = options.base.endsWith('/') ? options.base : `${options.base}/`;
    const compareUrl = `${base}#/compare?runs=${options.seriesRunIds.join(',')}&metrics=${encodeURIComponent(options.seriesKey)}`;
    const result: UiResult = { trivialMs: [], firstRowsMs: [], compareChartMs: [], runs: options.runs, seriesRuns: options.seriesRunIds.length, pointsPerRun: options.pointsPerRun };
    // One visit of each first, not counted: Chromium's own first start of a renderer is not the UI's.
    await visit(browser, `${base}healthz`, TRIVIAL);
    for (let i = 0; i < options.repeats; i++) {
      result.trivialMs.push(await visit(browser, `${base}healthz`, TRIVIAL));
      result.firstRowsMs.push(await visit(browser, `${base}#/experiments/${options.experimentId}`, FIRST_ROW));
      result.compareChartMs.push(await visit(browser, compareUrl, compareChart(options.seriesRunIds.length)));
    }
    return result;
  } finally {
    await browser.close();
  }
}

/**
 * Milliseconds from the start of the navigation (the page's own clock: performance.now() counts
 * from it) to the first animation frame in which `selector` matches, i.e. the frame that paints
 * it. The page's clock leaves out the browser-driver's own latency, which is not the UI's.
 */
async function visit(browser: Browser, url: string, selector: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  try {
    await context.addInitScript(`(() => {
      const selector = ${JSON.stringify(selector)};
      const look = () => {
        if (window.__fathomShown !== undefined || !document.querySelector(selector)) return;
        window.__fathomShown = null;
        requestAnimationFrame(() => { window.__fathomShown = performance.now(); });
      };
      new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true });
      document.addEventListener('DOMContentLoaded', look);
    })();`);
    const page = await context.newPage();
    watch(page, problems);
    await page.goto(url, { waitUntil: 'commit' });
    // Polled from here: the page's Content-Security-Policy refuses waitForFunction's in-page eval.
    const ms = await shownAt(page);
    if (problems.length > 0) throw new Error(`W9 ${url}: the browser reported problems:\n${problems.join('\n')}`);
    return ms;
  } finally {
    await context.close();
  }
}

async function shownAt(page: Page): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const shown = (await page.evaluate('window.__fathomShown')) as number | null | undefined;
    if (typeof shown === 'number') return shown;
    if (Date.now() > deadline) throw new Error(`W9 ${page.url()}: nothing matched within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function watch(page: Page, problems: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
}
