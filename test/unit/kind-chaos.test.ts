import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';
import { FAULT_KINDS } from '../../src/faults/spec.ts';
import { compileFault, compileFaults, objectName, tcRate, type ChaosContext, type ChaosObject } from '../../src/platform/kind/chaos.ts';
import type { DeploymentMethod } from '../../src/platform/kind/deployment.ts';
import type { FaultSpec, StackSpec } from '../../src/core/types.ts';
import { chaosWebhookErrors, crdValidator, upstreamMissing, type CrdValidator } from './kind-upstream.ts';

const SCHEMA_FILES = { PodChaos: 'podchaos.yaml', NetworkChaos: 'networkchaos.yaml', StressChaos: 'stresschaos.yaml', IOChaos: 'iochaos.yaml' } as const;

function stackOf(messageQueue: 'pulsar' | 'kafka', topology: 'cluster' | 'standalone' = 'cluster'): StackSpec {
  return { milvusVersion: '2.6.15', topology, etcd: { members: 3 }, messageQueue, objectStore: 'minio' };
}

function ctxFor(method: DeploymentMethod, stack: StackSpec, extra: Partial<ChaosContext> = {}): ChaosContext {
  return { deployment: { method, name: 'drill' }, namespace: 'milvus-drill', runId: 'run-20240101-abc', stack, ...extra };
}

function faults(input: unknown[], stack: StackSpec): FaultSpec[] {
  const result = validateScenario({ name: 'kind', stack, phases: { fault: '10m' }, faults: input });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return scenarioFaults(result.scenario);
}

/** One fault of every kind, with non-default params, plus the selection variants. */
const EVERY_FAULT = [
  { kind: 'pod-kill', target: { role: 'querynode', mode: { count: 1 } }, duration: '30s' },
  { kind: 'pod-kill', target: { role: 'etcd', member: 'leader' }, duration: '30s' },
  { kind: 'pod-failure', target: { role: 'etcd', member: 'quorum' }, duration: '30s' },
  { kind: 'container-kill', target: { role: 'proxy', mode: 'all' }, duration: '30s' },
  { kind: 'pause', target: { role: 'coordinator' }, duration: '30s' },
  { kind: 'network-delay', target: { role: 'querynode', mode: { percent: 50 } }, duration: '30s', params: { latency: '150ms', jitter: '20ms', correlation: 25 } },
  { kind: 'network-loss', target: { role: 'datanode' }, duration: '30s', params: { percent: 12.5, correlation: 10, peers: ['mq'], direction: 'both' } },
  { kind: 'network-duplicate', target: { role: 'proxy' }, duration: '1m', params: { percent: 5 } },
  { kind: 'network-corrupt', target: { role: 'proxy' }, duration: '1m', params: { percent: 1 } },
  { kind: 'network-bandwidth', target: { role: 'mq' }, duration: '1m', params: { rate: '1mbps', limit: 20000, buffer: '10KB' } },
  { kind: 'network-partition', target: { role: 'querynode' }, duration: '45s', params: { peers: ['etcd', 'minio', 'coordinator'], direction: 'to' } },
  { kind: 'network-partition', target: { role: 'etcd', member: 'leader' }, duration: '45s' },
  { kind: 'stress-cpu', target: { role: 'querynode', mode: 'all' }, duration: '1m', params: { workers: 2, load: 80 } },
  { kind: 'stress-memory', target: { role: 'datanode' }, duration: '1m', params: { workers: 2, size: '256MiB' } },
  { kind: 'disk-fill', target: { role: 'etcd', mode: 'one' }, duration: '1m' },
  { kind: 'disk-latency', target: { role: 'minio' }, duration: '1m', params: { delay: '200ms', percent: 50 } },
  { kind: 'disk-latency', target: { role: 'mq' }, duration: '1m', params: { delay: '1s' } },
];

/** Faults on Pulsar's parts (Pulsar stacks only): kill, pause, partition, fill and slow a disk. */
const PULSAR_FAULTS = [
  { kind: 'pod-kill', target: { role: 'pulsar-broker' }, duration: '15s' },
  { kind: 'pod-kill', target: { role: 'pulsar-bookie', mode: 'one' }, duration: '30s' },
  { kind: 'pod-failure', target: { role: 'pulsar-zookeeper' }, duration: '20s' },
  { kind: 'pause', target: { role: 'pulsar-bookie' }, duration: '20s' },
  { kind: 'network-partition', target: { role: 'pulsar-broker' }, duration: '20s', params: { peers: ['pulsar-bookie'] } },
  { kind: 'disk-fill', target: { role: 'pulsar-bookie' }, duration: '40s' },
  { kind: 'disk-latency', target: { role: 'pulsar-zookeeper' }, duration: '40s', params: { delay: '100ms' } },
];

function compileAll(method: DeploymentMethod, mq: 'pulsar' | 'kafka'): ChaosObject[] {
  const stack = stackOf(mq);
  const input = mq === 'kafka' ? EVERY_FAULT : [...EVERY_FAULT.filter((f) => !(f.kind === 'disk-latency' && f.target.role === 'mq')), ...PULSAR_FAULTS];
  const result = compileFaults(faults(input, stack), ctxFor(method, stack, { etcdLeaderPod: 'drill-etcd-1' }));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.objects;
}

test('the fault list used below covers every kind', () => {
  assert.deepEqual([...new Set(EVERY_FAULT.map((f) => f.kind))].sort(), [...FAULT_KINDS].sort());
});

test('every compiled object is valid against the Chaos Mesh v2.8.3 CRD schemas and webhook rules', { skip: upstreamMissing }, () => {
  const validators = new Map<string, CrdValidator>(Object.entries(SCHEMA_FILES).map(([kind, file]) => [kind, crdValidator(`chaos-mesh/${file}`, 'v1alpha1')]));
  let checked = 0;
  for (const method of ['helm', 'operator'] as const) {
    for (const mq of ['pulsar', 'kafka'] as const) {
      for (const obj of compileAll(method, mq)) {
        const errors = [...validators.get(obj.kind)!.validate(obj), ...chaosWebhookErrors(obj)];
        assert.deepEqual(errors, [], `${method}/${mq} ${obj.metadata.name}:\n${JSON.stringify(obj, null, 2)}`);
        checked++;
      }
    }
  }
  // The three-peer partition fans out into three objects; the Pulsar stacks skip the Kafka-only disk fault and add their own.
  assert.equal(checked, 4 * (EVERY_FAULT.length + 2) - 2 + 2 * PULSAR_FAULTS.length);
});

test('the schema check would catch a wrong object', { skip: upstreamMissing }, () => {
  const validator = crdValidator('chaos-mesh/podchaos.yaml', 'v1alpha1');
  const [obj] = compileAll('helm', 'pulsar');
  const broken = { ...obj!, spec: { ...obj!.spec, action: 'pod-explode', gracePeriodSeconds: 0 } };
  const errors = validator.validate(broken);
  assert.ok(errors.some((e) => e.includes('/spec/action')), errors.join('\n'));
  assert.ok(errors.some((e) => e.includes('gracePeriodSeconds')), 'unknown fields are rejected as kubectl --validate=strict would');
});

function only(method: DeploymentMethod, stack: StackSpec, fault: unknown, extra: Partial<ChaosContext> = {}): ChaosObject[] {
  const result = compileFault(faults([fault], stack)[0]!, 0, ctxFor(method, stack, extra));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.objects;
}

test('objects carry the reaper labels, a duration and the mode', () => {
  const [obj] = only('helm', stackOf('pulsar'), { kind: 'pod-kill', target: { role: 'querynode', mode: { percent: 50 } }, duration: '90s' });
  assert.equal(obj!.metadata.labels['app.kubernetes.io/managed-by'], 'milvus-drill');
  assert.equal(obj!.metadata.labels['milvus-drill/run-id'], 'run-20240101-abc');
  assert.equal(obj!.metadata.namespace, 'milvus-drill');
  assert.deepEqual(
    { mode: obj!.spec.mode, value: obj!.spec.value, duration: obj!.spec.duration, gracePeriod: obj!.spec.gracePeriod },
    { mode: 'fixed-percent', value: '50', duration: '90s', gracePeriod: 0 },
  );
});

test('roles select the labels each deployment method puts on its pods', () => {
  const select = (method: DeploymentMethod, role: string, mq: 'pulsar' | 'kafka' = 'pulsar') =>
    (only(method, stackOf(mq), { kind: 'pod-failure', target: { role }, duration: '10s' })[0]!.spec.selector as { labelSelectors: Record<string, string> }).labelSelectors;
  assert.deepEqual(select('helm', 'coordinator'), { 'app.kubernetes.io/name': 'milvus', 'app.kubernetes.io/instance': 'drill', component: 'mixcoord' });
  assert.deepEqual(select('operator', 'querynode'), { 'app.kubernetes.io/name': 'milvus', 'app.kubernetes.io/instance': 'drill', 'app.kubernetes.io/component': 'querynode' });
  assert.deepEqual(select('helm', 'etcd'), { 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': 'drill' });
  assert.deepEqual(select('operator', 'etcd'), { 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': 'drill-etcd' });
  assert.deepEqual(select('helm', 'minio'), { app: 'minio', release: 'drill' });
  assert.deepEqual(select('operator', 'minio'), { app: 'minio', release: 'drill-minio' });
  assert.deepEqual(select('helm', 'mq'), { app: 'pulsarv3', release: 'drill', component: 'broker' });
  assert.deepEqual(select('operator', 'mq'), { app: 'pulsar', release: 'drill-pulsar', component: 'broker' });
  assert.deepEqual(select('operator', 'mq', 'kafka'), { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': 'drill-kafka' });
});

test("Pulsar's parts select the chart's component labels; 'mq' is the broker", () => {
  const select = (method: DeploymentMethod, role: string) =>
    (only(method, stackOf('pulsar'), { kind: 'pod-kill', target: { role }, duration: '10s' })[0]!.spec.selector as { labelSelectors: Record<string, string> }).labelSelectors;
  assert.deepEqual(select('helm', 'pulsar-broker'), select('helm', 'mq'));
  assert.deepEqual(select('helm', 'pulsar-bookie'), { app: 'pulsarv3', release: 'drill', component: 'bookie' });
  assert.deepEqual(select('helm', 'pulsar-zookeeper'), { app: 'pulsarv3', release: 'drill', component: 'zookeeper' });
  assert.deepEqual(select('operator', 'pulsar-bookie'), { app: 'pulsar', release: 'drill-pulsar', component: 'bookie' });
  const [kill] = only('helm', stackOf('pulsar'), { kind: 'container-kill', target: { role: 'pulsar-bookie' }, duration: '10s' });
  assert.deepEqual(kill!.spec.containerNames, ['drill-pulsarv3-bookie']);
  const [fill] = only('helm', stackOf('pulsar'), { kind: 'disk-fill', target: { role: 'pulsar-bookie' }, duration: '10s' });
  assert.equal(fill!.spec.volumePath, '/pulsar/data/bookkeeper/ledgers');
});

test("Pulsar's parts are refused without Pulsar, naming the fix", () => {
  const result = validateScenario({ name: 'k', stack: stackOf('kafka'), phases: { fault: '1m' }, faults: [{ kind: 'pod-kill', target: { role: 'pulsar-bookie' }, duration: '10s' }] });
  assert.equal(result.ok, false);
  const error = !result.ok ? result.errors.find((e) => e.path === 'faults[0].target.role') : undefined;
  assert.match(error?.fix ?? '', /messageQueue to 'pulsar'/);
});

test('etcd leader is targeted by pod name, a quorum by a fixed count', () => {
  const stack = { ...stackOf('pulsar'), etcd: { members: 5 } };
  const [leader] = only('helm', stack, { kind: 'pod-kill', target: { role: 'etcd', member: 'leader' }, duration: '10s' }, { etcdLeaderPod: 'drill-etcd-3' });
  assert.deepEqual(leader!.spec.selector, { namespaces: ['milvus-drill'], pods: { 'milvus-drill': ['drill-etcd-3'] } });
  assert.equal(leader!.spec.mode, 'one');
  const [quorum] = only('helm', stack, { kind: 'pod-failure', target: { role: 'etcd', member: 'quorum' }, duration: '10s' });
  assert.deepEqual({ mode: quorum!.spec.mode, value: quorum!.spec.value }, { mode: 'fixed', value: '3' });
});

test('network faults fan out per peer, each with the peer as target', () => {
  const objs = only('operator', stackOf('kafka'), { kind: 'network-partition', target: { role: 'querynode' }, duration: '10s', params: { peers: ['etcd', 'mq'] } });
  assert.equal(objs.length, 2);
  assert.deepEqual(objs.map((o) => (o.spec.target as { selector: { labelSelectors: Record<string, string> } }).selector.labelSelectors['app.kubernetes.io/name']), ['etcd', 'kafka']);
  assert.deepEqual(objs.map((o) => o.spec.direction), ['both', 'both']);
  assert.equal(new Set(objs.map((o) => o.metadata.name)).size, 2);
});

test('pause becomes a full partition of the pod, since Chaos Mesh cannot stop a process', () => {
  const [obj] = only('helm', stackOf('pulsar'), { kind: 'pause', target: { role: 'proxy' }, duration: '20s' });
  assert.equal(obj!.kind, 'NetworkChaos');
  assert.deepEqual({ action: obj!.spec.action, direction: obj!.spec.direction, target: obj!.spec.target }, { action: 'partition', direction: 'both', target: undefined });
});

test('disk-fill fails space-allocating calls with ENOSPC on the role data volume', () => {
  const [obj] = only('helm', stackOf('pulsar'), { kind: 'disk-fill', target: { role: 'etcd' }, duration: '20s' });
  assert.deepEqual({ action: obj!.spec.action, errno: obj!.spec.errno, volumePath: obj!.spec.volumePath, containerNames: obj!.spec.containerNames }, { action: 'fault', errno: 28, volumePath: '/bitnami/etcd', containerNames: ['etcd'] });
});

test('what kind cannot do is reported for every fault at once, with fixes', () => {
  const stack = stackOf('pulsar');
  const input = faults(
    [
      { kind: 'pod-kill', target: { role: 'indexnode' }, duration: '10s' },
      { kind: 'pod-kill', target: { role: 'etcd', member: 'leader' }, duration: '10s' },
      { kind: 'disk-latency', target: { role: 'proxy' }, duration: '10s', params: { delay: '10ms' } },
      { kind: 'network-loss', target: { role: 'proxy' }, duration: '10s', params: { percent: 5, peers: ['indexnode'] } },
    ],
    stack,
  );
  const result = compileFaults(input, ctxFor('operator', stack, { runId: 'not a label!' }));
  assert.ok(!result.ok);
  const paths = result.errors.map((e) => e.path);
  assert.deepEqual(paths, ['runId', 'faults[0].target.role', 'runId', 'faults[1].target.member', 'runId', 'faults[2].params.path', 'runId', 'faults[3].params.peers[0]']);
  assert.ok(result.errors.every((e) => e.fix.length > 0));
});

test('names are DNS-1123, bounded, and distinct per run', () => {
  const long = objectName('run-1', 12, 'A Very Long Fault Name That Goes On And On Past Any Reasonable Limit!!', 3);
  assert.ok(long.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(long), long);
  assert.ok(long.endsWith('-3'));
  assert.notEqual(objectName('run-1', 0, 'kill', null), objectName('run-2', 0, 'kill', null));
  assert.equal(tcRate(8_000_000), '8mbit');
  assert.equal(tcRate(1_500_000), '1500kbit');
  assert.equal(tcRate(12_345), '12345bit');
});
