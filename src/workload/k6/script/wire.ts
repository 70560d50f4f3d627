// Pure helpers the k6 script imports (k6 strips the types itself) and Node unit-tests directly.
// Nothing here may import Node or k6 modules: this file runs inside both. It imports only the
// outcome tables, which import nothing either.
import { classifyServerError, classifyTransport } from '../../../checks/outcomes.ts';

/** milvus.proto.common.PlaceholderType.FloatVector (common.proto, Milvus 2.3). */
export const PLACEHOLDER_FLOAT_VECTOR = 101;

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function key(fieldNumber: number, wireType: number): number[] {
  return varint(fieldNumber * 8 + wireType);
}

function lengthDelimited(fieldNumber: number, payload: ArrayLike<number>): number[] {
  return [...key(fieldNumber, WIRE_LENGTH_DELIMITED), ...varint(payload.length), ...Array.from(payload)];
}

// k6's JavaScript runtime has no TextEncoder; the only string encoded here is the ASCII tag.
function ascii(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * The serialized milvus.proto.common.PlaceholderGroup that SearchRequest.placeholder_group carries:
 *   PlaceholderGroup { repeated PlaceholderValue placeholders = 1; }
 *   PlaceholderValue { string tag = 1; PlaceholderType type = 2; repeated bytes values = 3; }
 * with tag "$0", type FloatVector and one `values` entry per query vector (its float32
 * little-endian bytes, exactly an fbin row). Milvus matches nq against the number of values.
 */
export function encodeFloatPlaceholderGroup(vectors: readonly Uint8Array[]): Uint8Array {
  const value = [
    ...lengthDelimited(1, ascii('$0')),
    ...key(2, WIRE_VARINT),
    ...varint(PLACEHOLDER_FLOAT_VECTOR),
    ...vectors.flatMap((v) => lengthDelimited(3, v)),
  ];
  return Uint8Array.from(lengthDelimited(1, value));
}

export interface Fbin {
  count: number;
  dim: number;
  /** Raw float32 little-endian bytes of row i. */
  rowBytes(i: number): Uint8Array;
}

/** Reads an fbin file: int32 count, int32 dim, then count·dim float32, all little-endian. */
export function readFbin(buffer: ArrayBuffer, expectedDim: number, what: string): Fbin {
  if (buffer.byteLength < 8) throw new Error(`${what}: not an fbin file (${buffer.byteLength} bytes, header needs 8)`);
  const header = new DataView(buffer, 0, 8);
  const count = header.getInt32(0, true);
  const dim = header.getInt32(4, true);
  if (dim !== expectedDim) throw new Error(`${what}: vectors have dim ${dim}, the workload expects ${expectedDim}`);
  if (count < 1) throw new Error(`${what}: holds no vectors`);
  const rowSize = dim * 4;
  if (buffer.byteLength !== 8 + count * rowSize) {
    throw new Error(`${what}: ${buffer.byteLength} bytes does not match ${count} vectors of dim ${dim}`);
  }
  return {
    count,
    dim,
    rowBytes: (i) => new Uint8Array(buffer, 8 + (i % count) * rowSize, rowSize),
  };
}

export type OpOutcome = 'ok' | 'fail' | 'unknown';

export interface CallFacts {
  /** gRPC status code of the call (0 = OK). */
  grpcCode: number;
  grpcMessage: string;
  /** milvus.proto.common.Status from the response body, as k6 renders it (protojson names). */
  milvusStatus: { errorCode?: string | number; code?: number; reason?: string } | undefined;
}

export interface Classified {
  outcome: OpOutcome;
  /** Empty for ok; otherwise a short stable class such as 'timeout' or 'milvus:65535'. */
  errorClass: string;
  error: string;
}

/**
 * ok only when both gRPC and Milvus say success. Otherwise the tables in checks/outcomes.ts say
 * whether it failed (a refusal, or a dial that never connected) or is unknown (a timeout, a
 * connection broken after sending, an error nobody recognises): it may have been applied.
 */
export function classifyCall(facts: CallFacts): Classified {
  const { grpcCode, grpcMessage, milvusStatus } = facts;
  if (grpcCode !== 0) return { ...classifyTransport(grpcCode, grpcMessage), error: grpcMessage };
  const milvusCode = milvusStatus?.code ?? 0;
  const errorCode = milvusStatus?.errorCode ?? 'Success';
  if (milvusCode === 0 && (errorCode === 'Success' || errorCode === 0)) return { outcome: 'ok', errorClass: '', error: '' };
  // Worded as the Node SDK driver words a status, so both drivers' errors read and class alike.
  const error = `${errorCode}: ${milvusStatus?.reason ?? ''}`.trim();
  return { ...classifyServerError(error), error };
}

/** A call that threw in the script: before connecting, it never left (failed); after, unknown. */
export function classifyThrown(connected: boolean, message: string): Classified {
  return connected ? { outcome: 'unknown', errorClass: 'client-error', error: message } : { outcome: 'fail', errorClass: 'connection-refused', error: message };
}

/** The phase an operation belongs to: the last phase started at or before `nowMs`. */
export function phaseAt(phases: readonly { name: string; startsAtMs: number }[], nowMs: number, before: string): string {
  let current = before;
  for (const p of phases) if (p.startsAtMs <= nowMs) current = p.name;
  return current;
}

/** A batch of a write stream (the runner's K6Batch; repeated here: this file imports nothing). */
export interface WireBatch {
  ids: number[];
  columns?: { name: string; type: 'Int64' | 'Double'; values: number[] }[];
  vectors?: number[];
  versions?: number[];
}

/** A FieldData message (schema.proto) in the JSON form k6's gRPC client takes. */
type FieldData =
  | { type: 'Int64'; field_name: string; scalars: { long_data: { data: number[] } } }
  | { type: 'Double'; field_name: string; scalars: { double_data: { data: number[] } } }
  | { type: 'FloatVector'; field_name: string; vectors: { dim: number; float_vector: { data: number[] } } };

function column(name: string, type: 'Int64' | 'Double', values: number[]): FieldData {
  return type === 'Int64'
    ? { type, field_name: name, scalars: { long_data: { data: values } } }
    : { type, field_name: name, scalars: { double_data: { data: values } } };
}

/** The fields_data of an Insert or Upsert request writing a batch's full rows. */
export function batchFields(batch: WireBatch, fields: { idField: string; vectorField: string; dim: number }): FieldData[] {
  const vectors = batch.vectors ?? [];
  if (vectors.length !== batch.ids.length * fields.dim) {
    throw new Error(`batch of ${batch.ids.length} rows carries ${vectors.length} vector floats, expected ${batch.ids.length * fields.dim}`);
  }
  for (const c of batch.columns ?? []) {
    if (c.values.length !== batch.ids.length) throw new Error(`batch of ${batch.ids.length} rows carries ${c.values.length} values of ${c.name}`);
  }
  return [
    column(fields.idField, 'Int64', batch.ids),
    { type: 'FloatVector', field_name: fields.vectorField, vectors: { dim: fields.dim, float_vector: { data: vectors } } },
    ...(batch.columns ?? []).map((c) => column(c.name, c.type, c.values)),
  ];
}
