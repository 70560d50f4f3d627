// Follows a file while another process appends to it (tail -f), until told the writer has finished.
import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

export interface FollowOptions {
  /** Longest wait before looking for appended data when no change event has arrived. */
  pollMs?: number;
}

const CHUNK_BYTES = 64 * 1024;

/**
 * Hands the text appended to a file to `onText`, chunk by chunk, as it is written: woken by
 * file-change events, and by a bounded poll in case an event is missed or watching is not
 * possible. Chunks split anywhere (mid-line), but never inside a UTF-8 character.
 *
 * Call end() once the writer has finished (its process exited): it reads whatever is left,
 * closes the file, and rejects with the error of a failed read or of `onText`. After such an
 * error nothing more is read and `done` rejects at once, so the caller can stop the writer.
 */
export class FileFollower {
  /** Rejects as soon as reading or `onText` fails; resolves once end() has read the rest. */
  readonly done: Promise<void>;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);
  private position = 0;
  private ending = false;
  private woken = false;
  private wake: (() => void) | null = null;
  private watcher: FSWatcher | null = null;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly onText: (text: string) => void,
    private readonly pollMs: number,
  ) {
    try {
      this.watcher = watch(path, () => this.wakeUp());
      this.watcher.on('error', () => this.watcher?.close()); // the poll carries on alone
    } catch {
      this.watcher = null;
    }
    this.done = this.follow();
    this.done.catch(() => {}); // reported by end(); the caller may also watch `done`
  }

  /** Starts following `path` from its beginning; the file must exist. */
  static async start(path: string, onText: (text: string) => void, o: FollowOptions = {}): Promise<FileFollower> {
    return new FileFollower(await open(path, 'r'), path, onText, o.pollMs ?? 250);
  }

  /** The writer has finished: reads the rest of the file, then stops. */
  async end(): Promise<void> {
    this.ending = true;
    this.wakeUp();
    await this.done;
  }

  private async follow(): Promise<void> {
    try {
      for (;;) {
        // Decided before reading: a read that starts after end() was called sees everything.
        const last = this.ending;
        const read = await this.readAvailable();
        if (last) break;
        if (read === 0) await this.idle();
      }
      const rest = this.decoder.end();
      if (rest !== '') this.onText(rest);
    } finally {
      this.watcher?.close();
      await this.file.close();
    }
  }

  /** Reads up to the current end of the file; returns the bytes read. */
  private async readAvailable(): Promise<number> {
    let total = 0;
    for (;;) {
      const { bytesRead } = await this.file.read(this.buffer, 0, this.buffer.length, this.position);
      if (bytesRead === 0) return total;
      this.position += bytesRead;
      total += bytesRead;
      const text = this.decoder.write(this.buffer.subarray(0, bytesRead));
      if (text !== '') this.onText(text);
    }
  }

  private idle(): Promise<void> {
    if (this.woken || this.ending) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp(), this.pollMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    if (wake) wake();
    else this.woken = true;
  }
}
