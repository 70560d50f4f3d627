import type { ClientConfig, MilvusClient, RowData } from '@zilliz/milvus2-sdk-node';
import { DataType, ConsistencyLevelEnum } from '@zilliz/milvus2-sdk-node';
import type { ClientTls } from '../core/platform.ts';
import type { CollectionSpec, DatasetSpec, OpRecord, Outcome, SearchProbeSpec } from '../core/types.ts';
import type { Dataset } from '../dataset/index.ts';
import type { HistoryRecorder } from '../history/recorder.ts';
import { classifyServerError, classifyTransport } from '../checks/outcomes.ts';
import { createRequire } from 'node:module';
import { delay, FatalProbeError, waitFor } from '../util/poll.ts';

import { sdkForServer, serverLine, supportedServerLines, type SdkLine } from '../core/sdk-versions.ts';

type SdkModule = typeof import('@zilliz/milvus2-sdk-node');

/** The SDK package the table names for a server version, loaded (and its installed version checked). */
export async function loadSdk(serverVersion: string): Promise<{ line: SdkLine; module: SdkModule; version: string }> {
  const line = sdkForServer(serverVersion);
  if (!line) throw new Error(`no Node SDK is known to serve Milvus ${serverVersion}; supported: ${supportedServerLines().join(', ')} (src/core/sdk-versions.ts)`);
  const version = (createRequire(import.meta.url)(`${line.package}/package.json`) as { version: string }).version;
  if (version !== line.version) throw new Error(`${line.package} is ${version}, the table says ${line.version}; run 'npm ci'`);
  return { line, module: (await import(line.package)) as SdkModule, version };
}

/** How a client authenticates and secures its connection; empty for an open stack. */
export interface Connection {
  username?: string;
  password?: string;
  tls?: ClientTls | null;
}

/** The SDK's client options for a connection: credentials and TLS files. */
export function connectionOptions(c: Connection): Pick<ClientConfig, 'username' | 'password' | 'tls' | 'ssl'> {
  const out: Pick<ClientConfig, 'username' | 'password' | 'tls' | 'ssl'> = {};
  if (c.username !== undefined) Object.assign(out, { username: c.username, password: c.password ?? '' });
  if (c.tls) {
    out.ssl = true;
    out.tls = { rootCertPath: c.tls.caPath, serverName: c.tls.serverName, ...(c.tls.certPath && c.tls.keyPath ? { certChainPath: c.tls.certPath, privateKeyPath: c.tls.keyPath } : {}) };
  }
  return out;
}

/** The correctness workload through the official Node SDK: every call is recorded in the history. */
export class SdkDriver implements AsyncDisposable {
  /** SDK calls still running, including those our timeouts gave up on. */
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly client: MilvusClient,
    private readonly history: HistoryRecorder,
    private readonly collection: CollectionSpec,
    private readonly sdk: { line: SdkLine; version: string },
  ) {}

  /** Connects with the SDK that serves `serverVersion` (the table in src/core/sdk-versions.ts), with credentials and TLS when the stack has them. */
  static async connect(address: string, history: HistoryRecorder, collection: CollectionSpec, connection: Connection = {}, serverVersion = '2.3.5'): Promise<SdkDriver> {
    const sdk = await loadSdk(serverVersion);
    const client = new sdk.module.MilvusClient({
      address,
      ...connectionOptions(connection),
      // Raw outcomes: the SDK must not retry behind our back, and must reconnect quickly after a
      // restart so recovery time measures the server, not the client's backoff.
      maxRetries: 0,
      channelOptions: {
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.min_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 500,
      },
      logLevel: 'error',
    });
    await client.connectPromise;
    return new SdkDriver(client, history, collection, sdk);
  }

  /** The version the server reports (e.g. 'v2.3.5-lite'), and the SDK's own; refuses a server the loaded SDK does not serve. */
  async versions(): Promise<{ server: string; sdk: string }> {
    const res = await this.client.getVersion();
    const line = serverLine(res.version);
    if (line === null || !this.sdk.line.servers.includes(line)) {
      throw new Error(`the server reports Milvus ${res.version}, which SDK ${this.sdk.version} does not serve (it serves ${this.sdk.line.servers.map((l) => `${l}.x`).join(', ')}); set stack.milvusVersion to the server's version`);
    }
    return { server: res.version, sdk: this.sdk.version };
  }

  /** Runs one call, records it, and classifies its outcome; never throws for server errors. */
  private async call<T>(
    op: OpRecord['op'],
    timeoutMs: number,
    fn: () => Promise<T>,
    describe: (result: T) => { error?: string; ids?: number[]; scores?: number[]; versions?: number[]; count?: number },
    extra: Partial<Pick<OpRecord, 'ids' | 'queryIndex' | 'keys' | 'versions' | 'filter'>> = {},
  ): Promise<OpRecord> {
    const start = this.history.now();
    let outcome: Outcome = 'ok';
    let error: string | undefined;
    let errorClass: string | undefined;
    let fields: Partial<OpRecord> = { ...extra };
    try {
      const result = await this.timed(fn(), timeoutMs);
      const d = describe(result);
      if (d.error) {
        error = d.error;
        ({ errorClass, outcome } = classifyServerError(d.error));
      } else {
        fields = { ...fields, ...stripUndefined(d) };
      }
    } catch (err) {
      ({ outcome, error, errorClass } = classifyError(err));
    }
    const end = this.history.now();
    const record: Parameters<HistoryRecorder['record']>[0] = { op, start, end, outcome, ...fields };
    if (error !== undefined) {
      record.error = error;
      record.errorClass = errorClass ?? 'unknown';
    }
    return this.history.record(record);
  }

  async createCollection(dataset: DatasetSpec, timeoutMs = 60_000): Promise<OpRecord> {
    const c = this.collection;
    const fields = [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vector', data_type: DataType.FloatVector, dim: dataset.dim },
      // Upserts write their version here, so durability can check each row holds its latest value.
      { name: 'version', data_type: DataType.Int64 },
      ...c.scalarFields.map((f) => ({
        name: f,
        data_type: f === 'num' ? DataType.Double : DataType.Int64,
        is_partition_key: c.partitionKey?.field === f,
      })),
    ];
    return this.call(
      'ddl',
      timeoutMs,
      async () => {
        if ((await this.client.hasCollection({ collection_name: c.name })).value) {
          await this.client.dropCollection({ collection_name: c.name });
        }
        return this.client.createCollection({
          collection_name: c.name,
          fields,
          shards_num: c.shards,
          consistency_level: c.consistency,
          ...(c.partitionKey ? { num_partitions: c.partitionKey.partitions } : {}),
        });
      },
      statusError,
    );
  }

  /** Inserts rows [0, rows) in batches; returns the acknowledged ids. */
  async insertAll(
    dataset: Dataset,
    spec: DatasetSpec,
    onBatch: (done: number) => void,
    signal: AbortSignal,
    timeoutMs = 60_000,
    firstRow = 0,
  ): Promise<number[]> {
    const acknowledged: number[] = [];
    for (let start = firstRow; start < spec.rows; start += spec.batchSize) {
      signal.throwIfAborted();
      const count = Math.min(spec.batchSize, spec.rows - start);
      const rows = this.rowsFor(dataset, start, count);
      const ids = rows.map((r) => r.id as number);
      const record = await this.call(
        'insert',
        timeoutMs,
        () => this.client.insert({ collection_name: this.collection.name, fields_data: rows }),
        (res) => ({ ...statusError(res.status ? res : { status: res.status }) }),
        { ids },
      );
      if (record.outcome !== 'ok') throw new Error(`insert of rows ${start}..${start + count - 1} failed: ${record.error}`);
      acknowledged.push(...ids);
      onBatch(start + count);
    }
    return acknowledged;
  }

  private rowsFor(dataset: Dataset, start: number, count: number): RowData[] {
    const vectors = dataset.vectors(start, count);
    const dim = dataset.dim;
    return Array.from({ length: count }, (_, i) => this.row(dataset, start + i, 0, vectors.subarray(i * dim, (i + 1) * dim)));
  }

  private row(dataset: Dataset, id: number, version: number, vector: Float32Array): RowData {
    const scalars = dataset.scalars(id);
    const row: RowData = { id, version, vector: Array.from(vector) };
    for (const f of this.collection.scalarFields) row[f] = scalars[f];
    return row;
  }

  /** Upserts rows to new versions: each row keeps its scalars and gets Dataset.upsertVector(id, version). */
  async upsert(dataset: Dataset, rows: readonly { id: number; version: number }[], timeoutMs = 10_000): Promise<OpRecord> {
    const data = rows.map(({ id, version }) => this.row(dataset, id, version, dataset.upsertVector(id, version)));
    return this.call(
      'upsert',
      timeoutMs,
      () => this.client.upsert({ collection_name: this.collection.name, fields_data: data }),
      (res) => statusError(res),
      { ids: rows.map((r) => r.id), versions: rows.map((r) => r.version) },
    );
  }

  async delete(ids: readonly number[], timeoutMs = 10_000): Promise<OpRecord> {
    return this.call(
      'delete',
      timeoutMs,
      () => this.client.delete({ collection_name: this.collection.name, ids: [...ids] }),
      (res) => statusError(res),
      { ids: [...ids] },
    );
  }

  /** Rows the server counts, with Strong consistency, to reconcile against the acknowledged writes. */
  /** The count is part of the op as recorded: the history is streamed as ops are recorded, so nothing may be added after. */
  async count(timeoutMs = 30_000): Promise<OpRecord> {
    return this.call(
      'count',
      timeoutMs,
      () =>
        this.client.query({
          collection_name: this.collection.name,
          output_fields: ['count(*)'],
          consistency_level: ConsistencyLevelEnum.Strong,
        }),
      (res) => {
        const err = statusError(res);
        return err.error ? err : { count: Number(res.data[0]?.['count(*)']) };
      },
    );
  }

  /** Flush, then wait until its segments are flushed (the SDK's flushSync polls with no deadline, forever). */
  async flush(timeoutMs = 120_000, signal?: AbortSignal): Promise<OpRecord> {
    const name = this.collection.name;
    return this.call(
      'flush',
      timeoutMs,
      async () => {
        const res = await this.client.flush({ collection_names: [name] });
        if (statusError(res).error) return res;
        const segments = Object.values((res.coll_segIDs ?? {}) as Record<string, { data?: (number | string)[] }>).flatMap((s) => (s.data ?? []).map(Number));
        await waitFor(
          async () => {
            const state = await this.client.getFlushState({ segmentIDs: segments });
            throwIfRefused(state, 'flush state');
            return state.flushed;
          },
          { what: `the ${segments.length} segments of ${name} to be flushed`, timeoutMs, intervalMs: 100, ...(signal ? { signal } : {}) },
        );
        return res;
      },
      statusError,
    );
  }

  /** Manual compaction, waited for until the server reports it completed. */
  async compact(signal: AbortSignal, timeoutMs = 300_000): Promise<OpRecord> {
    return this.call(
      'compact',
      timeoutMs,
      async () => {
        const started = await this.client.compact({ collection_name: this.collection.name });
        if (statusError(started).error) return started;
        await waitFor(
          async () => {
            const state = await this.client.getCompactionState({ compactionID: started.compactionID });
            throwIfRefused(state, 'compaction state');
            return String(state.state) === 'Completed' || Number(state.state) === 2 ? true : undefined;
          },
          { what: `compaction ${started.compactionID} to complete`, timeoutMs, intervalMs: 500, signal },
        );
        return started;
      },
      statusError,
    );
  }

  /** The SDK client itself, for the binlog backup (which records its own events). */
  get milvus(): MilvusClient {
    return this.client;
  }

  /**
   * Rows per partition with Strong consistency. With a partition key Milvus refuses queries naming
   * partitions, so rows are counted per key value instead ('tenant=5'), values 0..keyValues-1.
   */
  async partitionCounts(keyValues: number, timeoutMs = 30_000): Promise<Record<string, number>> {
    const name = this.collection.name;
    const out: Record<string, number> = {};
    const count = async (label: string, req: { partition_names?: string[]; expr?: string }): Promise<void> => {
      const res = await this.timed(this.client.query({ collection_name: name, ...req, output_fields: ['count(*)'], consistency_level: ConsistencyLevelEnum.Strong }), timeoutMs);
      const { error } = statusError(res);
      if (error) throw new Error(`count of ${label}: ${error}`);
      out[label] = Number(res.data[0]?.['count(*)']);
    };
    // Strong reads wait for the server's safe time, not for CPU: eight at a time.
    const all = async (jobs: (() => Promise<void>)[]): Promise<void> => {
      for (let i = 0; i < jobs.length; i += 8) await Promise.all(jobs.slice(i, i + 8).map((j) => j()));
    };
    const key = this.collection.partitionKey?.field;
    if (key) {
      await all(Array.from({ length: keyValues }, (_, v) => () => count(`${key}=${v}`, { expr: `${key} == ${v}` })));
    } else {
      const parts = await this.timed(this.client.showPartitions({ collection_name: name }), timeoutMs);
      await all(parts.partition_names.map((p) => () => count(p, { partition_names: [p] })));
    }
    // Labels in a stable order, whatever order the answers came in.
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
  }

  /** The collection's partition key field and partition count as the server describes them. */
  async partitionKey(timeoutMs = 10_000): Promise<{ field: string | null; partitions: number }> {
    const desc = await this.timed(this.client.describeCollection({ collection_name: this.collection.name }), timeoutMs);
    const { error } = statusError(desc);
    if (error) throw new Error(`describe collection: ${error}`);
    const parts = await this.timed(this.client.showPartitions({ collection_name: this.collection.name }), timeoutMs);
    return { field: desc.schema.fields.find((f) => f.is_partition_key)?.name ?? null, partitions: parts.partition_names.length };
  }

  /** Builds the vector index: the scenario's, or `index` (another type, or a restored backup's type and params). */
  async buildIndex(metric: string, signal: AbortSignal, timeoutMs = 600_000, index: CollectionSpec['index'] = this.collection.index): Promise<OpRecord> {
    return this.call(
      'index',
      timeoutMs,
      async () => {
        const created = await this.client.createIndex({
          collection_name: this.collection.name,
          field_name: 'vector',
          index_type: index.type,
          metric_type: metric,
          params: index.params as Record<string, number>,
        });
        if (statusError(created).error) return created;
        await waitFor(
          async () => {
            const state = await this.client.describeIndex({ collection_name: this.collection.name, field_name: 'vector' });
            throwIfRefused(state, 'describe index');
            const info = state.index_descriptions[0];
            if (info?.state === 'Failed') throw new FatalProbeError(`index build failed: ${info.index_state_fail_reason}`);
            return info?.state === 'Finished' && info.pending_index_rows === '0' ? true : undefined;
          },
          { what: `index build on ${this.collection.name}.vector to finish`, timeoutMs, intervalMs: 1000, signal },
        );
        return created;
      },
      statusError,
    );
  }

  /** Releases the collection and drops its vector index (to build another: sizing measures index types in turn). */
  async releaseAndDropIndex(timeoutMs = 120_000): Promise<OpRecord> {
    const collection_name = this.collection.name;
    return this.call(
      'ddl',
      timeoutMs,
      async () => {
        const released = await this.client.releaseCollection({ collection_name });
        if (statusError(released).error) return released;
        return this.client.dropIndex({ collection_name, field_name: 'vector' });
      },
      statusError,
    );
  }

  async load(timeoutMs = 300_000, signal?: AbortSignal): Promise<OpRecord> {
    const collection_name = this.collection.name;
    return this.call(
      'load',
      timeoutMs,
      async () => {
        const replicas = this.collection.replicas ?? 1;
        const requested = await this.client.loadCollection({ collection_name, replica_number: replicas });
        if (statusError(requested).error) return requested;
        await waitFor(
          async () => {
            const progress = await this.client.getLoadingProgress({ collection_name });
            throwIfRefused(progress, 'loading progress');
            return Number(progress.progress) >= 100;
          },
          { what: `collection ${collection_name} to load`, timeoutMs, intervalMs: 400, ...(signal ? { signal } : {}) },
        );
        await this.checkReplicas(replicas);
        return requested;
      },
      statusError,
    );
  }

  /** The server holds the replicas asked for, each on its own query nodes; the layout goes into the history as a note. */
  private async checkReplicas(wanted: number): Promise<void> {
    const described = await this.client.describeCollection({ collection_name: this.collection.name });
    throwIfRefused(described, 'describe collection');
    const res = await this.client.getReplicas({ collectionID: described.collectionID });
    throwIfRefused(res, 'get replicas');
    const layout = res.replicas.map((r) => ({ replica: r.replicaID, nodes: r.node_ids.map(String) }));
    this.history.event('note', 'replicas', JSON.stringify(layout));
    if (layout.length !== wanted) {
      throw new FatalProbeError(`collection ${this.collection.name} was loaded with ${layout.length} replica(s), not the ${wanted} asked for (collection.replicas); the server needs a query node per replica`);
    }
  }

  async search(queries: Float32Array, dim: number, queryIndex: number, spec: SearchProbeSpec, filter?: OpRecord['filter']): Promise<OpRecord> {
    const vector = Array.from(queries.subarray(queryIndex * dim, (queryIndex + 1) * dim));
    return this.call(
      'search',
      spec.timeout,
      () =>
        this.client.search({
          collection_name: this.collection.name,
          vector,
          limit: spec.topK,
          params: this.collection.index.searchParams,
          consistency_level: ConsistencyLevelEnum[this.collection.consistency],
          ...(filter ? { expr: `category == ${filter.category}` } : {}),
        }),
      (res) => {
        const err = statusError(res);
        if (err.error) return err;
        return { ids: res.results.map((r) => Number(r.id)), scores: res.results.map((r) => r.score) };
      },
      filter ? { queryIndex, filter } : { queryIndex },
    );
  }

  /** Closed-loop search probes from `concurrency` workers until the signal aborts. */
  async runSearchProbes(queries: Float32Array, dim: number, spec: SearchProbeSpec, signal: AbortSignal): Promise<void> {
    const nq = queries.length / dim;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!signal.aborted) {
        const started = Date.now();
        const n = next++;
        await this.search(queries, dim, n % nq, spec, probeFilter(n, spec));
        const wait = spec.every - (Date.now() - started);
        await delay(Math.max(0, wait), signal).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
  }

  /** Looks up every acknowledged id with Strong consistency; the found ids go into the history. */
  async verifyDurability(ids: readonly number[], timeoutMs = 30_000, batch = 1000): Promise<OpRecord[]> {
    const records: OpRecord[] = [];
    for (let i = 0; i < ids.length; i += batch) {
      const slice = ids.slice(i, i + batch);
      records.push(
        await this.call(
          'query',
          timeoutMs,
          () =>
            this.client.query({
              collection_name: this.collection.name,
              expr: `id in [${slice.join(',')}]`,
              output_fields: ['id', 'version'],
              consistency_level: ConsistencyLevelEnum.Strong,
            }),
          (res) => {
            const err = statusError(res);
            if (err.error) return err;
            return { ids: res.data.map((row) => Number(row.id)), versions: res.data.map((row) => Number(row.version)) };
          },
          { keys: slice },
        ),
      );
    }
    return records;
  }

  /**
   * The server's version and the collection's vector index as it describes it (type, metric,
   * params, sorted), for comparing before and after an upgrade. Throws while the server cannot say.
   */
  async serverState(timeoutMs = 10_000): Promise<{ server: string; index: string | null }> {
    const server = (await this.client.getVersion()).version;
    const res = await this.client.describeIndex({ collection_name: this.collection.name, field_name: 'vector', timeout: timeoutMs });
    const code = res.status?.error_code;
    if (code === 'IndexNotExist' || /index not (exist|found)/i.test(res.status?.reason ?? '')) return { server, index: null };
    if (code !== undefined && code !== 'Success' && code !== 0) throw new Error(`describeIndex: ${res.status.reason || String(code)}`);
    const d = res.index_descriptions[0];
    if (!d) return { server, index: null };
    const params = Object.fromEntries(
      d.params
        .filter((p) => p.key !== 'params' && p.key !== 'mmap.enabled')
        .concat(d.params.filter((p) => p.key === 'params').flatMap((p) => Object.entries(JSON.parse(String(p.value)) as Record<string, unknown>).map(([key, value]) => ({ key, value: String(value) }))))
        .sort((a, b) => a.key.localeCompare(b.key))
        .map((p) => [p.key, p.value]),
    );
    return { server, index: `${d.field_name}: ${JSON.stringify(params)}` };
  }

  /**
   * The query coordinator's view of the collection's sealed segments: which query nodes serve
   * each, its rows and memory size (GetQuerySegmentInfo). Not recorded as an op: a scale step
   * records the samples as notes.
   */
  async segmentDistribution(timeoutMs = 5_000): Promise<{ id: string; nodes: number[]; rows: number; memBytes: number }[]> {
    const res = await this.client.getQuerySegmentInfo({ collectionName: this.collection.name, timeout: timeoutMs });
    const code = res.status?.error_code;
    if (code !== undefined && code !== 'Success' && code !== 0) throw new Error(`getQuerySegmentInfo: ${res.status.reason || String(code)}`);
    return res.infos.map((info) => {
      const withIds = info as typeof info & { nodeIds?: (number | string)[] };
      const nodes = withIds.nodeIds && withIds.nodeIds.length > 0 ? withIds.nodeIds.map(Number) : [Number(info.nodeID)];
      // Segment ids are int64 beyond 2^53: kept as the SDK's string, never a Number (they would collide).
      return { id: String(info.segmentID), nodes, rows: Number(info.num_rows), memBytes: Number(info.mem_size) };
    });
  }

  /**
   * Closes the client once no call of it is in flight. A call our own timeout gave up on is still
   * running in the SDK; if its channel were closed under it, the SDK's retry of an UNAVAILABLE
   * status (one retry, whatever maxRetries says) would open a call on the closed channel and throw
   * "Channel has been shut down" from a gRPC callback, killing the process. So the close waits for
   * those calls (up to CLOSE_WAIT_MS), and past that is left to happen when they end.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const pending = Promise.allSettled([...this.inFlight]);
    const waited = new AbortController();
    const settled = await Promise.race([pending.then(() => true), delay(CLOSE_WAIT_MS, waited.signal).then(() => false, () => false)]);
    waited.abort();
    if (settled) await this.client.closeConnection();
    else void pending.then(() => this.client.closeConnection()).catch(() => undefined);
  }

  /** The SDK promise of a call, kept in the in-flight set until it settles. */
  /**
   * An SDK call with a deadline, tracked until it really ends: close waits for it, since the SDK
   * retries on the channel even after our deadline has given up on the call.
   */
  private timed<T>(call: Promise<T>, ms: number): Promise<T> {
    this.inFlight.add(call);
    call.then(() => this.inFlight.delete(call), () => this.inFlight.delete(call));
    return withTimeout(call, ms);
  }
}

/** How long closing a driver waits for the SDK calls still running. */
const CLOSE_WAIT_MS = 15_000;

interface MaybeStatus {
  error_code?: string | number;
  reason?: string;
  status?: { error_code?: string | number; reason?: string };
}

/** The SDK reports server errors in a status field instead of throwing. */
function statusError(res: unknown): { error?: string } {
  const r = res as MaybeStatus;
  const status = r.status ?? r;
  if (status.error_code === undefined || status.error_code === 'Success' || status.error_code === 0) return {};
  return { error: `${status.error_code}: ${status.reason ?? ''}`.trim() };
}

/** Server errors after which waiting longer cannot help; others (not ready, not loaded yet) are retried. */
const FATAL_WHILE_WAITING = new Set(['collection-missing', 'invalid-request']);

function throwIfRefused(res: unknown, what: string): void {
  const { error } = statusError(res);
  if (!error) return;
  if (FATAL_WHILE_WAITING.has(classifyServerError(error).errorClass)) throw new FatalProbeError(`${what}: ${error}`);
  throw new Error(`${what}: ${error}`);
}

class ClientTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClientTimeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the SDK throws for a server status some of its helpers check themselves. */
const SDK_STATUS_ERROR = /^ErrorCode: .*Reason:/;

/**
 * A thrown error → outcome (table: checks/outcomes.ts). Only a refusal the server reported or a
 * connection refused (the request never left) is 'fail'; a timeout, a dropped connection or an
 * error nobody recognises may have taken effect: 'unknown', never counted as success.
 */
export function classifyError(err: unknown): { outcome: Outcome; error: string; errorClass: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ClientTimeout) return { outcome: 'unknown', error: message, errorClass: 'timeout' };
  if (SDK_STATUS_ERROR.test(message)) return { ...classifyServerError(message), error: message };
  const code = (err as { code?: unknown } | null)?.code;
  return { ...classifyTransport(typeof code === 'number' ? code : undefined, message), error: message };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Which probes filter, and on what: a deterministic share (by probe number) searches with
 * `category == c`, cycling through the categories so each selectivity is exercised.
 */
export function probeFilter(n: number, spec: SearchProbeSpec): OpRecord['filter'] {
  const { share, categories } = spec.filtered;
  if (share <= 0 || categories.length === 0) return undefined;
  const period = Math.max(1, Math.round(1 / share));
  if (n % period !== period - 1) return undefined;
  return { category: categories[Math.floor(n / period) % categories.length]! };
}
