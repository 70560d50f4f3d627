import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';
import { parseDuration } from '../../src/scenario/duration.ts';
import smoke from '../../scenarios/smoke.ts';

test('the smoke scenario is valid and keeps its declared values', () => {
  const r = validateScenario(smoke);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.equal(r.scenario.dataset.rows, 50_000);
  assert.equal(r.scenario.collection.shards, 2);
  assert.equal(scenarioFaults(r.scenario)[0]!.duration, 5000);
  const steady = r.scenario.steps[0]!;
  assert.equal(steady.step === 'phase' && steady.duration, 45_000);
});

test('defaults fill what a minimal scenario leaves out', () => {
  const r = validateScenario({ name: 'minimal' });
  assert.ok(r.ok);
  assert.equal(r.scenario.seed, 1);
  assert.equal(r.scenario.collection.name, 'drill_minimal');
  assert.deepEqual(r.scenario.collection.index.params, { M: 16, efConstruction: 200 });
  assert.equal(r.scenario.stack.topology, 'standalone');
});

test('every error is reported at once, each with its path and a fix', () => {
  const r = validateScenario({
    name: 'broken',
    seed: -1,
    dataset: { rows: 0, metric: 'L3', dimm: 128 },
    workload: { search: { every: 'soon' } },
    phases: { fault: '10s' },
    faults: [{ kind: 'pod-kil', target: { role: 'querynode' }, duration: '20s' }],
    slos: [{ kind: 'recall', phase: 'steady', threshold: 95 }],
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const paths = r.errors.map((e) => e.path);
  for (const expected of ['seed', 'dataset.rows', 'dataset.metric', 'dataset.dimm', 'workload.search.every', 'faults[0].kind', 'faults[0].duration', 'slos[0].threshold', 'faults[0].target.role']) {
    assert.ok(paths.includes(expected), `expected an error at ${expected}; got ${paths.join(', ')}`);
  }
  const byPath = new Map(r.errors.map((e) => [e.path, e]));
  assert.match(byPath.get('dataset.metric')!.fix, /L2/);
  assert.equal(byPath.get('faults[0].kind')!.fix, "did you mean 'pod-kill'?");
  assert.equal(byPath.get('dataset.dimm')!.fix, "did you mean 'dim'?");
  assert.match(byPath.get('faults[0].duration')!.message, /its phase lasts 10000 ms/);
  for (const e of r.errors) assert.ok(e.fix.length > 0 && e.message.length > 0);
});

test('a non-object scenario and wrong types are errors, not crashes', () => {
  const r = validateScenario({ name: 3, stack: 'big', slos: {} });
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual(r.errors.map((e) => e.path).sort(), ['name', 'slos', 'stack']);
});

test('cross-field rules: partition key field, recovery window, cluster queue', () => {
  const r = validateScenario({
    name: 'x',
    stack: { topology: 'cluster', messageQueue: 'rocksmq' },
    collection: { partitionKey: { field: 'ts' }, scalarFields: ['tenant'] },
    phases: { recovered: '5s' },
    recovery: { window: '10s' },
  });
  assert.equal(r.ok, false);
  if (!r.ok) {
    const paths = r.errors.map((e) => e.path);
    assert.ok(paths.includes('collection.partitionKey.field'));
    assert.ok(paths.includes('recovery.window'));
    assert.ok(paths.includes('stack.messageQueue'));
  }
});

test('durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration(250), 250);
  assert.equal(parseDuration('5 minutes'), null);
  assert.equal(parseDuration(-1), null);
});

test('replicas: default 1, and no more than the topology has query nodes', () => {
  const ok = validateScenario({ name: 'r', stack: { topology: 'cluster', messageQueue: 'kafka' }, collection: { replicas: 2 } });
  assert.ok(ok.ok);
  if (ok.ok) assert.equal(ok.scenario.collection.replicas, 2);
  const one = validateScenario({ name: 'r' });
  if (one.ok) assert.equal(one.scenario.collection.replicas, 1);
  const errorAt = (input: Parameters<typeof validateScenario>[0]) => {
    const r = validateScenario(input);
    assert.equal(r.ok, false);
    return r.ok ? undefined : r.errors.find((e) => e.path === 'collection.replicas');
  };
  const standalone = errorAt({ name: 'r', collection: { replicas: 2 } });
  assert.match(standalone!.message, /asks for 2 in-memory replicas, but the standalone topology runs 1 query node and each replica needs one of its own/);
  assert.match(standalone!.fix, /set collection.replicas to 1, or stack.topology to 'cluster'/);
  const cluster = errorAt({ name: 'r', stack: { topology: 'cluster', messageQueue: 'kafka' }, collection: { replicas: 3 } });
  assert.match(cluster!.message, /runs 2 query nodes/);
  assert.equal(cluster!.fix, 'set collection.replicas to at most 2');
  assert.match(errorAt({ name: 'r', collection: { replicas: 0 } })!.message, /integer between 1 and 64/);
});

test('windowed recall SLO: window with min, in any phase; every misuse named with its fix', () => {
  const steps = [{ phase: 'steady', duration: '30s' }, { phase: 'kill', duration: '60s' }];
  const ok = validateScenario({ name: 'w', steps, slos: [{ kind: 'recall', phase: 'kill', window: '5s', min: { phase: 'steady', plus: -0.05 } }, { kind: 'recall', phase: 'kill', threshold: 0.9 }] });
  assert.ok(ok.ok, ok.ok ? '' : JSON.stringify(ok.errors));
  if (ok.ok) {
    assert.deepEqual(ok.scenario.slos[0], { name: 'kill recall (worst 5 s window)', kind: 'recall', phase: 'kill', op: '>=', threshold: { phase: 'steady', times: 1, plus: -0.05 }, abortOnBreach: false, window: 5000 });
    assert.equal(ok.scenario.slos[1]!.window, undefined);
  }
  const r = validateScenario({
    name: 'w',
    steps,
    slos: [
      { kind: 'latency', phase: 'kill', window: '5s', threshold: 100 },
      { kind: 'recall', phase: 'kill', min: 0.9 },
      { kind: 'recall', phase: 'kill', window: '5s', threshold: 0.9, min: 0.9 },
      { kind: 'recall', phase: 'kill', window: '5s' },
      { kind: 'recall', phase: 'kill', window: '300ms', min: 0.9 },
      { kind: 'recall', phase: 'kill', window: '10s', min: 90 },
      { kind: 'recall', phase: 'nowhere', window: '10s', min: 0.9, op: '<=' },
    ],
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const at = (path: string) => r.errors.filter((e) => e.path === path);
  assert.match(at('slos[0].window')[0]!.message, /only a recall SLO can be judged per window, not latency/);
  assert.match(at('slos[1].min')[0]!.fix, /add window: '5s', or write threshold instead of min/);
  assert.match(at('slos[2].threshold')[0]!.message, /takes its threshold as min/);
  assert.match(at('slos[3].min')[0]!.message, /is required/);
  assert.match(at('slos[4].window')[0]!.message, /at least 1000 ms/);
  assert.match(at('slos[5].min')[0]!.message, /recall is a fraction between 0 and 1, got 90/);
  assert.match(at('slos[6].op')[0]!.message, /its op is '>='/);
  assert.match(at('slos[6].phase')[0]!.message, /names phase 'nowhere'/);
  const short = validateScenario({ name: 'w', steps, workload: { search: { every: '1s' } }, slos: [{ kind: 'recall', phase: 'kill', window: '2s', min: 0.9 }] });
  assert.equal(short.ok, false);
  if (!short.ok) assert.match(short.errors.find((e) => e.path === 'slos[0].window')!.message, /fewer than 5 probe searches \(one every 1000 ms\)/);
});
