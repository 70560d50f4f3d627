import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario, type ValidationError } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';
import { FAULT_KINDS, etcdQuorum, parseBytes, parseRate } from '../../src/faults/spec.ts';
import type { FaultSpec } from '../../src/core/types.ts';

const clusterStack = { topology: 'cluster', messageQueue: 'pulsar', etcd: { members: 3 }, objectStore: 'minio' };

function scenarioWith(faults: unknown[], stack: object = clusterStack) {
  return { name: 'faults', stack, phases: { fault: '5m' }, faults };
}

function faultsOf(faults: unknown[], stack?: object): FaultSpec[] {
  const result = validateScenario(scenarioWith(faults, stack));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors, null, 2));
  return scenarioFaults(result.scenario);
}

function errorsOf(faults: unknown[], stack?: object): ValidationError[] {
  const result = validateScenario(scenarioWith(faults, stack));
  assert.equal(result.ok, false, 'expected the scenario to be rejected');
  return result.ok ? [] : result.errors;
}

function paths(errors: ValidationError[]): string[] {
  return errors.map((e) => e.path).sort();
}

test('every fault kind validates with its documented defaults', () => {
  const minimal: Record<string, object> = {
    'network-delay': { latency: '100ms' },
    'network-loss': { percent: 10 },
    'network-duplicate': { percent: 5 },
    'network-corrupt': { percent: 1 },
    'network-bandwidth': { rate: '10mbit' },
    'stress-memory': { size: '256MiB' },
    'disk-latency': { delay: '50ms' },
  };
  const faults = FAULT_KINDS.map((kind) => ({ kind, target: { role: 'querynode' }, duration: '30s', params: minimal[kind] }));
  const read = faultsOf(faults);
  assert.deepEqual(read.map((f) => f.kind), [...FAULT_KINDS]);
  const byKind = Object.fromEntries(read.map((f) => [f.kind, f.params]));
  assert.deepEqual(byKind['network-delay'], { peers: [], direction: 'to', latency: 100, jitter: 0, correlation: 0 });
  assert.deepEqual(byKind['network-bandwidth'], { peers: [], direction: 'to', rate: 10_000_000, limit: 20_000, buffer: 10_000 });
  assert.deepEqual(byKind['network-partition'], { peers: [], direction: 'both' });
  assert.deepEqual(byKind['stress-cpu'], { workers: 1, load: 100 });
  assert.deepEqual(byKind['stress-memory'], { workers: 1, size: 256 * 2 ** 20 });
  assert.deepEqual(byKind['disk-latency'], { delay: 50, percent: 100, path: null });
  assert.deepEqual(byKind['container-kill'], { container: null });
});

test('typed params narrow by kind', () => {
  const [fault] = faultsOf([{ kind: 'network-delay', target: { role: 'etcd' }, duration: '10s', params: { latency: '1s', jitter: 200, correlation: 25, peers: ['querynode'] } }]);
  assert.ok(fault && fault.kind === 'network-delay');
  assert.equal(fault.params.latency, 1000);
  assert.equal(fault.params.jitter, 200);
  assert.deepEqual(fault.params.peers, ['querynode']);
});

test('every bad parameter is reported at once, each with its path and a fix', () => {
  const errors = errorsOf([
    { kind: 'network-delay', target: { role: 'proxy' }, duration: '10s', params: { latency: 'soon', correlation: 150, jiter: 5 } },
    { kind: 'network-loss', target: { role: 'proxy' }, duration: '10s', params: { percent: 0, direction: 'both' } },
    { kind: 'stress-cpu', target: { role: 'datanode' }, duration: '10s', params: { workers: 0, load: 101 } },
    { kind: 'stress-memory', target: { role: 'datanode' }, duration: '10s', params: { workers: 8, size: '4GiB' } },
    { kind: 'network-bandwidth', target: { role: 'proxy' }, duration: '10s', params: { rate: '10 furlongs', limit: -1 } },
    { kind: 'network-partition', target: { role: 'proxy' }, duration: '10s', params: { peers: ['etcd', 'etcd', 'zookeeper'] } },
    { kind: 'disk-latency', target: { role: 'etcd' }, duration: '10s', params: { delay: '50ms', path: 'data' } },
    { kind: 'pod-kill', target: { role: 'proxy' }, duration: '10s', params: { signal: 9 } },
  ]);
  assert.deepEqual(paths(errors), [
    'faults[0].params.correlation',
    'faults[0].params.jiter',
    'faults[0].params.latency',
    'faults[1].params.direction',
    'faults[1].params.percent',
    'faults[2].params.load',
    'faults[2].params.workers',
    'faults[3].params.size',
    'faults[4].params.limit',
    'faults[4].params.rate',
    'faults[5].params.peers[1]',
    'faults[5].params.peers[2]',
    'faults[6].params.path',
    'faults[7].params.signal',
  ]);
  for (const e of errors) {
    assert.ok(e.message.length > 0 && e.fix.length > 0, `error at ${e.path} lacks a message or fix`);
  }
  const byPath = new Map(errors.map((e) => [e.path, e]));
  assert.match(byPath.get('faults[1].params.direction')!.fix, /peers/);
  assert.match(byPath.get('faults[3].params.size')!.message, /8 workers/);
  assert.match(byPath.get('faults[7].params.signal')!.fix, /takes no params/);
});

test('an unknown kind is reported alone, without guessing at its params', () => {
  const errors = errorsOf([{ kind: 'network-dealy', target: { role: 'proxy' }, duration: '10s', params: { latency: '1s' } }]);
  assert.deepEqual(paths(errors), ['faults[0].kind']);
  assert.match(errors[0]!.fix, /network-delay/);
});

test('etcd member selection: leader and quorum choose members themselves; only etcd has members', () => {
  const ok = faultsOf([
    { kind: 'pod-kill', target: { role: 'etcd', member: 'leader' }, duration: '10s' },
    { kind: 'network-partition', target: { role: 'etcd', member: 'quorum' }, duration: '10s' },
  ]);
  assert.deepEqual(ok.map((f) => f.target.member), ['leader', 'quorum']);
  const errors = errorsOf([
    { kind: 'pod-kill', target: { role: 'etcd', member: 'leader', mode: 'all' }, duration: '10s' },
    { kind: 'pod-kill', target: { role: 'proxy', member: 'leader' }, duration: '10s' },
    { kind: 'pod-kill', name: 'boss-kill', target: { role: 'etcd', member: 'boss' }, duration: '10s' },
  ]);
  assert.deepEqual(paths(errors), ['faults[0].target.mode', 'faults[1].target.member', 'faults[2].target.member']);
});

test('faults must target components the stack has, peers included', () => {
  const standalone = { topology: 'standalone', messageQueue: 'rocksmq', objectStore: 'local' };
  const errors = errorsOf(
    [
      { kind: 'network-partition', target: { role: 'standalone' }, duration: '10s', params: { peers: ['etcd', 'querynode'] } },
      { kind: 'pod-kill', target: { role: 'mq' }, duration: '10s' },
      { kind: 'pod-kill', target: { role: 'minio' }, duration: '10s' },
    ],
    standalone,
  );
  assert.deepEqual(paths(errors), ['faults[0].params.peers[1]', 'faults[1].target.role', 'faults[2].target.role']);
  assert.match(errors.find((e) => e.path === 'faults[1].target.role')!.message, /rocksmq runs inside Milvus/);
  assert.match(errors.find((e) => e.path === 'faults[0].params.peers[1]')!.fix, /stack.topology to 'cluster'/);
});

test('non-kill faults must hold for at least a second; percent modes must be whole', () => {
  const errors = errorsOf([
    { kind: 'pod-failure', target: { role: 'proxy' }, duration: '500ms' },
    { kind: 'pod-kill', target: { role: 'querynode', mode: { percent: 33.3 } }, duration: 0 },
  ]);
  assert.deepEqual(paths(errors), ['faults[0].duration', 'faults[1].target.mode.percent']);
});

test('sizes and rates parse with explicit units', () => {
  assert.equal(parseBytes('64MiB'), 64 * 2 ** 20);
  assert.equal(parseBytes('1GB'), 1e9);
  assert.equal(parseBytes(4096), 4096);
  assert.equal(parseBytes('12 parsecs'), null);
  assert.equal(parseRate('10mbit'), 10e6);
  assert.equal(parseRate('1mbps'), 8e6, 'bps is bytes per second, as in tc');
  assert.equal(parseRate('100kbit'), 100e3);
  assert.equal(parseRate('fast'), null);
  assert.deepEqual([1, 2, 3, 4, 5].map(etcdQuorum), [1, 2, 2, 3, 3]);
});
