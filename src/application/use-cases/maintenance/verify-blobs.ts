import { inject, injectable } from 'tsyringe';
import { contentAddress, type Artifact } from '../../../domain/artifact.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import type { ArtifactRepository } from '../../ports/artifact-repository.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { ContentDigest, Digest } from '../../ports/content-digest.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';
import { eachConcurrently, experimentPages, IN_FLIGHT, runBatches } from './store-walk.js';

/** One artifact version whose blob is not what its record promises. */
export interface BlobProblem {
  /** missing: no blob at the key; damaged: other bytes than recorded; unreadable: the store failed to read it. */
  kind: 'missing' | 'damaged' | 'unreadable';
  runId: string;
  experimentId: string;
  artifact: string;
  version: string;
  blob: string;
  expected: Digest;
  /** What the blob holds (damaged only). */
  actual?: Digest;
  /** Why reading failed (unreadable only). */
  reason?: string;
}

export interface VerifyReport {
  /** Artifact records checked: every version of every name, in runs of every state. */
  artifacts: number;
  /** Distinct blobs read (records sharing content share a blob, read once). */
  blobs: number;
  /** Bytes read. */
  bytes: number;
  /** Artifact versions with a problem (each also given to `onProblem`). */
  problems: number;
}

export interface VerifyOptions {
  /** Called for every problem as it is found, so a store with many is reported without holding them. */
  onProblem?: (problem: BlobProblem) => void;
  /** Called after each batch of runs with the totals so far. */
  onProgress?: (report: Readonly<VerifyReport>) => void;
}

/** What reading one blob found: its digest, or why there was none. */
type Reading = { digest: Digest } | { missing: true } | { failed: string };

/**
 * `fathom verify`: reads every blob an artifact record points at, re-hashes it and compares it
 * with each record (SHA-256, size, and the content address itself). Reads only: nothing is
 * repaired, deleted or rewritten, so it is safe on a live store. Blobs no record points at are
 * `fathom gc`'s business, not looked at here.
 */
@injectable()
export class VerifyBlobs {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
    @inject(TOKENS.ContentDigest) private readonly digest: ContentDigest,
  ) {}

  async execute(options: VerifyOptions = {}): Promise<VerifyReport> {
    const report: VerifyReport = { artifacts: 0, blobs: 0, bytes: 0, problems: 0 };
    const experimentIds: ExperimentId[] = [];
    for await (const page of experimentPages(this.experiments)) experimentIds.push(...page.map((experiment) => experiment.id));
    // Per blob already read, what it held: content shared by many records is read once.
    const readings = new Map<string, Reading>();
    for await (const { ids } of runBatches(this.runs, experimentIds)) {
      const artifacts = [...(await this.artifacts.listForRuns(ids)).values()].flat();
      const unread = [...new Set(artifacts.map((artifact) => artifact.path))].filter((key) => !readings.has(key));
      await eachConcurrently(unread, IN_FLIGHT, async (key) => {
        const reading = await this.read(key);
        readings.set(key, reading);
        report.blobs++;
        if ('digest' in reading) report.bytes += reading.digest.size;
      });
      for (const artifact of artifacts) {
        report.artifacts++;
        const problem = problemOf(artifact, readings.get(artifact.path) as Reading);
        if (!problem) continue;
        report.problems++;
        options.onProblem?.(problem);
      }
      options.onProgress?.(report);
    }
    return report;
  }

  private async read(key: string): Promise<Reading> {
    try {
      return { digest: await this.digest.digest(await this.blobs.get(key)) };
    } catch (error) {
      if (error instanceof NotFoundError) return { missing: true };
      // One unreadable blob (an I/O error, a refused object) is reported, not a reason to stop.
      return { failed: error instanceof Error ? error.message : String(error) };
    }
  }
}

function problemOf(artifact: Artifact, reading: Reading): BlobProblem | undefined {
  const expected = { sha256: artifact.sha256, size: artifact.size };
  const base = { runId: artifact.runId, experimentId: artifact.experimentId, artifact: artifact.name, version: artifact.version, blob: artifact.path, expected };
  if ('missing' in reading) return { kind: 'missing', ...base };
  if ('failed' in reading) return { kind: 'unreadable', ...base, reason: reading.failed };
  const actual = reading.digest;
  const address = contentAddress(actual.sha256);
  if (actual.sha256 === expected.sha256 && actual.size === expected.size && address === artifact.path) return undefined;
  return { kind: 'damaged', ...base, actual };
}
