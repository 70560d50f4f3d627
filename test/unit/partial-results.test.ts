import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partialResults } from '../../src/checks/detectors.ts';
import { cutWindows, recallPoints, windowedRecall } from '../../src/checks/windows.ts';
import { CLUSTER_LAYOUT } from '../../src/platform/local/cluster.ts';
import { KIND_REPLICAS } from '../../src/platform/kind/stack.ts';
import { QUERY_NODES, type HistoryEvent, type OpRecord, type SloSpec } from '../../src/core/types.ts';
import type { Truth } from '../../src/checks/truth.ts';
import { history, search } from '../support/history.ts';

/** Every query's exact top-10 is rows 0..9 (row id = its distance); rows 100+ are wrong answers. */
const truth: Truth = {
  k: 10,
  metric: 'L2',
  forSearch: (op) => (op.op === 'search' && op.outcome === 'ok' ? { kthDistance: 9, expected: 10, distance: (id) => id, uncertain: () => false } : null),
};

/** A search answered with `right` of the 10 true neighbours (the rest wrong rows). */
const answer = (start: number, right: number, phase: string): OpRecord =>
  search(start, 'ok', { phase, queryIndex: 0, ids: [...Array.from({ length: right }, (_, i) => i), ...Array.from({ length: 10 - right }, (_, i) => 100 + i)] });

/** Searches every 100 ms over [from, to). */
function every100(from: number, to: number, make: (t: number) => OpRecord): OpRecord[] {
  const ops: OpRecord[] = [];
  for (let t = from; t < to; t += 100) ops.push(make(t));
  return ops;
}

const phases = (...spans: [string, number][]): HistoryEvent[] => spans.map(([name, at]) => ({ at, kind: 'phase-start', name }));
const KILL: HistoryEvent = { at: 30_000, kind: 'fault-start', name: 'kill-querynode', detail: 'pod-kill' };

test('partial-results: successful searches far below the steady baseline are found, with their span and magnitude', () => {
  // Steady at full recall, the kill, 10 s of failures, 10 s of half the neighbours served as success, then full again.
  const ops = [
    ...every100(0, 30_000, (t) => answer(t, 10, 'steady')),
    ...every100(30_000, 40_000, (t) => search(t, 'fail', { phase: 'kill', error: 'node down' })),
    ...every100(40_000, 45_000, (t) => answer(t, 5, 'kill')),
    ...every100(45_000, 50_000, (t) => answer(t, t % 200 === 0 ? 7 : 8, 'kill')),
    ...every100(50_000, 70_000, (t) => answer(t, 10, 'recovered')),
  ];
  const h = history(ops, [...phases(['steady', 0], ['kill', 30_000], ['recovered', 50_000]), KILL]);
  const findings = partialResults(h, recallPoints(h.ops, truth));
  assert.equal(findings.length, 1);
  const [f] = findings;
  assert.equal(f!.detector, 'partial-results');
  assert.equal(f!.phase, 'kill');
  assert.equal(f!.count, 100);
  assert.equal(f!.firstAt, 40_000);
  assert.deepEqual(f!.window, { start: 40_000, end: 50_000 });
  assert.deepEqual(f!.recall, { baseline: 1, mean: 0.625, worst: 0.5 });
  assert.match(f!.detail, /100 successful searches from 40\.0 s to 50\.0 s had mean recall 0\.625 \(per 5 s: 0\.50, 0\.75\) against 1\.000 in steady/);
});

test('partial-results: a small dip, a lone bad search, two separate episodes, and a run with no baseline', () => {
  const base = every100(0, 30_000, (t) => answer(t, 10, 'steady'));
  const events = [...phases(['steady', 0], ['kill', 30_000]), KILL];
  // 0.95 against 1.0 is within the 0.1 allowed: not partial results.
  const dip = history([...base, ...every100(30_000, 60_000, (t) => answer(t, t % 1000 < 500 ? 9 : 10, 'kill'))], events);
  assert.deepEqual(partialResults(dip, recallPoints(dip.ops, truth)), []);
  // One bad answer in an otherwise full window does not pull the mean down far enough.
  const lone = history([...base, ...every100(30_000, 60_000, (t) => answer(t, t === 31_000 ? 0 : 10, 'kill'))], events);
  assert.deepEqual(partialResults(lone, recallPoints(lone.ops, truth)), []);
  // Two bad windows apart from each other: two findings.
  const twice = history([...base, ...every100(30_000, 60_000, (t) => answer(t, (t >= 35_000 && t < 40_000) || (t >= 50_000 && t < 55_000) ? 3 : 10, 'kill'))], events);
  assert.deepEqual(partialResults(twice, recallPoints(twice.ops, truth)).map((f) => f.window), [{ start: 35_000, end: 40_000 }, { start: 50_000, end: 55_000 }]);
  // A window with too few searches to call it (searches mostly failing) is not flagged.
  const sparse = history([...base, ...every100(30_000, 40_000, (t) => (t % 2500 === 0 ? answer(t, 0, 'kill') : search(t, 'fail', { phase: 'kill' })))], events);
  assert.deepEqual(partialResults(sparse, recallPoints(sparse.ops, truth)), []);
  // Faults from the start: no steady searches to compare with, so nothing is claimed.
  const noBase = history(every100(0, 20_000, (t) => answer(t, 3, 'kill')), [...phases(['kill', 0]), { ...KILL, at: 0 }]);
  assert.deepEqual(partialResults(noBase, recallPoints(noBase.ops, truth)), []);
});

test('recall windows: a phase cut into windows, a short tail joined to the window before', () => {
  assert.deepEqual(cutWindows(0, 12_400, 5000), [{ start: 0, end: 5000 }, { start: 5000, end: 12_400 }]);
  assert.deepEqual(cutWindows(0, 13_000, 5000), [{ start: 0, end: 5000 }, { start: 5000, end: 10_000 }, { start: 10_000, end: 13_000 }]);
  assert.deepEqual(cutWindows(1000, 3000, 5000), [{ start: 1000, end: 3000 }]);
  const ops = [...every100(0, 5000, (t) => answer(t, 10, 'steady')), ...every100(5000, 10_000, (t) => answer(t, 6, 'kill')), ...every100(12_000, 15_000, (t) => answer(t, 10, 'kill'))];
  const h = history(ops, [...phases(['steady', 0], ['kill', 5000]), { at: 15_000, kind: 'phase-end', name: 'kill' }]);
  const slo: SloSpec = { name: 'w', kind: 'recall', phase: 'kill', op: '>=', threshold: 0.9, window: 2500 };
  const [w] = windowedRecall(h, truth, [slo, { ...slo, name: 'same windows' }, { ...slo, name: 'plain', window: undefined }]);
  assert.deepEqual(w!.windows.map((x) => [x.start, x.end, x.samples, x.recall === null ? null : Number(x.recall.toFixed(6))]), [
    [5000, 7500, 25, 0.6],
    [7500, 10_000, 25, 0.6],
    [10_000, 12_500, 5, 1], // 10–12 s had no successful search; the 5 at 12.0–12.4 s
    [12_500, 15_000, 25, 1],
  ]);
});

test('the cluster topology every platform runs has the query nodes validate counts replicas against', () => {
  assert.equal(CLUSTER_LAYOUT.queryNodes, QUERY_NODES.cluster, 'local and containers');
  assert.equal(KIND_REPLICAS.queryNode, QUERY_NODES.cluster, 'Kubernetes');
});
