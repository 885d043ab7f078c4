import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The worker's whole program. It is plain CommonJS evaluated from this string, so it runs the
 * same from the TypeScript sources (tests) and from dist/.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
db.pragma('synchronous = ' + workerData.synchronous);
parentPort.on('message', (message) => {
  if (message === 'checkpoint') {
    let result;
    try {
      result = db.pragma('wal_checkpoint(PASSIVE)')[0];
    } catch (error) {
      result = { error: String(error && error.message) };
    }
    parentPort.postMessage(result);
  } else {
    db.close();
    parentPort.close();
  }
});
`;

export interface CheckpointerOptions {
  file: string;
  synchronous: 'NORMAL' | 'FULL';
  busyTimeoutMs: number;
}

/**
 * Copies committed WAL frames back into the database file on a worker thread, with its own
 * connection, so the writing connection (on the event loop) rarely has to. A PASSIVE checkpoint
 * never blocks the writer or readers: it copies what it can and leaves the rest for next time.
 *
 * The worker starts on the first request, so a database that is never written much never starts
 * one. Requests that arrive while a checkpoint runs are folded into one follow-up.
 */
export class BackgroundCheckpointer {
  private worker: Worker | undefined;
  private running = false;
  private wanted = false;
  private closing: Promise<void> | undefined;
  /** Checkpoints finished so far (for tests and diagnostics). */
  completed = 0;
  /** WAL frames the last checkpoint found, and how many of them it copied back. */
  lastResult: { log: number; checkpointed: number } | undefined;
  /** The last error a checkpoint reported, if any; the next request tries again. */
  lastError: string | undefined;

  constructor(private readonly options: CheckpointerOptions) {}

  /** Asks for a checkpoint. Never throws: a worker that cannot start is reported in lastError. */
  request(): void {
    if (this.closing) return;
    if (this.running) {
      this.wanted = true;
      return;
    }
    try {
      const worker = this.start();
      this.running = true;
      worker.postMessage('checkpoint');
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
    }
  }

  /**
   * Waits for a running checkpoint, then closes the worker's connection and ends it. The worker
   * is referenced again meanwhile, so a process that is shutting down waits for it.
   */
  close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      worker.ref();
      worker.once('exit', () => resolve());
      worker.postMessage('close');
    });
    return this.closing;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...this.options, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    // Never keeps the process alive on its own.
    worker.unref();
    worker.on('message', (result: { error?: string; log?: number; checkpointed?: number }) => {
      this.running = false;
      this.completed++;
      this.lastError = result.error;
      if (result.log !== undefined) this.lastResult = { log: result.log, checkpointed: result.checkpointed ?? 0 };
      if (this.wanted) {
        this.wanted = false;
        this.request();
      }
    });
    worker.on('error', (error) => {
      // The writing connection's own automatic checkpoints still bound the WAL.
      this.lastError = error.message;
      this.running = false;
      this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
