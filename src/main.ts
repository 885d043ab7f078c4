#!/usr/bin/env node
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { AccessCommandError, runAccessCommand, usersAtStart } from './access-commands.js';
import { buildServer } from './adapters/http/server.js';
import type { ContentDigest } from './application/ports/content-digest.js';
import { TOKENS } from './application/tokens.js';
import { CollectGarbage } from './application/use-cases/maintenance/collect-garbage.js';
import { CopyStore, StoreCopyError, type CopyProgress, type CopyReport } from './application/use-cases/maintenance/copy-store.js';
import { COUNTED_KINDS, type StoreCounts } from './application/use-cases/maintenance/store-census.js';
import type { StorePorts } from './application/use-cases/maintenance/store-walk.js';
import { buildContainer, StartupError, type Fathom } from './composition-root.js';
import { ConfigError, DEFAULT_GC_MIN_AGE_SECONDS, loadCommand, openToTheNetwork, USAGE, type Config } from './config.js';
import { formatBytes } from './format-bytes.js';
import { verifyStore } from './verify-command.js';

/** `fathom gc`: removes blobs no record references, older than the minimum age; prints a report. */
async function collectGarbage(config: Config, minAgeSeconds: number): Promise<void> {
  // Never creates a database: a mistyped data directory is an error, not an empty store.
  const fathom = await buildContainer({ ...config, requireExisting: true });
  try {
    const report = await fathom.container.resolve(CollectGarbage).execute({ minAgeMs: minAgeSeconds * 1000 });
    console.log(
      `fathom gc: scanned ${report.scanned} blobs in ${fathom.blobRoot}; removed ${report.removed} unreferenced ` +
        `(${report.removedBytes} bytes); left ${report.recent} modified in the last ${minAgeSeconds} s unchecked`,
    );
  } finally {
    await fathom.close();
  }
}

/**
 * `fathom migrate-store`: copies the source store into the empty target, then verifies the
 * target by reading it back; prints a line per phase and the counts of both. Exits non-zero on
 * any difference.
 */
async function migrateStore(sourceConfig: Config, targetConfig: Config): Promise<void> {
  // Never creates a source: a mistyped data directory or database is an error, not an empty store.
  const source = await buildContainer({ ...sourceConfig, requireExisting: true });
  try {
    const target = await buildContainer(targetConfig);
    try {
      console.log(`fathom migrate-store: from ${describeStore(sourceConfig, source)}\n  to ${describeStore(targetConfig, target)}`);
      const started = Date.now();
      const copy = new CopyStore(storePorts(source.container), storePorts(target.container), source.container.resolve<ContentDigest>(TOKENS.ContentDigest));
      const report = await copy.execute({ onProgress: progressPrinter() });
      printReport(report, (Date.now() - started) / 1000);
      if (!report.verified) process.exitCode = 1;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

function storePorts(container: DependencyContainer): StorePorts {
  return {
    experiments: container.resolve(TOKENS.Experiments),
    runs: container.resolve(TOKENS.Runs),
    parameters: container.resolve(TOKENS.Parameters),
    metrics: container.resolve(TOKENS.Metrics),
    artifacts: container.resolve(TOKENS.Artifacts),
    runInputs: container.resolve(TOKENS.RunInputs),
    access: container.resolve(TOKENS.Access),
    blobs: container.resolve(TOKENS.Blobs),
  };
}

/** Where a store is, for people: never a database password. */
function describeStore(config: Config, fathom: Fathom): string {
  const records = config.postgres ? `PostgreSQL ${withoutPassword(config.postgres.url)}` : `SQLite ${config.dataDir}/fathom.db`;
  return `${records}, blobs in ${fathom.blobRoot}`;
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.split(':')[0] ?? 'postgres';
  }
}

/** A line when a phase ends, with how long it took, and one every few seconds while a long one runs. */
function progressPrinter(): (progress: CopyProgress) => void {
  const EVERY_MS = 5000;
  let total: Partial<StoreCounts> = {};
  let phaseStarted = Date.now();
  let printed = Date.now();
  return ({ phase, done, finished }) => {
    const now = Date.now();
    if (!finished && now - printed < EVERY_MS) return;
    printed = now;
    const n = (kind: keyof StoreCounts): number => done[kind] ?? 0;
    const of = (kind: keyof StoreCounts): string => (finished ? `${n(kind)}` : `${n(kind)} of ${total[kind] ?? '?'}`);
    const lines: Record<CopyProgress['phase'], () => string> = {
      census: () => (finished ? `source holds ${describeCounts(done)}` : `counting the source: ${n('runs')} runs so far`),
      users: () => `users: ${n('users')} copied, with ${n('tokens')} API tokens`,
      experiments: () => `experiments: ${of('experiments')} copied`,
      runs: () => `runs: ${of('runs')} copied, with ${n('parameters')} parameters and ${n('runInputs')} datasets`,
      metrics: () => `metrics: ${of('metricPoints')} points copied, ${of('metricSeries')} series`,
      artifacts: () => `artifacts: ${of('artifacts')} records copied, ${of('blobs')} blobs (${formatBytes(n('blobBytes'))}), ${of('versionMarks')} version marks`,
      verify: () =>
        finished
          ? `verify: target holds ${describeCounts(done)}`
          : `verify: read back ${of('runs')} runs, ${of('metricPoints')} points, ${of('blobs')} blobs`,
    };
    if (!finished) {
      console.log(`… ${lines[phase]()}`);
      return;
    }
    console.log(`${lines[phase]()} (${((now - phaseStarted) / 1000).toFixed(1)} s)`);
    phaseStarted = now;
    if (phase === 'census') total = done;
  };
}

function describeCounts(counts: Partial<StoreCounts>): string {
  return (
    `${counts.experiments ?? 0} experiments, ${counts.runs ?? 0} runs, ${counts.parameters ?? 0} parameters, ${counts.runInputs ?? 0} datasets, ` +
    `${counts.metricPoints ?? 0} metric points in ${counts.metricSeries ?? 0} series, ${counts.artifacts ?? 0} artifacts over ${counts.blobs ?? 0} blobs (${formatBytes(counts.blobBytes ?? 0)}), ` +
    `${counts.versionMarks ?? 0} version marks, ${counts.users ?? 0} users, ${counts.tokens ?? 0} API tokens`
  );
}

function printReport(report: CopyReport, seconds: number): void {
  const width = Math.max(...COUNTED_KINDS.map((kind) => kind.length));
  console.log(`${'counts'.padEnd(width)}  ${'source'.padStart(14)}  ${'target'.padStart(14)}`);
  for (const kind of COUNTED_KINDS) {
    const differs = report.mismatches.includes(kind) ? '  DIFFERENT' : '';
    console.log(`${kind.padEnd(width)}  ${String(report.source[kind]).padStart(14)}  ${String(report.target[kind]).padStart(14)}${differs}`);
  }
  for (const problem of report.problems) console.log(`problem: ${problem}`);
  if (report.verified) {
    console.log(`fathom migrate-store: done in ${seconds.toFixed(1)} s; the target holds everything the source did, and every blob hashes to its record`);
  } else {
    console.log(
      `fathom migrate-store: the target does NOT match the source (${report.mismatches.length} counts differ, ${report.problems.length} problems); ` +
        'was something writing to the source meanwhile? Empty the target and copy again',
    );
  }
}

/** The start-up sweep: the same collection, in the background, sparing anything recent. */
function sweepInBackground(fathom: Fathom, log: FastifyBaseLogger): void {
  fathom.container
    .resolve(CollectGarbage)
    .execute({ minAgeMs: DEFAULT_GC_MIN_AGE_SECONDS * 1000 })
    .then((report) => {
      if (report.removed > 0) log.info({ gc: report }, `removed ${report.removed} orphaned blobs`);
    })
    .catch((error: unknown) => log.warn({ err: error }, 'the start-up sweep for orphaned blobs failed; run `fathom gc` later'));
}

/** Loads config, builds the container and the server, listens; stops gracefully on SIGTERM/SIGINT. */
async function serve(config: Config): Promise<void> {
  const fathom = await buildContainer(config);
  const app = await buildServer({ container: fathom.container, limits: config.limits, logger: { level: config.logLevel }, uiDir: fileURLToPath(new URL('./ui/', import.meta.url)) });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: finishing in-flight requests');
    try {
      await app.close();
      await fathom.close();
      app.log.info('stopped');
      process.exitCode = 0;
    } catch (error) {
      app.log.error({ err: error }, 'failed to stop cleanly');
      process.exitCode = 1;
    }
  };
  // `on`, not `once`: Ctrl-C on `npm start` delivers SIGINT twice (the terminal signals the whole
  // process group, and npm forwards its own), and Node's default for the second would kill the
  // process in the middle of its shutdown. Repeats are ignored by stop().
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // The bound address, not the configured one: with FATHOM_PORT=0 the OS picks the port.
  const address = await app.listen({ host: config.host, port: config.port }).catch(async (error: NodeJS.ErrnoException) => {
    await fathom.close();
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
      throw new ConfigError(
        `cannot listen on ${config.host}:${config.port} (${error.code}); choose another with FATHOM_PORT / --port or FATHOM_HOST / --host`,
      );
    }
    throw error;
  });
  const records = config.store === 'postgres' ? { store: config.store } : { store: config.store, dataDir: config.dataDir, durability: config.durability };
  app.log.info({ ...records, blobs: fathom.blobRoot, auth: config.auth }, `Fathom is listening on ${address}`);
  const open = openToTheNetwork(config);
  if (open) {
    // Said twice, in the log and plainly on stderr: someone starting a server by hand must not miss it.
    app.log.warn({ host: config.host, auth: config.auth }, open);
    console.error(`fathom: WARNING: ${open}`);
  }
  if (config.auth === 'token') {
    const users = await usersAtStart(fathom.container);
    app.log[users.level](users.message);
  }
  // Safe on every store: the memory store keeps its blobs in a fresh directory of its own.
  sweepInBackground(fathom, app.log);
}

async function main(): Promise<void> {
  const command = loadCommand();
  if (command.name === 'help') console.log(USAGE);
  else if (command.name === 'gc') await collectGarbage(command.config, command.minAgeSeconds);
  else if (command.name === 'migrate-store') await migrateStore(command.source, command.target);
  else if (command.name === 'verify') await verifyStore(command.config);
  else if (command.name === 'access') await runAccessCommand(command.config, command.action);
  else await serve(command.config);
}

main().catch((error: unknown) => {
  if (error instanceof StoreCopyError) {
    console.error(`fathom migrate-store: ${error.message}`);
  } else if (error instanceof ConfigError || error instanceof StartupError || error instanceof AccessCommandError) {
    console.error(`fathom: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
