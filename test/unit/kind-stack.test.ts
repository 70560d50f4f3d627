import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderHelmValues, renderMilvusResource, KIND_REPLICAS, MILVUS_CHART_VERSION, type KindStackOptions } from '../../src/platform/kind/stack.ts';
import type { StackSpec } from '../../src/core/types.ts';
import { crdValidator, readUpstream, schemasDir, unknownValueKeys, upstreamMissing } from './kind-upstream.ts';
import { KUBERNETES_VERSION, UPSTREAM_NODE_IMAGE } from '../../src/platform/kind/build-plan.ts';

const STACKS: StackSpec[] = [
  { milvusVersion: '2.6.15', topology: 'cluster', etcd: { members: 3 }, messageQueue: 'pulsar', objectStore: 'minio' },
  { milvusVersion: '2.6.15', topology: 'cluster', etcd: { members: 3 }, messageQueue: 'kafka', objectStore: 'minio' },
  { milvusVersion: '2.6.15', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' },
];

function opts(method: 'helm' | 'operator', keepVolumes = false): KindStackOptions {
  return { deployment: { method, name: 'drill' }, namespace: 'milvus-drill', runId: 'run-1', keepVolumes };
}

function helmValues(stack: StackSpec): Record<string, unknown> {
  const result = renderHelmValues(stack, opts('helm'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.value;
}

function milvusResource(stack: StackSpec, keepVolumes = false): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const result = renderMilvusResource(stack, opts('operator', keepVolumes));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.value;
}

test('the values target the chart version the schemas came from', { skip: upstreamMissing }, () => {
  const chart = readUpstream('milvus-helm/Chart.yaml') as { version: string; appVersion: string };
  assert.equal(chart.version, MILVUS_CHART_VERSION);
  assert.equal(helmValues(STACKS[0]!).image && (helmValues(STACKS[0]!).image as { all: { tag: string } }).all.tag, `v${chart.appVersion}`);
});

test('every Helm value set exists in the chart values.yaml, with its type', { skip: upstreamMissing }, () => {
  const defaults = readUpstream('milvus-helm/values.yaml');
  for (const stack of STACKS) assert.deepEqual(unknownValueKeys(helmValues(stack), defaults), [], `${stack.topology}/${stack.messageQueue}`);
});

test('the key check would catch a misspelt or mistyped value', { skip: upstreamMissing }, () => {
  const defaults = readUpstream('milvus-helm/values.yaml');
  const errors = unknownValueKeys({ queryNodes: { replicas: 2 }, etcd: { replicaCount: '3' }, proxy: { resources: { anything: 1 } } }, defaults);
  assert.deepEqual(errors, ['queryNodes does not exist in values.yaml', 'etcd.replicaCount is a string but values.yaml has a number']);
});

test('Helm values pick the queue, cluster mode and replica counts from the stack', () => {
  const pulsar = helmValues(STACKS[0]!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(pulsar.cluster.enabled, true);
  assert.equal(pulsar.pulsarv3.enabled, true);
  assert.equal(pulsar.kafka.enabled, false);
  assert.equal(pulsar.etcd.replicaCount, 3);
  assert.equal(pulsar.queryNode.replicas, KIND_REPLICAS.queryNode);
  assert.equal(pulsar.indexNode.enabled, false);
  const kafka = helmValues(STACKS[1]!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual([kafka.pulsarv3.enabled, kafka.kafka.enabled], [false, true]);
  const standalone = helmValues(STACKS[2]!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual([standalone.cluster.enabled, standalone.standalone.messageQueue, standalone.proxy], [false, 'rocksmq', undefined]);
});

test('the Milvus resource is valid against the operator v1.3.8 CRD (milvus.io/v1beta1)', { skip: upstreamMissing }, () => {
  const validator = crdValidator('milvus-operator/crds/milvus.io_milvuses.yaml', 'v1beta1');
  for (const stack of STACKS) {
    for (const keep of [false, true]) assert.deepEqual(validator.validate(milvusResource(stack, keep)), [], `${stack.topology}/${stack.messageQueue}`);
  }
  const broken = milvusResource(STACKS[0]!);
  broken.spec.components.queryNodes = { replicas: 2 };
  broken.spec.dependencies.msgStreamType = 'rabbitmq';
  const errors = validator.validate(broken);
  assert.ok(errors.some((e) => e.includes('queryNodes')) && errors.some((e) => e.includes('msgStreamType')), errors.join('\n'));
});

test('the operator dependency values use keys of the same upstream charts', { skip: upstreamMissing }, () => {
  // The operator installs the same etcd, MinIO, Pulsar and Kafka charts the Milvus chart bundles.
  const defaults = readUpstream('milvus-helm/values.yaml') as Record<string, unknown>;
  const chartSection = { etcd: 'etcd', storage: 'minio', pulsar: 'pulsarv3', kafka: 'kafka' } as const;
  for (const stack of STACKS) {
    const deps = milvusResource(stack).spec.dependencies;
    for (const [dep, section] of Object.entries(chartSection)) {
      if (!deps[dep]) continue;
      assert.deepEqual(unknownValueKeys(deps[dep].inCluster.values, defaults[section], section), [], `${dep} for ${stack.messageQueue}`);
    }
  }
});

test('the Milvus resource mirrors the stack and cleans up unless volumes are kept', () => {
  const cr = milvusResource(STACKS[1]!);
  assert.equal(cr.spec.mode, 'cluster');
  assert.equal(cr.spec.dependencies.msgStreamType, 'kafka');
  assert.equal(cr.spec.components.image, 'milvusdb/milvus:v2.6.15');
  assert.equal(cr.spec.components.queryNode.replicas, KIND_REPLICAS.queryNode);
  assert.deepEqual([cr.spec.dependencies.etcd.inCluster.deletionPolicy, cr.spec.dependencies.etcd.inCluster.pvcDeletion], ['Delete', true]);
  const kept = milvusResource(STACKS[1]!, true);
  assert.deepEqual([kept.spec.dependencies.kafka.inCluster.deletionPolicy, kept.spec.dependencies.kafka.inCluster.pvcDeletion], ['Retain', false]);
});

test('stacks kind cannot run are refused with fixes', () => {
  const result = renderHelmValues({ ...STACKS[0]!, milvusVersion: '2.3.5', objectStore: 'local' }, opts('helm'));
  assert.ok(!result.ok);
  assert.deepEqual(result.errors.map((e) => e.path), ['stack.milvusVersion', 'stack.objectStore']);
  assert.match(result.errors[0]!.fix, /2\.6\.15/);
});

/** Backticked field names in the first column of the table under a '## heading' of kind's notes. */
function notedFields(notes: string, heading: string): string[] {
  const section = notes.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
  return [...section.matchAll(/^\| `([A-Za-z0-9]+)` \|/gm)].map((m) => m[1]!);
}

test('kind-config.yaml uses only fields kind knows, and pins the Kubernetes minor built here by digest', { skip: upstreamMissing }, () => {
  const notes = readFileSync(join(schemasDir, 'kind', 'NOTES.md'), 'utf8');
  const config = parse(readFileSync(new URL('../../kind-config.yaml', import.meta.url), 'utf8')) as Record<string, unknown> & { nodes: Record<string, unknown>[] };
  const topFields = [...notedFields(notes, 'Top level'), 'kind', 'apiVersion'];
  const nodeFields = notedFields(notes, 'Node');
  assert.ok(topFields.length > 5 && nodeFields.length > 5, 'the notes tables were read');
  assert.deepEqual([config.kind, config.apiVersion], ['Cluster', 'kind.x-k8s.io/v1alpha4']);
  assert.deepEqual(Object.keys(config).filter((k) => !topFields.includes(k)), []);
  const minor = KUBERNETES_VERSION.split('.').slice(0, 2).join('.');
  assert.match(UPSTREAM_NODE_IMAGE, new RegExp(`^kindest/node:${minor.replace('.', '\\.')}\\.\\d+@sha256:[0-9a-f]{64}$`));
  for (const node of config.nodes) {
    assert.deepEqual(Object.keys(node).filter((k) => !nodeFields.includes(k)), []);
    assert.ok(node.role === 'control-plane' || node.role === 'worker');
    assert.equal(node.image, UPSTREAM_NODE_IMAGE);
  }
  assert.equal(config.nodes.filter((n) => n.role === 'control-plane').length, 1);
  assert.ok(config.nodes.filter((n) => n.role === 'worker').length >= 3, 'three workers let etcd members and query nodes spread out');
});
