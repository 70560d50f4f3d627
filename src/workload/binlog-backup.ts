import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { DataType } from '@zilliz/milvus2-sdk-node';
import type { ObjectStoreAccess } from '../core/platform.ts';
import type { DrManifestEntry } from '../core/types.ts';
import { waitFor } from '../util/poll.ts';
import { S3Client } from './s3.ts';
import { BINLOG_KINDS, checkObjects, parseManifest, segmentPrefix, sha256Hex, type BackupField, type BackupManifest, type ManifestCheck } from './backup-manifest.ts';

/**
 * Binlog backup and restore, milvus-backup's method done by milvus-drill itself: pause the data
 * coordinator's garbage collection, flush, describe the collection (schema, partitions, partition
 * key, indexes, segments), copy each segment's insert, delta and stats logs out of the object
 * store into a directory with a manifest of sizes and SHA-256s; restore creates the collection
 * again and bulk-imports the binlogs with the import API's `backup` option, partition by partition.
 */

/** Where Milvus answers what the backup needs: its gRPC client, its object store, its HTTP port. */
export interface BackupTarget {
  client: MilvusClient;
  store: ObjectStoreAccess;
  /** Milvus's HTTP endpoint (management API); null: GC cannot be paused there. */
  httpUrl: string | null;
  /** The data coordinator's gRPC address, for GcControl where the HTTP route is absent. */
  dataCoordAddress: string | null;
  milvusVersion: string;
}

export interface BackupResult {
  manifest: BackupManifest;
  dir: string;
  bytes: number;
  /** How GC was held during the copy ('http', 'grpc'), or why it was not. */
  gcPause: string;
  /** How far the flush before the copy was waited for. */
  flush: string;
}

const MANIFEST = 'manifest.json';
const GC_PAUSE_SECONDS = 600;

/** The object's path inside a backup directory. */
export function objectPath(dir: string, key: string): string {
  return join(dir, 'objects', key);
}

/**
 * Takes a binlog backup of `collection` into `dir`. `pointAt` is the backup point the caller
 * stamped just before the flush; it goes into the manifest as is.
 */
export async function binlogBackup(t: BackupTarget, collection: string, name: string, dir: string, pointAt: number, signal: AbortSignal): Promise<BackupResult> {
  const s3 = new S3Client(t.store);
  const gc = await pauseGc(t, signal);
  try {
    const flush = await flushAndWait(t.client, collection, signal);
    const desc = await t.client.describeCollection({ collection_name: collection });
    expectOk(desc, `describe collection ${collection}`);
    const parts = await t.client.showPartitions({ collection_name: collection });
    expectOk(parts, `show partitions of ${collection}`);
    const segs = await t.client.getPersistentSegmentInfo({ collectionName: collection } as never);
    expectOk(segs, `segments of ${collection}`);
    const indexes = await describeIndexes(t.client, collection);
    const collectionId = String(desc.collectionID);
    const segments = segs.infos.filter((s) => String(s.state) === 'Flushed').map((s) => ({ id: String(s.segmentID), partitionId: String(s.partitionID), rows: Number(s.num_rows) }));
    const objects: DrManifestEntry[] = [];
    let bytes = 0;
    mkdirSync(join(dir, 'objects'), { recursive: true });
    for (const seg of segments) {
      for (const kind of BINLOG_KINDS) {
        const prefix = `${t.store.rootPath}/${segmentPrefix(kind, collectionId, seg.partitionId, seg.id)}`;
        for (const o of await s3.list(t.store.bucket, prefix, signal)) {
          const data = await s3.get(t.store.bucket, o.key, signal);
          const key = o.key.slice(t.store.rootPath.length + 1);
          const path = objectPath(dir, key);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, data);
          objects.push({ key, size: data.length, sha256: sha256Hex(data) });
          bytes += data.length;
        }
      }
    }
    const keyField = desc.schema.fields.find((f) => f.is_partition_key);
    const manifest: BackupManifest = {
      format: 1,
      name,
      createdAt: new Date().toISOString(),
      pointAt,
      source: { milvusVersion: t.milvusVersion, bucket: t.store.bucket, rootPath: t.store.rootPath },
      collection: {
        name: collection,
        id: collectionId,
        shards: Number(desc.shards_num),
        consistency: String(desc.consistency_level),
        numPartitions: keyField ? parts.partition_names.length : null,
        fields: desc.schema.fields.map(
          (f): BackupField => ({
            name: f.name,
            fieldID: String((f as { fieldID?: unknown }).fieldID),
            dataType: String(f.data_type),
            primaryKey: Boolean(f.is_primary_key),
            partitionKey: Boolean(f.is_partition_key),
            autoID: Boolean(f.autoID),
            typeParams: Object.fromEntries((f.type_params ?? []).map((p) => [p.key, String(p.value)])),
          }),
        ),
      },
      partitions: parts.partition_names.map((p, i) => ({ name: p, id: String(parts.partitionIDs[i]) })),
      indexes,
      segments,
      objects,
    };
    writeManifest(dir, manifest);
    return { manifest, dir, bytes, gcPause: gc.how, flush };
  } finally {
    await gc.resume();
  }
}

/** Reads a backup's manifest and (unless told not to) checks every object against it. */
export function writeManifest(dir: string, manifest: BackupManifest): void {
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
}

/**
 * Makes a backup one of the broken backups users report, consistently (its manifest still matches
 * its objects, so checksums cannot catch it): 'strip-index' drops the index records, 'strip-data'
 * every segment and object (metadata only). Returns what was stripped, in words.
 */
export function stripBackup(dir: string, mode: 'strip-index' | 'strip-data'): string {
  const { manifest } = readBackup(dir, false);
  if (mode === 'strip-index') {
    writeManifest(dir, { ...manifest, indexes: [] });
    return `${manifest.indexes.length} index record(s)`;
  }
  for (const o of manifest.objects) rmSync(objectPath(dir, o.key), { force: true });
  writeManifest(dir, { ...manifest, segments: [], objects: [] });
  return `${manifest.segments.length} segments and ${manifest.objects.length} objects`;
}

export function readBackup(dir: string, verify: boolean): { manifest: BackupManifest; check: ManifestCheck | null } {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new Error(`backup ${dir}: no ${MANIFEST}; was a backup step with this name run before the restore?`);
  const manifest = parseManifest(readFileSync(path, 'utf8'), path);
  const check = verify ? checkObjects(manifest.objects, (key) => (existsSync(objectPath(dir, key)) ? readFileSync(objectPath(dir, key)) : null)) : null;
  return { manifest, check };
}

export interface RestoreTimes {
  importStart: number;
  importEnd: number;
  rows: number;
}

/**
 * Restores a backup into the stack `t`: uploads the objects under a prefix of its bucket, creates
 * the collection with the backed-up schema (same field ids, partition key, partitions), and
 * imports each partition's insert and delta logs with the import API's backup option, waiting for
 * every import task. Index and load are the caller's (they are timed apart).
 */
export async function binlogRestore(t: BackupTarget, dir: string, manifest: BackupManifest, now: () => number, signal: AbortSignal, log: (m: string) => void): Promise<RestoreTimes> {
  const s3 = new S3Client(t.store);
  await s3.ensureBucket(t.store.bucket, signal);
  const staging = `drill-restore/${manifest.name}-${Date.now()}`;
  const present = manifest.objects.filter((o) => existsSync(objectPath(dir, o.key)));
  for (const o of present) await s3.put(t.store.bucket, `${staging}/${o.key}`, readFileSync(objectPath(dir, o.key)), signal);
  log(`restore: ${present.length} objects staged in ${t.store.bucket}/${staging}`);

  await createLike(t.client, manifest);
  const desc = await t.client.describeCollection({ collection_name: manifest.collection.name });
  expectOk(desc, `describe restored collection ${manifest.collection.name}`);
  for (const f of manifest.collection.fields) {
    const now = desc.schema.fields.find((x) => x.name === f.name);
    const id = String((now as { fieldID?: unknown } | undefined)?.fieldID);
    if (id !== f.fieldID) throw new Error(`restore: field '${f.name}' has id ${id} in the new collection, ${f.fieldID} in the backup; the binlogs cannot be imported into it`);
  }
  const parts = await t.client.showPartitions({ collection_name: manifest.collection.name });
  expectOk(parts, 'show partitions of the restored collection');
  if (manifest.collection.numPartitions === null) {
    for (const p of manifest.partitions) {
      if (parts.partition_names.includes(p.name)) continue;
      expectOk(await t.client.createPartition({ collection_name: manifest.collection.name, partition_name: p.name }), `create partition ${p.name}`);
    }
  }

  const importStart = now();
  const tasks: string[] = [];
  for (const p of manifest.partitions) {
    const insertDir = `${staging}/insert_log/${manifest.collection.id}/${p.id}/`;
    const deltaDir = `${staging}/delta_log/${manifest.collection.id}/${p.id}/`;
    const has = (prefix: string): boolean => present.some((o) => `${staging}/${o.key}`.startsWith(prefix));
    if (!has(insertDir)) continue;
    const res = await t.client.bulkInsert({
      collection_name: manifest.collection.name,
      partition_name: p.name,
      files: [insertDir, has(deltaDir) ? deltaDir : ''],
      options: [{ key: 'backup', value: 'true' }],
    });
    expectOk(res, `import of partition ${p.name}`);
    tasks.push(...(res.tasks ?? []).map(String));
  }
  log(`restore: ${tasks.length} import tasks started`);
  const rows = await waitFor(
    async () => {
      const list = await t.client.listImportTasks({ collection_name: manifest.collection.name });
      expectOk(list, 'list import tasks');
      const mine = list.tasks.filter((x) => tasks.includes(String(x.id)));
      const failed = mine.find((x) => String(x.state).startsWith('ImportFailed'));
      if (failed) {
        const reason = failed.infos.find((i) => i.key === 'failed_reason')?.value ?? '';
        const files = failed.infos.find((i) => i.key === 'files')?.value ?? '';
        throw new ImportFailed(`import task ${String(failed.id)} failed: ${String(reason)} (files ${String(files).replaceAll(`${staging}/`, '')})`);
      }
      if (mine.length < tasks.length || !mine.every((x) => String(x.state) === 'ImportCompleted')) return undefined;
      return mine.reduce((n, x) => n + Number(x.row_count), 0);
    },
    { what: `the ${tasks.length} import tasks of ${manifest.collection.name}`, timeoutMs: 600_000, intervalMs: 500, signal, fatal: (err) => err instanceof ImportFailed },
  );
  return { importStart, importEnd: now(), rows };
}

class ImportFailed extends Error {}

async function createLike(client: MilvusClient, m: BackupManifest): Promise<void> {
  const name = m.collection.name;
  if ((await client.hasCollection({ collection_name: name })).value) throw new Error(`restore: collection ${name} exists already in the target; restore into a fresh stack (destroy, up) or drop it first`);
  const fields = m.collection.fields.map((f) => ({
    name: f.name,
    data_type: DataType[f.dataType as keyof typeof DataType],
    is_primary_key: f.primaryKey,
    is_partition_key: f.partitionKey,
    autoID: f.autoID,
    ...(f.typeParams.dim ? { dim: Number(f.typeParams.dim) } : {}),
    ...(f.typeParams.max_length ? { max_length: Number(f.typeParams.max_length) } : {}),
  }));
  const res = await client.createCollection({
    collection_name: name,
    fields,
    shards_num: m.collection.shards,
    consistency_level: m.collection.consistency as never,
    ...(m.collection.numPartitions !== null ? { num_partitions: m.collection.numPartitions } : {}),
  });
  expectOk(res, `create collection ${name}`);
}

async function describeIndexes(client: MilvusClient, collection: string): Promise<BackupManifest['indexes']> {
  const res = await client.describeIndex({ collection_name: collection });
  const code = res.status?.error_code;
  if (code === 'IndexNotExist' || /index not (exist|found)/i.test(res.status?.reason ?? '')) return [];
  expectOk(res, `describe indexes of ${collection}`);
  return res.index_descriptions.map((d) => ({ field: d.field_name, name: d.index_name, params: Object.fromEntries(d.params.filter((p) => p.key !== 'mmap.enabled').map((p) => [p.key, String(p.value)])) }));
}

/**
 * Flushes and waits until the flush's timestamp is persisted on every channel (GetFlushState with
 * flush_ts and the collection), not only the sealed segments: deletes aimed at segments flushed
 * earlier wait in the data node's delete buffer, and a backup taken before they reach a delta log
 * brings deleted rows back (seen here: one delete 4 s before the flush missing from the binlogs).
 */
async function flushAndWait(client: MilvusClient, collection: string, signal: AbortSignal): Promise<string> {
  const res = await client.flush({ collection_names: [collection] });
  expectOk(res, `flush ${collection}`);
  const segments = Object.values((res.coll_segIDs ?? {}) as Record<string, { data?: (number | string)[] }>).flatMap((s) => (s.data ?? []).map(Number));
  const flushTs = (res as { coll_flush_ts?: Record<string, string | number> }).coll_flush_ts?.[collection];
  if (flushTs === undefined) {
    // Servers before the flush timestamp (2.3.0): only the segments can be waited for. Deletes
    // still buffered for segments flushed earlier may miss the backup; the restore's verification
    // (deleted rows back) is what shows it.
    await waitFor(async () => (await client.getFlushState({ segmentIDs: segments } as never)).flushed, { what: `the flush of ${collection}'s ${segments.length} segments`, timeoutMs: 120_000, intervalMs: 200, signal });
    return `segments flushed; the server gives no flush timestamp, so deletes still buffered for earlier-flushed segments may be missing from the backup`;
  }
  const request = { segmentIDs: segments, flush_ts: flushTs, collection_name: collection } as never;
  await waitFor(async () => (await client.getFlushState(request)).flushed, { what: `the flush of ${collection} (every channel past its timestamp)`, timeoutMs: 120_000, intervalMs: 200, signal });
  return 'flushed past its timestamp on every channel (deletes included)';
}

/**
 * Pauses the data coordinator's garbage collection for the copy, as milvus-backup does: the
 * management route (GET /management/datacoord/garbage_collection/pause?pause_seconds=N) where the
 * server serves it, otherwise the data coordinator's GcControl RPC that route calls (the 2.3.5
 * lite build the local platform runs has the handler but does not register the route: 404).
 */
async function pauseGc(t: BackupTarget, signal: AbortSignal): Promise<{ how: string; resume: () => Promise<void> }> {
  if (t.httpUrl) {
    const res = await fetch(`${t.httpUrl}/management/datacoord/garbage_collection/pause?pause_seconds=${GC_PAUSE_SECONDS}`, { signal }).catch(() => null);
    if (res?.ok) {
      return { how: 'paused through the management API', resume: async () => void (await fetch(`${t.httpUrl}/management/datacoord/garbage_collection/resume`).catch(() => null)) };
    }
  }
  if (t.dataCoordAddress) {
    try {
      await gcControl(t.dataCoordAddress, 1, GC_PAUSE_SECONDS);
    } catch (err) {
      // Servers before the RPC (2.3.0 has neither it nor the route): go on, as milvus-backup does,
      // and say so; compaction's dropped segments stay in MinIO for dataCoord.gc.dropTolerance.
      if (!isUnimplemented(err)) throw err;
      return { how: `not paused: Milvus ${t.milvusVersion} has no GC pause (no management route, no GcControl RPC); the copy relied on dataCoord.gc.dropTolerance (3 h by default) keeping compacted-away segments`, resume: async () => undefined };
    }
    return { how: `paused through the data coordinator's GcControl RPC at ${t.dataCoordAddress}`, resume: () => gcControl(t.dataCoordAddress!, 2, 0).catch(() => undefined) };
  }
  throw new Error('backup: garbage collection cannot be paused (no management API, no data coordinator address); segments could be collected mid-copy');
}

/** gRPC status 12: the server does not have the method. */
function isUnimplemented(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 12;
}

/** datapb.GcControl on the data coordinator: command 1 pauses (duration seconds), 2 resumes. */
async function gcControl(address: string, command: 1 | 2, seconds: number): Promise<void> {
  // grpc-js as the SDK loads it (the SDK's own dependency), so the versions agree.
  const sdkRequire = createRequire(createRequire(import.meta.url).resolve('@zilliz/milvus2-sdk-node'));
  const grpc = sdkRequire('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const request = encodeGcControl(command, seconds);
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  try {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest(
        '/milvus.proto.data.DataCoord/GcControl',
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        { deadline: Date.now() + 10_000 } as never,
        (err: Error | null, value?: Buffer) => (err ? reject(err) : resolve(value ?? Buffer.alloc(0))),
      );
    });
    const status = decodeStatus(reply);
    if (status.code !== 0) throw new Error(`GcControl ${command === 1 ? 'pause' : 'resume'}: error ${status.code} ${status.reason}`);
  } finally {
    client.close();
  }
}

/** GcControlRequest { base = 1 (empty), command = 2, params = 3: [{ key: 'duration', value }] }, protobuf wire format. */
export function encodeGcControl(command: number, seconds: number): Buffer {
  const kv = Buffer.concat([field(1, Buffer.from('duration')), field(2, Buffer.from(String(seconds)))]);
  return Buffer.concat([Buffer.from([0x0a, 0x00]), Buffer.from([0x10, command]), ...(command === 1 ? [field(3, kv)] : [])]);
}

function field(n: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(n << 3) | 2]), varint(payload.length), payload]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** commonpb.Status: error_code = 1 (enum), reason = 2, code = 3; 0 everywhere is success. */
export function decodeStatus(b: Buffer): { code: number; reason: string } {
  let i = 0;
  let code = 0;
  let reason = '';
  const read = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const byte = b[i++]!;
      v += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return v;
      shift += 7;
    }
  };
  while (i < b.length) {
    const tag = read();
    const wire = tag & 7;
    const num = tag >>> 3;
    if (wire === 0) {
      const v = read();
      if ((num === 1 || num === 3) && v !== 0) code = v;
    } else if (wire === 2) {
      const len = read();
      if (num === 2) reason = b.subarray(i, i + len).toString();
      i += len;
    } else break;
  }
  return { code, reason };
}

function expectOk(res: unknown, what: string): void {
  const r = res as { status?: { error_code?: string | number; reason?: string }; error_code?: string | number; reason?: string };
  const status = r.status ?? r;
  if (status.error_code === undefined || status.error_code === 'Success' || status.error_code === 0) return;
  throw new Error(`${what}: ${String(status.error_code)} ${status.reason ?? ''}`.trim());
}
