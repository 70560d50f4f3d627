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
