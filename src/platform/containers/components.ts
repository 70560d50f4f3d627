import type { StackSpec } from '../../core/types.ts';
import { milvusSettingsEnv } from '../config-env.ts';
import { MINIO_CREDENTIALS } from '../local/minio.ts';
import { MILVUS_METRICS_PORT, MILVUS_PORTS } from './images.ts';
import type { ComponentSpec, ContainerComponent, ContainerRun } from './runtime.ts';

/**
 * What each component runs, as container specs. Milvus is configured the way the official images
 * are (environment variables over /milvus/configs/milvus.yaml, as Milvus's docker-compose does), so
 * our image and an official one take the same settings.
 */
export const ETCD_CLIENT_PORT = 2379;
export const MINIO_PORT = 9000;
export const BUCKET = 'milvus-drill';
/** Prefix of Milvus's keys in etcd. */
export const ETCD_ROOT = 'milvus-drill';

export function etcdSpecs(image: string, members: number, token: string): ComponentSpec[] {
  const names = Array.from({ length: members }, (_, i) => `etcd-${i}`);
  const initialCluster = names.map((n) => `${n}=http://${n}:2380`).join(',');
  return names.map((name) => ({
    name,
    role: 'etcd',
    image,
    command: [
      'etcd',
      '--name', name,
      '--data-dir', '/var/lib/etcd/data',
      '--listen-client-urls', `http://0.0.0.0:${ETCD_CLIENT_PORT}`,
      '--advertise-client-urls', `http://${name}:${ETCD_CLIENT_PORT}`,
      '--listen-peer-urls', 'http://0.0.0.0:2380',
      '--initial-advertise-peer-urls', `http://${name}:2380`,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', token,
    ],
    publish: [ETCD_CLIENT_PORT],
    dataPath: '/var/lib/etcd',
    wait: (tc) => tc.Wait.forHttp('/health', ETCD_CLIENT_PORT).forResponsePredicate((body) => body.includes('"health":"true"')),
    startupTimeoutMs: 60_000,
  }));
}

export function minioSpec(image: string): ComponentSpec {
  return {
    name: 'minio',
    role: 'minio',
    image,
    command: ['minio', 'server', '/data', '--address', `:${MINIO_PORT}`, '--console-address', ':9001', '--quiet'],
    env: { MINIO_ROOT_USER: MINIO_CREDENTIALS.accessKey, MINIO_ROOT_PASSWORD: MINIO_CREDENTIALS.secretKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' },
    publish: [MINIO_PORT],
    dataPath: '/data',
    wait: (tc) => tc.Wait.forHttp('/minio/health/ready', MINIO_PORT),
    startupTimeoutMs: 60_000,
  };
}

/** Milvus's settings for a container: the version's and stack.config's, then the platform's own, which win (the check refuses a clash). */
export function milvusEnv(stack: StackSpec, o: { etcd: string[]; kafka?: string }): Record<string, string> {
  return { ...milvusSettingsEnv(stack), ...platformMilvusEnv(stack, o) };
}

/** The names of every variable the platform sets on a Milvus container. */
export function platformMilvusEnvNames(stack: StackSpec): string[] {
  return [...Object.keys(platformMilvusEnv(stack, { etcd: [], kafka: 'kafka' })), ...MILVUS_ROLE_ENV_NAMES];
}

/** Set per container beside milvusEnv: the deploy mode, and in a cluster the stop deadlines. */
const MILVUS_ROLE_ENV_NAMES = ['DEPLOY_MODE', 'COMMON_GRACEFULSTOPTIMEOUT', 'QUERYNODE_GRACEFULSTOPTIMEOUT'];

function platformMilvusEnv(stack: StackSpec, o: { etcd: string[]; kafka?: string }): Record<string, string> {
  const env: Record<string, string> = {
    ETCD_ENDPOINTS: o.etcd.join(','),
    ETCD_ROOTPATH: ETCD_ROOT,
    ETCD_USE_EMBED: 'false',
    COMMON_STORAGETYPE: stack.objectStore === 'minio' ? 'minio' : 'local',
  };
  if (stack.objectStore === 'minio') {
    Object.assign(env, {
      MINIO_ADDRESS: 'minio',
      MINIO_PORT: String(MINIO_PORT),
      MINIO_ACCESS_KEY_ID: MINIO_CREDENTIALS.accessKey,
      MINIO_SECRET_ACCESS_KEY: MINIO_CREDENTIALS.secretKey,
      MINIO_USE_SSL: 'false',
      MINIO_BUCKET_NAME: BUCKET,
    });
  }
  if (o.kafka) Object.assign(env, { MQ_TYPE: 'kafka', KAFKA_BROKER_LIST: o.kafka });
  return env;
}

export function milvusStandaloneSpec(image: string, stack: StackSpec, etcd: string[]): ComponentSpec {
  return {
    name: 'milvus-standalone',
    role: 'standalone',
    image,
    command: ['milvus', 'run', 'standalone'],
    env: { ...milvusEnv(stack, { etcd }), DEPLOY_MODE: 'STANDALONE' },
    publish: [MILVUS_PORTS['proxy.port'], MILVUS_METRICS_PORT],
    dataPath: '/var/lib/milvus',
    wait: (tc) => tc.Wait.forHttp('/healthz', MILVUS_METRICS_PORT).forResponsePredicate((body) => body.trim() === 'OK'),
    startupTimeoutMs: 180_000,
  };
}

/** The current etcd leader's component name, asked of the members' published client ports. */
export async function etcdLeader(members: readonly ContainerComponent[]): Promise<string> {
  for (const m of members) {
    const url = `http://127.0.0.1:${m.ports.get(ETCD_CLIENT_PORT)}`;
    try {
      const status = (await (await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) })).json()) as {
        header?: { member_id?: string };
        leader?: string;
      };
      if (!status.leader || status.leader === '0') continue;
      if (status.header?.member_id === status.leader) return m.name;
      const list = (await (await fetch(`${url}/v3/cluster/member/list`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) })).json()) as {
        members?: { ID?: string; name?: string }[];
      };
      const name = list.members?.find((x) => x.ID === status.leader)?.name;
      if (name) return name;
    } catch {
      // this member cannot answer; ask the next
    }
  }
  throw new Error('no etcd member reports a leader (is a quorum running?)');
}

/** Starts etcd members together (each waits for its peers) and returns them once all are healthy. */
export async function startEtcd(run: ContainerRun, image: string, members: number, place: (spec: ComponentSpec) => ComponentSpec = (s) => s): Promise<ContainerComponent[]> {
  return Promise.all(etcdSpecs(image, members, run.prefix).map((spec) => run.start(place(spec))));
}
