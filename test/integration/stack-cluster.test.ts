import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { Journal } from '../../src/supervise/journal.ts';
import { KAFKA_VERSION, startKafka } from '../../src/platform/local/kafka.ts';
import { ManagedProcess } from '../../src/supervise/process.ts';
import { GLOG_CONF, clusterProcessSpecs, portsNeeded, renderMilvusConfig, type ClusterLayout, type MilvusProcess } from '../../src/platform/local/roles.ts';
import { waitFor } from '../../src/util/poll.ts';
import { freePorts } from '../../src/util/ports.ts';
import { EtcdCluster } from '../../src/platform/local/etcd.ts';
import { MINIO_CREDENTIALS, MinioServer } from '../../src/platform/local/minio.ts';

const drillHome = process.env.MILVUS_DRILL_HOME ?? resolve(import.meta.dirname, '../../.drill');
const binDir = join(drillHome, 'milvus', '2.3.5', 'bin');
const kafkaHome = join(drillHome, 'kafka', KAFKA_VERSION);
const minioBinary = join(drillHome, 'bin', 'minio');
const missing = [join(binDir, 'milvus'), join(kafkaHome, 'libs'), minioBinary].filter((p) => !existsSync(p));
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}: run scripts/setup.sh` : false;

const LAYOUTS: ClusterLayout[] = [
  { coordinators: 'mixture', proxies: 1, queryNodes: 2, dataNodes: 1, indexNodes: 1 },
  { coordinators: 'separate', proxies: 1, queryNodes: 2, dataNodes: 1, indexNodes: 1 },
];
const DIM = 8;

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  return res.ok;
}

function startMilvusProcess(spec: MilvusProcess, journal: Journal, logDir: string): ManagedProcess {
  mkdirSync(spec.runDir, { recursive: true });
  return new ManagedProcess({ name: spec.name, command: join(binDir, 'milvus'), args: spec.args, env: spec.env, logFile: join(logDir, `${spec.name}.log`) }, journal);
}

async function waitHealthy(spec: MilvusProcess, proc: ManagedProcess): Promise<void> {
  await waitFor(() => healthy(spec.healthUrl), { what: `${spec.name} healthz`, timeoutMs: 120_000, intervalMs: 250, process: proc });
}

describe('Milvus 2.3.5 cluster of local processes', { skip }, () => {
  for (const LAYOUT of LAYOUTS) it(`brings up ${LAYOUT.coordinators} coordinators, proxy, 2 query nodes, data and index node on Kafka, and serves a search`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-cluster-'));
    const journal = new Journal(join(dir, 'state'), 'cluster-test');
    const logDir = join(dir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const t0 = Date.now();
    try {
      await using etcd = await EtcdCluster.start({ members: 1, dir: join(dir, 'etcd'), journal });
      await using minio = await MinioServer.start({ dir: join(dir, 'minio'), journal });
      await using kafka = await startKafka({ kafkaHome, dir: join(dir, 'kafka'), journal });
      const tDeps = Date.now();
      t.diagnostic(`etcd + minio + kafka ready in ${tDeps - t0} ms`);

      const confDir = join(dir, 'conf');
      mkdirSync(confDir, { recursive: true });
      writeFileSync(join(confDir, 'glog.conf'), GLOG_CONF);
      writeFileSync(join(confDir, 'milvus.yaml'), renderMilvusConfig({
        host: '127.0.0.1',
        etcdEndpoints: etcd.endpoints,
        etcdRootPath: 'drill-cluster',
        minio: { address: minio.host, port: minio.port, accessKey: MINIO_CREDENTIALS.accessKey, secretKey: MINIO_CREDENTIALS.secretKey, bucket: 'milvus-bucket', rootPath: 'files' },
        kafkaBrokerList: kafka.brokerList,
        localStoragePath: join(dir, 'local'),
        gracefulStopSeconds: 5,
      }));
      const specs = clusterProcessSpecs({ layout: LAYOUT, binDir, confDir, workDir: dir, host: '127.0.0.1', ports: await freePorts(portsNeeded(LAYOUT)) });

      const running: ManagedProcess[] = [];
      // Each Milvus process spends ~10 s closing its Kafka consumers on SIGTERM; the cluster is
      // being thrown away, so stop them all at once rather than one after another.
      await using _milvus = { [Symbol.asyncDispose]: async () => void (await Promise.all(running.map((p) => p.stop(15_000)))) };
      for (const spec of specs) {
        const proc = startMilvusProcess(spec, journal, logDir);
        running.push(proc);
        await waitHealthy(spec, proc);
        t.diagnostic(`${spec.name} healthy at ${Date.now() - t0} ms`);
      }
      const tUp = Date.now();
      t.diagnostic(`milvus processes healthy in ${tUp - tDeps} ms; whole stack in ${tUp - t0} ms`);

      const proxy = specs.find((s) => s.sdkPort !== undefined);
      const client = new MilvusClient({ address: `127.0.0.1:${proxy?.sdkPort}` });
      try {
        await exerciseCollection(client, t);
        t.diagnostic(`collection create/insert/index/load/search took ${Date.now() - tUp} ms`);
        const segments = await client.getQuerySegmentInfo({ collectionName: 'drill_cluster' });
        const servedBy = segments.infos.map((i) => (i as unknown as { nodeIds?: unknown }).nodeIds ?? i.nodeID);
        t.diagnostic(`sealed segments served by query node ids: ${JSON.stringify(servedBy)}`);
      } finally {
        await client.closeConnection();
      }
      t.diagnostic(`teardown starts at ${Date.now() - t0} ms`);
    } finally {
      t.diagnostic(`torn down at ${Date.now() - t0} ms`);
      journal.close();
      if (!process.env.DRILL_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
      else t.diagnostic(`logs kept in ${dir}`);
    }
  });
});

async function exerciseCollection(client: MilvusClient, t: { diagnostic(msg: string): void }): Promise<void> {
  const collection_name = 'drill_cluster';
  const ok = (what: string, status: { error_code: string | number; reason: string }): void =>
    assert.equal(status.error_code, 'Success', `${what}: ${status.reason}`);
  ok('create collection', await client.createCollection({
    collection_name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    ],
  }));
  const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, v: Array.from({ length: DIM }, (_, d) => Math.sin(i * (d + 1))) }));
  const inserted = await client.insert({ collection_name, data: rows });
  ok('insert', inserted.status);
  assert.equal(Number(inserted.insert_cnt), rows.length);
  await client.flushSync({ collection_names: [collection_name] });
  ok('create index', await client.createIndex({ collection_name, field_name: 'v', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 16 } }));
  ok('load', await client.loadCollectionSync({ collection_name }));
  const probe = rows[123];
  const result = await client.search({ collection_name, vector: probe?.v ?? [], limit: 5, params: { nprobe: 16 } });
  ok('search', result.status);
  t.diagnostic(`search top ids ${result.results.map((r) => r.id).join(',')}`);
  assert.equal(String(result.results[0]?.id), '123');
}
