import type { BlobProblem, VerifyReport } from './application/use-cases/maintenance/verify-blobs.js';
import { VerifyBlobs } from './application/use-cases/maintenance/verify-blobs.js';
import { buildContainer } from './composition-root.js';
import type { Config } from './config.js';
import { formatBytes } from './format-bytes.js';

/**
 * `fathom verify`: re-hashes every blob an artifact record points at and prints a line per
 * artifact version whose blob is damaged, missing or unreadable, then a summary. Exits non-zero
 * when anything is wrong. Reads only.
 */
export async function verifyStore(config: Config): Promise<void> {
  // Never creates a database: a mistyped data directory is an error, not an empty, "intact" store.
  const fathom = await buildContainer({ ...config, requireExisting: true });
  try {
    const where = config.store === 'postgres' ? 'PostgreSQL' : `${config.dataDir}/fathom.db`;
    console.log(`fathom verify: checking every artifact recorded in ${where} against its blob in ${fathom.blobRoot}`);
    const started = Date.now();
    let printed = started;
    const report = await fathom.container.resolve(VerifyBlobs).execute({
      onProblem: (problem) => console.log(describeProblem(problem)),
      onProgress: (sofar) => {
        // A line every few seconds, so a long check over a remote bucket shows it is alive.
        if (Date.now() - printed < 5000) return;
        printed = Date.now();
        console.log(`… ${describeTotals(sofar)} so far`);
      },
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (report.problems === 0) {
      console.log(`fathom verify: ${describeTotals(report)} in ${seconds} s; every blob holds what its records say`);
    } else {
      console.log(
        `fathom verify: ${describeTotals(report)} in ${seconds} s; ${report.problems} artifact version${report.problems === 1 ? '' : 's'} ` +
          'with a damaged, missing or unreadable blob (listed above): restore those blobs from a backup, or delete and upload those artifacts again',
      );
      process.exitCode = 1;
    }
  } finally {
    await fathom.close();
  }
}

function describeTotals(report: Readonly<VerifyReport>): string {
  return `checked ${report.artifacts} artifact versions over ${report.blobs} blobs (${formatBytes(report.bytes)})`;
}

/** One line per problem, with everything needed to find the record and the blob. */
export function describeProblem(problem: BlobProblem): string {
  const what = `artifact '${problem.artifact}' version ${problem.version} of run ${problem.runId} (experiment ${problem.experimentId})`;
  const recorded = `${problem.expected.size} bytes with SHA-256 ${problem.expected.sha256}`;
  if (problem.kind === 'missing') return `MISSING    ${what}: blob ${problem.blob} does not exist; recorded ${recorded}`;
  if (problem.kind === 'unreadable') return `UNREADABLE ${what}: blob ${problem.blob} could not be read (${problem.reason ?? 'unknown error'}); recorded ${recorded}`;
  const actual = problem.actual ? `${problem.actual.size} bytes with SHA-256 ${problem.actual.sha256}` : 'other content';
  return `DAMAGED    ${what}: blob ${problem.blob} holds ${actual}; recorded ${recorded}`;
}
