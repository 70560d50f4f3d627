import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Candidates } from './kernel.ts';
import type { FromWorker, ScanSetup, ScanTask, ToWorker } from './protocol.ts';
import { openFbinReader } from './rows.ts';
import { Scan, gatherRows } from './scan.ts';

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
/** Each worker's ring of copy slots: one per task it may hold. */
const SLOTS_PER_WORKER = TASKS_AHEAD + 1;

export interface TaskWithTransfer {
  task: ScanTask;
  transfer: ArrayBuffer[];
}

export interface ScanPlan {
  setup: ScanSetup;
  tasks: Iterator<TaskWithTransfer>;
  taskCount: number;
  /** The most rows a task holds. */
  taskRows: number;
}

/**
 * A pool of worker threads, each running scans on its own WebAssembly kernel. Reused across
 * searches so benchmarks can warm it once; dispose it to stop the threads.
 *
 * Workers read an in-memory base on a SharedArrayBuffer in place. Any other in-memory base, and an
 * .fbin file, reach them through a fixed ring of shared slots per worker that the main thread fills
 * with each task's rows (copied, or read from the file) while the workers compute earlier tasks, so
 * they never wait on the disk; at most SLOTS_PER_WORKER tasks of rows per worker exist besides the
 * base, and no per-task buffers are left for the garbage collector.
 */
export class WorkerPool implements AsyncDisposable {
  readonly threads: number;
  private workers: Worker[] = [];
  /** Copy slots per worker, kept between scans and grown when a scan needs bigger ones. */
  private rings: Float32Array[][] = [];

  constructor(threads = availableParallelism()) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
    this.threads = threads;
  }

  /** Runs every task of the plan and returns one candidate set per thread used. */
  async scan(plan: ScanPlan, onRowsDone?: (rows: number) => void): Promise<Candidates[]> {
    const { setup, tasks, taskCount } = plan;
    const threads = Math.min(this.threads, Math.max(1, taskCount));
    if (threads === 1) return [scanInline(setup, tasks, onRowsDone)];
    const workers = this.spawn(threads);
    const supplier = rowSupplier(setup);
    try {
      return await Promise.all(
        workers.map((worker, i) => {
          const copy = supplier && { fill: supplier.fill, slots: this.ring(i, plan.taskRows * setup.dim) };
          return runWorker(worker, copy ? { ...setup, source: { kind: 'slots', slots: copy.slots } } : setup, tasks, copy, onRowsDone);
        }),
      );
    } finally {
      supplier?.close();
    }
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    this.rings = [];
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

  private ring(worker: number, floats: number): Float32Array[] {
    const ring = this.rings[worker];
    if (ring && ring[0]!.length >= floats) return ring;
    const fresh = Array.from({ length: SLOTS_PER_WORKER }, () => new Float32Array(new SharedArrayBuffer(floats * 4)));
    this.rings[worker] = fresh;
    return fresh;
  }
}

interface RowSupplier {
  /** Puts the task's rows into the slot, one after another. */
  fill(slot: Float32Array, task: ScanTask): void;
  close(): void;
}

/**
 * How the main thread supplies rows the workers cannot read in place: an in-memory base on an
 * ordinary ArrayBuffer (copied), or an .fbin file (read ahead of the workers). Null: they read it.
 */
function rowSupplier(setup: ScanSetup): RowSupplier | null {
  const { source, dim } = setup;
  if (source.kind === 'memory' && !(source.rows.buffer instanceof SharedArrayBuffer)) {
    const rows = source.rows;
    return {
      fill(slot, task) {
        if (task.positions) gatherRows(rows, dim, task.positions, slot);
        else slot.set(rows.subarray(task.position * dim, (task.position + task.count) * dim));
      },
      close() {},
    };
  }
  if (source.kind === 'fbin') {
    const reader = openFbinReader(source.path, dim);
    return { fill: (slot, task) => reader.readInto(task.position, task.count, slot), close: () => reader.close() };
  }
  return null;
}

function scanInline(setup: ScanSetup, tasks: Iterator<TaskWithTransfer>, onRowsDone?: (rows: number) => void): Candidates {
  const scan = new Scan(setup);
  for (let next = tasks.next(); !next.done; next = tasks.next()) {
    scan.run(next.value.task);
    onRowsDone?.(next.value.task.count);
  }
  return scan.finish();
}

interface CopyRing {
  fill: RowSupplier['fill'];
  slots: Float32Array[];
}

function runWorker(worker: Worker, setup: ScanSetup, tasks: Iterator<TaskWithTransfer>, copy: CopyRing | null, onRowsDone?: (rows: number) => void): Promise<Candidates> {
  return new Promise((resolve, reject) => {
    const pending: { count: number; slot?: number }[] = [];
    const freeSlots = copy ? copy.slots.map((_, i) => i) : [];
    let exhausted = false;
    const send = (message: ToWorker, transfer: ArrayBuffer[] = []): void => worker.postMessage(message, transfer);
    const feed = (): void => {
      while (!exhausted && pending.length < SLOTS_PER_WORKER) {
        const next = tasks.next();
        if (next.done) exhausted = true;
        else {
          const { task, transfer } = next.value;
          if (copy) {
            task.slot = freeSlots.pop()!;
            copy.fill(copy.slots[task.slot]!, task);
          }
          pending.push({ count: task.count, slot: task.slot });
          send({ type: 'task', task }, transfer);
        }
      }
      if (exhausted && pending.length === 0) send({ type: 'finish' });
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: FromWorker): void => {
      if (message.type === 'done') {
        const finished = pending.shift()!;
        if (finished.slot !== undefined) freeSlots.push(finished.slot);
        onRowsDone?.(finished.count);
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
  return { k, ids, badness, sizes, pairsScored: parts.reduce((sum, part) => sum + part.pairsScored, 0) };
}
