import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultSpec, StackSpec } from '../../src/core/types.ts';
import { localCheck, type LocalCapabilities } from '../../src/platform/local/capabilities.ts';
import { networkAction, selectTargets } from '../../src/platform/local/faults.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';

const ALL: LocalCapabilities = { netns: true, netemQueue: true, stressNg: true, volumes: true };
const CLUSTER: StackSpec = { milvusVersion: '2.3.5', topology: 'cluster', etcd: { members: 3 }, messageQueue: 'kafka', objectStore: 'minio' };
const STANDALONE: StackSpec = { ...CLUSTER, topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq' };

/** Faults as the scenario validator produces them (defaults filled in). */
function faults(stack: StackSpec, ...inputs: Record<string, unknown>[]): FaultSpec[] {
  const result = validateScenario({ name: 't', stack, phases: { fault: '60s' }, faults: inputs.map((f, i) => ({ duration: '10s', name: `fault-${i}`, ...f })) });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return scenarioFaults(result.scenario);
}

describe('local platform check', () => {
  it('accepts every kind but disk-latency on a capable cluster', () => {
    const fs = faults(
      CLUSTER,
      { kind: 'pod-kill', target: { role: 'querynode', mode: 'all' } },
      { kind: 'pod-failure', target: { role: 'minio' } },
      { kind: 'container-kill', target: { role: 'proxy' } },
      { kind: 'pause', target: { role: 'coordinator' } },
      { kind: 'pod-kill', target: { role: 'etcd', member: 'leader' } },
      { kind: 'pod-kill', target: { role: 'etcd', member: 'quorum' } },
      { kind: 'network-delay', target: { role: 'etcd' }, params: { latency: '50ms', jitter: '5ms', correlation: 20 } },
      { kind: 'network-loss', target: { role: 'proxy' }, params: { percent: 10, peers: ['querynode'] } },
      { kind: 'network-duplicate', target: { role: 'datanode' }, params: { percent: 10 } },
      { kind: 'network-corrupt', target: { role: 'mq' }, params: { percent: 5 } },
      { kind: 'network-bandwidth', target: { role: 'minio' }, params: { rate: '1mbit' } },
      { kind: 'network-partition', target: { role: 'querynode' }, params: { peers: ['coordinator'] } },
      { kind: 'stress-cpu', target: { role: 'querynode' }, params: { workers: 1, load: 50 } },
      { kind: 'stress-memory', target: { role: 'querynode' }, params: { size: '64MiB' } },
      { kind: 'disk-fill', target: { role: 'etcd' } },
    );
    assert.deepEqual(localCheck(CLUSTER, fs, ALL), []);
    const [latency] = faults(CLUSTER, { kind: 'disk-latency', target: { role: 'etcd' }, params: { delay: '10ms' } });
    const errors = localCheck(CLUSTER, [latency!], ALL);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.path, 'faults[0].kind');
    assert.match(errors[0]!.message, /device-mapper/);
  });

  it('names the fault and the fix when namespaces or tools are missing', () => {
    const fs = faults(
      CLUSTER,
      { kind: 'pod-kill', target: { role: 'proxy' } },
      { kind: 'network-partition', target: { role: 'proxy' } },
      { kind: 'network-delay', target: { role: 'etcd' }, params: { latency: '50ms' } },
      { kind: 'stress-cpu', target: { role: 'proxy' } },
      { kind: 'disk-fill', target: { role: 'minio' } },
    );
    const errors = localCheck(CLUSTER, fs, { netns: false, netemQueue: false, stressNg: false, volumes: false });
    assert.deepEqual(errors.map((e) => e.path), ['faults[1].kind', 'faults[2].kind', 'faults[3].kind', 'faults[4].kind']);
    assert.match(errors[0]!.message, /network namespaces cannot be created/);
    assert.match(errors[2]!.fix, /setup\.sh/);
    const noHelper = localCheck(CLUSTER, [fs[2]!], { ...ALL, netemQueue: false });
    assert.match(noHelper[0]!.message, /netem-queue/);
  });

  it('keeps standalone to process faults, with rocksmq or a Pulsar standalone', () => {
    const fs = faults(STANDALONE, { kind: 'pod-kill', target: { role: 'standalone' } }, { kind: 'pause', target: { role: 'etcd' } }, { kind: 'stress-cpu', target: { role: 'standalone' } });
    assert.deepEqual(localCheck(STANDALONE, fs, ALL), []);
    const net = faults(STANDALONE, { kind: 'network-loss', target: { role: 'standalone' }, params: { percent: 5 } }, { kind: 'disk-fill', target: { role: 'minio' } });
    assert.deepEqual(localCheck(STANDALONE, net, ALL).map((e) => e.path), ['faults[0].kind', 'faults[1].kind']);
    const kafka = localCheck({ ...STANDALONE, messageQueue: 'kafka' }, [], ALL);
    assert.equal(kafka[0]?.path, 'stack.messageQueue');
    assert.match(kafka[0]!.fix, /pulsar/);
    const pulsarStandalone: StackSpec = { ...STANDALONE, messageQueue: 'pulsar' };
    const whole = faults(pulsarStandalone, { kind: 'pod-kill', target: { role: 'mq' } }, { kind: 'pod-kill', target: { role: 'pulsar-bookie' } });
    const errors = localCheck(pulsarStandalone, whole, ALL);
    assert.deepEqual(errors.map((e) => e.path), ['faults[1].target.role'], 'the whole Pulsar standalone can be killed, not its bookie alone');
    assert.match(errors[0]!.fix, /'mq'|cluster/);
  });

  it("takes faults on each of Pulsar's parts in a cluster; the broker has no disk to fill", () => {
    const pulsar: StackSpec = { ...CLUSTER, messageQueue: 'pulsar' };
    const fs = faults(
      pulsar,
      { kind: 'pod-kill', target: { role: 'pulsar-broker' } },
      { kind: 'pod-kill', target: { role: 'pulsar-bookie' } },
      { kind: 'pause', target: { role: 'pulsar-zookeeper' } },
      { kind: 'disk-fill', target: { role: 'pulsar-bookie' } },
      { kind: 'network-partition', target: { role: 'pulsar-broker' }, params: { peers: ['pulsar-bookie'] } },
      { kind: 'disk-fill', target: { role: 'mq' } },
    );
    const errors = localCheck(pulsar, fs, ALL);
    assert.deepEqual(errors.map((e) => e.path), ['faults[5].target.role']);
    assert.match(errors[0]!.fix, /pulsar-bookie/);
  });

  it('refuses parameters the local mechanisms cannot honour', () => {
    const fs = faults(
      CLUSTER,
      { kind: 'network-loss', target: { role: 'proxy' }, params: { percent: 5, correlation: 50 } },
      { kind: 'network-duplicate', target: { role: 'proxy' }, params: { percent: 5, peers: ['querynode'], direction: 'both' } },
      { kind: 'network-bandwidth', target: { role: 'proxy' }, params: { rate: '1mbit', peers: ['querynode'] } },
      { kind: 'disk-fill', target: { role: 'proxy' } },
      { kind: 'disk-fill', target: { role: 'etcd' }, params: { path: '/var/lib/etcd' } },
      { kind: 'container-kill', target: { role: 'proxy' }, params: { container: 'sidecar' } },
      { kind: 'stress-cpu', target: { role: 'proxy' }, params: { workers: 32 } },
    );
    assert.deepEqual(localCheck(CLUSTER, fs, ALL).map((e) => e.path), [
      'faults[0].params.correlation',
      'faults[1].params.direction',
      'faults[2].params.peers',
      'faults[3].target.role',
      'faults[4].params.path',
      'faults[5].params.container',
      'faults[6].params.workers',
    ]);
  });
});

describe('local fault executor, pure parts', () => {
  it('selects targets by Chaos Mesh mode, at random from the seed and fault name, repeatably', () => {
    const qn = [{ name: 'querynode-2' }, { name: 'querynode-1' }, { name: 'querynode-3' }];
    const names = (mode: Parameters<typeof selectTargets>[1], seed: number, fault = 'kill-qn'): string[] => selectTargets(qn, mode, { seed, fault }).map((c) => c.name);
    assert.deepEqual(names('all', 1), ['querynode-1', 'querynode-2', 'querynode-3']);
    for (let seed = 0; seed < 50; seed++) {
      assert.deepEqual(names('one', seed), names('one', seed), 'same seed and fault, same target');
      assert.equal(names('one', seed).length, 1);
      const two = names({ count: 2 }, seed);
      assert.equal(new Set(two).size, 2, 'count picks distinct components');
      assert.deepEqual(two, [...two].sort(), 'reported in name order');
      assert.equal(names({ count: 9 }, seed).length, 3, 'count is capped at the candidates');
      assert.equal(names({ percent: 10 }, seed).length, 1, 'percent picks at least one');
      assert.equal(names({ percent: 67 }, seed).length, 2);
    }
    const picked = (fault: string): Set<string> => new Set(Array.from({ length: 50 }, (_, seed) => names('one', seed, fault)[0]!));
    assert.deepEqual([...picked('kill-qn')].sort(), ['querynode-1', 'querynode-2', 'querynode-3'], "over seeds, 'one' hits every candidate, not always the first");
    const perFault = Array.from({ length: 50 }, (_, seed) => names('one', seed, 'a')[0] === names('one', seed, 'b')[0]);
    assert.ok(perFault.includes(false), 'two faults of one run draw independently');
    assert.deepEqual(selectTargets([...qn].reverse(), 'one', { seed: 3, fault: 'kill-qn' }).map((c) => c.name), names('one', 3));
  });

  it('maps the vocabulary onto netfault actions', () => {
    const [delay, bandwidth, loss] = faults(
      CLUSTER,
      { kind: 'network-delay', target: { role: 'etcd' }, params: { latency: '100ms', jitter: '10ms', correlation: 25 } },
      { kind: 'network-bandwidth', target: { role: 'minio' }, params: { rate: '2mbit' } },
      { kind: 'network-loss', target: { role: 'proxy' }, params: { percent: 30 } },
    ) as Extract<FaultSpec, { kind: `network-${string}` }>[];
    assert.deepEqual(networkAction(delay!), { action: 'delay', latency: 100, jitter: 10, correlation: 25 });
    assert.deepEqual(networkAction(bandwidth!), { action: 'bandwidth', rate: '2000000bit', limit: 20_000, buffer: 10_000 });
    assert.deepEqual(networkAction(loss!), { action: 'loss', loss: 30 });
  });
});
