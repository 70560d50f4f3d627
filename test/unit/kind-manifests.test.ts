import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultSpec, Role, StackSpec } from '../../src/core/types.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';
import { compileFault } from '../../src/platform/kind/chaos.ts';
import { placeRole, type KindDeployment } from '../../src/platform/kind/deployment.ts';
import { renderStackManifests, stackStages, type KubeObject } from '../../src/platform/kind/manifests.ts';
import { instanceIndex, kindCheck } from '../../src/platform/kind/check.ts';

const DEPLOYMENT: KindDeployment = { method: 'manifests', name: 'drill' };
const CLUSTER: StackSpec = { milvusVersion: '2.3.5', topology: 'cluster', etcd: { members: 3 }, messageQueue: 'kafka', objectStore: 'minio' };
const STANDALONE: StackSpec = { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' };
const options = { deployment: DEPLOYMENT, namespace: 'milvus-drill', runId: 'run-1', image: (c: string) => `localhost/milvus-drill/${c}:test` };

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: { name: string; command: string[]; env?: { name: string; value?: string }[]; volumeMounts?: { mountPath: string }[] }[] };
}

function workloads(objects: KubeObject[]): { obj: KubeObject; template: PodTemplate; replicas: number }[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((obj) => {
      const spec = obj.spec as { template: PodTemplate; replicas: number };
      return { obj, template: spec.template, replicas: spec.replicas };
    });
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

test("Chaos Mesh's selector for every role of a cluster finds that role's pods, and only them", () => {
  const pods = workloads(renderStackManifests(CLUSTER, options));
  const roles: Role[] = ['proxy', 'querynode', 'datanode', 'indexnode', 'coordinator', 'etcd', 'minio', 'mq'];
  for (const role of roles) {
    const placement = placeRole(DEPLOYMENT, role, CLUSTER);
    assert.ok(placement.ok, role);
    const hit = pods.filter((p) => selects(placement.labels, p.template.metadata.labels));
    assert.equal(hit.length, 1, `${role} selects ${hit.map((h) => h.obj.metadata.name).join(', ')}`);
    assert.ok(hit[0]!.template.spec.containers.some((c) => c.name === placement.container), `${role}: container ${placement.container}`);
  }
  const querynodes = pods.find((p) => p.template.metadata.labels.component === 'querynode');
  assert.equal(querynodes?.replicas, 2, 'two query nodes, so one can be killed while the other serves');
});

test('every object and pod carries the run label, so teardown and heal find all of it', () => {
  for (const stack of [CLUSTER, STANDALONE]) {
    const objects = renderStackManifests(stack, options);
    for (const o of objects) assert.equal(o.metadata.labels?.['milvus-drill/run-id'], 'run-1', `${o.kind} ${o.metadata.name}`);
    for (const w of workloads(objects)) assert.equal(w.template.metadata.labels['milvus-drill/run-id'], 'run-1', w.obj.metadata.name);
    assert.ok(objects.every((o) => o.metadata.namespace === 'milvus-drill'));
  }
});

test('the cluster comes up in the order the containers platform starts it: storage, coordinators, workers, then the proxy and its Service', () => {
  const stages = stackStages(CLUSTER, options);
  const components = stages.map((s) => workloads(s.objects).map((w) => w.template.metadata.labels.component ?? w.template.metadata.labels['app.kubernetes.io/name'] ?? w.template.metadata.labels.app));
  assert.deepEqual(components, [['etcd', 'minio', 'kafka'], ['mixcoord'], ['datanode', 'indexnode', 'querynode'], ['proxy']]);
  const service = stages.at(-1)!.objects.find((o) => o.kind === 'Service')!;
  assert.equal((service.spec as { selector: Record<string, string> }).selector.component, 'proxy');
  for (const stage of stages) assert.ok(stage.pods.length > 0 && stage.pods.every((p) => p.count >= 1), stage.what);
});

test('etcd members find each other by their stable names, and every Milvus pod reaches etcd, MinIO and Kafka by Service', () => {
  const objects = renderStackManifests(CLUSTER, options);
  const etcd = workloads(objects).find((w) => w.obj.metadata.name === 'drill-etcd')!;
  const command = etcd.template.spec.containers[0]!.command;
  const initial = command[command.indexOf('--initial-cluster') + 1]!;
  assert.deepEqual(initial.split(',').map((m) => m.split('=')[0]), ['drill-etcd-0', 'drill-etcd-1', 'drill-etcd-2']);
  assert.match(initial, /drill-etcd-0=http:\/\/drill-etcd-0\.drill-etcd-headless\.milvus-drill\.svc:2380/);
  const services = new Set(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name));
  for (const w of workloads(objects).filter((x) => x.template.metadata.labels['app.kubernetes.io/name'] === 'milvus')) {
    const env = Object.fromEntries(w.template.spec.containers[0]!.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    assert.ok(services.has(env.ETCD_ENDPOINTS!.split(':')[0]!), env.ETCD_ENDPOINTS);
    assert.ok(services.has(env.MINIO_ADDRESS!), env.MINIO_ADDRESS);
    assert.ok(services.has(env.KAFKA_BROKER_LIST!.split(':')[0]!), env.KAFKA_BROKER_LIST);
  }
});

test("a pod-kill's replacement finds its data: stateful pods keep it on the node under their own name", () => {
  for (const w of workloads(renderStackManifests(STANDALONE, options))) {
    const mounts = w.template.spec.containers[0]!.volumeMounts ?? [];
    assert.ok(mounts.length > 0, `${w.obj.metadata.name} has a data volume`);
    for (const m of mounts as { subPathExpr?: string }[]) assert.equal(m.subPathExpr, '$(POD_NAME)');
  }
});

function faultsOf(input: unknown[], stack: StackSpec): FaultSpec[] {
  const result = validateScenario({ name: 'kind', stack, phases: { fault: '10m' }, faults: input });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return scenarioFaults(result.scenario);
}

const ctx = { namespace: 'milvus-drill', deployment: DEPLOYMENT, home: '/nonexistent', external: true };

test('check reports every fault kind cannot inject here at once: netem faults where the kernel lacks netem, bad instance names', () => {
  const faults = faultsOf([
    { kind: 'network-delay', target: { role: 'querynode' }, duration: '10s', params: { latency: '100ms' } },
    { kind: 'network-partition', target: { role: 'querynode' }, duration: '10s', params: { peers: ['coordinator'] } },
    { kind: 'pod-kill', target: { role: 'querynode', instance: 'querynode-2' }, duration: '10s' },
    { name: 'bad-instance', kind: 'pod-kill', target: { role: 'querynode', instance: 'qn-b' }, duration: '10s' },
  ], CLUSTER);
  const errors = kindCheck({ ...CLUSTER, images: { milvus: 'milvusdb/milvus:v2.3.5' } }, faults, ctx, { netem: () => false });
  assert.deepEqual(errors.map((e) => e.path), ['faults[0].kind', 'faults[3].target.instance']);
  assert.match(errors[0]!.fix, /network-partition/);
  assert.deepEqual(kindCheck({ ...CLUSTER, images: { milvus: 'x' } }, faults.slice(0, 3), ctx, { netem: () => true }), []);
});

test('check refuses disk faults on the project cluster, whose Chaos Mesh has no toda, and not on a cluster of the user\'s own', () => {
  const faults = faultsOf([
    { kind: 'disk-fill', target: { role: 'etcd' }, duration: '10s' },
    { kind: 'pod-kill', target: { role: 'querynode' }, duration: '10s' },
    { kind: 'disk-latency', target: { role: 'minio' }, duration: '10s', params: { delay: '50ms' } },
  ], CLUSTER);
  const stack = { ...CLUSTER, images: { milvus: 'x' } };
  const ours = kindCheck(stack, faults, { ...ctx, external: false }, { netem: () => true }).filter((e) => e.path.startsWith('faults'));
  assert.deepEqual(ours.map((e) => e.path), ['faults[0].kind', 'faults[2].kind']);
  assert.match(ours[0]!.message, /toda/);
  assert.match(ours[0]!.fix, /--kube-context/);
  assert.deepEqual(kindCheck(stack, faults, ctx, { netem: () => true }), []);
});

test('check refuses stacks the manifests do not deploy, each with its fix', () => {
  const errors = kindCheck({ ...CLUSTER, messageQueue: 'pulsar', coordinators: 'active-standby', milvusVersion: '2.9.0' }, [], ctx, { netem: () => true });
  assert.deepEqual(errors.map((e) => e.path).sort(), ['stack.coordinators', 'stack.images.milvus', 'stack.messageQueue']);
  const ns = kindCheck(STANDALONE, [], { ...ctx, namespace: 'kube-system' }, { netem: () => true });
  assert.ok(ns.some((e) => e.path === 'kube.namespace'));
});

test("'querynode-2' names the second query node pod; an instance is compiled to that one pod", () => {
  assert.equal(instanceIndex('querynode-2', 'querynode'), 1);
  assert.equal(instanceIndex('querynode-0', 'querynode'), null);
  assert.equal(instanceIndex('proxy-1', 'querynode'), null);
  const [fault] = faultsOf([{ kind: 'pod-kill', target: { role: 'querynode', instance: 'querynode-2' }, duration: '10s' }], CLUSTER);
  const compiled = compileFault(fault!, 0, { deployment: DEPLOYMENT, namespace: 'milvus-drill', runId: 'run-1', stack: CLUSTER, instancePod: 'drill-milvus-querynode-abc' });
  assert.ok(compiled.ok);
  assert.deepEqual((compiled.objects[0]!.spec as { selector: unknown }).selector, { namespaces: ['milvus-drill'], pods: { 'milvus-drill': ['drill-milvus-querynode-abc'] } });
});
