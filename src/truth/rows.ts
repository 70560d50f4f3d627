import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { DatasetParams } from '../dataset/index.ts';

/**
 * Where a scan gets base rows from: an in-memory base it reads in place (one on a
 * SharedArrayBuffer, or any base when the scan runs on the calling thread), a fixed ring of shared
 * slots the main thread copies each task's rows into (an ordinary in-memory base, in a worker),
 * the generator, or a file.
 */
export type RowSourceSpec =
  | { kind: 'memory'; rows: Float32Array }
  | { kind: 'slots'; slots: Float32Array[] }
  | { kind: 'dataset'; params: DatasetParams; startId: number }
  | { kind: 'fbin'; path: string; dim: number };

export interface RowReader {
  /** Rows [position, position+count) of the source, row-major; valid until the next call. */
  read(position: number, count: number): Float32Array;
  /** The same rows into `out` (which may be on a SharedArrayBuffer). */
  readInto(position: number, count: number, out: Float32Array): void;
  close(): void;
}

const FBIN_HEADER_BYTES = 8;

/** Reads rows of an .fbin file (generated rows are made inside the kernel, see Scan). */
export function openFbinReader(path: string, dim: number): RowReader {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  let buffer = new Float32Array(0);
  const readInto = (position: number, count: number, out: Float32Array): void => {
    const bytes = count * dim * 4;
    const at = FBIN_HEADER_BYTES + position * dim * 4;
    if (at + bytes > size) throw new Error(`${path}: rows [${position}, ${position + count}) are past the end of the file (${size} bytes)`);
    const view = new Uint8Array(out.buffer, out.byteOffset, bytes);
    for (let done = 0; done < bytes; ) {
      const got = readSync(fd, view, done, bytes - done, at + done);
      if (got === 0) throw new Error(`${path}: the file ended at byte ${at + done} while reading rows`);
      done += got;
    }
  };
  return {
    read(position, count) {
      if (buffer.length < count * dim) buffer = new Float32Array(count * dim);
      readInto(position, count, buffer);
      return buffer.subarray(0, count * dim);
    },
    readInto,
    close() {
      closeSync(fd);
    },
  };
}
