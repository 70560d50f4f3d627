import { createDataset, type Dataset } from '../dataset/index.ts';
import { KnnKernel, type Candidates } from './kernel.ts';
import type { ScanSetup, ScanTask } from './protocol.ts';
import { openFbinReader, type RowReader, type RowSourceSpec } from './rows.ts';

const TWO_POW_32 = 2 ** 32;

/** Copies the base rows at `positions` into out, one after another. */
export function gatherRows(base: Float32Array, dim: number, positions: Int32Array, out: Float32Array): void {
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    out.set(base.subarray(p * dim, (p + 1) * dim), i * dim);
  }
}

/** One scan: a kernel fed task by task. Runs in a worker thread, or inline for one thread. */
export class Scan {
  private readonly kernel: KnnKernel;
  private readonly dim: number;
  private readonly source: RowSourceSpec;
  private readonly reader: RowReader | null;
  private readonly generated: { dataset: Dataset; startId: number } | null;
  private gathered = new Float32Array(0);

  constructor(setup: ScanSetup) {
    const { source } = setup;
    this.kernel = new KnnKernel(setup.module, setup);
    if (setup.bounds) this.kernel.setBounds(setup.bounds);
    if (setup.thresholds) this.kernel.setThresholds(setup.thresholds);
    this.dim = setup.dim;
    this.source = source;
    this.generated = source.kind === 'dataset' ? { dataset: createDataset(source.params), startId: source.startId } : null;
    this.reader = source.kind === 'fbin' ? openFbinReader(source.path, source.dim) : null;
  }

  run(task: ScanTask): void {
    if (this.generated) return this.runGenerated(task, this.generated.dataset, this.generated.startId + task.position);
    this.kernel.offer(this.rowsOf(task), task.count, task.firstId, task.rowIds ?? null, task.mask ?? null, task.cluster ?? -1);
  }

  finish(): Candidates {
    this.reader?.close();
    return this.kernel.candidates();
  }

  private rowsOf(task: ScanTask): Float32Array {
    const { source, dim } = this;
    if (source.kind === 'memory') {
      if (!task.positions) return source.rows.subarray(task.position * dim, (task.position + task.count) * dim);
      if (this.gathered.length < task.count * dim) this.gathered = new Float32Array(task.count * dim);
      gatherRows(source.rows, dim, task.positions, this.gathered);
      return this.gathered;
    }
    if (source.kind === 'slots') {
      const slot = task.slot === undefined ? undefined : source.slots[task.slot];
      if (!slot) throw new Error(`a task over copied rows names slot ${task.slot} of ${source.slots.length}`);
      return slot.subarray(0, task.count * dim);
    }
    if (!this.reader) throw new Error(`no rows for a '${source.kind}' source`);
    return this.reader.read(task.position, task.count);
  }

  /** Generates the task's rows inside the kernel, one 2^32-id segment at a time. */
  private runGenerated(task: ScanTask, dataset: Dataset, firstId: number): void {
    for (let done = 0; done < task.count; ) {
      const id = firstId + done;
      const highWord = Math.floor(id / TWO_POW_32);
      const n = Math.min(task.count - done, (highWord + 1) * TWO_POW_32 - id);
      const mask = task.mask ? task.mask.subarray(done, done + n) : null;
      this.kernel.offerGenerated(dataset.rowFormula(highWord), id - highWord * TWO_POW_32, n, task.firstId + done, mask);
      done += n;
    }
  }
}
