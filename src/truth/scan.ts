import { createDataset, type Dataset } from '../dataset/index.ts';
import { KnnKernel, type Candidates } from './kernel.ts';
import type { ScanSetup, ScanTask } from './protocol.ts';
import { openFbinReader, type RowReader } from './rows.ts';

const TWO_POW_32 = 2 ** 32;

/** One scan: a kernel fed task by task. Runs in a worker thread, or inline for one thread. */
export class Scan {
  private readonly kernel: KnnKernel;
  private readonly reader: RowReader | null;
  private readonly generated: { dataset: Dataset; startId: number } | null;

  constructor(setup: ScanSetup) {
    const { source } = setup;
    this.kernel = new KnnKernel(setup.module, setup);
    this.generated = source.kind === 'dataset' ? { dataset: createDataset(source.params), startId: source.startId } : null;
    this.reader = source.kind === 'fbin' ? openFbinReader(source.path, source.dim) : null;
  }

  run(task: ScanTask): void {
    if (this.generated) return this.runGenerated(task, this.generated.dataset, this.generated.startId + task.position);
    const rows = task.rows ?? this.reader?.read(task.position, task.count);
    if (!rows) throw new Error('a task over an in-memory base came without its rows');
    this.kernel.offer(rows, task.count, task.firstId, task.rowIds ?? null, task.mask ?? null);
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

  finish(): Candidates {
    this.reader?.close();
    return this.kernel.candidates();
  }
}
