import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Candidates } from './kernel.ts';
import type { FromWorker, ScanSetup, ScanTask, ToWorker } from './protocol.ts';
import { Scan } from './scan.ts';

const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(RUNNING_FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url);

/** Node 20 does not pass tsx's loader hooks on to worker threads, so a .ts worker registers them itself. */
function startWorker(): Worker {
  if (!RUNNING_FROM_SOURCE) return new Worker(WORKER_URL);
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}
/** Tasks queued per worker beyond the one it is running, so it never waits for the main thread. */
const TASKS_AHEAD = 2;

export interface TaskWithTransfer {
  task: ScanTask;
  transfer: ArrayBuffer[];
}

/**
 * A pool of worker threads, each running scans on its own WebAssembly kernel. Reused across
 * searches so benchmarks can warm it once; dispose it to stop the threads.
 */
export class WorkerPool implements AsyncDisposable {
  readonly threads: number;
  private workers: Worker[] = [];

  constructor(threads = availableParallelism()) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
    this.threads = threads;
  }

  /** Runs every task over `setup` and returns one candidate set per thread used. */
  async scan(setup: ScanSetup, tasks: Iterator<TaskWithTransfer>, taskCount: number, onRowsDone?: (rows: number) => void): Promise<Candidates[]> {
    const threads = Math.min(this.threads, Math.max(1, taskCount));
    if (threads === 1) return [scanInline(setup, tasks, onRowsDone)];
    const workers = this.spawn(threads);
    return Promise.all(workers.map((worker) => runWorker(worker, setup, tasks, onRowsDone)));
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private spawn(count: number): Worker[] {
    while (this.workers.length < count) {
      const worker = startWorker();
      worker.unref();
      this.workers.push(worker);
    }
    return this.workers.slice(0, count);
  }
}

function scanInline(setup: ScanSetup, tasks: Iterator<TaskWithTransfer>, onRowsDone?: (rows: number) => void): Candidates {
  const scan = new Scan(setup);
  for (let next = tasks.next(); !next.done; next = tasks.next()) {
    scan.run(next.value.task);
    onRowsDone?.(next.value.task.count);
  }
  return scan.finish();
}

function runWorker(worker: Worker, setup: ScanSetup, tasks: Iterator<TaskWithTransfer>, onRowsDone?: (rows: number) => void): Promise<Candidates> {
  return new Promise((resolve, reject) => {
    const pending: number[] = [];
    let inFlight = 0;
    let exhausted = false;
    const send = (message: ToWorker, transfer: ArrayBuffer[] = []): void => worker.postMessage(message, transfer);
    const feed = (): void => {
      while (!exhausted && inFlight < TASKS_AHEAD + 1) {
        const next = tasks.next();
        if (next.done) exhausted = true;
        else {
          inFlight++;
          pending.push(next.value.task.count);
          send({ type: 'task', task: next.value.task }, next.value.transfer);
        }
      }
      if (exhausted && inFlight === 0) send({ type: 'finish' });
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: FromWorker): void => {
      if (message.type === 'done') {
        inFlight--;
        onRowsDone?.(pending.shift() ?? 0);
        feed();
      } else if (message.type === 'candidates') {
        cleanup();
        resolve(message.candidates);
      } else {
        cleanup();
        reject(new Error(`truth worker failed: ${message.message}`));
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`truth worker exited with code ${code} before finishing`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    send({ type: 'setup', setup });
    feed();
  });
}

/** Merges per-thread candidate sets into the k best per query (nearest first, ties by smaller id). */
export function mergeCandidates(parts: readonly Candidates[], nq: number, k: number): Candidates {
  if (parts.length === 1 && parts[0]!.k === k) return parts[0]!;
  const ids = new Int32Array(nq * k);
  const badness = new Float32Array(nq * k);
  const sizes = new Int32Array(nq);
  for (let q = 0; q < nq; q++) {
    const pool: { d: number; id: number }[] = [];
    for (const part of parts) {
      for (let i = 0; i < part.sizes[q]!; i++) pool.push({ d: part.badness[q * part.k + i]!, id: part.ids[q * part.k + i]! });
    }
    pool.sort((a, b) => a.d - b.d || a.id - b.id);
    const n = Math.min(k, pool.length);
    for (let i = 0; i < n; i++) {
      ids[q * k + i] = pool[i]!.id;
      badness[q * k + i] = pool[i]!.d;
    }
    sizes[q] = n;
  }
  return { k, ids, badness, sizes };
}
