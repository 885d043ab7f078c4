import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createExperiment } from './api.js';
import {
  METRIC_POINTS_DDL,
  metricPointsSchema,
  postgresInsertCeiling,
  rawInsertCeiling,
  trivialRouteCeiling,
  type PostgresInsertResult,
  type RawInsertResult,
  type TrivialRouteResult,
} from './ceilings.js';
import { formatProfile, summariseCpuProfile, type ProfileSummary } from './profile.js';
import { describeCpu, waitForQuiet, watchDatabase, type CpuShares } from './cpu.js';
import { BenchPostgres, DB_POOL_SIZE, tableBytes } from './postgres.js';
import { formatTable, machine, number, revision, writeJson, type Row } from './report.js';
import { databaseBytes, newestCpuProfile, ROOT, startFathom, type RunningFathom } from './server.js';
import { batchIngest, type IngestResult } from './workloads/ingest.js';
import { singleMetricLogging, type SingleResult } from './workloads/single.js';
import { MLFLOW_BATCH_METRICS, mlflowBatchLogging, type MlflowBatchResult } from './workloads/mlflow.js';
import { timeStartup, type StartupResult } from './workloads/startup.js';
import { artifactTransfer, type ArtifactResult } from './workloads/artifacts.js';
import { comparisonSeries, historyReads, searchRuns, type HistoryResult, type SearchResult, type SeriesResult } from './workloads/reads.js';
import { browserPages, chromiumMissing, type UiResult } from './workloads/ui.js';
import type { Durability } from '../../src/adapters/persistence/sqlite/sqlite-database.js';

/**
 * `npm run bench [-- options]`: builds the server, measures the ceilings and the workloads in one
 * run, prints one table and writes it to bench-results/latest.json.
 *
 *   --quick          about 2 s per measurement (the whole run well under a minute)
 *   --duration <s>   seconds per measurement (default 10; --quick: 2)
 *   --store <name>   FATHOM_STORE for the server (default: the server's default store); with
 *                    postgres, the bench starts a throwaway durable PostgreSQL 15 cluster, gives
 *                    each server that needs an empty store a new database, and also measures W3
 *                    on two servers sharing one database
 *   --durability <d> FATHOM_DURABILITY for the server and the raw ceiling (default: normal)
 *   --profile        run the server under `node --cpu-prof` and summarise where its time went
 *                    (profiling slows it down: take figures from a run without it)
 *   --quiet <cores>  before each measurement, wait (up to 5 minutes) until other processes use
 *                    fewer than this many cores, and measure again (up to 3 times) when they used
 *                    more during it; e.g. --quiet 0.3 on a shared machine
 *   --no-build       use dist/ as it is
 *   --strict         exit 1 when a target is not met
 */

const TARGETS = { uiFirstRowsMs: 1000, uiCompareChartMs: 1000, mlflowBatchP50Ms: 5, pointsPerSecond: 300_000, postgresPointsPerSecond: 200_000, rawInsertRatio: 0.4, bytesPerPoint: 40, searchP50Ms: 20, downsampledP50Ms: 100, seriesP50Ms: 300, artifactPeakRssMB: 200 };
/** Data sizes of the read workloads: the issue's in a full run, smaller with --quick. */
const READ_SIZES = {
  full: { historyPoints: 1_000_000, searchRuns: 10_000, seriesRuns: 100, seriesPoints: 10_000, artifactBytes: 1024 ** 3 },
  quick: { historyPoints: 100_000, searchRuns: 1_000, seriesRuns: 10, seriesPoints: 10_000, artifactBytes: 64 * 1024 ** 2 },
};
const POINTS_PER_REQUEST = 1_000;
/** W3 on two servers (PostgreSQL): connections in all, half on each; compared with one server at as many. */
const TWO_SERVER_CONNECTIONS = 4;
const RESULTS = join(ROOT, 'bench-results');

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      store: { type: 'string' },
      durability: { type: 'string', default: 'normal' },
      profile: { type: 'boolean', default: false },
      quiet: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const seconds = values.duration === undefined ? (values.quick ? 2 : 10) : Number(values.duration);
  if (!(seconds > 0)) throw new Error(`--duration must be a positive number of seconds, not '${values.duration}'`);
  const quiet = values.quiet === undefined ? undefined : Number(values.quiet);
  if (quiet !== undefined && !(quiet > 0)) throw new Error(`--quiet must be a positive number of cores, not '${values.quiet}'`);
  const durability = values.durability;
  if (durability !== 'normal' && durability !== 'strict') throw new Error(`--durability must be normal or strict, not '${durability}'`);
  return {
    quick: values.quick,
    durationMs: seconds * 1000,
    warmupMs: values.quick ? 500 : 2000,
    store: values.store,
    durability: durability as Durability,
    profile: values.profile,
    quiet,
    build: !values['no-build'],
    strict: values.strict,
  };
}

function say(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

const quietNotes: string[] = [];
const ATTEMPTS = 3;

/**
 * Runs one measurement. With --quiet: first waits for the machine to calm down, and when other
 * processes still used more than the threshold during the measurement, discards it and measures
 * again (at most three times; the notes say when none was quiet).
 */
async function measure<T>(what: string, quiet: number | undefined, serverPid: number | readonly number[], run: () => Promise<T>, cpuOf: (result: T) => CpuShares[], discard?: (result: T) => void): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    if (quiet !== undefined) {
      const wait = await waitForQuiet({ maxOthers: quiet, timeoutMs: 5 * 60_000, serverPid });
      if (wait.waitedMs > 1500) say(`waited ${number(wait.waitedMs / 1000)} s for a quiet machine${wait.quiet ? '' : ' (gave up)'}`);
    }
    say(`${what}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    const result = await run();
    const others = Math.max(0, ...cpuOf(result).map((c) => c.others ?? 0));
    if (quiet === undefined || others <= quiet) return result;
    if (attempt === ATTEMPTS) {
      quietNotes.push(`${what}: other processes used ${others.toFixed(2)} cores during each of ${ATTEMPTS} attempts; the last one is reported`);
      return result;
    }
    say(`other processes used ${others.toFixed(2)} cores during it: measuring again`);
    discard?.(result);
  }
}

type Options = ReturnType<typeof options>;

/** The raw-insert ceiling of the run's store, as the table and the notes read it. */
interface RawCeiling {
  /** Its name in the table. */
  name: string;
  rowsPerSecond: number;
  bytesPerRow: number;
  /** How it was measured, for the notes. */
  notes: string[];
  result: RawInsertResult | PostgresInsertResult;
}

/** What W3's database takes on disk after its server stopped, against the points it holds. */
interface Storage {
  dbBytes: number;
  /** By file (SQLite) or by table (PostgreSQL). */
  files: Record<string, number>;
  points: number;
  bytesPerPoint: number;
}

async function main(): Promise<number> {
  const opts = options();
  // Started before the build, so a machine without PostgreSQL fails at once; stopped whatever happens.
  const postgres = opts.store === 'postgres' ? await BenchPostgres.start() : undefined;
  // Interrupted (Ctrl-C), exit through process.exit, which runs the cluster's exit hook: no server is left behind.
  const interrupted = (signal: NodeJS.Signals) => () => {
    say(`${signal}: stopping`);
    process.exit(1);
  };
  process.once('SIGINT', interrupted('SIGINT'));
  process.once('SIGTERM', interrupted('SIGTERM'));
  watchDatabase(postgres?.postmasterPid);
  try {
    return await bench(opts, postgres);
  } finally {
    watchDatabase(undefined);
    await postgres?.stop().catch((error: unknown) => say(`could not stop PostgreSQL: ${String(error)}`));
  }
}

async function bench(opts: Options, postgres: BenchPostgres | undefined): Promise<number> {
  if (opts.build) {
    say('building dist/ (tsc -p tsconfig.build.json, then the web UI with vite build)');
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  if (!existsSync(join(ROOT, 'dist/main.js'))) throw new Error('dist/main.js is missing: run npm run build');
  /** FATHOM_* settings of a server on an empty store of its own (a fresh data directory is enough for the others). */
  const freshStore = async (label: string): Promise<Record<string, string>> => (postgres ? postgres.freshStore(label) : {});

  say(`W7 start-up on an empty data directory${postgres ? ' and database' : ''} (3 starts)`);
  const startup: StartupResult[] = [await timeStartup('empty', { store: opts.store, durability: opts.durability, starts: 3, env: () => freshStore('w7-empty') })];

  const profileDir = opts.profile ? join(RESULTS, 'profiles') : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const startedAt = new Date();
  say(`starting fathom (store: ${opts.store ?? 'default'})`);
  const w3Store = await freshStore('w3');
  const fathom = await startFathom({ store: opts.store, durability: opts.durability, cpuProfileDir: profileDir, env: w3Store });
  let stopped = false;
  let raw: RawCeiling;
  let trivial: TrivialRouteResult;
  let ingest: IngestResult[];
  let twoServers: IngestResult | undefined;
  let single: SingleResult[];
  let mlflowBatch: MlflowBatchResult;
  let artifact: ArtifactResult;
  // Points of discarded attempts (and of W1/W2) stay in the database, and count for bytes per point.
  let discardedPoints = 0;
  let storage: Storage | undefined;
  let reads: { history: HistoryResult; search: SearchResult; series: SeriesResult };
  let ui: UiResult | undefined;
  try {
    raw = postgres ? await postgresCeiling(opts, postgres, fathom.pid) : await sqliteCeiling(opts, join(fathom.dataDir, 'fathom.db'), fathom.pid);
    trivial = await measure(
      `ceiling: trivial fastify route at 1 and 32 connections (${opts.durationMs / 1000} s each)`,
      opts.quiet,
      fathom.pid,
      () => trivialRouteCeiling({ warmupMs: opts.warmupMs, durationMs: opts.durationMs, connections: [1, 32] }),
      (r) => Object.values(r.byConnections).map((l) => l.cpu),
    );

    const singleExperiment = await createExperiment(fathom.base, `bench-w1-${startedAt.toISOString()}`);
    single = [];
    for (const [name, connections] of [['W1', 1], ['W2', 32]] as const) {
      single.push(
        await measure(
          `${name} single metric logging at ${connections} connection(s) (${opts.durationMs / 1000} s after ${opts.warmupMs / 1000} s warm-up)`,
          opts.quiet,
          fathom.pid,
          () =>
            singleMetricLogging({
              base: fathom.base,
              target: { host: fathom.host, port: fathom.port },
              experimentId: singleExperiment,
              connections,
              warmupMs: opts.warmupMs,
              durationMs: opts.durationMs,
              label: `${name.toLowerCase()}-${connections}conn`,
              serverPid: fathom.pid,
            }),
          (r) => [r.cpu],
          (r) => (discardedPoints += r.pointsStored),
        ),
      );
    }

    const experimentId = await createExperiment(fathom.base, `bench-w3-${startedAt.toISOString()}`);
    const w3 = (servers: RunningFathom[], connections: number): Promise<IngestResult> =>
      measure(
        `W3 batch ingest at ${connections} connection(s)${servers.length > 1 ? ` over ${servers.length} servers` : ''} (${opts.durationMs / 1000} s after ${opts.warmupMs / 1000} s warm-up)`,
        opts.quiet,
        servers.map((s) => s.pid),
        () =>
          batchIngest({
            base: fathom.base,
            target: servers.map((s) => ({ host: s.host, port: s.port })),
            experimentId,
            connections,
            warmupMs: opts.warmupMs,
            durationMs: opts.durationMs,
            pointsPerRequest: POINTS_PER_REQUEST,
            preparedBytesBudget: 2 * 1024 ** 3,
            label: `w3-${connections}conn${servers.length > 1 ? `-${servers.length}servers` : ''}`,
            serverPid: servers.map((s) => s.pid),
          }),
        (r) => [r.cpu],
        (r) => (discardedPoints += r.pointsStored),
      );
    ingest = [];
    for (const connections of [1, 4]) ingest.push(await w3([fathom], connections));
    if (postgres) {
      // A second server on the same database, each taking half the connections.
      say('starting a second fathom on the same database');
      const second = await startFathom({ store: opts.store, durability: opts.durability, env: w3Store });
      try {
        twoServers = await w3([fathom, second], TWO_SERVER_CONNECTIONS);
      } finally {
        await second.stop().catch((error: unknown) => say(`could not stop the second fathom: ${String(error)}`));
        await second.cleanUp();
      }
    }

    const mlflowExperiment = await createExperiment(fathom.base, `bench-w8-${startedAt.toISOString()}`);
    mlflowBatch = await measure(
      `W8 MLflow log-batch of ${number(MLFLOW_BATCH_METRICS)} metrics at 1 connection (${opts.durationMs / 1000} s after ${opts.warmupMs / 1000} s warm-up)`,
      opts.quiet,
      fathom.pid,
      () =>
        mlflowBatchLogging({
          base: fathom.base,
          target: { host: fathom.host, port: fathom.port },
          experimentId: mlflowExperiment,
          warmupMs: opts.warmupMs,
          durationMs: opts.durationMs,
          serverPid: fathom.pid,
        }),
      (r) => [r.cpu],
      (r) => (discardedPoints += r.pointsStored),
    );

    say('stopping fathom (SIGTERM)');
    await fathom.stop();
    stopped = true;
    const w3Database = w3Store.FATHOM_DATABASE_URL;
    const size = w3Database ? await tableBytes(w3Database).then((t) => ({ total: t.total, files: t.tables })) : await databaseBytes(join(fathom.dataDir, 'fathom.db'));
    say(`W7 start-up on the database W3 left (3 starts)`);
    startup.push(await timeStartup('loaded', { store: opts.store, durability: opts.durability, dataDir: fathom.dataDir, starts: 3, env: async () => w3Store }));
    const points = [...ingest, ...(twoServers ? [twoServers] : []), ...single, mlflowBatch].reduce((sum, r) => sum + r.pointsStored, discardedPoints);
    if (size) storage = { dbBytes: size.total, files: size.files, points, bytesPerPoint: size.total / points };
  } finally {
    if (!stopped) await fathom.stop().catch((error: unknown) => say(`could not stop fathom: ${String(error)}`));
    await fathom.cleanUp();
  }

  // The read workloads get a server and a database of their own, seeded through the API.
  say(`starting fathom for the read workloads (store: ${opts.store ?? 'default'})`);
  const reader = await startFathom({ store: opts.store, durability: opts.durability, env: await freshStore('reads') });
  try {
    const sizes = opts.quick ? READ_SIZES.quick : READ_SIZES.full;
    const common = { base: reader.base, target: { host: reader.host, port: reader.port }, warmupMs: opts.warmupMs, durationMs: opts.durationMs, serverPid: reader.pid };
    const history = await measure(
      `W4 history of ${number(sizes.historyPoints)} points: downsampled (${opts.durationMs / 1000} s) and full reads`,
      opts.quiet,
      reader.pid,
      () => historyReads({ ...common, points: sizes.historyPoints, repeats: opts.quick ? 2 : 5 }),
      (r) => [r.downsampled.cpu],
    );
    const search = await measure(
      `W5 search over ${number(sizes.searchRuns)} runs (${opts.durationMs / 1000} s)`,
      opts.quiet,
      reader.pid,
      () => searchRuns({ ...common, runs: sizes.searchRuns }),
      (r) => [r.cpu],
    );
    const series = await measure(
      `series of ${sizes.seriesRuns} runs × ${number(sizes.seriesPoints)} points (${opts.durationMs / 1000} s)`,
      opts.quiet,
      reader.pid,
      () => comparisonSeries({ ...common, runs: sizes.seriesRuns, pointsPerRun: sizes.seriesPoints }),
      (r) => [r.cpu],
    );
    reads = { history, search, series };
    // W9 on the data W5 and the series workload left: the run table and the compare chart.
    const missing = chromiumMissing();
    if (missing && process.env.CI === 'true') throw new Error(`W9 needs Chromium, which CI must provide: ${missing}`);
    if (missing) say(`W9 SKIPPED: ${missing}`);
    else {
      say(`W9: the web UI in headless Chromium (${number(search.runs)}-run table, ${series.runs} × ${number(series.pointsPerRun)} compare chart)`);
      ui = await browserPages({
        base: reader.base,
        experimentId: search.experimentId,
        runs: search.runs,
        seriesRunIds: series.runIds,
        seriesKey: series.key,
        pointsPerRun: series.pointsPerRun,
        repeats: opts.quick ? 2 : 5,
      });
    }
  } finally {
    await reader.stop().catch((error: unknown) => say(`could not stop fathom: ${String(error)}`));
    await reader.cleanUp();
  }

  // W6 on a fresh server, so its memory is the transfer's and not what earlier workloads left.
  const artifactBytes = (opts.quick ? READ_SIZES.quick : READ_SIZES.full).artifactBytes;
  say(`W6: upload and download of ${number(artifactBytes / 1024 ** 2)} MiB on a fresh server`);
  const carrier = await startFathom({ store: opts.store, durability: opts.durability, env: await freshStore('w6') });
  try {
    const experimentId = await createExperiment(carrier.base, `bench-w6-${startedAt.toISOString()}`);
    artifact = await artifactTransfer({ base: carrier.base, experimentId, bytes: artifactBytes, serverPid: carrier.pid });
  } finally {
    await carrier.stop().catch((error: unknown) => say(`could not stop fathom: ${String(error)}`));
    await carrier.cleanUp();
  }

  let profile: ProfileSummary | undefined;
  if (profileDir) {
    const file = await newestCpuProfile(profileDir);
    if (file) profile = await summariseCpuProfile(file, [...ingest, ...(twoServers ? [twoServers] : [])].map((r) => r.windowUs));
  }

  const rows: Row[] = [
    ...singleRows(single, trivial),
    mlflowBatchRow(mlflowBatch, trivial),
    ...tableRows(raw, trivial, ingest, twoServers, storage, postgres !== undefined),
    ...readRows(reads, trivial),
    ...uiRows(ui),
    ...artifactRows(artifact),
    ...startup.map((r) => ({
      workload: `W7 start-up to /readyz, ${r.label}${r.label === 'loaded' && storage ? ` (${number(storage.dbBytes / 1024 ** 2)} MiB)` : ''}`,
      figure: `best ${number(r.best)} ms of ${r.ms.map((ms) => number(ms)).join(', ')} ms`,
      value: r.best,
      unit: 'ms',
    })),
  ];
  const table = formatTable(rows);
  const onDemand = [...ingest, ...(twoServers ? [twoServers] : [])].reduce((sum, r) => sum + r.builtOnDemand, 0);
  const notes = [
    ...raw.notes,
    ...(postgres
      ? [
          `PostgreSQL: a throwaway cluster on loopback, ${Object.entries(await postgres.settings())
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}; each server's pool: FATHOM_DB_POOL_SIZE=${DB_POOL_SIZE}; a new database for W3 (with W1, W2, W8 and the two-server W3), the read workloads, W6 and each empty W7 start`,
        ]
      : []),
    ...single.map((r) => `W${r.connections === 1 ? 1 : 2} ${r.connections} conn: ${number(r.requests)} requests of one point; CPU: ${describeCpu(r.cpu)}`),
    `W8: ${number(mlflowBatch.requests)} MLflow log-batch requests of ${number(mlflowBatch.metricsPerRequest)} metrics; CPU: ${describeCpu(mlflowBatch.cpu)}`,
    ...[...ingest, ...(twoServers ? [twoServers] : [])].map(
      (r) => `W3 ${r.connections} conn${r.servers > 1 ? ` over ${r.servers} servers` : ''}: ${number(r.requests)} requests of ${number(r.meanBodyBytes / 1024, 1)} KiB; CPU: ${describeCpu(r.cpu)}`,
    ),
    ...Object.entries(trivial.byConnections).map(([conns, r]) => `trivial route ${conns} conn: CPU: ${describeCpu(r.cpu)}`),
    `${raw.name}: CPU: ${describeCpu(raw.result.cpu)}`,
    ...(storage && postgres ? [`W3 storage (PostgreSQL): tables with their indexes and TOAST: ${Object.entries(storage.files).filter(([, bytes]) => bytes > 64 * 1024).map(([name, bytes]) => `${name} ${number(bytes / 1024 ** 2, 1)} MiB`).join(', ')}`] : []),
    `W5 filter: ${reads.search.filter}, order by metrics.accuracy desc, limit 100: ${reads.search.matched} runs per page over ${number(reads.search.runs)} runs`,
    `series: ${reads.series.runs} runs × ${number(reads.series.pointsPerRun)} points, ${number(reads.series.returnedPoints)} points returned`,
    ...(ui
      ? [
          `W9: cold visits in headless Chromium at 1280×800 (a new browser context each: nothing cached), from the start of navigation to the first row of the run table / the compare chart drawn with every line; ceiling: loading /healthz in the same browser`,
        ]
      : []),
    `W4 full read: ${reads.history.fullRead.pages} pages of up to 100,000 points (method=none), one after another`,
    ...quietNotes,
    ...(onDemand > 0 ? [`${onDemand} W3 request bodies were built during the timed part (the prepared ones ran out): the client used more CPU than planned`] : []),
    ...(opts.profile ? ['the server ran under --cpu-prof: its figures are lower than without profiling'] : []),
  ];
  process.stdout.write(`\n${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
  if (profile) process.stdout.write(`\n${formatProfile(profile)}\n`);

  const file = join(RESULTS, 'latest.json');
  await writeJson(file, {
    date: startedAt.toISOString(),
    machine: machine(),
    revision: revision(ROOT),
    options: { ...opts, store: opts.store ?? 'default' },
    targets: TARGETS,
    rows,
    notes,
    details: { rawInsert: raw.result, trivialRoute: trivial, single, mlflowBatch, ingest, twoServers, storage, reads, artifact, startup, profile },
  });
  say(`wrote ${file}`);
  const unmet = rows.some((r) => r.targets?.some((t) => !t.met));
  return opts.strict && unmet ? 1 : 0;
}

/** (a) for the SQLite store (and the memory store): raw better-sqlite3 inserts into the server's own metric_points schema. */
async function sqliteCeiling(opts: Options, dbFile: string, serverPid: number): Promise<RawCeiling> {
  const schema = existsSync(dbFile) ? metricPointsSchema(dbFile) : undefined;
  const result = await measure(
    `ceiling: raw better-sqlite3 inserts (${opts.durationMs / 1000} s)`,
    opts.quiet,
    serverPid,
    () =>
      rawInsertCeiling({
        warmupMs: opts.warmupMs,
        durationMs: opts.durationMs,
        schema: schema ?? METRIC_POINTS_DDL,
        durability: opts.durability,
        rowsPerTransaction: POINTS_PER_REQUEST,
        series: 4,
      }),
    (r) => [r.cpu],
  );
  return {
    name: 'raw insert',
    rowsPerSecond: result.rowsPerSecond,
    bytesPerRow: result.bytesPerRow,
    result,
    notes: [
      `metric_points schema for the raw ceiling: ${schema ? "read from the server's fathom.db" : 'built-in copy of migration 1 (no fathom.db: not the SQLite store)'}`,
      `raw ceiling connection (opened by the store's SqliteDatabase.open, durability ${opts.durability}): ${Object.entries(result.pragmas)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ')}`,
    ],
  };
}

/** (a) for the PostgreSQL store: one client inserting rows into the same cluster, in a database of its own. */
async function postgresCeiling(opts: Options, postgres: BenchPostgres, serverPid: number): Promise<RawCeiling> {
  const result = await measure(
    `ceiling: raw PostgreSQL inserts (${opts.durationMs / 1000} s)`,
    opts.quiet,
    serverPid,
    async () =>
      postgresInsertCeiling({
        url: await postgres.createDatabase('raw'),
        warmupMs: opts.warmupMs,
        durationMs: opts.durationMs,
        rowsPerTransaction: POINTS_PER_REQUEST,
        series: 4,
      }),
    (r) => [r.cpu],
  );
  return {
    name: 'raw PostgreSQL insert',
    rowsPerSecond: result.rowsPerSecond,
    bytesPerRow: result.bytesPerRow,
    result,
    notes: [
      `raw PostgreSQL ceiling: one connection, ${number(POINTS_PER_REQUEST)} rows per transaction, each transaction one prepared statement (autocommit): ${result.statement}; raw_points is CREATE TABLE … (LIKE metric_points INCLUDING ALL) in a database migrated by the store's PostgresDatabase.open`,
    ],
  };
}

/**
 * W3's rows: points/s against the raw-insert ceiling, requests/s against the trivial route, bytes
 * per point, and with PostgreSQL the two-server figure and its comparison with one server.
 */
function tableRows(raw: RawCeiling, trivial: TrivialRouteResult, ingest: IngestResult[], twoServers: IngestResult | undefined, storage: Storage | undefined, postgres: boolean): Row[] {
  const rows: Row[] = [];
  const rawCeiling = { name: raw.name, figure: `${number(raw.rowsPerSecond)} rows/s`, value: raw.rowsPerSecond, unit: 'rows/s' };
  const label = (r: IngestResult): string => `${r.connections} conn${r.servers > 1 ? ` over ${r.servers} servers` : ''}`;
  const all = [...ingest, ...(twoServers ? [twoServers] : [])];
  for (const r of all) {
    const ratio = r.pointsPerSecond / raw.rowsPerSecond;
    // The issue's targets: PostgreSQL's is for one server; SQLite's also holds the ratio to its ceiling.
    const targets =
      r.servers > 1
        ? []
        : postgres
          ? [{ label: `>= ${number(TARGETS.postgresPointsPerSecond)} points/s`, met: r.pointsPerSecond >= TARGETS.postgresPointsPerSecond }]
          : [
              { label: `>= ${number(TARGETS.pointsPerSecond)} points/s`, met: r.pointsPerSecond >= TARGETS.pointsPerSecond },
              { label: `ratio >= ${TARGETS.rawInsertRatio * 100}%`, met: ratio >= TARGETS.rawInsertRatio },
            ];
    rows.push({
      workload: `W3 batch ingest, ${label(r)}`,
      figure: `${number(r.pointsPerSecond)} points/s`,
      value: r.pointsPerSecond,
      unit: 'points/s',
      ceiling: rawCeiling,
      ratio,
      ...(targets.length > 0 && { targets }),
    });
  }
  const oneServer = ingest.find((r) => r.connections === twoServers?.connections);
  if (twoServers && oneServer) {
    rows.push({
      workload: `W3 two servers against one, ${twoServers.connections} conn`,
      figure: `${number(twoServers.pointsPerSecond)} against ${number(oneServer.pointsPerSecond)} points/s`,
      value: twoServers.pointsPerSecond,
      unit: 'points/s',
      ceiling: { name: `one server, ${oneServer.connections} conn`, figure: `${number(oneServer.pointsPerSecond)} points/s`, value: oneServer.pointsPerSecond, unit: 'points/s' },
      ratio: twoServers.pointsPerSecond / oneServer.pointsPerSecond,
      targets: [{ label: 'two servers > one', met: twoServers.pointsPerSecond > oneServer.pointsPerSecond }],
    });
  }
  for (const r of all) {
    const conns = r.connections === 1 ? 1 : 32;
    const http = trivial.byConnections[conns];
    rows.push({
      workload: `W3 requests, ${label(r)}`,
      figure: `${number(r.requestsPerSecond)} req/s, p50 ${number(r.latency.p50, 1)} ms, p99 ${number(r.latency.p99, 1)} ms`,
      value: r.requestsPerSecond,
      unit: 'requests/s',
      ...(http && {
        ceiling: { name: `trivial route ${conns} conn`, figure: `${number(http.requestsPerSecond)} req/s`, value: http.requestsPerSecond, unit: 'requests/s' },
        ratio: r.requestsPerSecond / http.requestsPerSecond,
      }),
    });
  }
  if (storage) {
    rows.push({
      workload: 'W3 storage',
      figure: `${number(storage.bytesPerPoint, 1)} bytes/point`,
      value: storage.bytesPerPoint,
      unit: 'bytes/point',
      ceiling: { name: 'raw table', figure: `${number(raw.bytesPerRow, 1)} bytes/row`, value: raw.bytesPerRow, unit: 'bytes/row' },
      ratio: storage.bytesPerPoint / raw.bytesPerRow,
      targets: [{ label: `<= ${TARGETS.bytesPerPoint} bytes/point`, met: storage.bytesPerPoint <= TARGETS.bytesPerPoint }],
    });
  } else {
    rows.push({ workload: 'W3 storage', figure: 'n/a (no fathom.db)', value: NaN, unit: 'bytes/point', targets: [{ label: `<= ${TARGETS.bytesPerPoint} bytes/point`, met: false }] });
  }
  rows.push({ workload: `ceiling: ${raw.name}`, figure: `${number(raw.rowsPerSecond)} rows/s, ${number(raw.bytesPerRow, 1)} bytes/row`, value: raw.rowsPerSecond, unit: 'rows/s' });
  for (const [conns, result] of Object.entries(trivial.byConnections)) {
    rows.push({
      workload: `ceiling: trivial route, ${conns} conn`,
      figure: `${number(result.requestsPerSecond)} req/s, p50 ${number(result.latency.p50, 2)} ms, p99 ${number(result.latency.p99, 2)} ms`,
      value: result.requestsPerSecond,
      unit: 'requests/s',
    });
  }
  return rows;
}

/** W6: each direction against the disk, and the server's peak memory. */
function artifactRows(a: ArtifactResult): Row[] {
  const size = `${number(a.bytes / 1024 ** 2)} MiB`;
  const peakMB = a.peakRssBytes === undefined ? undefined : a.peakRssBytes / 1024 ** 2;
  return [
    {
      workload: `W6 artifact upload, ${size}`,
      figure: `${number(a.uploadMBps)} MB/s (${number(a.uploadMs)} ms), SHA-256 verified`,
      value: a.uploadMBps,
      unit: 'MB/s',
      ceiling: { name: 'disk write', figure: `${number(a.disk.writeMBps)} MB/s`, value: a.disk.writeMBps, unit: 'MB/s' },
      ratio: a.uploadMBps / a.disk.writeMBps,
    },
    {
      workload: `W6 artifact download, ${size}`,
      figure: `${number(a.downloadMBps)} MB/s (${number(a.downloadMs)} ms), SHA-256 verified`,
      value: a.downloadMBps,
      unit: 'MB/s',
      ceiling: { name: 'disk read', figure: `${number(a.disk.readMBps)} MB/s`, value: a.disk.readMBps, unit: 'MB/s' },
      ratio: a.downloadMBps / a.disk.readMBps,
    },
    {
      workload: 'W6 server peak RSS during transfers',
      figure: peakMB === undefined ? 'n/a (no /proc)' : `${number(peakMB)} MB (${number((a.startRssBytes ?? 0) / 1024 ** 2)} MB before)`,
      value: peakMB ?? NaN,
      unit: 'MB',
      targets: [{ label: `< ${TARGETS.artifactPeakRssMB} MB`, met: peakMB !== undefined && peakMB < TARGETS.artifactPeakRssMB }],
    },
  ];
}

/** W8: MLflow log-batch latency, its requests/s against the trivial route at one connection. */
function mlflowBatchRow(r: MlflowBatchResult, trivial: TrivialRouteResult): Row {
  const http = trivial.byConnections[1];
  return {
    workload: `W8 MLflow log-batch, ${number(r.metricsPerRequest)} metrics, 1 conn`,
    figure: `p50 ${number(r.latency.p50, 2)} ms, p99 ${number(r.latency.p99, 2)} ms, ${number(r.requestsPerSecond)} req/s`,
    value: r.requestsPerSecond,
    unit: 'requests/s',
    ...(http && {
      ceiling: { name: 'trivial route 1 conn', figure: `${number(http.requestsPerSecond)} req/s`, value: http.requestsPerSecond, unit: 'requests/s' },
      ratio: r.requestsPerSecond / http.requestsPerSecond,
    }),
    targets: [{ label: `p50 < ${TARGETS.mlflowBatchP50Ms} ms`, met: r.latency.p50 < TARGETS.mlflowBatchP50Ms }],
  };
}

/** W1 and W2: requests/s against the trivial route at the same number of connections. */
function singleRows(single: SingleResult[], trivial: TrivialRouteResult): Row[] {
  return single.map((r) => {
    const http = trivial.byConnections[r.connections];
    return {
      workload: `W${r.connections === 1 ? 1 : 2} single metric, ${r.connections} conn`,
      figure: `${number(r.requestsPerSecond)} req/s, p50 ${number(r.latency.p50, 2)} ms, p99 ${number(r.latency.p99, 2)} ms`,
      value: r.requestsPerSecond,
      unit: 'requests/s',
      ...(http && {
        ceiling: { name: `trivial route ${r.connections} conn`, figure: `${number(http.requestsPerSecond)} req/s`, value: http.requestsPerSecond, unit: 'requests/s' },
        ratio: r.requestsPerSecond / http.requestsPerSecond,
      }),
    };
  });
}

/** Read workloads: requests/s at one connection against the trivial route's, with their latency targets. */
function readRows(reads: { history: HistoryResult; search: SearchResult; series: SeriesResult }, trivial: TrivialRouteResult): Row[] {
  const http = trivial.byConnections[1];
  const ceiling = http && {
    ceiling: { name: 'trivial route 1 conn', figure: `${number(http.requestsPerSecond)} req/s`, value: http.requestsPerSecond, unit: 'requests/s' },
  };
  const latencyRow = (workload: string, r: { latency: { p50: number; p99: number }; requestsPerSecond: number }, targetMs: number): Row => ({
    workload,
    figure: `p50 ${number(r.latency.p50, 1)} ms, p99 ${number(r.latency.p99, 1)} ms, ${number(r.requestsPerSecond, 1)} req/s`,
    value: r.requestsPerSecond,
    unit: 'requests/s',
    ...(ceiling && { ...ceiling, ratio: r.requestsPerSecond / (http as { requestsPerSecond: number }).requestsPerSecond }),
    targets: [{ label: `p50 < ${targetMs} ms`, met: r.latency.p50 < targetMs }],
  });
  const { history, search, series } = reads;
  return [
    latencyRow(`W4 ${number(history.points)}-point history → 1,000`, history.downsampled, TARGETS.downsampledP50Ms),
    {
      workload: `W4 ${number(history.points)}-point history, full`,
      figure: `p50 ${number(history.fullRead.ms.p50)} ms, ${number(history.fullRead.pointsPerSecond)} points/s`,
      value: history.fullRead.pointsPerSecond,
      unit: 'points/s',
    },
    latencyRow(`W5 search, ${number(search.runs)} runs`, search, TARGETS.searchP50Ms),
    latencyRow(`series, ${series.runs} runs × ${number(series.pointsPerRun)}`, series, TARGETS.seriesP50Ms),
  ];
}

/** W9: each page's median against the median trivial page load in the same browser. */
function uiRows(ui: UiResult | undefined): Row[] {
  if (!ui) return [];
  const trivial = median(ui.trivialMs);
  const ceiling = { name: 'trivial page load', figure: `${number(trivial, 1)} ms`, value: trivial, unit: 'ms' };
  const row = (workload: string, samples: number[], targetMs: number): Row => {
    const ms = median(samples);
    return {
      workload,
      figure: `median ${number(ms)} ms of ${samples.map((v) => number(v)).join(', ')} ms`,
      value: ms,
      unit: 'ms',
      ceiling,
      ratio: ms / trivial,
      targets: [{ label: `< ${targetMs} ms`, met: ms < targetMs }],
    };
  };
  return [
    row(`W9 UI: first rows of a ${number(ui.runs)}-run table`, ui.firstRowsMs, TARGETS.uiFirstRowsMs),
    row(`W9 UI: compare chart, ${ui.seriesRuns} runs × ${number(ui.pointsPerRun)}`, ui.compareChartMs, TARGETS.uiCompareChartMs),
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
