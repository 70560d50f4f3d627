// Installs the Chaos Mesh that `npm run setup:kind` built into a kind cluster, through the API
// (CRDs, then our own objects for the controller and the daemons), unless it is there already. It
// stays installed with the cluster: it is the cluster's equipment, not a run's.
import { waitFor } from '../../util/poll.ts';
import { CHAOS_MESH_NAMESPACE, chaosMeshReadiness, KIND_CONTAINERD_SOCKET, readChaosMeshCrds, renderChaosMeshInstall } from './chaos-mesh-install.ts';
import { makeWebhookTls } from './chaos-mesh-tls.ts';
import { chaosMeshMissing, type KindBuild } from './installed.ts';
import type { Kube } from './kube.ts';
import { loadImages } from './project-cluster.ts';

const PODCHAOS_CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'podchaos.chaos-mesh.org' };
const READY_TIMEOUT_MS = 300_000;

interface DeploymentStatus {
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
  status?: { availableReplicas?: number; desiredNumberScheduled?: number; numberReady?: number; updatedNumberScheduled?: number };
}

export type ChaosMeshState = 'ours' | 'installed' | 'other' | 'absent';

/**
 * Makes sure Chaos Mesh runs in the cluster. 'other': someone else's install (CRDs present, not
 * ours): used as it is. 'absent': not installed and nothing here to install it from.
 */
export async function ensureChaosMesh(kube: Kube, o: { cluster: { name: string } | null; build: KindBuild | null; log: (m: string) => void; signal?: AbortSignal }): Promise<ChaosMeshState> {
  const ready = chaosMeshReadiness(CHAOS_MESH_NAMESPACE);
  const crd = await kube.read(PODCHAOS_CRD);
  const controller = (await kube.read({ apiVersion: 'apps/v1', kind: 'Deployment', ...ready.deployment })) as DeploymentStatus | null;
  const cm = o.build && !chaosMeshMissing(o.build) ? o.build.chaosMesh! : null;
  const runningImage = controller?.spec?.template?.spec?.containers?.[0]?.image;
  if (crd && cm && runningImage === cm.controllerImage) {
    await waitChaosMeshReady(kube, o.signal);
    return 'ours';
  }
  // CRDs without our label are someone else's install, used as it is; ours are completed or updated.
  const oursBefore = (crd?.metadata?.labels ?? {})['app.kubernetes.io/managed-by'] === 'milvus-drill';
  if (crd && !oursBefore) return 'other';
  if (!cm || !o.cluster) return crd ? 'other' : 'absent';
  const started = Date.now();
  o.log(`installing Chaos Mesh ${cm.version} (built here) into ${kube.target.context}`);
  await loadImages(o.cluster, [cm.controllerImage, cm.daemonImage], o.log);
  for (const obj of readChaosMeshCrds(cm.crdDir)) await kube.apply(obj);
  await waitFor(async () => crdEstablished(await kube.read(PODCHAOS_CRD)), { what: 'the Chaos Mesh CRDs to be Established', timeoutMs: 60_000, intervalMs: 250, ...(o.signal ? { signal: o.signal } : {}) });
  const objects = renderChaosMeshInstall({ namespace: CHAOS_MESH_NAMESPACE, controllerImage: cm.controllerImage, daemonImage: cm.daemonImage, runtime: 'containerd', socketPath: KIND_CONTAINERD_SOCKET, tls: makeWebhookTls(CHAOS_MESH_NAMESPACE) });
  for (const obj of objects) await kube.apply(obj);
  await waitChaosMeshReady(kube, o.signal);
  o.log(`Chaos Mesh ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'installed';
}

function crdEstablished(crd: unknown): boolean {
  const conditions = (crd as { status?: { conditions?: { type: string; status: string }[] } } | null)?.status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Established' && c.status === 'True');
}

/** The controller available and a ready daemon on every node: only then do the (fail-closed) webhooks admit chaos objects. */
async function waitChaosMeshReady(kube: Kube, signal?: AbortSignal): Promise<void> {
  const ready = chaosMeshReadiness(CHAOS_MESH_NAMESPACE);
  await waitFor(
    async () => {
      const deployment = (await kube.read({ apiVersion: 'apps/v1', kind: 'Deployment', ...ready.deployment })) as DeploymentStatus | null;
      const daemons = (await kube.read({ apiVersion: 'apps/v1', kind: 'DaemonSet', ...ready.daemonSet })) as DeploymentStatus | null;
      const s = daemons?.status;
      return (deployment?.status?.availableReplicas ?? 0) >= 1 && !!s?.desiredNumberScheduled && s.numberReady === s.desiredNumberScheduled && s.updatedNumberScheduled === s.desiredNumberScheduled;
    },
    { what: `Chaos Mesh's controller and daemons in ${CHAOS_MESH_NAMESPACE} to be ready`, timeoutMs: READY_TIMEOUT_MS, intervalMs: 1_000, ...(signal ? { signal } : {}) },
  );
}
