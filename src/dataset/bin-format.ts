// big-ann-benchmarks binary files, little-endian: a header of uint32 rows and uint32 dim, then
// rows×dim values row-major (.fbin float32, .u8bin uint8, .ibin int32). A ground-truth file has
// header uint32 queries, uint32 k, then queries×k int32 ids, then queries×k float32 distances.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

export type BinKind = 'fbin' | 'u8bin' | 'ibin';

export const BIN_HEADER_BYTES = 8;
const BYTES_PER_VALUE: Record<BinKind, number> = { fbin: 4, u8bin: 1, ibin: 4 };

export function binKindOf(path: string): BinKind {
  const match = /\.(fbin|u8bin|ibin)$/.exec(path);
  if (!match) throw new Error(`${path}: expected a .fbin, .u8bin or .ibin file name`);
  return match[1] as BinKind;
}

export interface BinHeader {
  rows: number;
  dim: number;
}

function header(rows: number, dim: number): Uint8Array {
  if (!Number.isInteger(rows) || rows < 0 || rows > 0xffffffff || !Number.isInteger(dim) || dim < 1 || dim > 0xffffffff) {
    throw new Error(`bin header values must be uint32 (rows ${rows}, dim ${dim})`);
  }
  const bytes = new Uint8Array(BIN_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, rows, true);
  view.setUint32(4, dim, true);
  return bytes;
}

/** Reads and checks a header: the file must be exactly as long as it says. */
export function readBinHeader(path: string, kind: BinKind = binKindOf(path)): BinHeader {
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(BIN_HEADER_BYTES);
    if (readSync(fd, bytes, 0, BIN_HEADER_BYTES, 0) !== BIN_HEADER_BYTES) throw new Error(`${path}: shorter than its 8-byte header`);
    const view = new DataView(bytes.buffer);
    const result = { rows: view.getUint32(0, true), dim: view.getUint32(4, true) };
    const expected = BIN_HEADER_BYTES + result.rows * result.dim * BYTES_PER_VALUE[kind];
    const size = fstatSync(fd).size;
    if (size !== expected) throw new Error(`${path}: header says ${result.rows}×${result.dim} ${kind} (${expected} bytes) but the file has ${size} bytes`);
    return result;
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

function toBytes(values: Float32Array | Int32Array, kind: BinKind): Uint8Array {
  if (kind !== 'u8bin') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`value ${v} at ${i} cannot be stored in a .u8bin (needs integers 0..255; use .fbin)`);
    out[i] = v;
  }
  return out;
}

/** Writes a bin file chunk by chunk, so it may be far larger than memory. */
export class BinWriter implements Disposable {
  private readonly fd: number;
  private written = 0;

  constructor(readonly path: string, readonly rows: number, readonly dim: number, readonly kind: BinKind = binKindOf(path)) {
    const head = header(rows, dim);
    this.fd = openSync(path, 'w');
    writeAll(this.fd, head);
  }

  /** Appends whole rows (values.length must be a multiple of dim). */
  append(values: Float32Array | Int32Array): void {
    if (values.length % this.dim !== 0) throw new Error(`${this.path}: appended ${values.length} values, not whole rows of ${this.dim}`);
    if (this.written + values.length / this.dim > this.rows) throw new Error(`${this.path}: more than the ${this.rows} rows its header announces`);
    writeAll(this.fd, toBytes(values, this.kind));
    this.written += values.length / this.dim;
  }

  /** Closes the file; throws if fewer rows were written than the header announces. */
  close(): void {
    closeSync(this.fd);
    if (this.written !== this.rows) throw new Error(`${this.path}: wrote ${this.written} of the ${this.rows} rows its header announces`);
  }

  [Symbol.dispose](): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed by close()
    }
  }
}

/** Rows [start, start+count) of a .fbin/.u8bin/.ibin file as float32 or int32 values. */
export function readBinRows(path: string, start = 0, count?: number): { header: BinHeader; values: Float32Array | Int32Array } {
  const kind = binKindOf(path);
  const head = readBinHeader(path, kind);
  const n = count ?? head.rows - start;
  if (start < 0 || n < 0 || start + n > head.rows) throw new Error(`${path}: rows [${start}, ${start + n}) are outside its ${head.rows} rows`);
  const width = BYTES_PER_VALUE[kind];
  const bytes = new Uint8Array(n * head.dim * width);
  const fd = openSync(path, 'r');
  try {
    for (let done = 0; done < bytes.length; ) {
      const got = readSync(fd, bytes, done, bytes.length - done, BIN_HEADER_BYTES + start * head.dim * width + done);
      if (got === 0) throw new Error(`${path}: unexpected end of file`);
      done += got;
    }
  } finally {
    closeSync(fd);
  }
  const values = kind === 'fbin' ? new Float32Array(bytes.buffer) : kind === 'ibin' ? new Int32Array(bytes.buffer) : Float32Array.from(bytes);
  return { header: head, values };
}

export interface GroundTruth {
  queries: number;
  k: number;
  ids: Int32Array;
  distances: Float32Array;
}

export function writeGroundTruth(path: string, truth: GroundTruth): void {
  const { queries, k, ids, distances } = truth;
  if (ids.length !== queries * k || distances.length !== queries * k) throw new Error(`ground truth must hold ${queries}×${k} ids and distances`);
  const fd = openSync(path, 'w');
  try {
    writeAll(fd, header(queries, k));
    writeAll(fd, new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength));
    writeAll(fd, new Uint8Array(distances.buffer, distances.byteOffset, distances.byteLength));
  } finally {
    closeSync(fd);
  }
}

export function readGroundTruth(path: string): GroundTruth {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = new Uint8Array(size);
    for (let done = 0; done < size; ) done += readSync(fd, bytes, done, size - done, done);
    const view = new DataView(bytes.buffer);
    if (size < BIN_HEADER_BYTES) throw new Error(`${path}: shorter than its 8-byte header`);
    const queries = view.getUint32(0, true);
    const k = view.getUint32(4, true);
    if (size !== BIN_HEADER_BYTES + queries * k * 8) throw new Error(`${path}: a ${queries}×${k} ground truth needs ${BIN_HEADER_BYTES + queries * k * 8} bytes, the file has ${size}`);
    const ids = new Int32Array(bytes.buffer.slice(BIN_HEADER_BYTES, BIN_HEADER_BYTES + queries * k * 4));
    const distances = new Float32Array(bytes.buffer.slice(BIN_HEADER_BYTES + queries * k * 4));
    return { queries, k, ids, distances };
  } finally {
    closeSync(fd);
  }
}
