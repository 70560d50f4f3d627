// Creates and deletes a kind cluster on the node image `npm run setup:kind` built, with kind's
// Podman provider. The kubeconfig goes to a file of the drill home, never the user's own, so a
// drill cluster is only ever reached by naming that file and its context.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedKind, type KindBuild } from './installed.ts';
import { SETUP_KIND_COMMAND } from './build.ts';
import { kindContext, kindEnv, renderLocalKindConfig } from './cluster-plan.ts';

export interface KindCluster {
  name: string;
  context: string;
  kubeconfig: string;
  build: KindBuild;
}

/** The build, or an error naming the one command that makes it. */
export function requireKindBuild(home: string): KindBuild {
  const found = installedKind(home);
  if ('missing' in found) throw new Error(`the kind platform's parts are not built here: ${found.missing}; run '${SETUP_KIND_COMMAND}' (cold: tens of minutes; cached: seconds)`);
  return found.build;
}

export function clusterFiles(home: string, name: string): { dir: string; kubeconfig: string; config: string } {
  const dir = join(home, 'kind', 'clusters', name);
  return { dir, kubeconfig: join(dir, 'kubeconfig'), config: join(dir, 'kind-config.yaml') };
}

/** Runs kind, streaming its progress lines to `log`; rejects with its output's tail. */
function runKind(build: KindBuild, args: string[], log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(build.kind, args, { env: kindEnv(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer): void => {
      const text = d.toString();
      output += text;
      for (const line of text.split('\n')) if (line.trim()) log(line.trimEnd());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`kind ${args.join(' ')} failed (exit ${code}):\n${output.split('\n').slice(-40).join('\n')}`))));
  });
}

/**
 * kind's Podman provider bind-mounts /lib/modules into every node, unconditionally; a host whose
 * kernel has its modules built in (this one) has no such folder, and `podman run` then fails with
 * "statfs /lib/modules: no such file or directory". setup:kind creates it, empty.
 */
export const HOST_MODULES_DIR = '/lib/modules';

export function hostProblems(): string[] {
  const problems: string[] = [];
  if (!existsSync(HOST_MODULES_DIR)) problems.push(`${HOST_MODULES_DIR} does not exist, and kind mounts it into every node; run '${SETUP_KIND_COMMAND}' (creates it empty) or 'mkdir -p ${HOST_MODULES_DIR}'`);
  if (spawnSync('podman', ['--version']).status !== 0) problems.push("podman is not installed; run 'npm run setup' (installs Debian's podman with runc)");
  return problems;
}

/** `retain` keeps failed nodes for inspection (kind --retain); delete them with deleteCluster. */
export async function createCluster(o: { home: string; name: string; workers?: number; log: (line: string) => void; waitSeconds?: number; retain?: boolean }): Promise<KindCluster> {
  const build = requireKindBuild(o.home);
  const problems = hostProblems();
  if (problems.length > 0) throw new Error(`kind cannot create a cluster on this host:\n  ${problems.join('\n  ')}`);
  const files = clusterFiles(o.home, o.name);
  mkdirSync(files.dir, { recursive: true });
  writeFileSync(files.config, renderLocalKindConfig({ name: o.name, nodeImage: build.nodeImage, workers: o.workers ?? 0 }));
  await runKind(build, ['create', 'cluster', '--name', o.name, '--config', files.config, '--kubeconfig', files.kubeconfig, '--wait', `${o.waitSeconds ?? 300}s`, ...(o.retain ? ['--retain'] : []), '-v', '1'], o.log);
  return { name: o.name, context: kindContext(o.name), kubeconfig: files.kubeconfig, build };
}

export async function deleteCluster(o: { home: string; name: string; log: (line: string) => void }): Promise<void> {
  const build = requireKindBuild(o.home);
  await runKind(build, ['delete', 'cluster', '--name', o.name, '--kubeconfig', clusterFiles(o.home, o.name).kubeconfig], o.log);
}

/** Names of kind clusters that exist now (kind get clusters, Podman provider). */
export function listClusters(build: KindBuild): string[] {
  const r = spawnSync(build.kind, ['get', 'clusters'], { env: kindEnv(process.env), encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('No kind clusters')) : [];
}
