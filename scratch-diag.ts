import { chromium } from 'playwright-core';
import { startFathom } from './test/bench/server.js';
import { comparisonSeries, searchRuns } from './test/bench/workloads/reads.js';
import { CHROMIUM, CHROMIUM_FLAGS } from './test/support/ui-build.js';
import { FIRST_ROW, compareChart } from './test/bench/workloads/ui.js';

const fathom = await startFathom({});
try {
  const common = { base: fathom.base, target: { host: fathom.host, port: fathom.port }, warmupMs: 100, durationMs: 300, serverPid: fathom.pid };
  const search = await searchRuns({ ...common, runs: 10000 });
  const series = await comparisonSeries({ ...common, runs: 100, pointsPerRun: 10_000 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const base = `${fathom.base}/`;
  for (const [url, sel] of [[`${base}#/experiments/${search.experimentId}`, FIRST_ROW], [`${base}#/compare?runs=${series.runIds.join(',')}&metrics=val%2Floss`, compareChart(100)]] as const) {
    for (let r = 0; r < 3; r++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const t0 = performance.now();
      const log: string[] = [];
      page.on('request', (q) => log.push(`${(performance.now() - t0).toFixed(0)} req ${q.method()} ${q.url().slice(base.length, base.length + 60)}`));
      page.on('requestfinished', (q) => log.push(`${(performance.now() - t0).toFixed(0)} done ${q.url().slice(base.length, base.length + 60)}`));
      await page.goto(url, { waitUntil: 'commit' });
      await page.locator(sel).first().waitFor({ timeout: 60000 });
      log.push(`${(performance.now() - t0).toFixed(0)} VISIBLE`);
      console.log(log.join('\n'), '\n---');
      await context.close();
    }
  }
  await browser.close();
} finally {
  await fathom.stop();
}
