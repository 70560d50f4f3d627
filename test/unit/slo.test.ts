import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSlos, exitCodeFor } from '../../src/slo/verdicts.ts';
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
