import { KnnKernel, type Candidates } from './kernel.ts';
import type { ScanSetup, ScanTask } from './protocol.ts';
import { openRowReader, type RowReader } from './rows.ts';

/** One scan: a kernel fed task by task. Runs in a worker thread, or inline for one thread. */
export class Scan {
  private readonly kernel: KnnKernel;
  private readonly reader: RowReader | null;

  constructor(setup: ScanSetup) {
    this.kernel = new KnnKernel(setup.module, setup);
    this.reader = setup.source.kind === 'sent' ? null : openRowReader(setup.source);
  }

  run(task: ScanTask): void {
    const rows = task.rows ?? this.reader?.read(task.position, task.count);
    if (!rows) throw new Error('a task over an in-memory base came without its rows');
    this.kernel.offer(rows, task.count, task.firstId, task.rowIds ?? null, task.mask ?? null);
  }

  finish(): Candidates {
    this.reader?.close();
    return this.kernel.candidates();
  }
}
