import { startFathom } from './test/bench/server.js';
import { comparisonSeries, searchRuns } from './test/bench/workloads/reads.js';
import { browserPages } from './test/bench/workloads/ui.js';

const fathom = await startFathom({ dataDir: process.env.W9_DIR });
try {
  const common = { base: fathom.base, target: { host: fathom.host, port: fathom.port }, warmupMs: 100, durationMs: 300, serverPid: fathom.pid };
  const runs = Number(process.env.W9_RUNS ?? 10000);
  const search = await searchRuns({ ...common, runs });
  const series = await comparisonSeries({ ...common, runs: Number(process.env.W9_SERIES ?? 100), pointsPerRun: 10_000 });
  console.log('seeded; series p50', series.latency.p50);
  for (let i = 0; i < 2; i++) {
    const ui = await browserPages({ base: fathom.base, experimentId: search.experimentId, runs, seriesRunIds: series.runIds, seriesKey: series.key, pointsPerRun: 10_000, repeats: 3 });
    console.log(JSON.stringify(ui));
  }
} finally {
  await fathom.stop();
}
