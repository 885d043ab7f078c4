import { startFathom } from './test/bench/server.js';
import { comparisonSeries } from './test/bench/workloads/reads.js';
const fathom = await startFathom({});
try {
  const common = { base: fathom.base, target: { host: fathom.host, port: fathom.port }, warmupMs: 100, durationMs: 300, serverPid: fathom.pid };
  const series = await comparisonSeries({ ...common, runs: 100, pointsPerRun: 10_000 });
  for (const maxPoints of [1000, 1000, 400, 400, 250]) {
    const t0 = performance.now();
    const r = await fetch(`${fathom.base}/api/metrics/series`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ runIds: series.runIds, keys: ['val/loss'], maxPoints }) });
    const text = await r.text();
    console.log(maxPoints, (performance.now() - t0).toFixed(0), 'ms', text.length, 'bytes');
  }
} finally { await fathom.stop(); }
