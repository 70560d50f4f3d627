import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chaosMeshBuildArgs, chaosMeshLdflags, CHAOS_MESH_COMMANDS, CHAOS_MESH_VERSION } from '../../src/platform/kind/build-plan.ts';
import {
  applySourcePatch, CHAOS_MESH_SOURCE_PATCHES, MEMSTRESS_SHIM, NSEXEC_SOURCE, renderControllerContainerfile, renderDaemonContainerfile,
} from '../../src/platform/kind/chaos-mesh-plan.ts';
import {
  CHAOS_MESH_LABELS, CHAOS_WEBHOOK_KINDS, KIND_CONTAINERD_SOCKET, readChaosMeshCrds, renderChaosMeshInstall, webhookDnsNames,
  type ChaosMeshInstallOptions, type KubeObject,
} from '../../src/platform/kind/chaos-mesh-install.ts';
import { makeWebhookTls } from '../../src/platform/kind/chaos-mesh-tls.ts';
import { currentBuildFile, installedKind, machineBuildFile, type KindBuild } from '../../src/platform/kind/installed.ts';
import { compileFaults, type ChaosObject } from '../../src/platform/kind/chaos.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';
import { drillHome } from '../../src/supervise/home.ts';
import type { StackSpec } from '../../src/core/types.ts';
import { chaosWebhookErrors, crdValidatorOf } from './kind-upstream.ts';

const TLS = { caCert: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n', cert: 'CERT', key: 'KEY' };
const OPTIONS: ChaosMeshInstallOptions = {
  controllerImage: 'localhost/drill-kind/chaos-controller-manager:k1',
  daemonImage: 'localhost/drill-kind/chaos-daemon:k1',
  runtime: 'containerd',
  socketPath: KIND_CONTAINERD_SOCKET,
  tls: TLS,
};

function find(objects: KubeObject[], kind: string, name?: string): KubeObject & Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.ok(found, `no ${kind} ${name ?? ''}`);
  return found as KubeObject & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const CLUSTER_KINDS = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'CustomResourceDefinition']);

test('every object is labelled as ours and part of chaos-mesh, in the chaos-mesh namespace by default', () => {
  const objects = renderChaosMeshInstall(OPTIONS);
  for (const o of objects) {
    assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'milvus-drill', `${o.kind} ${o.metadata.name}`);
    assert.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'chaos-mesh', `${o.kind} ${o.metadata.name}`);
    if (CLUSTER_KINDS.has(o.kind)) assert.equal(o.metadata.namespace, undefined, `${o.kind} is cluster-scoped`);
    else assert.equal(o.metadata.namespace, 'chaos-mesh', `${o.kind} ${o.metadata.name}`);
  }
  assert.equal(objects[0]!.kind, 'Namespace', 'the namespace is applied first');
  const other = renderChaosMeshInstall({ ...OPTIONS, namespace: 'cm-test' });
  assert.ok(other.filter((o) => !CLUSTER_KINDS.has(o.kind)).every((o) => o.metadata.namespace === 'cm-test'));
  assert.equal(find(other, 'Namespace').metadata.name, 'cm-test');
  for (const b of other.filter((o) => o.kind.endsWith('Binding'))) {
    assert.deepEqual((b.subjects as { namespace: string }[]).map((s) => s.namespace), ['cm-test']);
  }
});

test('the objects an apply needs in dependency order: accounts and RBAC, the secret, then the workloads, webhooks last', () => {
  const kinds = renderChaosMeshInstall(OPTIONS).map((o) => o.kind);
  const at = (k: string): number => kinds.indexOf(k);
  assert.ok(at('ServiceAccount') < at('Deployment') && at('Secret') < at('Deployment') && at('DaemonSet') < at('MutatingWebhookConfiguration'));
  assert.deepEqual(kinds.slice(-2), ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
});

test('the controller runs the built image with the webhook certificate and our settings', () => {
  const objects = renderChaosMeshInstall(OPTIONS);
  const deploy = find(objects, 'Deployment', 'chaos-controller-manager');
  const pod = deploy.spec.template.spec;
  const c = pod.containers[0];
  assert.equal(c.image, OPTIONS.controllerImage);
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(pod.serviceAccountName, 'chaos-controller-manager');
  const env = Object.fromEntries(c.env.map((e: { name: string; value?: string }) => [e.name, e.value ?? 'fieldRef']));
  assert.equal(env.NAMESPACE, 'fieldRef');
  assert.equal(env.POD_FAILURE_PAUSE_IMAGE, 'registry.k8s.io/pause:3.10.1', 'pod-failure swaps in the pause image every node holds');
  assert.equal(env.ENABLE_LEADER_ELECTION, 'false');
  assert.equal(env.WEBHOOK_PORT, '10250');
  assert.equal(env.CHAOS_DAEMON_SERVICE_PORT, '31767');
  assert.equal(env.CHAOS_MESH_CA_CERT, undefined, 'no mTLS to the daemons');
  assert.deepEqual(c.volumeMounts, [{ name: 'webhook-certs', mountPath: '/etc/webhook/certs', readOnly: true }]);
  assert.equal(pod.volumes[0].secret.secretName, 'chaos-mesh-webhook-certs');
  const secret = find(objects, 'Secret', 'chaos-mesh-webhook-certs');
  assert.deepEqual(Object.keys(secret.data).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
  assert.equal(Buffer.from(secret.data['tls.key'], 'base64').toString(), 'KEY');
  // The selector matches the template, and the webhook service selects the controller's pods.
  assert.deepEqual({ ...deploy.spec.template.metadata.labels, ...deploy.spec.selector.matchLabels }, deploy.spec.template.metadata.labels);
  const svc = find(objects, 'Service', 'chaos-mesh-controller-manager');
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(deploy.spec.template.metadata.labels[k], v);
  assert.deepEqual(svc.spec.ports.find((p: { name: string }) => p.name === 'webhook'), { name: 'webhook', port: 443, targetPort: 'webhook', protocol: 'TCP' });
});

test("the daemon is privileged in the host's PID namespace with the node's containerd socket", () => {
  const objects = renderChaosMeshInstall(OPTIONS);
  const ds = find(objects, 'DaemonSet', 'chaos-daemon');
  const pod = ds.spec.template.spec;
  const c = pod.containers[0];
  assert.equal(pod.hostPID, true);
  assert.equal(c.securityContext.privileged, true);
  assert.equal(c.image, OPTIONS.daemonImage);
  assert.deepEqual(c.command.slice(0, 3), ['/usr/local/bin/chaos-daemon', '--runtime', 'containerd']);
  assert.equal(c.command[c.command.indexOf('--runtime-socket-path') + 1], '/host-run/containerd.sock');
  assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === 'socket-path'), { name: 'socket-path', hostPath: { path: '/run/containerd' } });
  assert.ok(c.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/host-sys'), 'cgroups are attached through /host-sys/fs/cgroup');
  assert.deepEqual(pod.tolerations, [{ operator: 'Exists' }]);
  // The controller finds a node's daemon through the endpoint slices of a service named chaos-daemon.
  const svc = find(objects, 'Service', 'chaos-daemon');
  assert.equal(svc.spec.clusterIP, 'None');
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(ds.spec.template.metadata.labels[k], v);
  assert.deepEqual(svc.spec.ports.map((p: { port: number }) => p.port), [31767, 31766]);
});

test('webhooks call the controller service with the CA as caBundle, for every chaos resource, failing closed', () => {
  const objects = renderChaosMeshInstall(OPTIONS);
  for (const [kind, prefix, path] of [['MutatingWebhookConfiguration', 'm', 'mutate'], ['ValidatingWebhookConfiguration', 'v', 'validate']] as const) {
    const config = find(objects, kind);
    const hooks = config.webhooks as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(hooks.length, CHAOS_WEBHOOK_KINDS.length);
    for (const h of hooks) {
      assert.equal(Buffer.from(h.clientConfig.caBundle, 'base64').toString(), TLS.caCert);
      assert.deepEqual({ name: h.clientConfig.service.name, namespace: h.clientConfig.service.namespace }, { name: 'chaos-mesh-controller-manager', namespace: 'chaos-mesh' });
      assert.equal(h.failurePolicy, 'Fail');
      assert.equal(h.sideEffects, 'None');
    }
    const pod = hooks.find((h) => h.name === `${prefix}podchaos.kb.io`)!;
    assert.equal(pod.clientConfig.service.path, `/${path}-chaos-mesh-org-v1alpha1-podchaos`);
    assert.deepEqual(pod.rules[0].resources, ['podchaos']);
    assert.deepEqual(hooks.find((h) => h.name === `${prefix}schedule.kb.io`)!.rules[0].resources, ['schedules']);
  }
});

test('the webhook certificate is signed by its CA and names the webhook service', { skip: spawnSync('openssl', ['version']).status !== 0 && 'openssl is not installed' }, () => {
  const tls = makeWebhookTls('chaos-mesh', 2);
  const dir = mkdtempSync(join(tmpdir(), 'cm-tls-test-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), tls.caCert);
    writeFileSync(join(dir, 'tls.crt'), tls.cert);
    const verify = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'tls.crt')], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    const text = spawnSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'tls.crt')], { encoding: 'utf8' }).stdout;
    for (const n of webhookDnsNames('chaos-mesh')) assert.ok(text.includes(`DNS:${n}`), `${n} in ${text}`);
    assert.match(tls.key, /PRIVATE KEY/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CRDs are read from the JSON files setup wrote, labelled as ours', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-crds-test-'));
  try {
    assert.throws(() => readChaosMeshCrds(dir), /no Chaos Mesh CRDs.*setup:kind/);
    writeFileSync(join(dir, 'chaos-mesh.org_podchaos.json'), JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'podchaos.chaos-mesh.org', annotations: { a: 'b' } }, spec: {} }));
    const [crd] = readChaosMeshCrds(dir);
    assert.deepEqual(crd!.metadata.labels, CHAOS_MESH_LABELS);
    assert.deepEqual(crd!.metadata.annotations, { a: 'b' });
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'x' } }));
    assert.throws(() => readChaosMeshCrds(dir), /is not a CustomResourceDefinition/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build: the controller is static, the daemon needs cgo, both carry the module version', () => {
  assert.deepEqual(CHAOS_MESH_COMMANDS.map((c) => [c.name, c.cgo]), [['chaos-controller-manager', false], ['chaos-daemon', true]]);
  const args = chaosMeshBuildArgs('chaos-daemon', '/out');
  assert.deepEqual(args.slice(-3), ['-o', '/out/', './cmd/chaos-daemon']);
  assert.ok(args[1]!.includes(`pkg/version.gitVersion=${CHAOS_MESH_VERSION}`));
  assert.ok(chaosMeshLdflags().some((f) => f.endsWith('gitCommit=47411975a8cb')));
  assert.match(renderDaemonContainerfile('base:1'), /^FROM base:1$/m);
  assert.match(renderDaemonContainerfile('base:1'), /COPY chaos-daemon pause nsexec memStress \/usr\/local\/bin\//);
  assert.match(renderControllerContainerfile('small:1'), /ENTRYPOINT \["\/usr\/local\/bin\/chaos-controller-manager"\]/);
});

test("memStress's shim turns Chaos Mesh's sizes into stress-ng's", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-memstress-'));
  try {
    // A stand-in stress-ng that prints its arguments.
    writeFileSync(join(dir, 'stress-ng'), '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
    writeFileSync(join(dir, 'memStress'), MEMSTRESS_SHIM, { mode: 0o755 });
    const run = (...args: string[]): string => spawnSync(join(dir, 'memStress'), args, { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } }).stdout.trim();
    assert.equal(run('--workers', '2', '--size', '256MiB'), '--vm 2 --vm-bytes 256M --vm-keep --timeout 0');
    assert.equal(run('--workers', '1', '--size', '1GB'), '--vm 1 --vm-bytes 1G --vm-keep --timeout 0');
    assert.equal(run('--workers', '1', '--size', '30%'), '--vm 1 --vm-bytes 30% --vm-keep --timeout 0');
    assert.equal(run('--workers', '3'), '--vm 3 --vm-bytes 90% --vm-keep --timeout 0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('source patches apply exactly once, and say so when the code they fix has changed', () => {
  const patch = CHAOS_MESH_SOURCE_PATCHES[0]!;
  assert.equal(applySourcePatch(`a\n${patch.from}\nb`, patch), `a\n${patch.to}\nb`);
  assert.throws(() => applySourcePatch('nothing here', patch), /does not apply.*CHAOS_MESH_SOURCE_PATCHES/);
  assert.throws(() => applySourcePatch(`${patch.from}${patch.from}`, patch), /exactly one/);
});

test('nsexec enters every namespace chaos-daemon passes and forks for a PID namespace', () => {
  // pkg/bpm: -m -i -n -p (and -u), -l for a local command, then -- and the command.
  for (const flag of ['inpum', 'CLONE_NEWPID', 'fork()', 'PR_SET_PDEATHSIG', 'fexecve', '"--local"']) assert.ok(NSEXEC_SOURCE.includes(flag), flag);
});

test('nsexec compiles and runs a command', { skip: spawnSync('gcc', ['--version']).status !== 0 && 'gcc is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-nsexec-'));
  try {
    writeFileSync(join(dir, 'nsexec.c'), NSEXEC_SOURCE);
    const cc = spawnSync('gcc', ['-Os', '-Wall', '-Werror', '-o', join(dir, 'nsexec'), join(dir, 'nsexec.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const run = spawnSync(join(dir, 'nsexec'), ['--', 'sh', '-c', 'echo ok; exit 3'], { encoding: 'utf8' });
    assert.deepEqual([run.stdout, run.status], ['ok\n', 3]);
    assert.equal(spawnSync(join(dir, 'nsexec'), ['-x', '--', 'true']).status, 125);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The Chaos Mesh that `npm run setup:kind` built here, if any: the tests below validate against its CRDs. */
function builtChaosMesh(): KindBuild['chaosMesh'] | undefined {
  const found = installedKind(drillHome());
  const cm = 'build' in found ? found.build.chaosMesh : undefined;
  return cm && existsSync(cm.crdDir) ? cm : undefined;
}
const built = builtChaosMesh();
const notBuilt = built ? false : `Chaos Mesh is not built here (no chaosMesh.crdDir in ${currentBuildFile(drillHome())} or ${machineBuildFile()}); run 'npm run setup:kind'`;

test('every resource a webhook is registered for has a CRD in the built module', { skip: notBuilt }, () => {
  const plurals = new Set(readChaosMeshCrds(built!.crdDir).map((c) => (c.spec as { names: { plural: string } }).names.plural));
  for (const k of CHAOS_WEBHOOK_KINDS) assert.ok(plurals.has(k.resource), `${k.resource} has no CRD in ${built!.crdDir}`);
});

test('chaos objects compiled for kind are valid against the CRDs of the Chaos Mesh that is built (the one that runs)', { skip: notBuilt }, () => {
  const crds = new Map(readChaosMeshCrds(built!.crdDir).map((crd) => [(crd.spec as { names: { kind: string } }).names.kind, crd] as const));
  const stack: StackSpec = { milvusVersion: '2.6.15', topology: 'cluster', etcd: { members: 3 }, messageQueue: 'pulsar', objectStore: 'minio' };
  const input = [
    { kind: 'pod-kill', target: { role: 'querynode', mode: { count: 1 } }, duration: '30s' },
    { kind: 'pod-failure', target: { role: 'etcd', member: 'quorum' }, duration: '30s' },
    { kind: 'container-kill', target: { role: 'proxy', mode: 'all' }, duration: '30s' },
    { kind: 'pause', target: { role: 'coordinator' }, duration: '30s' },
    { kind: 'network-partition', target: { role: 'querynode' }, duration: '45s', params: { peers: ['etcd', 'minio'], direction: 'to' } },
    { kind: 'network-delay', target: { role: 'querynode', mode: { percent: 50 } }, duration: '30s', params: { latency: '150ms', jitter: '20ms', correlation: 25 } },
    { kind: 'stress-cpu', target: { role: 'querynode', mode: 'all' }, duration: '1m', params: { workers: 2, load: 80 } },
    { kind: 'stress-memory', target: { role: 'datanode' }, duration: '1m', params: { workers: 2, size: '256MiB' } },
    { kind: 'disk-fill', target: { role: 'etcd', mode: 'one' }, duration: '1m' },
  ];
  const scenario = validateScenario({ name: 'kind', stack, phases: { fault: '10m' }, faults: input });
  assert.ok(scenario.ok, JSON.stringify(!scenario.ok && scenario.errors));
  for (const method of ['helm', 'operator'] as const) {
    const result = compileFaults(scenarioFaults(scenario.scenario), { deployment: { method, name: 'drill' }, namespace: 'milvus-drill', runId: 'run-1', stack });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    const kinds = new Set<string>();
    for (const obj of result.objects as ChaosObject[]) {
      const crd = crds.get(obj.kind);
      assert.ok(crd, `the built Chaos Mesh has no CRD for ${obj.kind}`);
      const errors = [...crdValidatorOf(crd, 'v1alpha1', `${built!.crdDir} ${obj.kind}`).validate(obj), ...chaosWebhookErrors(obj)];
      assert.deepEqual(errors, [], `${method} ${obj.metadata.name}:\n${JSON.stringify(obj, null, 2)}`);
      kinds.add(obj.kind);
    }
    assert.deepEqual([...kinds].sort(), ['IOChaos', 'NetworkChaos', 'PodChaos', 'StressChaos']);
  }
});
