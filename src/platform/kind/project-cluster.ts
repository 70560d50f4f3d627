// The project's own kind cluster (`drill-kind`, kubeconfig in the drill home): reused when it runs,
// created when it does not, and the local images a stack needs imported into its nodes' containerd
// (no registry is reachable, so nothing is ever pulled).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { clusterFiles, createCluster, deleteCluster, listClusters, requireKindBuild } from './cluster.ts';
import { DRILL_CLUSTER_NAME, kindContext, kindEnv } from './cluster-plan.ts';

export interface ProjectCluster {
  name: string;
  context: string;
  kubeconfig: string;
  /** Whether this call created it (the run then deletes it, unless told to keep it). */
  created: boolean;
  /** The command that deletes it, for the journal (heal runs it after a crash). */
  deleteArgv: string[];
  delete(log: (line: string) => void): Promise<void>;
}

export async function ensureProjectCluster(o: { home: string; log: (line: string) => void; signal?: AbortSignal; name?: string }): Promise<ProjectCluster> {
  const build = requireKindBuild(o.home);
  const name = o.name ?? DRILL_CLUSTER_NAME;
  const files = clusterFiles(o.home, name);
  let created = false;
  if (listClusters(build).includes(name)) {
    o.log(`reusing kind cluster ${name}`);
    if (!existsSync(files.kubeconfig)) {
      const r = spawnSync(build.kind, ['export', 'kubeconfig', '--name', name, '--kubeconfig', files.kubeconfig], { env: kindEnv(process.env), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`kind export kubeconfig --name ${name} failed: ${r.stderr}`);
    }
  } else {
    const started = Date.now();
    o.log(`creating kind cluster ${name} (about 20 s)`);
    await createCluster({ home: o.home, name, log: (line) => o.log(`  ${line}`) });
    o.log(`kind cluster ${name} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    created = true;
  }
  o.signal?.throwIfAborted();
  return {
    name,
    context: kindContext(name),
    kubeconfig: files.kubeconfig,
    created,
    deleteArgv: [build.kind, 'delete', 'cluster', '--name', name, '--kubeconfig', files.kubeconfig],
    delete: (log) => deleteCluster({ home: o.home, name, log }),
  };
}

export type Engine = 'podman' | 'docker';

/** The node containers of a kind cluster, and the engine that runs them (Podman here, Docker on most CI runners). */
export function clusterNodes(name: string): { engine: Engine; nodes: string[] } | null {
  for (const engine of ['podman', 'docker'] as const) {
    const r = spawnSync(engine, ['ps', '--filter', `label=io.x-k8s.kind.cluster=${name}`, '--format', '{{.Names}}'], { encoding: 'utf8' });
    const nodes = r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort() : [];
    if (nodes.length > 0) return { engine, nodes };
  }
  return null;
}

function nodeHasImage(engine: Engine, node: string, ref: string): boolean {
  const r = spawnSync(engine, ['exec', node, 'ctr', '--namespace=k8s.io', 'images', 'list', '-q', `name==${ref}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

/** Streams `<engine> save` of the images (one archive: shared layers once) into the node's containerd; they keep their localhost/ names. */
function importImages(engine: Engine, node: string, refs: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // docker save writes several images into one archive by itself; podman needs --multi-image-archive.
    const save = engine === 'podman' ? '"$engine" save --multi-image-archive "$@"' : '"$engine" save "$@"';
    const script = `set -o pipefail; engine=$1; node=$2; shift 2; ${save} | "$engine" exec -i "$node" ctr --namespace=k8s.io images import --digests -`;
    const child = spawn('bash', ['-c', script, 'bash', engine, node, ...refs], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const missing = refs.filter((ref) => !nodeHasImage(engine, node, ref));
      if (code === 0 && missing.length === 0) resolve();
      else reject(new Error(`importing ${missing.join(', ') || refs.join(', ')} into ${node} failed (exit ${code}): ${stderr.trim().slice(-500)}`));
    });
  });
}

/** Imports the images each node lacks; an image not built here is named with the fix. */
export async function loadImages(cluster: { name: string }, refs: readonly string[], log: (line: string) => void): Promise<void> {
  const found = clusterNodes(cluster.name);
  if (!found) throw new Error(`kind cluster ${cluster.name} has no node containers in podman or docker`);
  const { engine, nodes } = found;
  const unique = [...new Set(refs)];
  const absent = unique.filter((ref) => spawnSync(engine, ['image', 'inspect', ref], { stdio: 'ignore' }).status !== 0);
  for (const node of nodes) {
    const missing = unique.filter((ref) => !nodeHasImage(engine, node, ref));
    if (missing.length === 0) continue;
    const notBuilt = missing.filter((ref) => absent.includes(ref));
    if (notBuilt.length > 0) throw new Error(`image ${notBuilt.join(', ')} is neither in the cluster nor built here; run 'node bin/milvus-drill.js images build' (or 'npm run setup')`);
    const started = Date.now();
    await importImages(engine, node, missing);
    log(`  imported ${missing.join(', ')} into ${node} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
