import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { Journal } from '../../supervise/journal.ts';
import { runCommand, runUndo } from './netns.ts';

const FILL_BLOCK = 4096;

/**
 * A component's data volume: an ext4 filesystem in a sparse image file, loop-mounted on the
 * component's data dir, so filling it (disk-fill) exhausts that component's disk and nothing
 * else on the machine. Made with `-m 0` (no blocks reserved for root: our processes run as
 * root and would otherwise keep writing). The unmount is journalled before the mount.
 */
export class DataVolume implements AsyncDisposable {
  private disposed = false;

  private constructor(
    readonly name: string,
    readonly mountPoint: string,
    private readonly undo: string[][],
    private readonly journal: Journal,
    private readonly journalId: string,
  ) {}

  /** Data dir for the component inside the volume (ext4's lost+found stays out of its way). */
  get dataDir(): string {
    return join(this.mountPoint, 'data');
  }

  static async create(opts: { name: string; dir: string; sizeBytes: number; journal: Journal }): Promise<DataVolume> {
    const image = join(opts.dir, `${opts.name}.img`);
    const mountPoint = join(opts.dir, opts.name);
    mkdirSync(mountPoint, { recursive: true });
    const undo = [['umount', '-l', mountPoint], ['rm', '-f', image]];
    const journalId = randomUUID();
    opts.journal.add({ id: journalId, kind: 'fault', name: `data volume ${opts.name}`, undo });
    const volume = new DataVolume(opts.name, mountPoint, undo, opts.journal, journalId);
    try {
      await runCommand(['truncate', '-s', String(opts.sizeBytes), image]);
      await runCommand(['mkfs.ext4', '-q', '-F', '-m', '0', image]);
      await runCommand(['mount', '-o', 'loop', image, mountPoint]);
      mkdirSync(volume.dataDir);
    } catch (err) {
      await volume[Symbol.asyncDispose]().catch(() => undefined);
      throw err;
    }
    return volume;
  }

  /** Bytes a process may still write. */
  freeBytes(): number {
    const s = statfsSync(this.mountPoint);
    return s.bavail * s.bsize;
  }

  /**
   * Takes all free space: fallocate allocates without writing; an allocation the size of the
   * free space fails on extent metadata, so it takes what it can in halving steps. Disposing
   * gives the space back.
   */
  async fill(journal: Journal): Promise<AsyncDisposable> {
    const fillDir = join(this.mountPoint, 'drill-disk-fill');
    const journalId = randomUUID();
    journal.add({ id: journalId, kind: 'fault', name: `disk-fill ${this.name}`, undo: [['rm', '-rf', fillDir]] });
    const release = async (): Promise<void> => {
      rmSync(fillDir, { recursive: true, force: true });
      journal.remove(journalId);
    };
    try {
      mkdirSync(fillDir);
      await this.allocateAll(fillDir);
    } catch (err) {
      await release();
      throw err;
    }
    return { [Symbol.asyncDispose]: release };
  }

  private async allocateAll(fillDir: string): Promise<void> {
    let size = this.freeBytes();
    for (let file = 0; size >= FILL_BLOCK; file++) {
      const taken = await runCommand(['fallocate', '-l', String(size), join(fillDir, String(file))]).then(() => true, () => false);
      size = taken ? this.freeBytes() : Math.floor(size / 2 / FILL_BLOCK) * FILL_BLOCK;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const failures = await runUndo(this.undo);
    if (existsSync(join(this.mountPoint, 'data'))) throw new AggregateError(failures, `data volume ${this.name}: still mounted at ${this.mountPoint}`);
    this.journal.remove(this.journalId);
  }
}
