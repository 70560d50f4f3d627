// Creates and deletes a kind cluster on the node image `npm run setup:kind` built, with kind's
// Podman provider. The kubeconfig goes to a file of the drill home, never the user's own, so a
// drill cluster is only ever reached by naming that file and its context.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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

/** `retain` keeps failed nodes for inspection (kind --retain); delete them with deleteCluster. */
export async function createCluster(o: { home: string; name: string; workers?: number; log: (line: string) => void; waitSeconds?: number; retain?: boolean }): Promise<KindCluster> {
  const build = requireKindBuild(o.home);
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
