// Chaos Mesh for kind, from its Go module: chaos-controller-manager and chaos-daemon built from
// the module (with its API module copied into ./api, see build-plan.ts, and the fixes of
// CHAOS_MESH_SOURCE_PATCHES applied), chaos-daemon's pause from
// the module's C source, nsexec and memStress of ours (chaos-mesh-plan.ts), the two images (the
// daemon's on a Debian rootfs with iptables, ipset, iproute2 and stress-ng) in podman's store, from
// which loadImages (project-cluster.ts) imports them into the nodes, and the CRDs as JSON for the
// installer to read.
// Lands in $MILVUS_DRILL_HOME/kind/chaos-mesh/<version>-<key>/ like every other part.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildGoTool, cached, runNice, type BuildContext, type Part } from './build.ts';
import {
  buildDir, cacheKey, CHAOS_MESH_CRD_GEN_ARGS, CONTROLLER_GEN_TOOL, CHAOS_MESH_API_MODULE, CHAOS_MESH_API_VERSION, CHAOS_MESH_COMMANDS, CHAOS_MESH_MODULE, CHAOS_MESH_VERSION,
  chaosMeshBuildArgs, GO_BUILD_ENV,
} from './build-plan.ts';
import {
  applySourcePatch, FAKECLOCK_OBJECTS, CHAOS_CONTROLLER_IMAGE_NAME, CHAOS_DAEMON_IMAGE_NAME, CHAOS_MESH_SOURCE_PATCHES, CHAOS_DAEMON_PACKAGES, chaosMeshImageRef, MEMSTRESS_SHIM, NSEXEC_SOURCE,
  renderControllerContainerfile, renderDaemonContainerfile,
} from './chaos-mesh-plan.ts';
import { buildDebianImage, imageExists, moduleDir } from './node-image.ts';

export interface ChaosMeshParts {
  part: Part;
  /** controller-gen, which generates the CRDs. */
  generatorPart: Part;
  /** The daemon's Debian rootfs (mmdebstrap). */
  basePart: Part;
  version: string;
  controllerImage: string;
  daemonImage: string;
  /** The module's CRDs, one JSON file each (chaos-mesh.org_<plural>.json). */
  crdDir: string;
}

/** The build folder: the main module with the API module in ./api, rewritten when the versions change. */
function prepareSource(ctx: BuildContext): string {
  const src = join(ctx.home, 'kind', 'src', `chaos-mesh-${CHAOS_MESH_VERSION}`);
  const marker = join(src, '.drill-source');
  const want = `${CHAOS_MESH_MODULE}@${CHAOS_MESH_VERSION}\n${CHAOS_MESH_API_MODULE}@${CHAOS_MESH_API_VERSION}\n${JSON.stringify(CHAOS_MESH_SOURCE_PATCHES)}\n`;
  if (existsSync(marker) && readFileSync(marker, 'utf8') === want) return src;
  rmSync(src, { recursive: true, force: true });
  const main = moduleDir(CHAOS_MESH_MODULE, CHAOS_MESH_VERSION);
  const api = moduleDir(CHAOS_MESH_API_MODULE, CHAOS_MESH_API_VERSION);
  cpSync(main, src, { recursive: true });
  rmSync(join(src, 'api'), { recursive: true, force: true });
  cpSync(api, join(src, 'api'), { recursive: true });
  // The module cache is read-only; the copy must not be (go.sum is updated, the folder removed later).
  spawnSync('chmod', ['-R', 'u+w', src]);
  for (const patch of CHAOS_MESH_SOURCE_PATCHES) {
    const file = join(src, patch.file);
    writeFileSync(file, applySourcePatch(readFileSync(file, 'utf8'), patch));
    ctx.log(`chaos-mesh: patched ${patch.file}`);
  }
  writeFileSync(marker, want);
  return src;
}

/**
 * The CRDs generated from the compiled API module (controller-gen, as upstream's `make config`),
 * each as JSON so that installing needs no YAML parser. Returns the files that differ from the
 * main module's config/crd/bases (what the newer API module changed).
 */
async function generateCrds(ctx: BuildContext, source: string, controllerGen: string, scratch: string): Promise<{ count: number; changed: string[] }> {
  const yamlDir = join(scratch, 'crds-yaml');
  const out = join(scratch, 'crds');
  mkdirSync(out, { recursive: true });
  await runNice(ctx, 'chaos-mesh', controllerGen, [...CHAOS_MESH_CRD_GEN_ARGS, `output:crd:artifacts:config=${yamlDir}`], { cwd: join(source, 'api'), env: { ...GO_BUILD_ENV } });
  const bases = join(source, 'config', 'crd', 'bases');
  const files = readdirSync(yamlDir).filter((n) => n.endsWith('.yaml')).sort();
  const changed: string[] = [];
  for (const f of files) {
    const text = readFileSync(join(yamlDir, f), 'utf8');
    const crd = parse(text) as { kind?: string };
    if (crd?.kind !== 'CustomResourceDefinition') throw new Error(`chaos-mesh: ${join(yamlDir, f)} is not a CustomResourceDefinition`);
    writeFileSync(join(out, f.replace(/\.yaml$/, '.json')), JSON.stringify(crd) + '\n');
    if (!existsSync(join(bases, f)) || readFileSync(join(bases, f), 'utf8') !== text) changed.push(f);
  }
  rmSync(yamlDir, { recursive: true, force: true });
  return { count: files.length, changed };
}

async function buildImage(ctx: BuildContext, name: string, ref: string, containerfile: string, files: Record<string, string>, scratch: string): Promise<void> {
  const context = join(scratch, `${name}.context`);
  mkdirSync(context, { recursive: true });
  for (const [at, from] of Object.entries(files)) cpSync(from, join(context, at));
  writeFileSync(join(context, 'Containerfile'), containerfile);
  await runNice(ctx, 'chaos-mesh', 'podman', ['build', '-t', ref, '-f', join(context, 'Containerfile'), context]);
  rmSync(context, { recursive: true, force: true });
}

/**
 * Builds Chaos Mesh (binaries, images, archives, CRDs). `smallImage` is the small Debian image the
 * controller's image starts from; the daemon's base rootfs is built here (mmdebstrap, cached).
 */
export async function buildChaosMesh(ctx: BuildContext, smallImage: string, go: string): Promise<ChaosMeshParts> {
  const daemonBase = await buildDebianImage(ctx, 'chaos-daemon-base', CHAOS_DAEMON_PACKAGES);
  const generator = await buildGoTool(ctx, CONTROLLER_GEN_TOOL, go);
  const controllerGen = join(generator.dir, 'bin', CONTROLLER_GEN_TOOL.name);
  const controllerFile = renderControllerContainerfile(smallImage);
  const daemonFile = renderDaemonContainerfile(daemonBase.ref);
  const key = cacheKey(
    CHAOS_MESH_VERSION, CHAOS_MESH_API_VERSION, go,
    ...CHAOS_MESH_COMMANDS.map((c) => `${c.name} cgo=${c.cgo} ${chaosMeshBuildArgs(c.name, 'out').join(' ')}`),
    JSON.stringify(FAKECLOCK_OBJECTS), NSEXEC_SOURCE, MEMSTRESS_SHIM, controllerFile, daemonFile, JSON.stringify(CHAOS_MESH_SOURCE_PATCHES),
    `${CONTROLLER_GEN_TOOL.version} ${CHAOS_MESH_CRD_GEN_ARGS.join(' ')}`,
    'outputs: bin, crds (JSON), images in podman',
  );
  const dir = buildDir(ctx.home, 'chaos-mesh', CHAOS_MESH_VERSION, key);
  const controllerImage = chaosMeshImageRef(CHAOS_CONTROLLER_IMAGE_NAME, key);
  const daemonImage = chaosMeshImageRef(CHAOS_DAEMON_IMAGE_NAME, key);
  const result = (part: Part): ChaosMeshParts => ({
    part, basePart: daemonBase.part, generatorPart: generator, version: CHAOS_MESH_VERSION, controllerImage, daemonImage,
    crdDir: join(dir, 'crds'),
  });
  const part = await cached(ctx, 'chaos-mesh', dir, async (scratch) => {
    const src = prepareSource(ctx);
    const bin = join(scratch, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const o of FAKECLOCK_OBJECTS) await runNice(ctx, 'chaos-mesh', 'cc', o.args, { cwd: src });
    for (const c of CHAOS_MESH_COMMANDS) {
      const started = Date.now();
      await runNice(ctx, 'chaos-mesh', 'go', chaosMeshBuildArgs(c.name, bin), { cwd: src, env: { ...GO_BUILD_ENV, CGO_ENABLED: c.cgo ? '1' : '0' } });
      ctx.log(`chaos-mesh: ${c.name} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    await runNice(ctx, 'chaos-mesh', 'gcc', ['-Os', '-Wall', '-static', '-o', join(bin, 'pause'), join(src, 'hack', 'pause.c')]);
    writeFileSync(join(scratch, 'nsexec.c'), NSEXEC_SOURCE);
    await runNice(ctx, 'chaos-mesh', 'gcc', ['-Os', '-Wall', '-Werror', '-static', '-o', join(bin, 'nsexec'), join(scratch, 'nsexec.c')]);
    writeFileSync(join(bin, 'memStress'), MEMSTRESS_SHIM);
    chmodSync(join(bin, 'memStress'), 0o755);
    const crds = await generateCrds(ctx, src, controllerGen, scratch);
    ctx.log(`chaos-mesh: ${crds.count} CRDs generated from the API module ${CHAOS_MESH_API_VERSION}; differing from the main module's config/crd/bases: ${crds.changed.join(', ') || 'none'}`);
    writeFileSync(join(scratch, 'crds', 'CHANGED.txt'), crds.changed.join('\n') + '\n');
    const started = Date.now();
    await buildImage(ctx, CHAOS_CONTROLLER_IMAGE_NAME, controllerImage, controllerFile, { 'chaos-controller-manager': join(bin, 'chaos-controller-manager') }, scratch);
    const daemonFiles = Object.fromEntries(['chaos-daemon', 'pause', 'nsexec', 'memStress'].map((f) => [f, join(bin, f)]));
    await buildImage(ctx, CHAOS_DAEMON_IMAGE_NAME, daemonImage, daemonFile, daemonFiles, scratch);
    ctx.log(`chaos-mesh: images built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
  if (!imageExists(controllerImage) || !imageExists(daemonImage)) {
    // The folder outlived its images (podman's storage was reset): build again.
    rmSync(dir, { recursive: true, force: true });
    return buildChaosMesh(ctx, smallImage, go);
  }
  return result(part);
}
