// A minimal real Milvus 2.3.5 standalone (plus its etcd) for the k6 driver's integration test,
// until the `local` platform lands and replaces it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataType, type MilvusClient } from '@zilliz/milvus2-sdk-node';
import { ManagedProcess } from '../../../src/platform/local/process.ts';
import type { Journal } from '../../../src/platform/local/journal.ts';
import { freePorts } from '../../../src/util/ports.ts';
import { pollUntil } from '../../../src/util/poll.ts';

export const MILVUS_VERSION = '2.3.5';

export function drillHome(): string {
  return process.env.MILVUS_DRILL_HOME ?? join(process.cwd(), '.drill');
}

export function milvusBinDir(): string {
  return join(drillHome(), 'milvus', MILVUS_VERSION, 'bin');
}

/** Every gRPC port Milvus opens; all must be set because the built-in defaults collide. */
const ROLE_PORTS = [
  ['rootCoord', 'port'],
  ['proxy', 'port'],
  ['proxy', 'internalPort'],
  ['queryCoord', 'port'],
  ['queryNode', 'port'],
  ['indexCoord', 'port'],
  ['indexNode', 'port'],
  ['dataCoord', 'port'],
  ['dataNode', 'port'],
] as const;

function milvusYaml(dir: string, etcdClientPort: number, ports: readonly number[]): string {
  const sections = new Map<string, string[]>();
  ROLE_PORTS.forEach(([section, key], i) => {
    // Without ip each role registers the first non-loopback address; keep traffic on loopback.
    sections.set(section, [...(sections.get(section) ?? ['  ip: 127.0.0.1']), `  ${key}: ${ports[i]}`]);
  });
  return [
    'etcd:',
    `  endpoints: 127.0.0.1:${etcdClientPort}`,
    `  rootPath: k6-test-${process.pid}`,
    '  use:',
    '    embed: false',
    'common:',
    '  storageType: local',
    'localStorage:',
    `  path: ${join(dir, 'data')}`,
    'rocksmq:',
    `  path: ${join(dir, 'rocksmq')}`,
    'log:',
    '  file:',
    `    rootPath: ${join(dir, 'logs')}`,
    ...[...sections].flatMap(([section, lines]) => [`${section}:`, ...lines]),
    '',
  ].join('\n');
}

export interface TestMilvus extends AsyncDisposable {
  /** host:port of the proxy's gRPC endpoint. */
  address: string;
  logFile: string;
}

async function waitHttp(url: string, expectBody: RegExp, what: string, proc: ManagedProcess, logFile: string): Promise<void> {
  await pollUntil(
    async () => {
      if (!proc.running) throw new Error(`${what} exited (${JSON.stringify(proc.status)}): see ${logFile}`);
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      return expectBody.test(await res.text());
    },
    { what, timeoutMs: 120_000, intervalMs: 250 },
  );
}

function startEtcd(dir: string, journal: Journal, clientPort: number, peerPort: number): { proc: ManagedProcess; url: string; logFile: string } {
  const url = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const logFile = join(dir, 'etcd.log');
  const args = ['--name', 'e1', '--data-dir', join(dir, 'etcd'), '--listen-client-urls', url, '--advertise-client-urls', url,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `e1=${peerUrl}`];
  return { proc: new ManagedProcess({ name: 'etcd', command: 'etcd', args, logFile }, journal), url, logFile };
}

function startMilvus(dir: string, journal: Journal, metricsPort: number): { proc: ManagedProcess; logFile: string } {
  const binDir = milvusBinDir();
  const logFile = join(dir, 'milvus.log');
  const env = {
    MILVUSCONF: `${join(dir, 'conf')}/`,
    DEPLOY_MODE: 'STANDALONE',
    METRICS_PORT: String(metricsPort),
    MILVUS_RUN_DIR: join(dir, 'run'),
    LD_LIBRARY_PATH: binDir,
  };
  const spec = { name: 'milvus-standalone', command: join(binDir, 'milvus'), args: ['run', 'standalone'], cwd: dir, env, logFile };
  return { proc: new ManagedProcess(spec, journal), logFile };
}

/** Starts etcd and Milvus standalone under `dir`; disposing stops both, Milvus first. */
export async function startTestMilvus(dir: string, journal: Journal): Promise<TestMilvus> {
  if (!existsSync(join(milvusBinDir(), 'milvus'))) throw new Error(`no Milvus binary in ${milvusBinDir()}: run scripts/setup.sh`);
  const [etcdClient, etcdPeer, metrics, ...rolePorts] = await freePorts(3 + ROLE_PORTS.length);
  mkdirSync(join(dir, 'conf'), { recursive: true });
  mkdirSync(join(dir, 'run'), { recursive: true });
  writeFileSync(join(dir, 'conf', 'milvus.yaml'), milvusYaml(dir, etcdClient!, rolePorts));
  writeFileSync(join(dir, 'conf', 'glog.conf'), '--logtostderr=true\n--minloglevel=1\n');
  const started: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const p of started.reverse()) await p.stop(15_000);
  };
  try {
    const etcd = startEtcd(dir, journal, etcdClient!, etcdPeer!);
    started.push(etcd.proc);
    await waitHttp(`${etcd.url}/health`, /"health":\s*"true"/, 'etcd health', etcd.proc, etcd.logFile);
    const milvus = startMilvus(dir, journal, metrics!);
    started.push(milvus.proc);
    await waitHttp(`http://127.0.0.1:${metrics}/healthz`, /^OK$/, 'Milvus health', milvus.proc, milvus.logFile);
    return { address: `127.0.0.1:${rolePorts[1]}`, logFile: milvus.logFile, [Symbol.asyncDispose]: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
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
