import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  cacheKey, COREDNS_TOOL, ETCD_TOOL, expectedKubeadmImages, goToolBuildArgs, kubeadmImageMismatch, KUBE_COMMANDS, kubeBuildArgs,
  KUBERNETES_VERSION, parseKubeVersion, renderKubeGoMod, renderKubeToolsGo, renderWrapperGoMod, STAGING_MODULES, stagingVersion,
  versionLdflags,
} from '../../src/platform/kind/build-plan.ts';
import { parse } from 'yaml';
import { renderLocalKindConfig } from '../../src/platform/kind/cluster-plan.ts';
import { controlPlaneImages, NET_AGENT_IMAGE, renderCniConflist, renderNetAgentScript, renderNetManifest, renderNodeSetupScript } from '../../src/platform/kind/node-plan.ts';

test('the Kubernetes version is pinned to 1.34 (this host mounts cgroup v1; kubelet 1.35+ refuses it by default)', () => {
  assert.equal(parseKubeVersion(KUBERNETES_VERSION).minor, '34');
});

test('staging modules take the published v0.MINOR.PATCH of the release', () => {
  assert.equal(stagingVersion('v1.34.2'), 'v0.34.2');
  assert.equal(stagingVersion('v1.35.10'), 'v0.35.10');
  assert.throws(() => stagingVersion('1.34.2'), /not of the form v1\.MINOR\.PATCH/);
  assert.throws(() => stagingVersion('v1.34'), /not of the form/);
});

test('go.mod requires k8s.io/kubernetes and replaces every staging module with its published version', () => {
  const mod = renderKubeGoMod('v1.34.2');
  assert.match(mod, /^require k8s\.io\/kubernetes v1\.34\.2$/m);
  const replaces = [...mod.matchAll(/^\t(\S+)\s+=> (\S+) (\S+)$/gm)];
  assert.equal(replaces.length, 31);
  assert.deepEqual(replaces.map((r) => r[1]), STAGING_MODULES);
  for (const r of replaces) {
    assert.equal(r[2], r[1], 'replaced by the same module path');
    assert.equal(r[3], 'v0.34.2');
  }
});

test('the staging list is the one k8s.io/kubernetes itself replaces (when its go.mod is in the Go module cache)', (t) => {
  const cache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout?.trim();
  const upstream = cache && join(cache, 'cache/download/k8s.io/kubernetes/@v', `${KUBERNETES_VERSION}.mod`);
  if (!upstream || !existsSync(upstream)) return t.skip(`k8s.io/kubernetes ${KUBERNETES_VERSION} not in the Go module cache (npm run setup:kind downloads it)`);
  const theirs = [...readFileSync(upstream, 'utf8').matchAll(/^\s+(k8s\.io\/\S+) => \.\/staging\//gm)].map((m) => m[1]);
  assert.deepEqual([...theirs].sort(), [...STAGING_MODULES].sort());
});

test('the tools file imports only library packages, so go mod tidy keeps the commands\' dependencies', () => {
  const tools = renderKubeToolsGo();
  assert.match(tools, /^\/\/go:build tools$/m);
  const imports = [...tools.matchAll(/_ "([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(imports.length, 7);
  for (const i of imports) assert.doesNotMatch(i, /^k8s\.io\/kubernetes\/cmd\/[^/]+$/, `${i} is a main package, which cannot be imported`);
});

test('version ldflags set gitVersion and friends in both packages kubeadm and the binaries read', () => {
  const flags = versionLdflags('v1.34.2', '2025-11-11T00:00:00Z');
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    assert.ok(flags.includes(`-X ${pkg}.gitVersion=v1.34.2`));
    assert.ok(flags.includes(`-X ${pkg}.gitMajor=1`));
    assert.ok(flags.includes(`-X ${pkg}.gitMinor=34`));
    assert.ok(flags.includes(`-X ${pkg}.buildDate=2025-11-11T00:00:00Z`));
  }
  assert.throws(() => versionLdflags('v1.34.2', 'yesterday'), /build date 'yesterday'/);
});

test('the build names every command and sets the version at link time', () => {
  const args = kubeBuildArgs('v1.34.2', '/out');
  assert.deepEqual(args.slice(-KUBE_COMMANDS.length), KUBE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`));
  const ld = args.find((a) => a.startsWith('-ldflags='))!;
  assert.match(ld, /-X k8s\.io\/component-base\/version\.gitVersion=v1\.34\.2/);
  assert.ok(args.includes('-trimpath'));
});

test('a wrapper module requires the tool\'s module (not its package) at the pinned version', () => {
  assert.match(renderWrapperGoMod(ETCD_TOOL), /^require go\.etcd\.io\/etcd\/server\/v3 v3\.6\.5$/m);
  assert.match(renderWrapperGoMod({ name: 'crictl', pkg: 'sigs.k8s.io/cri-tools/cmd/crictl', module: 'sigs.k8s.io/cri-tools', version: 'v1.34.0' }), /^require sigs\.k8s\.io\/cri-tools v1\.34\.0$/m);
  assert.deepEqual(goToolBuildArgs(COREDNS_TOOL, '/o/coredns').slice(-3), ['-o', '/o/coredns', 'github.com/coredns/coredns']);
});

test('the cache key changes with any input and only then', () => {
  assert.equal(cacheKey('a', 'b'), cacheKey('a', 'b'));
  assert.notEqual(cacheKey('a', 'b'), cacheKey('a', 'c'));
  assert.notEqual(cacheKey('ab', ''), cacheKey('a', 'b'), 'parts are separated');
  assert.notEqual(cacheKey(renderKubeGoMod('v1.34.2')), cacheKey(renderKubeGoMod('v1.34.3')));
  assert.match(cacheKey('x'), /^[0-9a-f]{16}$/);
});

test('the images built match what kubeadm asks for, and a difference is named', () => {
  const list = expectedKubeadmImages('v1.34.2').join('\n') + '\n';
  assert.deepEqual(kubeadmImageMismatch(list, 'v1.34.2'), []);
  const other = list.replace('registry.k8s.io/etcd:3.6.5-0', 'registry.k8s.io/etcd:3.6.6-0');
  assert.deepEqual(kubeadmImageMismatch(other, 'v1.34.2'), [
    'kubeadm wants registry.k8s.io/etcd:3.6.6-0, which is not built here',
    'registry.k8s.io/etcd:3.6.5-0 is built but kubeadm does not ask for it',
  ]);
});

test('each control-plane image is tagged as kubeadm expects and copies the binary it runs', () => {
  const specs = controlPlaneImages({ kubernetesBin: '/k/bin', etcdBin: '/e/etcd', corednsBin: '/c/coredns', pauseBin: '/p/pause', smallImage: 'localhost/drill-kind/debian-small:1', netAgentScript: '/n/agent' }, 'v1.34.2');
  assert.deepEqual(specs.flatMap((s) => s.tags).filter((t) => t !== NET_AGENT_IMAGE).sort(), expectedKubeadmImages('v1.34.2').sort());
  for (const s of specs) {
    for (const f of s.files) assert.match(s.containerfile, new RegExp(`^COPY ${f.at} `, 'm'));
  }
  assert.match(specs.find((s) => s.name === 'kube-proxy')!.containerfile, /^FROM localhost\/drill-kind\/debian-small:1$/m, 'kube-proxy needs iptables');
});

test('the node CNI configuration is a ptp + host-local list on the pod subnet', () => {
  const conf = JSON.parse(renderCniConflist('10.244.0.0/16'));
  assert.equal(conf.plugins[0].type, 'ptp');
  assert.deepEqual(conf.plugins[0].ipam.ranges, [[{ subnet: '10.244.0.0/16' }]]);
});

test('the pod-network agent is valid bash whose CNI template becomes the node\'s configuration', () => {
  const script = renderNetAgentScript();
  const check = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  const template = /^template='([\s\S]*?)'$/m.exec(script)?.[1];
  assert.ok(template, 'the script carries the CNI template');
  assert.deepEqual(JSON.parse(template.replace('__SUBNET__', '10.244.1.0/24')), JSON.parse(renderCniConflist('10.244.1.0/24')));
  assert.match(script, /ip route replace "\$cidr" via "\$ip"/);
});

test('the network manifest runs the agent on every node from the pinned image, never pulled', () => {
  const docs = renderNetManifest().split(/^---$/m).map((d) => parse(d) as { kind: string; spec?: { template: { spec: { containers: { image: string; imagePullPolicy: string }[]; hostNetwork: boolean; tolerations: unknown[] } } } });
  assert.deepEqual(docs.map((d) => d.kind), ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'DaemonSet']);
  const pod = docs[3]!.spec!.template.spec;
  assert.equal(pod.containers[0]!.image, NET_AGENT_IMAGE);
  assert.equal(pod.containers[0]!.imagePullPolicy, 'Never');
  assert.equal(pod.hostNetwork, true);
  assert.deepEqual(pod.tolerations, [{ operator: 'Exists' }]);
});

test('the node setup writes the version kind reads, pins the sandbox image and tags imported images', () => {
  const s = renderNodeSetupScript('v1.34.2');
  assert.match(s, /echo "v1\.34\.2" > \/kind\/version/);
  assert.match(s, /sandbox_image = "registry\.k8s\.io\/pause:3\.10\.1"/);
  assert.match(s, /images import --all-platforms --no-unpack/);
  assert.match(s, /io\.cri-containerd\.pinned=pinned/);
  assert.match(s, /restrict_oom_score_adj = true/, 'root here cannot lower oom_score_adj (no CAP_SYS_RESOURCE)');
});

test('the local kind config names the built node image on every node and refuses bad names', () => {
  const yaml = parse(renderLocalKindConfig({ name: 'drill-kind', nodeImage: 'localhost/drill-kind/node:v1.34.2-abc', workers: 2 })) as { name: string; nodes: { role: string; image: string }[] };
  assert.equal(yaml.name, 'drill-kind');
  assert.deepEqual(yaml.nodes.map((n) => n.role), ['control-plane', 'worker', 'worker']);
  for (const n of yaml.nodes) assert.equal(n.image, 'localhost/drill-kind/node:v1.34.2-abc');
  assert.throws(() => renderLocalKindConfig({ name: 'Drill_Kind', nodeImage: 'x', workers: 0 }), /cluster name 'Drill_Kind'/);
  assert.throws(() => renderLocalKindConfig({ name: 'd', nodeImage: 'x', workers: -1 }), /workers must be/);
});
