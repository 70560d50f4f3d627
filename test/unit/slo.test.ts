import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSlos, exitCodeFor, meetsExpectation } from '../../src/slo/verdicts.ts';
import type { PhaseStats, SloSpec } from '../../src/core/types.ts';

const steady: PhaseStats = { phase: 'steady', searches: 100, ok: 98, fail: 1, unknown: 1, recall: 0.97, recallSamples: 98, latency: { p50: 3, p95: 8, p99: 20, p999: 25 }, availability: 0.98 };
const empty: PhaseStats = { phase: 'recovered', searches: 0, ok: 0, fail: 0, unknown: 0, recall: null, recallSamples: 0, latency: { p50: null, p95: null, p99: null, p999: null }, availability: null };

const slo = (s: Partial<SloSpec> & Pick<SloSpec, 'kind'>): SloSpec => ({ name: s.kind, phase: 'steady', op: '<=', threshold: 0, ...s });

test('thresholds pass and fail on measured values with their sample counts', () => {
  const v = evaluateSlos(
    [
      slo({ name: 'recall', kind: 'recall', op: '>=', threshold: 0.95 }),
      slo({ name: 'p99', kind: 'latency', percentile: 99, threshold: 10 }),
      slo({ name: 'errors', kind: 'errorRate', threshold: 0.05 }),
    ],
    { phases: [steady], faults: [], durability: null },
  );
  assert.deepEqual(v.map((x) => [x.slo, x.pass, x.measured, x.samples]), [
    ['recall', true, 0.97, 98],
    ['p99', false, 20, 99],
    ['errors', true, 0.02, 100],
  ]);
  assert.equal(exitCodeFor(v), 1);
});

test('a threshold with no samples fails', () => {
  const v = evaluateSlos(
    [
      slo({ kind: 'recall', phase: 'recovered', op: '>=', threshold: 0 }),
      slo({ kind: 'latency', phase: 'recovered', percentile: 99, threshold: 1e9 }),
      slo({ kind: 'errorRate', phase: 'recovered', threshold: 1 }),
      slo({ kind: 'durability', phase: null }),
      slo({ kind: 'recoveryTime', phase: null, threshold: 1e9 }),
    ],
    { phases: [empty], faults: [], durability: null },
  );
  assert.ok(v.every((x) => !x.pass && x.measured === null));
  assert.equal(exitCodeFor(v), 1);
});

test('recovery: a fault that never recovered fails; durability: unverified writes fail', () => {
  const [rec, dur] = evaluateSlos([slo({ kind: 'recoveryTime', phase: null, threshold: 60_000 }), slo({ kind: 'durability', phase: null })], {
    phases: [],
    faults: [
      { name: 'a', kind: 'pod-kill', start: 0, end: 1, recoveryMs: 1000 },
      { name: 'b', kind: 'pod-kill', start: 0, end: 1, recoveryMs: null },
    ],
    durability: { acknowledged: 10, missing: [], resurrected: [], stale: [], uncertain: 0, unverified: 3, found: 7, count: null },
  });
  assert.equal(rec!.pass, false);
  assert.match(rec!.reason, /never recovered after: b/);
  assert.equal(dur!.pass, false);
  assert.match(dur!.reason, /3 acknowledged writes could not be verified/);
});

test('all met: exit 0', () => {
  const v = evaluateSlos([slo({ kind: 'durability', phase: null })], {
    phases: [],
    faults: [],
    durability: { acknowledged: 10, missing: [], resurrected: [], stale: [], uncertain: 0, unverified: 0, found: 10, count: null },
  });
  assert.equal(v[0]!.pass, true);
  assert.equal(exitCodeFor(v), 0);
});

test('relative thresholds resolve against the same measurement in another phase of the run', () => {
  const recovered: PhaseStats = { ...steady, phase: 'recovered', recall: 0.93, latency: { p50: 4, p95: 9, p99: 45, p999: 60 } };
  const v = evaluateSlos(
    [
      slo({ name: 'p99 ≤ 2× steady', kind: 'latency', phase: 'recovered', percentile: 99, threshold: { phase: 'steady', times: 2, plus: 0 } }),
      slo({ name: 'recall ≥ steady − 0.05', kind: 'recall', phase: 'recovered', op: '>=', threshold: { phase: 'steady', times: 1, plus: -0.05 } }),
      slo({ name: 'vs empty phase', kind: 'latency', phase: 'recovered', percentile: 99, threshold: { phase: 'empty', times: 2, plus: 0 } }),
    ],
    { phases: [steady, recovered, { ...empty, phase: 'empty' }], faults: [], durability: null },
  );
  assert.deepEqual(v.map((x) => [x.slo, x.pass, x.threshold]), [
    ['p99 ≤ 2× steady', false, 40],
    ['recall ≥ steady − 0.05', true, 0.97 - 0.05],
    ['vs empty phase', false, null],
  ]);
  assert.match(v[0]!.reason, /45 ms not <= 40 ms \(2 × steady, steady = 20 ms\)/);
  assert.match(v[2]!.reason, /no samples there/);
});

test('an expected verdict is met only when exactly the expected SLOs are missed', () => {
  const verdicts = evaluateSlos([slo({ name: 'a', kind: 'errorRate', threshold: 0 }), slo({ name: 'b', kind: 'errorRate', threshold: 1 })], { phases: [steady], faults: [], durability: null });
  assert.equal(meetsExpectation({ verdict: 'fail', slos: ['a'] }, 'fail', verdicts).met, true);
  assert.equal(meetsExpectation({ verdict: 'fail', slos: ['a', 'b'] }, 'fail', verdicts).met, false);
  assert.equal(meetsExpectation({ verdict: 'aborted', slos: ['a'] }, 'fail', verdicts).met, false);
  assert.equal(meetsExpectation(null, 'fail', verdicts).met, false, 'without an expectation a run must pass');
  assert.match(meetsExpectation({ verdict: 'fail', slos: ['b'] }, 'fail', verdicts).reason, /expected fail with missed SLOs: b; got fail with missed SLOs: a/);
});

test('windowed recall: the worst window is measured; a window with no samples fails; a relative min is against the base phase as a whole', () => {
  const kill = (recalls: (number | null)[]) => ({
    phase: 'kill',
    windowMs: 5000,
    windows: recalls.map((recall, i) => ({ start: 30_000 + i * 5000, end: 35_000 + i * 5000, samples: recall === null ? 0 : 50, recall })),
  });
  const windowed = slo({ name: 'kill windows', kind: 'recall', phase: 'kill', op: '>=', threshold: { phase: 'steady', times: 1, plus: -0.05 }, window: 5000 });
  const m = (recalls: (number | null)[]) => ({ phases: [steady], faults: [], durability: null, recallWindows: [kill(recalls)] });
  const [met] = evaluateSlos([windowed], m([0.99, 0.95, 0.98]));
  assert.deepEqual([met!.pass, met!.measured, met!.threshold, met!.samples], [true, 0.95, 0.97 - 0.05, 150]);
  assert.match(met!.reason, /^0\.95 >= 0\.92 \(steady − 0\.05, steady = 0\.97\) \(worst of 3 5 s windows: 0\.95 at 35\.0–40\.0 s\)$/);
  const [missed] = evaluateSlos([windowed], m([0.99, 0.5, 0.98]));
  assert.deepEqual([missed!.pass, missed!.measured], [false, 0.5]);
  const [empty] = evaluateSlos([windowed], m([0.99, null, 0.98]));
  assert.equal(empty!.pass, false);
  assert.match(empty!.reason, /1 of 3 5 s windows had no successful search to score \(35\.0–40\.0 s\): a window with no samples is not a pass/);
  const [none] = evaluateSlos([windowed], { phases: [steady], faults: [], durability: null });
  assert.equal(none!.pass, false);
  assert.match(none!.reason, /phase 'kill' has no 5 s window to judge/);
  const [absolute] = evaluateSlos([{ ...windowed, threshold: 0.9 }], m([0.91, 0.92]));
  assert.equal(absolute!.pass, true);
});
