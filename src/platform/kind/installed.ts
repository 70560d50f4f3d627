// What `npm run setup:kind` built, as recorded in $MILVUS_DRILL_HOME/kind/current.json, and the
// check that it is all still there.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { homedir } from 'node:os';

export interface KindBuild {
  kubernetesVersion: string;
  kindVersion: string;
  /** Path of the kind binary. */
  kind: string;
  kubectl: string;
  /** Podman image reference of the node image. */
  nodeImage: string;
  builtAt: string;
  /** Seconds each part took when it was last built (the node image: 0 when it was cached). */
  seconds: Record<string, number>;
  /** Chaos Mesh, when built (setup:kind builds it after the node image). */
  chaosMesh?: ChaosMeshBuild;
}

export interface ChaosMeshBuild {
  /** The Go module version built (github.com/chaos-mesh/chaos-mesh). */
  version: string;
  /** Podman image references; the nodes' containerd knows them by the same names once loaded (loadImages). */
  controllerImage: string;
  daemonImage: string;
  /** The CRDs as JSON files (readChaosMeshCrds in chaos-mesh-install.ts reads them). */
  crdDir: string;
}

export function currentBuildFile(home: string): string {
  return join(home, 'kind', 'current.json');
}

/**
 * The machine's copy of the last build record (setup:kind writes both). A kind build takes about an
 * hour and its images live in the machine's Podman store anyway, so another checkout of the
 * project (a fresh clone in CI) finds the parts through it instead of rebuilding them.
 */
export function machineBuildFile(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'milvus-drill', 'kind-current.json');
}

/** The recorded build, or why it cannot be used (the caller names `npm run setup:kind` as the fix). */
export function installedKind(home: string): { build: KindBuild } | { missing: string } {
  const own = currentBuildFile(home);
  const file = existsSync(own) ? own : machineBuildFile();
  if (!existsSync(file)) return { missing: `${own} does not exist (nothing built yet)` };
  const build = JSON.parse(readFileSync(file, 'utf8')) as KindBuild;
  for (const p of [build.kind, build.kubectl]) if (!existsSync(p)) return { missing: `${p} is gone` };
  if (spawnSync('podman', ['image', 'exists', build.nodeImage]).status !== 0) return { missing: `podman has no image ${build.nodeImage}` };
  return { build };
}

/** Why the recorded Chaos Mesh cannot be installed (not built, or a file or image gone), or null when it can. */
export function chaosMeshMissing(build: KindBuild): string | null {
  const cm = build.chaosMesh;
  if (!cm) return 'Chaos Mesh is not built (no chaosMesh in current.json)';
  if (!existsSync(cm.crdDir)) return `${cm.crdDir} is gone`;
  for (const ref of [cm.controllerImage, cm.daemonImage]) if (spawnSync('podman', ['image', 'exists', ref]).status !== 0) return `podman has no image ${ref}`;
  return null;
}
