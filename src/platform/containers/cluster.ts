import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { RunContext } from '../../core/platform.ts';
import type { ImageComponent, Role, StackSpec } from '../../core/types.ts';
import { waitFor } from '../../util/poll.ts';
import { CLUSTER_LAYOUT } from '../local/cluster.ts';
import { kafkaContainerScript, renderKafkaProperties } from '../local/kafka.ts';
import { ETCD_CLIENT_PORT, milvusEnv, minioSpec, startEtcd } from './components.ts';
import { MILVUS_METRICS_PORT, MILVUS_PORTS } from './images.ts';
import type { ComponentSpec, ContainerComponent, ContainerRun } from './runtime.ts';
import type { Journal } from '../../supervise/journal.ts';
import { DataVolume } from '../local/volumes.ts';

export interface ContainerCluster {
  milvusAddress: string;
  metricsUrl: string;
}

const KAFKA_PORT = 9092;
/** Seconds a Milvus process drains on SIGTERM; the cluster is thrown away after the run. */
const GRACEFUL_STOP_SECONDS = 5;

/** Kafka in KRaft mode (broker and controller in one JVM), from our image's jars; formats its volume on first start only. */
export function kafkaSpec(image: string, clusterId: string): ComponentSpec {
  const properties = renderKafkaProperties({ nodeId: 1, host: 'kafka', brokerPort: KAFKA_PORT, controllerPort: 9093, dataDir: '/var/lib/kafka/data' });
  const script = kafkaContainerScript(clusterId);
  return {
    name: 'kafka',
    role: 'mq',
    image,
    command: ['sh', '-c', script],
    env: { KAFKA_PROPERTIES: properties },
    dataPath: '/var/lib/kafka',
    wait: (tc) => tc.Wait.forLogMessage(/Kafka Server started/),
    startupTimeoutMs: 120_000,
  };
}

interface RoleInstance {
  name: string;
  role: Role;
  args: string[];
}

/** The local platform's layout (one mixture process for the coordinators, as Milvus 2.6 and the Helm chart run them), one container each. */
function roleInstances(): RoleInstance[] {
  const replicas = (role: 'querynode' | 'datanode' | 'indexnode' | 'proxy', n: number): RoleInstance[] =>
    Array.from({ length: n }, (_, i) => ({ name: `${role}-${i + 1}`, role, args: ['milvus', 'run', role] }));
  return [
    { name: 'coordinators', role: 'coordinator', args: ['milvus', 'run', 'mixture', '-rootcoord=true', '-datacoord=true', '-querycoord=true'] },
    ...replicas('datanode', CLUSTER_LAYOUT.dataNodes),
    ...replicas('indexnode', CLUSTER_LAYOUT.indexNodes),
    ...replicas('querynode', CLUSTER_LAYOUT.queryNodes),
    ...replicas('proxy', CLUSTER_LAYOUT.proxies),
  ];
}

function milvusRoleSpec(image: string, stack: StackSpec, inst: RoleInstance, etcd: string[]): ComponentSpec {
  return {
    name: inst.name,
    role: inst.role,
    image,
    command: inst.args,
    env: {
      ...milvusEnv(stack, { etcd, kafka: `kafka:${KAFKA_PORT}` }),
      DEPLOY_MODE: 'CLUSTER',
      COMMON_GRACEFULSTOPTIMEOUT: String(GRACEFUL_STOP_SECONDS),
      QUERYNODE_GRACEFULSTOPTIMEOUT: String(GRACEFUL_STOP_SECONDS),
    },
    publish: inst.role === 'proxy' ? [MILVUS_PORTS['proxy.port'], MILVUS_METRICS_PORT] : [MILVUS_METRICS_PORT],
    dataPath: '/var/lib/milvus',
    wait: (tc) => tc.Wait.forHttp('/healthz', MILVUS_METRICS_PORT).forResponsePredicate((body) => body.trim() === 'OK'),
    startupTimeoutMs: 180_000,
  };
}

/**
 * etcd ×N, MinIO and Kafka together; then the coordinators, the worker nodes (together) and the
 * proxy, each in its own container on the run's network, each registering its own address.
 */
export async function startContainerCluster(
  run: ContainerRun,
  spec: StackSpec,
  image: (c: ImageComponent) => string,
  ctx: RunContext,
  o: { journal: Journal; loopVolumes: boolean },
): Promise<ContainerCluster> {
  const instances = roleInstances();
  const volumes = o.loopVolumes ? await createVolumes(run, ctx, o.journal, [...Array.from({ length: spec.etcd.members }, (_, i) => `etcd-${i}`), 'minio', 'kafka', ...instances.map((i) => i.name)]) : new Map<string, DataVolume>();
  const onVolume = (c: ComponentSpec): ComponentSpec => (volumes.has(c.name) ? { ...c, dataVolume: volumes.get(c.name)! } : c);
  ctx.log(`starting etcd (${spec.etcd.members} members), MinIO and Kafka (${image('kafka')})`);
  const [etcd] = await Promise.all([
    startEtcd(run, image('etcd'), spec.etcd.members, onVolume),
    run.start(onVolume(minioSpec(image('minio')))),
    run.start(onVolume(kafkaSpec(image('kafka'), randomBytes(16).toString('base64url')))),
  ]);
  const endpoints = etcd.map((m) => `${m.name}:${ETCD_CLIENT_PORT}`);
  ctx.log(`starting Milvus ${spec.milvusVersion} cluster (${image('milvus')}): ${instances.map((i) => i.name).join(', ')}`);
  const start = (inst: RoleInstance): Promise<ContainerComponent> => run.start(onVolume(milvusRoleSpec(image('milvus'), spec, inst, endpoints)));
  await start(instances[0]!);
  await Promise.all(instances.filter((i) => i.role !== 'proxy' && i.role !== 'coordinator').map(start));
  const proxies = await Promise.all(instances.filter((i) => i.role === 'proxy').map(start));
  const proxy = proxies[0]!;
  const address = `127.0.0.1:${proxy.ports.get(MILVUS_PORTS['proxy.port'])}`;
  await waitProxyServes(address, ctx.signal);
  return { milvusAddress: address, metricsUrl: `http://127.0.0.1:${proxy.ports.get(MILVUS_METRICS_PORT)}/metrics` };
}

/** Ready means the proxy answers CheckHealth for the whole cluster (coordinators included). */
async function waitProxyServes(address: string, signal: AbortSignal): Promise<void> {
  const client = new MilvusClient({ address, timeout: 5_000 });
  try {
    await waitFor(async () => (await client.checkHealth()).isHealthy, { what: `Milvus proxy at ${address} to report the cluster healthy`, timeoutMs: 90_000, intervalMs: 500, signal });
  } finally {
    await client.closeConnection();
  }
}

const GIB = 2 ** 30;
/** Sparse images: they cost host disk only for what is written (or filled). */
const VOLUME_BYTES: Partial<Record<Role, number>> = { etcd: 1 * GIB, minio: 4 * GIB, mq: 2 * GIB, querynode: 2 * GIB, datanode: 2 * GIB, indexnode: 2 * GIB };

function roleOfName(name: string): Role {
  if (name.startsWith('etcd-')) return 'etcd';
  if (name === 'kafka') return 'mq';
  if (name === 'coordinators') return 'coordinator';
  return name.replace(/-\d+$/, '') as Role;
}

/**
 * A size-bounded ext4 volume (loop-mounted sparse file, as on the local platform) per
 * data-holding component, bind-mounted into its container: disk-fill exhausts that component's
 * disk and never the host's. Outside the work dir, so the runner's log copy never walks into it.
 */
async function createVolumes(run: ContainerRun, ctx: RunContext, journal: Journal, names: string[]): Promise<Map<string, DataVolume>> {
  const dataRoot = `${ctx.workDir}-data`;
  const id = randomUUID();
  journal.add({ id, kind: 'fault', name: `data dir ${dataRoot}`, undo: [['rm', '-rf', dataRoot]] });
  mkdirSync(dataRoot, { recursive: true });
  run.defer(() => {
    rmSync(dataRoot, { recursive: true, force: true });
    journal.remove(id);
  });
  const volumes = new Map<string, DataVolume>();
  for (const name of names) {
    const size = VOLUME_BYTES[roleOfName(name)];
    if (size === undefined) continue;
    const volume = await DataVolume.create({ name, dir: join(dataRoot, 'volumes'), sizeBytes: size, journal });
    run.defer(() => volume[Symbol.asyncDispose]());
    volumes.set(name, volume);
  }
  return volumes;
}
