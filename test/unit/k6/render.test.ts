import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SloSpec } from '../../../src/core/types.ts';
import { renderK6Workload, thresholdsFromSlos } from '../../../src/workload/k6/render.ts';
import type { K6WorkloadSpec } from '../../../src/workload/k6/spec.ts';

const vus = { preAllocated: 2, max: 10 };

function spec(overrides: Partial<K6WorkloadSpec> = {}): K6WorkloadSpec {
  return {
    collection: 'c',
    idField: 'id',
    vectorField: 'v',
    dim: 8,
    metric: 'IP',
    topK: 10,
    searchParams: { ef: 64 },
    consistency: 'Bounded',
    search: { arrival: { kind: 'constant', rate: 20, duration: 5_000 }, vus },
    writes: [],
    timeout: 2_000,
    queryVectorsFile: '/run/q.fbin',
    phases: [],
    recordSearchResults: false,
    ...overrides,
  };
}

function slo(s: Partial<SloSpec>): SloSpec {
  return { name: 'x', kind: 'latency', phase: null, percentile: 99, op: '<=', threshold: 100, ...s };
}

test('a latency SLO becomes a grpc_req_duration percentile threshold on searches', () => {
  assert.deepEqual(thresholdsFromSlos([slo({})]), { 'grpc_req_duration{op:search}': ['p(99)<=100'] });
});

test('SLOs with a phase select that phase, and SLOs on one selector share its list', () => {
  const thresholds = thresholdsFromSlos([
    slo({ phase: 'fault', percentile: 99.9, threshold: 800 }),
    slo({ phase: 'fault', percentile: 50, threshold: 20 }),
    slo({ kind: 'errorRate', phase: 'steady', percentile: undefined, threshold: 0.01 }),
  ], ['steady', 'fault']);
  assert.deepEqual(thresholds, {
    'grpc_req_duration{op:search,phase:fault}': ['p(99.9)<=800', 'p(50)<=20'],
    'drill_op_failed{op:search,phase:steady}': ['rate<=0.01'],
  });
});

test('k6 judges no phase whose bounds it was not given, and no relative threshold', () => {
  const thresholds = thresholdsFromSlos([
    slo({ phase: 'recovered', percentile: 99, threshold: 800 }),
    slo({ phase: 'steady', percentile: 99, threshold: { phase: 'fault', times: 2, plus: 0 } }),
    slo({ kind: 'errorRate', phase: 'steady', percentile: undefined, threshold: 0.01 }),
  ], ['steady']);
  assert.deepEqual(thresholds, { 'drill_op_failed{op:search,phase:steady}': ['rate<=0.01'] });
});

test('SLOs k6 cannot judge while it runs produce no threshold', () => {
  const thresholds = thresholdsFromSlos([
    slo({ kind: 'recall', op: '>=', threshold: 0.9, percentile: undefined }),
    slo({ kind: 'recoveryTime', threshold: 30_000, percentile: undefined }),
    slo({ kind: 'durability', threshold: 0, percentile: undefined }),
  ]);
  assert.deepEqual(thresholds, {});
});

test('a constant search rate renders a constant-arrival-rate scenario with room for in-flight calls', () => {
  const { options } = renderK6Workload(spec(), [slo({})]);
  assert.deepEqual(options.scenarios.search, {
    executor: 'constant-arrival-rate',
    exec: 'search',
    rate: 20,
    timeUnit: '1s',
    duration: '5000ms',
    preAllocatedVUs: 2,
    maxVUs: 10,
    gracefulStop: '7000ms',
    tags: { op: 'search' },
  });
  assert.deepEqual(options.thresholds, { 'grpc_req_duration{op:search}': ['p(99)<=100'] });
});

test('a ramp renders ramping-arrival-rate stages, fractional rates per 1000 s', () => {
  const arrival = { kind: 'ramping' as const, startRate: 0.5, stages: [{ target: 10, duration: 3_000 }, { target: 2.25, duration: 1_000 }] };
  const { options } = renderK6Workload(spec({ search: { arrival, vus } }), []);
  const scenario = options.scenarios.search!;
  assert.equal(scenario.executor, 'ramping-arrival-rate');
  assert.equal(scenario.timeUnit, '1000s');
  assert.ok(scenario.executor === 'ramping-arrival-rate');
  assert.equal(scenario.startRate, 500);
  assert.deepEqual(scenario.stages, [{ target: 10_000, duration: '3000ms' }, { target: 2_250, duration: '1000ms' }]);
});

test('write streams become their own scenarios; repeated ops get distinct names; delete runs remove(), after its delay', () => {
  const write = { rate: 2, startAfter: 0, duration: 4_000, vus };
  const { options, script } = renderK6Workload(
    spec({
      search: null,
      writes: [
        { op: 'insert', batchesFile: '/run/0.json', ...write },
        { op: 'insert', batchesFile: '/run/1.json', ...write },
        { op: 'delete', batchesFile: '/run/2.json', ...write, rate: 0.5, startAfter: 6_500 },
      ],
    }),
    [],
  );
  assert.deepEqual(Object.keys(options.scenarios), ['insert_0', 'insert_1', 'delete']);
  assert.equal(options.scenarios.delete!.exec, 'remove');
  assert.deepEqual(options.scenarios.delete!.tags, { op: 'delete' });
  assert.ok(options.scenarios.delete!.executor === 'constant-arrival-rate');
  assert.equal(options.scenarios.delete!.rate, 500);
  assert.equal(options.scenarios.delete!.startTime, '6500ms');
  assert.equal('startTime' in options.scenarios.insert_0!, false);
  assert.deepEqual(script.streams, {
    insert_0: { op: 'insert', batchesFile: '/run/0.json' },
    insert_1: { op: 'insert', batchesFile: '/run/1.json' },
    delete: { op: 'delete', batchesFile: '/run/2.json' },
  });
});

test('the script config carries what the script needs and search params as JSON', () => {
  const phases = [{ name: 'steady' as const, startsAtMs: 1 }];
  const { script } = renderK6Workload(spec({ phases }), []);
  assert.equal(script.searchParamsJson, '{"ef":64}');
  assert.equal(script.metric, 'IP');
  assert.equal(script.consistency, 'Bounded');
  assert.equal(script.timeoutMs, 2_000);
  assert.deepEqual(script.phases, phases);
});

test('an invalid spec is refused with every problem named at once', () => {
  const bad = spec({
    dim: 0,
    search: { arrival: { kind: 'ramping', startRate: -1, stages: [] }, vus: { preAllocated: 5, max: 2 } },
    writes: [{ op: 'upsert', rate: 0, startAfter: -1, duration: 1_000, batchesFile: '', vus }],
  });
  assert.throws(
    () => renderK6Workload(bad, []),
    (err: Error) => {
      for (const part of [
        'dim must be a positive integer, got 0',
        'search.arrival.startRate must be >= 0',
        'search.arrival.stages must list at least one',
        'search.vus.max must be an integer >= preAllocated (5), got 2',
        'writes[0].rate must be > 0',
        'writes[0].startAfter must be a whole number of ms >= 0, got -1',
        "writes[0].batchesFile must name the stream's batches file",
      ]) {
        assert.ok(err.message.includes(part), `missing "${part}" in:\n${err.message}`);
      }
      return true;
    },
  );
});

test('a spec with nothing to drive is refused', () => {
  assert.throws(() => renderK6Workload(spec({ search: null }), []), /nothing to drive/);
});
