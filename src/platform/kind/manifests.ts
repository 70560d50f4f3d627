// milvus-drill's own Kubernetes manifests for a Milvus stack, for clusters that cannot reach the
// Milvus Helm chart or Operator (no registry here): etcd, MinIO and Kafka as StatefulSets, each
// Milvus role as a Deployment (standalone as a StatefulSet), labelled as the Helm chart labels
// them so the same Chaos Mesh selectors (deployment.ts) find the same pods. Pure.
import { createHash } from 'node:crypto';
import type { ImageComponent, StackSpec } from '../../core/types.ts';
import { MINIO_CREDENTIALS } from '../local/minio.ts';
import { CLUSTER_LAYOUT } from '../local/cluster.ts';
import { kafkaContainerScript, renderKafkaProperties } from '../local/kafka.ts';
import { milvusSettingsEnv } from '../config-env.ts';
import { BUCKET, ETCD_CLIENT_PORT, ETCD_ROOT, MINIO_PORT } from '../containers/components.ts';
import { MILVUS_METRICS_PORT, MILVUS_PORTS } from '../containers/images.ts';
import { MANAGED_BY, RUN_ID_LABEL } from './chaos.ts';
import { etcdPodName, milvusService, type KindDeployment } from './deployment.ts';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface ManifestOptions {
  deployment: KindDeployment;
  namespace: string;
  runId: string;
  image: (component: ImageComponent) => string;
}

const KAFKA_PORT = 9092;
/** Where the pods keep their data on the node: survives a pod kill (the node is the kind container, deleted with the cluster). */
export const NODE_DATA_ROOT = '/var/lib/milvus-drill';
/** Seconds a Milvus pod drains on SIGTERM; the stack is thrown away after the run. */
const GRACEFUL_STOP_SECONDS = 5;

/** The Milvus pods of a cluster: the containers platform's layout (coordinators in one mixture process). */
export const MILVUS_CLUSTER_ROLES = [
  { component: 'mixcoord', replicas: 1, args: ['milvus', 'run', 'mixture', '-rootcoord=true', '-datacoord=true', '-querycoord=true'] },
  { component: 'datanode', replicas: CLUSTER_LAYOUT.dataNodes, args: ['milvus', 'run', 'datanode'] },
  { component: 'indexnode', replicas: CLUSTER_LAYOUT.indexNodes, args: ['milvus', 'run', 'indexnode'] },
  { component: 'querynode', replicas: CLUSTER_LAYOUT.queryNodes, args: ['milvus', 'run', 'querynode'] },
  { component: 'proxy', replicas: CLUSTER_LAYOUT.proxies, args: ['milvus', 'run', 'proxy'] },
] as const;

/** A group of objects created together, and the pods that must be Ready before the next group. */
export interface StackStage {
  what: string;
  objects: KubeObject[];
  pods: { labels: Record<string, string>; count: number }[];
}

/**
 * The stack in the order it comes up: etcd, MinIO and Kafka; then (cluster) the coordinators, the
 * worker nodes and the proxy, as the containers platform starts them (a 2.3 proxy started beside
 * its coordinators sat unhealthy for five minutes, then restarted).
 */
export function stackStages(stack: StackSpec, o: ManifestOptions): StackStage[] {
  const cluster = stack.topology === 'cluster';
  const name = o.deployment.name;
  const infra: StackStage = {
    what: ['etcd', ...(stack.objectStore === 'minio' ? ['MinIO'] : []), ...(cluster ? ['Kafka'] : [])].join(', '),
    objects: [...etcdObjects(stack, o), ...(stack.objectStore === 'minio' ? minioObjects(o) : []), ...(cluster ? kafkaObjects(o) : [])],
    pods: [
      { labels: { 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': name }, count: stack.etcd.members },
      ...(stack.objectStore === 'minio' ? [{ labels: { app: 'minio', release: name }, count: 1 }] : []),
      ...(cluster ? [{ labels: { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': name }, count: 1 }] : []),
    ],
  };
  const milvus = (what: string, roles: readonly (typeof MILVUS_CLUSTER_ROLES)[number][]): StackStage => ({
    what,
    objects: roles.map((r) => milvusRole(stack, o, r)),
    pods: roles.map((r) => ({ labels: milvusLabels(o, r.component), count: r.replicas })),
  });
  if (!cluster) {
    return [infra, { what: 'Milvus standalone', objects: [milvusStandalone(stack, o), milvusServiceObject(o, 'standalone')], pods: [{ labels: milvusLabels(o, 'standalone'), count: 1 }] }];
  }
  const byComponent = (...names: string[]) => MILVUS_CLUSTER_ROLES.filter((r) => names.includes(r.component));
  const proxy = milvus('Milvus proxy', byComponent('proxy'));
  return [
    infra,
    milvus('Milvus coordinators', byComponent('mixcoord')),
    milvus('Milvus data, index and query nodes', byComponent('datanode', 'indexnode', 'querynode')),
    { ...proxy, objects: [...proxy.objects, milvusServiceObject(o, 'proxy')] },
  ];
}

/** Every object of the stack, in the order to create them (dependencies first). */
export function renderStackManifests(stack: StackSpec, o: ManifestOptions): KubeObject[] {
  return stackStages(stack, o).flatMap((s) => s.objects);
}

function runLabels(o: ManifestOptions): Record<string, string> {
  return { ...MANAGED_BY, [RUN_ID_LABEL]: o.runId };
}

function meta(o: ManifestOptions, name: string, labels: Record<string, string> = {}): KubeObject['metadata'] {
  return { name, namespace: o.namespace, labels: { ...runLabels(o), ...labels } };
}

export function milvusLabels(o: ManifestOptions, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'milvus', 'app.kubernetes.io/instance': o.deployment.name, component };
}

const POD_NAME_ENV: Record<string, unknown> = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };

/** A directory on the node per pod (by name), so a killed pod's replacement finds its data. */
function nodeVolume(o: ManifestOptions): Record<string, unknown> {
  return { name: 'data', hostPath: { path: `${NODE_DATA_ROOT}/${o.namespace}/${o.runId}`, type: 'DirectoryOrCreate' } };
}

function dataMount(path: string): Record<string, unknown> {
  return { name: 'data', mountPath: path, subPathExpr: '$(POD_NAME)' };
}

function container(name: string, image: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { name, image, imagePullPolicy: 'IfNotPresent', ...extra };
}

function httpProbe(path: string, port: number, periodSeconds = 2): Record<string, unknown> {
  return { httpGet: { path, port }, periodSeconds, failureThreshold: 3, timeoutSeconds: 2 };
}

function statefulSet(o: ManifestOptions, name: string, labels: Record<string, string>, replicas: number, serviceName: string, pod: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(o, name, labels),
    spec: {
      replicas,
      serviceName,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: labels },
      template: { metadata: { labels: { ...runLabels(o), ...labels } }, spec: { terminationGracePeriodSeconds: 10, ...pod } },
    },
  };
}

function service(o: ManifestOptions, name: string, labels: Record<string, string>, ports: number[], headless = false): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(o, name, labels),
    spec: {
      selector: labels,
      ports: ports.map((port) => ({ name: `p${port}`, port, targetPort: port })),
      ...(headless ? { clusterIP: 'None', publishNotReadyAddresses: true } : {}),
    },
  };
}

function etcdObjects(stack: StackSpec, o: ManifestOptions): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': o.deployment.name };
  const name = etcdPodName(o.deployment, 0).replace(/-0$/, '');
  const headless = `${name}-headless`;
  const peer = (pod: string): string => `http://${pod}.${headless}.${o.namespace}.svc:2380`;
  const members = Array.from({ length: stack.etcd.members }, (_, i) => `${name}-${i}`);
  const pod = {
    volumes: [nodeVolume(o)],
    containers: [
      container('etcd', o.image('etcd'), {
        env: [POD_NAME_ENV],
        command: [
          'etcd', '--name', '$(POD_NAME)', '--data-dir', '/bitnami/etcd/data',
          '--listen-client-urls', `http://0.0.0.0:${ETCD_CLIENT_PORT}`,
          '--advertise-client-urls', `http://$(POD_NAME).${headless}.${o.namespace}.svc:${ETCD_CLIENT_PORT}`,
          '--listen-peer-urls', 'http://0.0.0.0:2380',
          '--initial-advertise-peer-urls', peer('$(POD_NAME)'),
          '--initial-cluster', members.map((m) => `${m}=${peer(m)}`).join(','),
          '--initial-cluster-state', 'new', '--initial-cluster-token', o.runId,
        ],
        ports: [{ containerPort: ETCD_CLIENT_PORT }, { containerPort: 2380 }],
        readinessProbe: httpProbe('/health', ETCD_CLIENT_PORT),
        volumeMounts: [dataMount('/bitnami/etcd')],
      }),
    ],
  };
  return [
    service(o, headless, labels, [ETCD_CLIENT_PORT, 2380], true),
    service(o, name, labels, [ETCD_CLIENT_PORT]),
    statefulSet(o, name, labels, stack.etcd.members, headless, pod),
  ];
}

function minioName(o: ManifestOptions): string {
  return `${o.deployment.name}-minio`;
}

function minioObjects(o: ManifestOptions): KubeObject[] {
  const labels = { app: 'minio', release: o.deployment.name };
  const pod = {
    volumes: [nodeVolume(o)],
    containers: [
      container('minio', o.image('minio'), {
        command: ['minio', 'server', '/export', '--address', `:${MINIO_PORT}`, '--console-address', ':9001', '--quiet'],
        env: [
          POD_NAME_ENV,
          ...Object.entries({ MINIO_ROOT_USER: MINIO_CREDENTIALS.accessKey, MINIO_ROOT_PASSWORD: MINIO_CREDENTIALS.secretKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' }).map(([name, value]) => ({ name, value })),
        ],
        ports: [{ containerPort: MINIO_PORT }],
        readinessProbe: httpProbe('/minio/health/ready', MINIO_PORT),
        volumeMounts: [dataMount('/export')],
      }),
    ],
  };
  return [service(o, minioName(o), labels, [MINIO_PORT]), statefulSet(o, minioName(o), labels, 1, minioName(o), pod)];
}

function kafkaName(o: ManifestOptions): string {
  return `${o.deployment.name}-kafka`;
}

/** One KRaft broker listening on every address and advertising its service name. */
function kafkaObjects(o: ManifestOptions): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': o.deployment.name };
  const host = kafkaName(o);
  const properties = renderKafkaProperties({ nodeId: 1, host, brokerPort: KAFKA_PORT, controllerPort: 9093, dataDir: '/bitnami/kafka/data' })
    .replace(/^listeners=.*$/m, `listeners=PLAINTEXT://0.0.0.0:${KAFKA_PORT},CONTROLLER://127.0.0.1:9093`)
    .replace(/^controller\.quorum\.voters=.*$/m, 'controller.quorum.voters=1@127.0.0.1:9093');
  const script = kafkaContainerScript(kafkaClusterId(o.runId));
  const pod = {
    volumes: [nodeVolume(o)],
    containers: [
      container('kafka', o.image('kafka'), {
        command: ['sh', '-c', script],
        env: [POD_NAME_ENV, { name: 'KAFKA_PROPERTIES', value: properties }],
        ports: [{ containerPort: KAFKA_PORT }],
        readinessProbe: { tcpSocket: { port: KAFKA_PORT }, periodSeconds: 2 },
        volumeMounts: [dataMount('/bitnami/kafka')],
      }),
    ],
  };
  return [service(o, host, labels, [KAFKA_PORT]), statefulSet(o, host, labels, 1, host, pod)];
}

/** KRaft wants a base64url UUID (16 bytes); derived from the run so a restarted pod formats the same way. */
function kafkaClusterId(runId: string): string {
  return createHash('sha256').update(runId).digest().subarray(0, 16).toString('base64url');
}

/** Milvus's settings as environment variables, as the official images take them: the version's and stack.config's, then the platform's own, which win (the check refuses a clash). */
function milvusEnv(stack: StackSpec, o: ManifestOptions, mode: 'STANDALONE' | 'CLUSTER'): Record<string, unknown>[] {
  const hosts = { etcd: etcdPodName(o.deployment, 0).replace(/-0$/, ''), minio: minioName(o), kafka: kafkaName(o) };
  const env = { ...milvusSettingsEnv(stack), ...platformMilvusEnv(stack, hosts, mode) };
  return [POD_NAME_ENV, ...Object.entries(env).map(([name, value]) => ({ name, value }))];
}

/** The names of every variable the platform sets on a Milvus container. */
export function platformMilvusEnvNames(stack: StackSpec): string[] {
  return Object.keys(platformMilvusEnv(stack, { etcd: '', minio: '', kafka: '' }, 'CLUSTER'));
}

function platformMilvusEnv(stack: StackSpec, hosts: { etcd: string; minio: string; kafka: string }, mode: 'STANDALONE' | 'CLUSTER'): Record<string, string> {
  const env: Record<string, string> = {
    ETCD_ENDPOINTS: `${hosts.etcd}:${ETCD_CLIENT_PORT}`,
    ETCD_ROOTPATH: ETCD_ROOT,
    ETCD_USE_EMBED: 'false',
    COMMON_STORAGETYPE: stack.objectStore === 'minio' ? 'minio' : 'local',
    DEPLOY_MODE: mode,
    COMMON_GRACEFULSTOPTIMEOUT: String(GRACEFUL_STOP_SECONDS),
    QUERYNODE_GRACEFULSTOPTIMEOUT: String(GRACEFUL_STOP_SECONDS),
  };
  if (stack.objectStore === 'minio') {
    Object.assign(env, {
      MINIO_ADDRESS: hosts.minio,
      MINIO_PORT: String(MINIO_PORT),
      MINIO_ACCESS_KEY_ID: MINIO_CREDENTIALS.accessKey,
      MINIO_SECRET_ACCESS_KEY: MINIO_CREDENTIALS.secretKey,
      MINIO_USE_SSL: 'false',
      MINIO_BUCKET_NAME: BUCKET,
    });
  }
  if (mode === 'CLUSTER') Object.assign(env, { MQ_TYPE: 'kafka', KAFKA_BROKER_LIST: `${hosts.kafka}:${KAFKA_PORT}` });
  return env;
}

function milvusContainer(stack: StackSpec, o: ManifestOptions, component: string, args: readonly string[], mode: 'STANDALONE' | 'CLUSTER', data: boolean): Record<string, unknown> {
  const ports = component === 'proxy' || component === 'standalone' ? [MILVUS_PORTS['proxy.port'], MILVUS_METRICS_PORT] : [MILVUS_METRICS_PORT];
  return container(component, o.image('milvus'), {
    command: [...args],
    env: milvusEnv(stack, o, mode),
    ports: ports.map((containerPort) => ({ containerPort })),
    readinessProbe: httpProbe('/healthz', MILVUS_METRICS_PORT),
    ...(data ? { volumeMounts: [dataMount('/var/lib/milvus')] } : {}),
  });
}

/**
 * A pod-kill force-deletes the pod: the StatefulSet starts its replacement at once, while the
 * kubelet still gives the old container up to 2 s to die, holding rocksmq's RocksDB locks on the
 * same node directory; Milvus then panics ("While lock file: .../LOCK: Resource temporarily
 * unavailable") and the kubelet backs off 10 s or more. So the replacement first waits (at most
 * 30 s) until no one holds those fcntl locks, asked with perl, which the image has.
 */
export const WAIT_FOR_ROCKSMQ_LOCKS = [
  'for lock in /var/lib/milvus/rdb_data/LOCK /var/lib/milvus/rdb_data_meta_kv/LOCK; do',
  '  for i in $(seq 1 150); do',
  '    perl -MFcntl -e \'open(F, "+<", $ARGV[0]) or exit 0; my $l = pack("s s x4 q q l x4", F_WRLCK, 0, 0, 0, 0); exit(fcntl(F, F_SETLK, $l) ? 0 : 1)\' "$lock" && break',
  '    sleep 0.2',
  '  done',
  'done',
].join('\n');

function milvusStandalone(stack: StackSpec, o: ManifestOptions): KubeObject {
  const labels = milvusLabels(o, 'standalone');
  const name = `${o.deployment.name}-milvus-standalone`;
  return statefulSet(o, name, labels, 1, milvusService(o.deployment), {
    volumes: [nodeVolume(o)],
    containers: [milvusContainer(stack, o, 'standalone', ['sh', '-c', `${WAIT_FOR_ROCKSMQ_LOCKS}\nexec milvus run standalone`], 'STANDALONE', true)],
  });
}

function milvusRole(stack: StackSpec, o: ManifestOptions, role: (typeof MILVUS_CLUSTER_ROLES)[number]): KubeObject {
  const labels = milvusLabels(o, role.component);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(o, `${o.deployment.name}-milvus-${role.component}`, labels),
    spec: {
      replicas: role.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...runLabels(o), ...labels } },
        spec: { terminationGracePeriodSeconds: 10, containers: [milvusContainer(stack, o, role.component, role.args, 'CLUSTER', false)] },
      },
    },
  };
}

function milvusServiceObject(o: ManifestOptions, component: 'proxy' | 'standalone'): KubeObject {
  return service(o, milvusService(o.deployment), milvusLabels(o, component), [MILVUS_PORTS['proxy.port'], MILVUS_METRICS_PORT]);
}

/** The namespace a run creates for itself when the named one does not exist (deleted with the run). */
export function namespaceObject(o: Pick<ManifestOptions, 'namespace' | 'runId'>): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels: { ...MANAGED_BY, [RUN_ID_LABEL]: o.runId } } };
}
