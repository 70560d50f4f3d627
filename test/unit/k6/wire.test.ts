import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import protobuf from 'protobufjs';
import { sdkProtoDir } from '../../../src/workload/k6/run.ts';
import {
  batchFields,
  classifyCall,
  classifyThrown,
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

test('readFbin returns rows as raw bytes, wrapping around the count', () => {
  const f = readFbin(fbin(2, 3, [1, 2, 3, 4.5, 5.5, 6.5]), 3, 'q');
  assert.equal(f.count, 2);
  assert.deepEqual(Array.from(f.rowBytes(1)), Array.from(float32Bytes([4.5, 5.5, 6.5])));
  assert.deepEqual(Array.from(f.rowBytes(2)), Array.from(float32Bytes([1, 2, 3])));
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
    errorClass: 'collection-not-loaded',
    error: 'UnexpectedError: collection not loaded',
  });
  assert.deepEqual(classifyCall({ grpcCode: 0, grpcMessage: '', milvusStatus: { errorCode: 'RateLimit', code: 0 } }), { outcome: 'fail', errorClass: 'rate-limited', error: 'RateLimit:' });
  assert.deepEqual(
    classifyCall({ grpcCode: 0, grpcMessage: '', milvusStatus: { errorCode: 'UnexpectedError', code: 65535, reason: 'failed to insert: segment lost' } }),
    { outcome: 'unknown', errorClass: 'server-error', error: 'UnexpectedError: failed to insert: segment lost' },
    'an error nobody recognises may have been applied',
  );
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
  assert.equal(classify(3, 'bad request'), 'fail/grpc:INVALID_ARGUMENT');
  assert.equal(classify(13, 'grpc: error while marshaling'), 'unknown/grpc:INTERNAL');
  assert.equal(classify(2, 'stream terminated'), 'unknown/grpc:UNKNOWN');
  assert.equal(classify(99, 'a code from the future'), 'unknown/client-error');
  assert.deepEqual(classifyThrown(false, 'dial tcp: i/o timeout'), { outcome: 'fail', errorClass: 'connection-refused', error: 'dial tcp: i/o timeout' }, 'connect() threw: nothing was sent');
  assert.deepEqual(classifyThrown(true, 'TypeError: x'), { outcome: 'unknown', errorClass: 'client-error', error: 'TypeError: x' }, 'invoke() threw after connecting: unknown');
  const server = (reason: string): string => {
    const c = classifyCall({ grpcCode: 0, grpcMessage: '', milvusStatus: { code: 65535, errorCode: 'UnexpectedError', reason } });
    return `${c.outcome}/${c.errorClass}`;
  };
  assert.equal(server('context deadline exceeded'), 'unknown/server-timeout', 'the server hit the deadline: it may have applied the call');
  assert.equal(server('proxy TaskCondition context Done'), 'unknown/server-timeout', "Milvus 2.3's proxy words its own deadline so");
  assert.equal(server('collection not loaded'), 'fail/collection-not-loaded');
});

test('an op belongs to the last phase started at or before it', () => {
  const phases = [{ name: 'steady', startsAtMs: 1000 }, { name: 'fault', startsAtMs: 2000 }];
  assert.equal(phaseAt(phases, 999, 'setup'), 'setup');
  assert.equal(phaseAt(phases, 1000, 'setup'), 'steady');
  assert.equal(phaseAt(phases, 2500, 'setup'), 'fault');
  assert.equal(phaseAt([], 5, 'steady'), 'steady');
});

const FIELDS = { idField: 'id', vectorField: 'vector', dim: 2 };

test('a batch becomes FieldData for every column, which the SDK protos encode and decode back', () => {
  const batch = {
    ids: [7, 8],
    vectors: [0.5, -1.25, 3, 1e-7],
    columns: [
      { name: 'version', type: 'Int64' as const, values: [0, 0] },
      { name: 'tenant', type: 'Int64' as const, values: [3, 11] },
      { name: 'num', type: 'Double' as const, values: [0.25, 1e6] },
    ],
    versions: [0, 0],
  };
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(sdkProtoDir(), target);
  const FieldData = root.loadSync('schema.proto', { keepCase: true }).lookupType('milvus.proto.schema.FieldData');
  const decoded = batchFields(batch, FIELDS).map((f) => FieldData.toObject(FieldData.decode(FieldData.encode(FieldData.fromObject(f)).finish()), { enums: String, longs: Number }));
  assert.deepEqual(decoded.map((f) => [f.type, f.field_name]), [['Int64', 'id'], ['FloatVector', 'vector'], ['Int64', 'version'], ['Int64', 'tenant'], ['Double', 'num']]);
  assert.deepEqual(decoded[0]!.scalars.long_data.data, [7, 8]);
  assert.equal(decoded[1]!.vectors.dim, 2);
  assert.deepEqual(decoded[1]!.vectors.float_vector.data, Array.from(Float32Array.from(batch.vectors)));
  assert.deepEqual(decoded[3]!.scalars.long_data.data, [3, 11]);
  assert.deepEqual(decoded[4]!.scalars.double_data.data, [0.25, 1e6]);
});

test('a batch whose vectors or columns do not match its ids is refused', () => {
  assert.throws(() => batchFields({ ids: [1, 2], vectors: [1, 2, 3] }, FIELDS), /batch of 2 rows carries 3 vector floats, expected 4/);
  assert.throws(() => batchFields({ ids: [1], vectors: [1, 2], columns: [{ name: 'tenant', type: 'Int64', values: [] }] }, FIELDS), /carries 0 values of tenant/);
});
