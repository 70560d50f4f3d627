// The kind node image, built here the way kind builds its own: a Debian rootfs with systemd,
// containerd, runc and the CNI plugins (Debian's packages, by mmdebstrap from this machine's apt
// sources), kind's base files (entrypoint, systemd units, containerd config) from the kind module,
// the Kubernetes commands, and the control-plane images imported into the node's containerd at
// build time (a build container runs containerd, `ctr images import`, then is committed).
// Everything it creates in podman is named drill-kind*.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { aptSourcesFile } from '../containers/images.ts';
import { cached, runNice, type BuildContext, type Part } from './build.ts';
import { buildDir, cacheKey, KIND_MODULE, KIND_VERSION, KUBE_COMMANDS, PAUSE_VERSION } from './build-plan.ts';
import {
  controlPlaneImages, NODE_PACKAGES, nodeImageRef, renderCniConflist, SMALL_PACKAGES, DEBIAN_SUITE, type ImageSpec, type ImageInputs,
  renderNodeSetupScript, renderNetManifest,
} from './node-plan.ts';

function podman(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('podman', args, { encoding: 'utf8' });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function imageExists(ref: string): boolean {
  return podman(['image', 'exists', ref]).status === 0;
}

/** The folder of a module in Go's module cache, downloading it when missing. */
export function moduleDir(module: string, version: string): string {
  const r = spawnSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go mod download ${module}@${version} failed: ${r.stderr || r.stdout}`);
  return (JSON.parse(r.stdout) as { Dir: string }).Dir;
}

/** A Debian rootfs from mmdebstrap, imported as a podman image named localhost/drill-kind/<name>:<key>. */
export async function buildDebianImage(ctx: BuildContext, name: string, packages: readonly string[]): Promise<{ ref: string; part: Part }> {
  const key = cacheKey(DEBIAN_SUITE, 'minbase', ...packages);
  const ref = `localhost/drill-kind/${name}:${key}`;
  const dir = buildDir(ctx.home, name, DEBIAN_SUITE, key);
  const part = await cached(ctx, name, dir, async (scratch) => {
    if (imageExists(ref)) return;
    const tar = join(scratch, 'rootfs.tar');
    await runNice(ctx, name, 'mmdebstrap', ['--variant=minbase', `--include=${packages.join(',')}`, '--format=tar', DEBIAN_SUITE, tar, aptSourcesFile()]);
    await runNice(ctx, name, 'podman', ['import', '--change', 'CMD ["/bin/bash"]', tar, ref]);
    rmSync(tar);
  });
  if (!imageExists(ref)) {
    rmSync(dir, { recursive: true, force: true });
    return buildDebianImage(ctx, name, packages);
  }
  return { ref, part };
}

/** The pause binary, from Kubernetes' own C source, linked statically. */
export function buildPause(ctx: BuildContext, kubernetesDir: string): Promise<Part> {
  const dir = buildDir(ctx.home, 'pause', PAUSE_VERSION, cacheKey(PAUSE_VERSION, kubernetesDir));
  return cached(ctx, 'pause', dir, async (scratch) => {
    mkdirSync(join(scratch, 'bin'));
    await runNice(ctx, 'pause', 'gcc', ['-Os', '-Wall', '-Werror', '-static', `-DVERSION=v${PAUSE_VERSION}`, '-o', join(scratch, 'bin', 'pause'), join(kubernetesDir, 'build/pause/linux/pause.c')]);
  });
}

/** One image built from a Containerfile and binaries, saved as an archive for the node's containerd. */
async function buildArchive(ctx: BuildContext, spec: ImageSpec, key: string, outDir: string): Promise<void> {
  const context = join(outDir, `${spec.name}.context`);
  mkdirSync(context, { recursive: true });
  for (const f of spec.files) copyFileSync(f.from, join(context, f.at));
  writeFileSync(join(context, 'Containerfile'), spec.containerfile);
  const local = `localhost/drill-kind/${spec.name}:${key}`;
  await runNice(ctx, 'images', 'podman', ['build', '-t', local, '-f', join(context, 'Containerfile'), context]);
  await runNice(ctx, 'images', 'podman', ['save', '--format', 'docker-archive', '-o', join(outDir, `${spec.name}.tar`), local]);
  rmSync(context, { recursive: true, force: true });
}

export interface NodeInputs extends ImageInputs {
  /** crictl for the node (optional: kind itself does not need it). */
  crictlBin?: string;
  nodeBaseImage: string;
}

/** The control-plane images, as archives under the drill home. */
export function buildControlPlaneImages(ctx: BuildContext, inputs: ImageInputs, version: string): Promise<Part> {
  const specs = controlPlaneImages(inputs, version);
  // Files are named relative to the drill home: their folders carry their own build keys.
  const key = cacheKey(...specs.map((s) => s.containerfile + s.files.map((f) => f.from.replace(ctx.home, '~')).join(',')), readFileSync(inputs.netAgentScript, 'utf8'));
  const dir = buildDir(ctx.home, 'images', 'v1', key);
  return cached(ctx, 'images', dir, async (scratch) => {
    for (const spec of specs) {
      ctx.log(`images: ${spec.name} -> ${spec.tags.join(', ')}`);
      await buildArchive(ctx, spec, key, scratch);
    }
    writeFileSync(join(scratch, 'tags.json'), JSON.stringify(Object.fromEntries(specs.map((s) => [s.name, { local: `localhost/drill-kind/${s.name}:${key}`, tags: s.tags }])), null, 2));
  });
}

/** The node image: base rootfs + kind's files + Kubernetes + images preloaded into containerd. */
export async function buildNodeImage(ctx: BuildContext, inputs: NodeInputs, imagesDir: string, version: string): Promise<{ ref: string; seconds: number; built: boolean }> {
  const kindFiles = join(moduleDir(KIND_MODULE, KIND_VERSION), 'images/base/files');
  const setup = renderNodeSetupScript(version);
  // Parts are named by their own keys (the folder names), so the same inputs give the same image from any drill home.
  const key = cacheKey(inputs.nodeBaseImage, basename(imagesDir), basename(dirname(inputs.kubernetesBin)), inputs.crictlBin ? basename(dirname(dirname(inputs.crictlBin))) : '', setup, renderCniConflist('10.244.0.0/16'), renderNetManifest(), KIND_VERSION);
  const ref = nodeImageRef(version, key);
  if (imageExists(ref)) {
    ctx.log(`node image: cached (${ref})`);
    return { ref, seconds: 0, built: false };
  }
  const started = Date.now();
  const container = `drill-kind-build-${key}`;
  podman(['rm', '-f', container]);
  ctx.log(`node image: building ${ref} in container ${container}`);
  await runNice(ctx, 'node-image', 'podman', ['run', '-d', '--name', container, '--entrypoint=sleep', '--security-opt', 'seccomp=unconfined', inputs.nodeBaseImage, 'infinity']);
  try {
    const cp = (from: string, to: string): Promise<void> => runNice(ctx, 'node-image', 'podman', ['cp', from, `${container}:${to}`]);
    const sh = (script: string): Promise<void> => runNice(ctx, 'node-image', 'podman', ['exec', container, 'bash', '-euc', script]);
    await sh('mkdir -p /kind/bin /kind/manifests /kind/images /etc/cni/net.d /etc/kubernetes/manifests /usr/local/bin');
    // kind's base files: podman cp of a folder's contents (trailing /.) merges into the target.
    await cp(`${kindFiles}/.`, '/');
    for (const c of KUBE_COMMANDS) await cp(join(inputs.kubernetesBin, c), `/usr/bin/${c}`);
    if (inputs.crictlBin) await cp(inputs.crictlBin, '/usr/local/bin/crictl');
    for (const n of readdirSync(imagesDir).filter((n) => n.endsWith('.tar'))) await cp(join(imagesDir, n), `/kind/images/${n}`);
    await cp(join(imagesDir, 'tags.json'), '/kind/images/tags.json');
    const tmp = join(ctx.home, 'kind', 'node-files');
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'setup.sh'), setup);
    writeFileSync(join(tmp, '10-drill-ptp.conflist'), renderCniConflist('10.244.0.0/16'));
    writeFileSync(join(tmp, 'default-cni.yaml'), renderNetManifest());
    await cp(join(tmp, 'setup.sh'), '/kind/drill-setup.sh');
    await cp(join(tmp, '10-drill-ptp.conflist'), '/etc/cni/net.d/10-drill-ptp.conflist');
    await cp(join(tmp, 'default-cni.yaml'), '/kind/manifests/default-cni.yaml');
    await sh('bash /kind/drill-setup.sh && rm -f /kind/drill-setup.sh && rm -rf /kind/images');
    await runNice(ctx, 'node-image', 'podman', ['commit',
      '--change', 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]',
      '--change', 'ENV container=docker',
      '--change', 'STOPSIGNAL SIGRTMIN+3',
      '--change', 'LABEL io.milvus-drill.image=kind-node',
      container, ref]);
  } finally {
    podman(['rm', '-f', container]);
  }
  const seconds = (Date.now() - started) / 1000;
  ctx.log(`node image: built ${ref} in ${seconds.toFixed(0)} s`);
  return { ref, seconds, built: true };
}

export function requireFile(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} missing at ${path}`);
  return path;
}

export { NODE_PACKAGES, SMALL_PACKAGES };
