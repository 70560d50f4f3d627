// `npm run setup:kind`: builds everything a kind cluster on this machine needs, from package
// registries only, into $MILVUS_DRILL_HOME/kind (see src/platform/kind/build.ts). Not part of
// `npm run setup`: a cold build takes tens of minutes on 2 cores. Each part is skipped when it is
// already built for the same inputs, so a second run takes seconds. Writes kind/current.json,
// which names what was built (read by the kind integration test and the kind platform).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildContext, buildGoTool, buildKind, buildKubernetes, goVersion, type Part } from '../src/platform/kind/build.ts';
import {
  COREDNS_TOOL, CRICTL_TOOL, ETCD_TOOL, KIND_VERSION, kubeadmImageMismatch, KUBERNETES_VERSION,
} from '../src/platform/kind/build-plan.ts';
import { buildControlPlaneImages, buildDebianImage, buildNodeImage, buildPause, moduleDir } from '../src/platform/kind/node-image.ts';
import { NODE_PACKAGES, renderNetAgentScript, SMALL_PACKAGES } from '../src/platform/kind/node-plan.ts';
import { buildChaosMesh } from '../src/platform/kind/chaos-mesh-build.ts';
import { currentBuildFile, machineBuildFile, type KindBuild } from '../src/platform/kind/installed.ts';
import { HOST_MODULES_DIR } from '../src/platform/kind/cluster.ts';

const started = Date.now();
const ctx = buildContext((m) => console.error(`[setup kind] ${m}`));
const version = KUBERNETES_VERSION;
const parts: Part[] = [];
const step = async (p: Promise<Part>): Promise<Part> => {
  const part = await p;
  parts.push(part);
  return part;
};

try {
  const go = goVersion();
  if (!existsSync(HOST_MODULES_DIR)) {
    ctx.log(`creating an empty ${HOST_MODULES_DIR}: kind mounts it into every node, and this kernel has its modules built in`);
    mkdirSync(HOST_MODULES_DIR, { recursive: true });
  }
  ctx.log(`${go}; building into ${join(ctx.home, 'kind')} (logs: ${ctx.logs})`);
  const kind = await step(buildKind(ctx, go));
  const kube = await step(buildKubernetes(ctx, version, go));
  const kubeBin = join(kube.dir, 'bin');
  const list = spawnSync(join(kubeBin, 'kubeadm'), ['config', 'images', 'list', '--kubernetes-version', version], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`kubeadm config images list failed: ${list.stderr}`);
  const mismatch = kubeadmImageMismatch(list.stdout, version);
  if (mismatch.length > 0) throw new Error(`the images built here do not match kubeadm ${version}:\n  ${mismatch.join('\n  ')}\nfix: update the versions in src/platform/kind/build-plan.ts`);
  const etcd = await step(buildGoTool(ctx, ETCD_TOOL, go));
  const coredns = await step(buildGoTool(ctx, COREDNS_TOOL, go));
  const crictl = await step(buildGoTool(ctx, CRICTL_TOOL, go));
  const pause = await step(buildPause(ctx, moduleDir('k8s.io/kubernetes', version)));
  const small = await buildDebianImage(ctx, 'debian-small', SMALL_PACKAGES);
  parts.push(small.part);
  const nodeBase = await buildDebianImage(ctx, 'node-base', NODE_PACKAGES);
  parts.push(nodeBase.part);
  const imageInputs = {
    kubernetesBin: kubeBin,
    etcdBin: join(etcd.dir, 'bin', 'etcd'),
    corednsBin: join(coredns.dir, 'bin', 'coredns'),
    pauseBin: join(pause.dir, 'bin', 'pause'),
    smallImage: small.ref,
    netAgentScript: join(ctx.home, 'kind', 'node-files', 'drill-kind-net'),
  };
  mkdirSync(join(ctx.home, 'kind', 'node-files'), { recursive: true });
  writeFileSync(imageInputs.netAgentScript, renderNetAgentScript(), { mode: 0o755 });
  const images = await step(buildControlPlaneImages(ctx, imageInputs, version));
  const node = await buildNodeImage(ctx, { ...imageInputs, crictlBin: join(crictl.dir, 'bin', 'crictl'), nodeBaseImage: nodeBase.ref }, images.dir, version);
  parts.push({ name: 'node-image', dir: node.ref, built: node.built, seconds: node.seconds, buildSeconds: node.seconds });
  const chaos = await buildChaosMesh(ctx, small.ref, go);
  parts.push(chaos.basePart, chaos.generatorPart, chaos.part);
  const build: KindBuild = {
    kubernetesVersion: version,
    kindVersion: KIND_VERSION,
    kind: join(kind.dir, 'bin', 'kind'),
    kubectl: join(kubeBin, 'kubectl'),
    nodeImage: node.ref,
    builtAt: new Date().toISOString(),
    seconds: Object.fromEntries(parts.map((p) => [p.name, Math.round(p.buildSeconds)])),
    chaosMesh: {
      version: chaos.version,
      controllerImage: chaos.controllerImage,
      daemonImage: chaos.daemonImage,
      crdDir: chaos.crdDir,
    },
  };
  writeFileSync(currentBuildFile(ctx.home), JSON.stringify(build, null, 2) + '\n');
  mkdirSync(dirname(machineBuildFile()), { recursive: true });
  writeFileSync(machineBuildFile(), JSON.stringify(build, null, 2) + '\n');
  const total = (Date.now() - started) / 1000;
  ctx.log(`done in ${total.toFixed(0)} s (${parts.filter((p) => p.built).map((p) => `${p.name} ${p.seconds.toFixed(0)} s`).join(', ') || 'everything cached'})`);
  ctx.log(`node image: ${node.ref}; kind: ${build.kind}`);
} catch (e) {
  console.error(`[setup kind] failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
