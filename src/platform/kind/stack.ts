// Renders the Milvus stack for kind: values for the Milvus Helm chart 5.0.19, or a Milvus Operator
// custom resource (milvus.io/v1beta1) for the same stack. Pure; sized to fit a laptop's kind cluster.
import type { StackSpec } from '../../core/types.ts';
import type { ValidationError } from '../../scenario/validate.ts';
import { RUN_ID_LABEL } from './chaos.ts';
import type { KindDeployment } from './deployment.ts';

export const MILVUS_CHART_VERSION = '5.0.19';
/** The chart deploys Milvus 2.6 (mixed coordinator, streaming node); older servers need older charts. */
const SUPPORTED_MILVUS = /^2\.6\.\d+$/;
const MILVUS_IMAGE = 'milvusdb/milvus';

/** Replica counts on kind: two query nodes so that killing one leaves the other serving. */
export const KIND_REPLICAS = { proxy: 1, queryNode: 2, dataNode: 1, mixCoord: 1, streamingNode: 1, kafkaBrokers: 3, bookies: 3 } as const;

const SMALL = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '2Gi' } };
// The Pulsar chart writes CPU as a number of cores; keep its convention.
const JVM_SMALL = { requests: { cpu: 0.05, memory: '256Mi' } };

export interface KindStackOptions {
  deployment: KindDeployment;
  namespace: string;
  runId: string;
  /** Keep PersistentVolumeClaims when the stack is torn down (for post-mortems). */
  keepVolumes: boolean;
}

export type Rendered<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };

/** What kind cannot run, whichever way Milvus is deployed. */
export function kindStackErrors(stack: StackSpec): ValidationError[] {
  const errors: ValidationError[] = [];
  if (!SUPPORTED_MILVUS.test(stack.milvusVersion)) {
    errors.push({ path: 'stack.milvusVersion', message: `the kind platform deploys Milvus 2.6.x (chart ${MILVUS_CHART_VERSION}), got '${stack.milvusVersion}'`, fix: "set stack.milvusVersion to '2.6.15' for --platform kind" });
  }
  if (stack.objectStore !== 'minio') {
    errors.push({ path: 'stack.objectStore', message: "'local' storage does not survive pod restarts on Kubernetes", fix: "set stack.objectStore to 'minio' for --platform kind" });
  }
  return errors;
}

function imageTag(stack: StackSpec): string {
  return `v${stack.milvusVersion}`;
}

/** Values for `helm upgrade --install <release> milvus/milvus --version 5.0.19 -f values.json`. */
export function renderHelmValues(stack: StackSpec, opts: KindStackOptions): Rendered<Record<string, unknown>> {
  const errors = kindStackErrors(stack);
  if (errors.length > 0) return { ok: false, errors };
  const cluster = stack.topology === 'cluster';
  const values: Record<string, unknown> = {
    cluster: { enabled: cluster },
    image: { all: { repository: MILVUS_IMAGE, tag: imageTag(stack) } },
    labels: { [RUN_ID_LABEL]: opts.runId },
    etcd: { replicaCount: stack.etcd.members, persistence: { size: '2Gi' } },
    minio: { mode: 'standalone', resources: { requests: { memory: '256Mi' } }, persistence: { size: '10Gi' } },
    pulsarv3: stack.messageQueue === 'pulsar' ? smallPulsar() : { enabled: false },
    kafka: stack.messageQueue === 'kafka' ? { enabled: true, ...smallKafka() } : { enabled: false },
    ...(cluster ? helmClusterComponents() : { standalone: { messageQueue: stack.messageQueue, resources: SMALL } }),
  };
  return { ok: true, value: values };
}

function helmClusterComponents(): Record<string, unknown> {
  return {
    proxy: { replicas: KIND_REPLICAS.proxy, resources: SMALL },
    queryNode: { replicas: KIND_REPLICAS.queryNode, resources: SMALL },
    dataNode: { replicas: KIND_REPLICAS.dataNode, resources: SMALL },
    mixCoordinator: { enabled: true, replicas: KIND_REPLICAS.mixCoord, resources: SMALL },
    streamingNode: { replicas: KIND_REPLICAS.streamingNode, resources: SMALL },
    indexNode: { enabled: false },
  };
}

/** The Apache Pulsar chart shrunk to one broker, proxy and ZooKeeper, and enough bookies to lose one. */
function smallPulsar(): Record<string, unknown> {
  const jvm = (mem: string) => ({ PULSAR_MEM: mem });
  return {
    enabled: true,
    components: { autorecovery: false },
    zookeeper: { replicaCount: 1, resources: JVM_SMALL, configData: jvm('-Xms128m -Xmx256m') },
    bookkeeper: {
      replicaCount: KIND_REPLICAS.bookies,
      resources: JVM_SMALL,
      volumes: { journal: { size: '2Gi' }, ledgers: { size: '5Gi' } },
      configData: jvm('-Xms128m -Xmx512m -XX:MaxDirectMemorySize=512m'),
    },
    broker: { replicaCount: 1, resources: JVM_SMALL, configData: jvm('-Xms128m -Xmx512m -XX:MaxDirectMemorySize=512m') },
    proxy: { replicaCount: 1, resources: JVM_SMALL, configData: jvm('-Xms64m -Xmx256m -XX:MaxDirectMemorySize=256m') },
  };
}

function smallKafka(): Record<string, unknown> {
  return {
    replicaCount: KIND_REPLICAS.kafkaBrokers,
    heapOpts: '-Xmx512m -Xms512m',
    persistence: { size: '5Gi' },
    zookeeper: { replicaCount: 1 },
  };
}

/** The same stack as a Milvus Operator resource; the operator installs etcd, MinIO and the queue. */
export function renderMilvusResource(stack: StackSpec, opts: KindStackOptions): Rendered<Record<string, unknown>> {
  const errors = kindStackErrors(stack);
  if (errors.length > 0) return { ok: false, errors };
  const cluster = stack.topology === 'cluster';
  const lifecycle = { deletionPolicy: opts.keepVolumes ? 'Retain' : 'Delete', pvcDeletion: !opts.keepVolumes };
  const dependencies: Record<string, unknown> = {
    etcd: { inCluster: { values: { replicaCount: stack.etcd.members, persistence: { size: '2Gi' } }, ...lifecycle } },
    storage: { inCluster: { values: { mode: 'standalone', resources: { requests: { memory: '256Mi' } }, persistence: { size: '10Gi' } }, ...lifecycle } },
    msgStreamType: stack.messageQueue,
  };
  if (stack.messageQueue === 'pulsar') {
    const { enabled: _enabled, ...values } = smallPulsar();
    dependencies.pulsar = { inCluster: { chartVersion: 'pulsar-v3', values, ...lifecycle } };
  }
  if (stack.messageQueue === 'kafka') dependencies.kafka = { inCluster: { values: smallKafka(), ...lifecycle } };
  return {
    ok: true,
    value: {
      apiVersion: 'milvus.io/v1beta1',
      kind: 'Milvus',
      metadata: { name: opts.deployment.name, namespace: opts.namespace, labels: { [RUN_ID_LABEL]: opts.runId } },
      spec: {
        mode: stack.topology,
        components: {
          image: `${MILVUS_IMAGE}:${imageTag(stack)}`,
          resources: SMALL,
          ...(cluster ? operatorClusterComponents() : { standalone: { replicas: 1 } }),
        },
        dependencies,
        config: {},
      },
    },
  };
}

function operatorClusterComponents(): Record<string, unknown> {
  return {
    proxy: { replicas: KIND_REPLICAS.proxy },
    queryNode: { replicas: KIND_REPLICAS.queryNode },
    dataNode: { replicas: KIND_REPLICAS.dataNode },
    mixCoord: { replicas: KIND_REPLICAS.mixCoord },
    streamingNode: { replicas: KIND_REPLICAS.streamingNode },
  };
}
