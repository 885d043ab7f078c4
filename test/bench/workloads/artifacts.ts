import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { createRun } from '../api.js';

/**
 * W6, artifacts: one file of `bytes` uploaded (multipart, streamed from disk) and downloaded
 * (streamed into a SHA-256), each verified against the file's own hash, while the server's
 * resident memory is sampled every 20 ms: a server that streams stays far below the file's size.
 * The ceiling is the disk: the same file written (and fsynced) and read back sequentially.
 */
export interface ArtifactResult {
  bytes: number;
  uploadMBps: number;
  downloadMBps: number;
  uploadMs: number;
  downloadMs: number;
  sha256: string;
  /** The server's highest resident set size during the transfers, in bytes (Linux). */
  peakRssBytes: number | undefined;
  /** Its resident set size just before them. */
  startRssBytes: number | undefined;
  disk: { writeMBps: number; readMBps: number };
}

const MB = 1024 * 1024;

/** The server's resident set size (VmRSS), or undefined off Linux. */
async function rss(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kib = status && /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kib ? Number(kib) * 1024 : undefined;
}

export async function artifactTransfer(options: { base: string; experimentId: string; bytes: number; serverPid: number }): Promise<ArtifactResult> {
  const file = join(tmpdir(), `fathom-bench-artifact-${process.pid}.bin`);
  try {
    // Disk ceiling, write: the file itself, in 8 MiB blocks of random bytes (nothing compresses), fsynced.
    const block = randomBytes(8 * MB);
    const hash = createHash('sha256');
    const writeStarted = performance.now();
    const handle = await open(file, 'w');
    for (let written = 0; written < options.bytes; written += block.length) {
      const part = block.subarray(0, Math.min(block.length, options.bytes - written));
      // Each block differs from the last (its first bytes count up), so no two are alike.
      part.writeUInt32LE(written / block.length, 0);
      await handle.write(part);
      hash.update(part);
    }
    await handle.sync();
    await handle.close();
    const writeMs = performance.now() - writeStarted;
    const sha256 = hash.digest('hex');
    // Disk ceiling, read (from the page cache, most likely: this is the best a reader can do).
    const readStarted = performance.now();
    await pipeline(createReadStream(file, { highWaterMark: 8 * MB }), createHash('sha256'));
    const readMs = performance.now() - readStarted;

    const runId = await createRun(options.base, options.experimentId, 'w6');
    const startRss = await rss(options.serverPid);
    let peak: number | undefined;
    const sampler = setInterval(() => {
      void rss(options.serverPid).then((value) => {
        if (value !== undefined) peak = Math.max(peak ?? 0, value);
      });
    }, 20);
    try {
      const uploadStarted = performance.now();
      const uploaded = await upload(options.base, runId, file, options.bytes);
      const uploadMs = performance.now() - uploadStarted;
      if (uploaded.sha256 !== sha256 || uploaded.size !== options.bytes) {
        throw new Error(`W6: the server recorded ${uploaded.size} bytes with SHA-256 ${uploaded.sha256}; the file has ${options.bytes} and ${sha256}`);
      }
      const downloadStarted = performance.now();
      const downloaded = await download(options.base, runId);
      const downloadMs = performance.now() - downloadStarted;
      if (downloaded.sha256 !== sha256 || downloaded.bytes !== options.bytes) {
        throw new Error(`W6: the download had ${downloaded.bytes} bytes with SHA-256 ${downloaded.sha256}; the file has ${options.bytes} and ${sha256}`);
      }
      const mbps = (ms: number) => options.bytes / MB / (ms / 1000);
      return {
        bytes: options.bytes,
        uploadMBps: mbps(uploadMs),
        downloadMBps: mbps(downloadMs),
        uploadMs,
        downloadMs,
        sha256,
        peakRssBytes: peak,
        startRssBytes: startRss,
        disk: { writeMBps: mbps(writeMs), readMBps: mbps(readMs) },
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await rm(file, { force: true });
  }
}

/** A multipart upload streamed from the file: a name field, then the file part. */
function upload(base: string, runId: string, file: string, bytes: number): Promise<{ sha256: string; size: number }> {
  const boundary = `fathom-bench-${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="name"\r\n\r\nmodels/w6.bin\r\n` +
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="w6.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL(`${base}/api/runs/${runId}/artifacts`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + bytes + tail.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 201) reject(new Error(`W6 upload answered ${res.statusCode}: ${text.slice(0, 500)}`));
          else resolve(JSON.parse(text) as { sha256: string; size: number });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.write(head);
    const content = createReadStream(file, { highWaterMark: 1 * MB });
    content.on('error', reject);
    content.on('end', () => req.end(tail));
    content.pipe(req, { end: false });
  });
}

function download(base: string, runId: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(`${base}/api/runs/${runId}/artifacts/models/w6.bin`), (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`W6 download answered ${res.statusCode}`));
        res.resume();
        return;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      res.on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

