// `npm run kind:cluster -- up|down|chaos-mesh [--name N] [--workers N] [--retain]`: a kind cluster on
// the node image `npm run setup:kind` built (Podman provider), its kubeconfig kept in the drill home.
// `chaos-mesh` imports the built Chaos Mesh images into the cluster's nodes (loadImages) and installs it with kubectl
// (CRDs, then renderChaosMeshInstall's objects; server-side apply: the CRDs are too large for
// kubectl's last-applied annotation), waiting until the controller and every daemon are ready.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drillHome } from '../src/supervise/home.ts';
import { clusterFiles, createCluster, deleteCluster, requireKindBuild } from '../src/platform/kind/cluster.ts';
import { loadImages } from '../src/platform/kind/project-cluster.ts';
import { DRILL_CLUSTER_NAME, kindContext } from '../src/platform/kind/cluster-plan.ts';
import { CHAOS_MESH_NAMESPACE, chaosMeshReadiness, KIND_CONTAINERD_SOCKET, readChaosMeshCrds, renderChaosMeshInstall, type KubeObject } from '../src/platform/kind/chaos-mesh-install.ts';
import { makeWebhookTls } from '../src/platform/kind/chaos-mesh-tls.ts';
import { chaosMeshMissing } from '../src/platform/kind/installed.ts';

const [action, ...rest] = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : undefined;
};
const name = flag('name') ?? DRILL_CLUSTER_NAME;
const log = (line: string): void => console.error(`[kind] ${line}`);
const started = Date.now();
const since = (): string => `${((Date.now() - started) / 1000).toFixed(0)} s`;

async function installChaosMesh(): Promise<void> {
  const home = drillHome();
  const build = requireKindBuild(home);
  const missing = chaosMeshMissing(build);
  if (missing || !build.chaosMesh) throw new Error(`${missing}; run 'npm run setup:kind'`);
  const cm = build.chaosMesh;
  const files = clusterFiles(home, name);
  const kubectl = (args: string[], input?: string): string => {
    const r = spawnSync(build.kubectl, ['--kubeconfig', files.kubeconfig, '--context', kindContext(name), ...args], { encoding: 'utf8', input });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const apply = (objects: KubeObject[], file: string): void => {
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2);
    writeFileSync(join(files.dir, file), list + '\n');
    log(kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=milvus-drill', '-f', '-'], list).trim().split('\n').length + ` objects applied (${file})`);
  };
  await loadImages({ name }, [cm.controllerImage, cm.daemonImage], log);
  log(`images loaded at ${since()}`);
  apply(readChaosMeshCrds(cm.crdDir), 'chaos-mesh-crds.json');
  kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=chaos-mesh']);
  const objects = renderChaosMeshInstall({ namespace: CHAOS_MESH_NAMESPACE, controllerImage: cm.controllerImage, daemonImage: cm.daemonImage, runtime: 'containerd', socketPath: KIND_CONTAINERD_SOCKET, tls: makeWebhookTls(CHAOS_MESH_NAMESPACE) });
  const applied = Date.now();
  apply(objects, 'chaos-mesh.json');
  const ready = chaosMeshReadiness(CHAOS_MESH_NAMESPACE);
  kubectl(['-n', ready.deployment.namespace, 'rollout', 'status', `deployment/${ready.deployment.name}`, '--timeout=300s']);
  kubectl(['-n', ready.daemonSet.namespace, 'rollout', 'status', `daemonset/${ready.daemonSet.name}`, '--timeout=300s']);
  log(`Chaos Mesh ${cm.version} ready in ${((Date.now() - applied) / 1000).toFixed(0)} s after apply (${since()} in all)`);
}

try {
  if (action === 'up') {
    const c = await createCluster({ home: drillHome(), name, workers: Number(flag('workers') ?? 0), retain: rest.includes('--retain'), log });
    log(`cluster ${c.name} up in ${since()}; kubectl --kubeconfig ${c.kubeconfig} --context ${c.context} get nodes`);
  } else if (action === 'down') {
    await deleteCluster({ home: drillHome(), name, log });
    log(`cluster ${name} deleted in ${since()}`);
  } else if (action === 'chaos-mesh') {
    await installChaosMesh();
  } else {
    console.error('usage: npm run kind:cluster -- up|down|chaos-mesh [--name drill-kind] [--workers 0] [--retain]');
    process.exitCode = 2;
  }
} catch (e) {
  log(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
