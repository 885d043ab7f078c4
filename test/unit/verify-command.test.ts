import { Readable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UploadArtifact } from '../../src/application/use-cases/artifacts/upload-artifact.js';
import { buildContainer } from '../../src/composition-root.js';
import { loadConfig } from '../../src/config.js';
import { formatBytes } from '../../src/format-bytes.js';
import { describeProblem, verifyStore } from '../../src/verify-command.js';
import { CreateExperiment } from '../../src/application/use-cases/experiments/create-experiment.js';
import { CreateRun } from '../../src/application/use-cases/runs/create-run.js';
import { FixedClock } from '../support/fixed-clock.js';
import { TOKENS } from '../../src/application/tokens.js';
import { ANONYMOUS } from '../../src/domain/access.js';

/** `fathom verify` in process: what it prints and the exit code it sets (the process test runs the built binary). */
describe('fathom verify, in process', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function storeWith(contents: Record<string, string | Buffer>): Promise<{ dataDir: string; paths: Record<string, string> }> {
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-verify-cmd-'));
    dirs.push(dataDir);
    const fathom = await buildContainer({ dataDir, maxUploadBytes: 1024 ** 3, store: 'sqlite' });
    fathom.container.register(TOKENS.Clock, { useValue: new FixedClock() });
    const paths: Record<string, string> = {};
    try {
      const experiment = await fathom.container.resolve(CreateExperiment).execute({ name: 'verify' }, ANONYMOUS);
      const run = await fathom.container.resolve(CreateRun).execute(experiment.id, {}, ANONYMOUS);
      for (const [name, content] of Object.entries(contents)) {
        const artifact = await fathom.container.resolve(UploadArtifact).execute(run.id, { content: Readable.from(Buffer.from(content)), fields: async () => ({ name }) });
        paths[name] = artifact.path;
      }
    } finally {
      await fathom.close();
    }
    return { dataDir, paths };
  }

  const printed = () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    return lines;
  };

  it('prints a summary and leaves the exit code alone when every blob is intact', async () => {
    const { dataDir } = await storeWith({ 'a.bin': Buffer.alloc(3000, 1) });
    const lines = printed();
    await verifyStore(loadConfig(['--data-dir', dataDir], {}));
    expect(lines[0]).toContain(`fathom verify: checking every artifact recorded in ${dataDir}/fathom.db`);
    expect(lines.at(-1)).toMatch(/^fathom verify: checked 1 artifact versions over 1 blobs \(2\.9 KiB\) in \d+\.\d s; every blob holds what its records say$/);
    expect(process.exitCode).toBeUndefined();
  });

  it('prints a line per damaged artifact version and sets exit code 1', async () => {
    const { dataDir, paths } = await storeWith({ 'a.bin': 'original' });
    await writeFile(join(dataDir, 'blobs', paths['a.bin'] as string), 'ORIGINAL');
    const lines = printed();
    await verifyStore(loadConfig(['--data-dir', dataDir], {}));
    expect(lines.filter((line) => line.startsWith('DAMAGED'))).toHaveLength(1);
    expect(lines.at(-1)).toContain('1 artifact version with a damaged, missing or unreadable blob');
    expect(process.exitCode).toBe(1);
  });

  it('describes an unreadable blob with the reason', () => {
    const line = describeProblem({
      kind: 'unreadable',
      runId: 'r',
      experimentId: 'e',
      artifact: 'a.bin',
      version: '2',
      blob: 'sha256/ab/ab',
      expected: { sha256: 'ab', size: 1 },
      reason: 'EIO',
    });
    expect(line).toBe("UNREADABLE artifact 'a.bin' version 2 of run r (experiment e): blob sha256/ab/ab could not be read (EIO); recorded 1 bytes with SHA-256 ab");
  });

  it('formats byte counts for people', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 3].map(formatBytes)).toEqual(['0 bytes', '1023 bytes', '1.0 KiB', '1.5 KiB', '5.0 GiB']);
  });
});
