// A real Milvus 2.3.5 standalone for the k6 driver's integration test and benchmark, stood up by
// the local platform (etcd + Milvus; segments on local disk).
import { writeFileSync } from 'node:fs';
import { DataType, type MilvusClient } from '@zilliz/milvus2-sdk-node';
import { LocalPlatform } from '../../../src/platform/local/platform.ts';

export const MILVUS_VERSION = '2.3.5';

export interface TestMilvus extends AsyncDisposable {
  /** host:port of the proxy's gRPC endpoint. */
  address: string;
  /** The Milvus server's process id. */
  pid: number;
}

/** Starts etcd and Milvus standalone under `dir`; disposing stops both, Milvus first. */
export async function startTestMilvus(dir: string): Promise<TestMilvus> {
  const stack = await new LocalPlatform().up(
    { milvusVersion: MILVUS_VERSION, topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'local' },
    { runId: `k6-test-${process.pid}-${Date.now()}`, workDir: dir, signal: new AbortController().signal, log: () => {}, seed: 1 },
  );
  const pid = stack.components().find((c) => c.role === 'standalone')?.pid;
  if (pid === null || pid === undefined) throw new Error('the test Milvus has no standalone process');
  return { address: stack.milvusAddress, pid, [Symbol.asyncDispose]: () => stack[Symbol.asyncDispose]() };
}

/** Deterministic vectors in [-1, 1), plus `offset` on every component. */
export function testVectors(count: number, dim: number, seed: number, offset = 0): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count * dim }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 2 - 1 + offset;
  });
}

/** An fbin file: int32 count, int32 dim, then the float32 rows, little-endian. */
export function writeFbin(path: string, data: Float32Array, dim: number): void {
  const header = new Int32Array([data.length / dim, dim]);
  writeFileSync(path, Buffer.concat([Buffer.from(header.buffer), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

/** Collection {id Int64 primary key, vector FloatVector(dim)} with rows 0…n−1, FLAT (exact) L2 index, loaded. */
export async function createFlatCollection(sdk: MilvusClient, name: string, base: Float32Array, dim: number): Promise<void> {
  const created = await sdk.createCollection({
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vector', data_type: DataType.FloatVector, dim },
    ],
  });
  if (created.error_code !== 'Success') throw new Error(`createCollection ${name}: ${created.reason}`);
  const rows = Array.from({ length: base.length / dim }, (_, i) => ({ id: i, vector: Array.from(base.subarray(i * dim, (i + 1) * dim)) }));
  const inserted = await sdk.insert({ collection_name: name, data: rows });
  if (Number(inserted.insert_cnt) !== rows.length) throw new Error(`insert into ${name}: ${inserted.status.reason}`);
  await sdk.flushSync({ collection_names: [name] });
  await sdk.createIndex({ collection_name: name, field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' });
  await sdk.loadCollectionSync({ collection_name: name });
}
