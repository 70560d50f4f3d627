import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import protobuf from 'protobufjs';
import { sdkProtoDir } from '../../../src/workload/k6/run.ts';
import {
  batchIds,
  classifyCall,
  encodeFloatPlaceholderGroup,
  phaseAt,
  PLACEHOLDER_FLOAT_VECTOR,
  readFbin,
} from '../../../src/workload/k6/script/wire.ts';

const SHARED_PROTO_DIR = resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'schemas', 'milvus-proto', 'v2.3');

function loadCommonProto(dir: string): protobuf.Root {
  const root = new protobuf.Root();
  // Both copies import google/protobuf/descriptor.proto; the SDK ships it, the shared copy does not.
  root.resolvePath = (_origin, target) => (target.startsWith('google/') ? join(sdkProtoDir(), target) : join(dir, target));
  return root.loadSync('common.proto', { keepCase: true });
}

function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

interface DecodedGroup {
  placeholders: { tag: string; type: number; values: Uint8Array[] }[];
}

function assertDecodes(dir: string): void {
  const root = loadCommonProto(dir);
  assert.equal(root.lookupEnum('milvus.proto.common.PlaceholderType').values.FloatVector, PLACEHOLDER_FLOAT_VECTOR);
  const vectors = [float32Bytes([0.5, -1.25, 3e-8, 1e30]), float32Bytes(Array.from({ length: 128 }, (_, i) => i / 7))];
  const bytes = encodeFloatPlaceholderGroup(vectors);
  const group = root.lookupType('milvus.proto.common.PlaceholderGroup').decode(bytes) as unknown as DecodedGroup;
  assert.equal(group.placeholders.length, 1);
  const [p] = group.placeholders;
  assert.equal(p!.tag, '$0');
  assert.equal(p!.type, PLACEHOLDER_FLOAT_VECTOR);
  assert.deepEqual(p!.values.map((v) => Array.from(v)), vectors.map((v) => Array.from(v)));
}

test('the placeholder group decodes as PlaceholderGroup with the SDK 2.3.5 protos', () => {
  assertDecodes(sdkProtoDir());
});

test('the placeholder group decodes with the upstream milvus-proto v2.3 protos', (t) => {
  if (!existsSync(join(SHARED_PROTO_DIR, 'common.proto'))) {
    t.skip(`upstream protos not found at ${SHARED_PROTO_DIR}`);
    return;
  }
  assertDecodes(SHARED_PROTO_DIR);
});

test('the placeholder group encodes a 600-dim vector with a multi-byte length prefix', () => {
  const vector = float32Bytes(Array.from({ length: 600 }, (_, i) => i));
  const root = loadCommonProto(sdkProtoDir());
  const group = root.lookupType('milvus.proto.common.PlaceholderGroup').decode(encodeFloatPlaceholderGroup([vector])) as unknown as DecodedGroup;
  assert.equal(group.placeholders[0]!.values[0]!.length, 2400);
});

function fbin(count: number, dim: number, values: number[]): ArrayBuffer {
  const buf = new ArrayBuffer(8 + values.length * 4);
  const view = new DataView(buf);
  view.setInt32(0, count, true);
  view.setInt32(4, dim, true);
  values.forEach((v, i) => view.setFloat32(8 + i * 4, v, true));
  return buf;
}

test('readFbin returns rows as floats and raw bytes, wrapping around the count', () => {
  const f = readFbin(fbin(2, 3, [1, 2, 3, 4.5, 5.5, 6.5]), 3, 'q');
  assert.equal(f.count, 2);
  assert.deepEqual(f.rowFloats(1), [4.5, 5.5, 6.5]);
  assert.deepEqual(f.rowFloats(2), [1, 2, 3]);
  assert.deepEqual(Array.from(f.rowBytes(1)), Array.from(float32Bytes([4.5, 5.5, 6.5])));
});

test('readFbin names the file and the mismatch', () => {
  assert.throws(() => readFbin(fbin(2, 3, [1, 2, 3, 4, 5, 6]), 4, 'queryVectorsFile'), /queryVectorsFile: vectors have dim 3, the workload expects 4/);
  assert.throws(() => readFbin(fbin(3, 3, [1, 2, 3]), 3, 'q'), /does not match 3 vectors of dim 3/);
  assert.throws(() => readFbin(new ArrayBuffer(4), 3, 'q'), /not an fbin file/);
  assert.throws(() => readFbin(fbin(0, 3, []), 3, 'q'), /holds no vectors/);
});

const success = { errorCode: 'Success', code: 0, reason: '' };

test('a call is ok only when gRPC and Milvus both report success', () => {
  assert.deepEqual(classifyCall({ grpcCode: 0, grpcMessage: '', milvusStatus: success }), { outcome: 'ok', errorClass: '', error: '' });
  assert.equal(classifyCall({ grpcCode: 0, grpcMessage: '', milvusStatus: undefined }).outcome, 'ok');
  assert.deepEqual(classifyCall({ grpcCode: 0, grpcMessage: '', milvusStatus: { errorCode: 'UnexpectedError', code: 65535, reason: 'collection not loaded' } }), {
    outcome: 'fail',
    errorClass: 'milvus:65535',
    error: 'collection not loaded',
  });
  assert.equal(classifyCall({ grpcCode: 0, grpcMessage: '', milvusStatus: { errorCode: 'RateLimit', code: 0 } }).errorClass, 'milvus:RateLimit');
});

test('timeouts and connections lost mid-call are unknown; refused dials and rejections fail', () => {
  const classify = (grpcCode: number, grpcMessage = ''): string => {
    const c = classifyCall({ grpcCode, grpcMessage, milvusStatus: undefined });
    return `${c.outcome}/${c.errorClass}`;
  };
  assert.equal(classify(4, 'context deadline exceeded'), 'unknown/timeout');
  assert.equal(classify(1), 'unknown/cancelled');
  assert.equal(classify(14, 'error reading from server: EOF'), 'unknown/connection-lost');
  assert.equal(
    classify(14, 'connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"'),
    'fail/connection-refused',
  );
  assert.equal(classify(3, 'bad request'), 'fail/grpc:3');
  const server = (reason: string): string => {
    const c = classifyCall({ grpcCode: 0, grpcMessage: '', milvusStatus: { code: 65535, errorCode: 'UnexpectedError', reason } });
    return `${c.outcome}/${c.errorClass}`;
  };
  assert.equal(server('context deadline exceeded'), 'unknown/timeout', 'the server hit the deadline: it may have applied the call');
  assert.equal(server('collection not loaded'), 'fail/milvus:65535');
});

test('an op belongs to the last phase started at or before it', () => {
  const phases = [{ name: 'steady', startsAtMs: 1000 }, { name: 'fault', startsAtMs: 2000 }];
  assert.equal(phaseAt(phases, 999, 'setup'), 'setup');
  assert.equal(phaseAt(phases, 1000, 'setup'), 'steady');
  assert.equal(phaseAt(phases, 2500, 'setup'), 'fault');
  assert.equal(phaseAt([], 5, 'steady'), 'steady');
});

test('write batches take disjoint consecutive id ranges', () => {
  assert.deepEqual(batchIds(100, 3, 0), [100, 101, 102]);
  assert.deepEqual(batchIds(100, 3, 2), [106, 107, 108]);
});
