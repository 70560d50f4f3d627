// Where each role's pods are on Kubernetes, for the two ways users deploy Milvus: the Milvus Helm
// chart (5.0.19) and the Milvus Operator (1.3.8). Labels, container names and data volumes were
// read from the chart templates, its subcharts (bitnami etcd and kafka, Apache Pulsar, MinIO) and
// the operator's controllers at those versions.
import type { Role, StackSpec } from '../../core/types.ts';

/** 'manifests': milvus-drill's own (manifests.ts), labelled as the Helm chart labels its pods. */
export type DeploymentMethod = 'helm' | 'operator' | 'manifests';

export interface KindDeployment {
  method: DeploymentMethod;
  /** Helm release name, or the name of the Milvus custom resource. */
  name: string;
}

/** The Milvus component label value of each Milvus role, as of Milvus 2.6 (one mixed coordinator). */
const MILVUS_COMPONENT: Partial<Record<Role, string>> = {
  standalone: 'standalone',
  proxy: 'proxy',
  querynode: 'querynode',
  datanode: 'datanode',
  coordinator: 'mixcoord',
};

export type Placement = { ok: true; labels: Record<string, string>; container: string } | { ok: false; message: string; fix: string };

/** Label selector and main container of a role's pods. */
export function placeRole(deployment: KindDeployment, role: Role, stack: StackSpec): Placement {
  if (role === 'indexnode' && deployment.method === 'manifests') return { ok: true, labels: milvusLabels(deployment, 'indexnode'), container: 'indexnode' };
  if (role === 'indexnode') {
    return { ok: false, message: "Milvus 2.6 has no index node (index building moved into the data node)", fix: "target 'datanode' on the kind platform" };
  }
  const component = MILVUS_COMPONENT[role];
  if (component) return { ok: true, labels: milvusLabels(deployment, component), container: component };
  if (role === 'etcd') return { ok: true, labels: bitnamiLabels('etcd', dependencyRelease(deployment, 'etcd')), container: 'etcd' };
  if (role === 'minio') return { ok: true, labels: { app: 'minio', release: dependencyRelease(deployment, 'minio') }, container: 'minio' };
  const pulsarComponent = PULSAR_COMPONENT[role];
  if (pulsarComponent) {
    if (stack.messageQueue !== 'pulsar') return { ok: false, message: `'${role}' needs Pulsar as the message queue, not '${stack.messageQueue}'`, fix: "set stack.messageQueue to 'pulsar', or target 'mq'" };
    return { ok: true, ...pulsarPart(deployment, pulsarComponent) };
  }
  if (stack.messageQueue === 'kafka') return { ok: true, labels: bitnamiLabels('kafka', dependencyRelease(deployment, 'kafka')), container: 'kafka' };
  if (stack.messageQueue === 'pulsar') return { ok: true, ...pulsarPart(deployment, 'broker') };
  return { ok: false, message: 'rocksmq runs inside Milvus: there is no message queue pod', fix: "set stack.messageQueue to 'kafka' or 'pulsar'" };
}

function milvusLabels(deployment: KindDeployment, component: string): Record<string, string> {
  const common = { 'app.kubernetes.io/name': 'milvus', 'app.kubernetes.io/instance': deployment.name };
  // The chart labels components 'component'; the operator uses the recommended label.
  return deployment.method !== 'operator' ? { ...common, component } : { ...common, 'app.kubernetes.io/component': component };
}

function bitnamiLabels(name: string, release: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': release };
}

/** The chart installs dependencies as subcharts of its release; the operator installs each as '<name>-<dep>'. */
function dependencyRelease(deployment: KindDeployment, dependency: 'etcd' | 'minio' | 'kafka' | 'pulsar'): string {
  return deployment.method !== 'operator' ? deployment.name : `${deployment.name}-${dependency}`;
}

/** The Apache Pulsar chart's `component` label of each Pulsar part ('mq' is the broker). */
const PULSAR_COMPONENT: Partial<Record<Role, string>> = { 'pulsar-broker': 'broker', 'pulsar-bookie': 'bookie', 'pulsar-zookeeper': 'zookeeper' };

/**
 * A Pulsar part's pods: the chart names the subchart 'pulsarv3', the operator 'pulsar'; each
 * part's container is '<fullname>-<component>'. The broker is what Milvus writes through.
 */
function pulsarPart(deployment: KindDeployment, component: string): { labels: Record<string, string>; container: string } {
  const chartName = deployment.method === 'helm' ? 'pulsarv3' : 'pulsar';
  const release = dependencyRelease(deployment, 'pulsar');
  const fullname = release.includes(chartName) ? release : `${release}-${chartName}`;
  return { labels: { app: chartName, release, component }, container: `${fullname}-${component}` };
}

/**
 * The mount path of a role's data volume, which IOChaos needs; null where the role has none
 * (stateless components, the Pulsar broker whose data lives in bookies).
 */
export function dataVolume(deployment: KindDeployment, role: Role, stack: StackSpec): string | null {
  switch (role) {
    case 'standalone':
      return '/var/lib/milvus';
    case 'querynode':
      // The chart gives query nodes a local disk for disk indexes; the operator does not.
      return deployment.method === 'helm' ? '/var/lib/milvus/data' : null;
    case 'etcd':
      return '/bitnami/etcd';
    case 'minio':
      return '/export';
    case 'mq':
      return stack.messageQueue === 'kafka' ? '/bitnami/kafka' : null;
    // The Pulsar chart's volume mounts: a bookie's ledgers (its journal is a second volume), ZooKeeper's data.
    case 'pulsar-bookie':
      return '/pulsar/data/bookkeeper/ledgers';
    case 'pulsar-zookeeper':
      return '/pulsar/data';
    default:
      return null;
  }
}

/** Pod name of etcd member i (the bitnami chart's StatefulSet), e.g. for the leader lookup. */
export function etcdPodName(deployment: KindDeployment, index: number): string {
  const release = dependencyRelease(deployment, 'etcd');
  const fullname = release.includes('etcd') ? release : `${release}-etcd`;
  return `${fullname}-${index}`;
}

/** The Kubernetes service that fronts Milvus (proxy or standalone) on port 19530. */
export function milvusService(deployment: KindDeployment): string {
  if (deployment.method === 'operator') return `${deployment.name}-milvus`;
  return deployment.name.includes('milvus') ? deployment.name : `${deployment.name}-milvus`;
}
