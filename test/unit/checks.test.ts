import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile } from '../../src/checks/percentile.ts';
import { recoveryTime } from '../../src/checks/recovery.ts';
import { durability, durabilityViolations } from '../../src/checks/durability.ts';
import { searchRecall, meanRecall } from '../../src/checks/recall.ts';
import { phaseStats, faultWindows } from '../../src/checks/phases.ts';
import { churnAwareTruth, type Truth } from '../../src/checks/truth.ts';
import { rowWrites, stateAt } from '../../src/checks/visibility.ts';
import type { OpRecord } from '../../src/core/types.ts';
import { history, search } from '../support/history.ts';

test('percentile is nearest-rank and null without samples', () => {
  assert.equal(percentile([], 99), null);
  assert.equal(percentile([7], 99), 7);
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
  assert.equal(percentile([1, 2, 3, 1000], 99), 1000);
});

test('recovery time runs from the fault end to the first all-ok window', () => {
  const probes = [
    search(900, 'ok'),
    search(1000, 'fail'), // fault ends at 1000
    search(2000, 'unknown'),
    search(3000, 'ok'), // a window opens here ...
    search(4000, 'fail'), // ... and breaks
    search(5000, 'ok'), // the window that holds
    search(9000, 'ok'),
    search(15_000, 'ok'), // observed past 5000 + 10000
  ];
  assert.equal(recoveryTime(probes, 1000, 10_000), 4000);
});

test('recovery is null when the window was never observed in full', () => {
  const probes = [search(1000, 'fail'), search(2000, 'ok'), search(5000, 'ok')];
  assert.equal(recoveryTime(probes, 1000, 10_000), null);
  assert.equal(recoveryTime([], 1000, 10_000), null);
});

test('recovery is immediate when every probe after the fault succeeds', () => {
  const probes = [search(1200, 'ok'), search(6000, 'ok'), search(12_000, 'ok')];
  assert.equal(recoveryTime(probes, 1000, 10_000), 200);
});

test('a failure at the very end of a window breaks it; an unknown is not success', () => {
  const probes = [search(0, 'ok'), search(9999, 'unknown'), search(10_000, 'ok'), search(20_000, 'ok')];
  assert.equal(recoveryTime(probes, 0, 10_000), 10_000);
});

function op(o: Partial<OpRecord> & Pick<OpRecord, 'op' | 'outcome'>): OpRecord {
  return { seq: 0, start: 0, end: 1, latencyMs: 1, phase: 'verify', ...o };
}

test('durability: every acknowledged insert found; missing and unverified are separate', () => {
  const ops = [
    op({ op: 'insert', outcome: 'ok', ids: [1, 2, 3, 4] }),
    op({ op: 'insert', outcome: 'unknown', ids: [5, 6] }), // not acknowledged: not required
    op({ op: 'query', outcome: 'ok', keys: [1, 2], ids: [1], start: 100 }),
    op({ op: 'query', outcome: 'fail', keys: [3, 4], start: 100 }),
  ];
  const d = durability(ops);
  assert.equal(d.acknowledged, 4);
  assert.deepEqual(d.missing, [2]);
  assert.equal(d.unverified, 2);
});

/** A 1-d world: row id sits at position id (version v moves it to id + 1000·v); query q at 10·q. */
function lineTruth(k: number, rows: number, churn: OpRecord[] = [], stalenessMs = 0): Truth {
  const pos = (id: number, version: number): number => id + 1000 * version;
  const all = Array.from({ length: rows }, (_, i) => i);
  return churnAwareTruth({
    k,
    metric: 'L2',
    stalenessMs,
    isBaseRow: (id) => id >= 0 && id < rows,
    churn: rowWrites(churn),
    baseList: (q, filter) => {
      const ids = all.filter((id) => !filter || id % 2 === filter.category).sort((a, b) => Math.abs(a - q * 10) - Math.abs(b - q * 10) || a - b).slice(0, k + 2);
      return { ids, distances: ids.map((id) => (id - q * 10) ** 2), truncated: rows > k + 2 };
    },
    distance: (q, id, version) => (pos(id, version) - q * 10) ** 2,
    matchesFilter: (id, filter) => !filter || id % 2 === filter.category,
    kthByScan: (q, _f, present) => {
      const ds = all.map(present).filter((d): d is number => d !== null).sort((a, b) => a - b);
      return ds[k - 1]!;
    },
  });
}

test('recall counts ties at the k-th distance as correct and short answers as misses', () => {
  const truth = lineTruth(3, 50);
  // query 1 sits at 10: nearest are 10, then 9 and 11 tied at distance 1.
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10, 11, 9] }), truth), 1);
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10, 12, 9] }), truth), 2 / 3);
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10] }), truth), 1 / 3);
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10, 10, 10] }), truth), 1 / 3, 'duplicates count once');
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [] }), truth), 0, 'empty results are a miss, not skipped');
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10, 11, 999] }), truth), 2 / 3, 'a row that never existed is wrong');
  assert.equal(searchRecall(search(0, 'fail', { queryIndex: 1 }), truth), null);
  const mean = meanRecall([search(0, 'ok', { queryIndex: 1, ids: [10, 11, 9] }), search(0, 'ok', { queryIndex: 1, ids: [] }), search(0, 'unknown')], truth);
  assert.deepEqual(mean, { value: 0.5, samples: 2 });
});

test('filtered recall is scored against the rows that match the filter', () => {
  const truth = lineTruth(2, 50);
  // category 0 = even ids; query 1 at 10: nearest even rows are 10, then 8 and 12 (tie).
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10, 12], filter: { category: 0 } }), truth), 1);
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10, 11], filter: { category: 0 } }), truth), 0.5, 'an odd row does not match');
});

function write(o: Partial<OpRecord> & Pick<OpRecord, 'op' | 'outcome' | 'start'>): OpRecord {
  return { seq: 0, end: o.start + 10, latencyMs: 10, phase: 'steady', ...o };
}

test('churn: a search sees acknowledged deletes and upserts, and in-flight writes are uncertain', () => {
  const churn = [
    write({ op: 'delete', outcome: 'ok', start: 100, ids: [10] }), // settled at 110
    write({ op: 'upsert', outcome: 'ok', start: 100, ids: [11], versions: [1] }), // 11 moves far away
    write({ op: 'delete', outcome: 'unknown', start: 100, ids: [9] }), // may or may not have happened
  ];
  const truth = lineTruth(2, 50, churn);
  // At t=200, query 1 (at 10): 10 is deleted, 11 moved, 9 uncertain; nearest certain rows: 12 (4), 8 (4).
  const at = (ids: number[], start = 200): number | null => searchRecall(search(start, 'ok', { queryIndex: 1, ids }), truth);
  assert.equal(at([12, 8]), 1);
  assert.equal(at([10, 12]), 0.5, 'a deleted row counts against');
  assert.equal(at([11, 12]), 0.5, 'an upserted row is judged at its new value');
  assert.equal(at([9, 12]), 1, 'an uncertain row is neither credited nor penalised');
  // Before the writes were made, the original rows are the truth.
  assert.equal(at([10, 11], 50), 1);
  assert.equal(at([10, 9], 50), 1);
});

test('bounded staleness: writes acknowledged within the window are uncertain', () => {
  const churn = [write({ op: 'delete', outcome: 'ok', start: 100, ids: [10] })];
  const truth = lineTruth(1, 50, churn, 5000);
  assert.equal(searchRecall(search(2000, 'ok', { queryIndex: 1, ids: [10] }), truth), null, 'the only result is uncertain');
  assert.equal(searchRecall(search(6000, 'ok', { queryIndex: 1, ids: [10] }), truth), 0, 'past the window the delete must be seen');
});

test('when churn exhausts the base list, the k-th distance comes from a full scan', () => {
  const deletes = Array.from({ length: 8 }, (_, i) => write({ op: 'delete', outcome: 'ok', start: 0, ids: [6 + i] })); // 6..13
  const truth = lineTruth(2, 50, deletes);
  assert.equal(searchRecall(search(100, 'ok', { queryIndex: 1, ids: [14, 5] }), truth), 1);
  assert.equal(searchRecall(search(100, 'ok', { queryIndex: 1, ids: [14, 15] }), truth), 1, '15 ties 5 at the k-th distance');
  assert.equal(searchRecall(search(100, 'ok', { queryIndex: 1, ids: [14, 16] }), truth), 0.5);
});

test('visibility: settled writes decide, unknown ones leave the row uncertain unless they change nothing', () => {
  const w = rowWrites([
    write({ op: 'insert', outcome: 'ok', start: 0, ids: [1, 2, 3] }),
    write({ op: 'delete', outcome: 'unknown', start: 100, ids: [1] }),
    write({ op: 'upsert', outcome: 'ok', start: 100, ids: [2], versions: [4] }),
    write({ op: 'delete', outcome: 'fail', start: 100, ids: [3] }),
  ]);
  assert.deepEqual(stateAt(w.get(1), 50, 0), { kind: 'present', version: 0 });
  assert.deepEqual(stateAt(w.get(1), 500, 0), { kind: 'uncertain' });
  assert.deepEqual(stateAt(w.get(2), 105, 0), { kind: 'uncertain' }, 'in flight');
  assert.deepEqual(stateAt(w.get(2), 500, 0), { kind: 'present', version: 4 });
  assert.deepEqual(stateAt(w.get(3), 500, 0), { kind: 'present', version: 0 }, 'a failed delete had no effect');
  assert.deepEqual(stateAt(undefined, 500, 0), { kind: 'absent' });
});

test('durability after churn: missing, resurrected, stale, uncertain and a reconciled count', () => {
  const ops = [
    write({ op: 'insert', outcome: 'ok', start: 0, ids: [1, 2, 3, 4, 5, 6] }),
    write({ op: 'delete', outcome: 'ok', start: 100, ids: [2] }),
    write({ op: 'upsert', outcome: 'ok', start: 100, ids: [3], versions: [2] }),
    write({ op: 'delete', outcome: 'unknown', start: 100, ids: [4] }),
    write({ op: 'upsert', outcome: 'ok', start: 100, ids: [6], versions: [1] }),
    { ...write({ op: 'query', outcome: 'ok', start: 1000, keys: [1, 2, 3, 4, 5, 6], ids: [2, 3, 4, 6], versions: [0, 1, 0, 1] }), phase: 'verify' as const },
    { ...write({ op: 'count', outcome: 'ok', start: 1100 }), count: 4, phase: 'verify' as const },
  ];
  const d = durability(ops);
  assert.deepEqual(d.missing, [1, 5]);
  assert.deepEqual(d.resurrected, [2]);
  assert.deepEqual(d.stale, [3]);
  assert.equal(d.uncertain, 1);
  assert.equal(d.unverified, 0);
  assert.equal(d.acknowledged, 4, 'rows 1, 3, 5, 6 must exist');
  assert.deepEqual(d.count, { reported: 4, min: 4, max: 5 });
  assert.equal(durabilityViolations(d), 4);
});

test('phase stats: unknown counts in latency and errors; an empty phase has no figures', () => {
  const truth = lineTruth(1, 20);
  const ops = [
    search(0, 'ok', { phase: 'steady', latencyMs: 4, queryIndex: 0, ids: [0] }),
    search(1, 'ok', { phase: 'steady', latencyMs: 6, queryIndex: 1, ids: [10] }),
    search(2, 'unknown', { phase: 'steady', latencyMs: 3000 }),
    search(3, 'fail', { phase: 'steady', latencyMs: 1 }),
  ];
  const [steady, fault] = phaseStats(history(ops), truth, ['steady', 'fault']);
  assert.equal(steady!.searches, 4);
  assert.equal(steady!.unknown, 1);
  assert.equal(steady!.fail, 1);
  assert.ok(Math.abs(steady!.latency.p99! - 3000) <= 30, 'the timed-out search sets the tail');
  assert.ok(Math.abs(steady!.latency.p50! - 6) <= 0.06);
  assert.equal(steady!.availability, 0.5);
  assert.equal(steady!.recall, 1);
  assert.equal(fault!.searches, 0);
  assert.equal(fault!.recall, null);
  assert.equal(fault!.latency.p99, null);
});

test('fault windows pair start and end events and measure recovery', () => {
  const ops = [search(1000, 'fail'), search(2500, 'ok'), search(13_000, 'ok')];
  const h = history(ops, [
    { at: 500, kind: 'fault-start', name: 'kill', detail: 'pod-kill' },
    { at: 1500, kind: 'fault-end', name: 'kill', detail: 'pod-kill' },
  ]);
  assert.deepEqual(faultWindows(h, 10_000), [{ name: 'kill', kind: 'pod-kill', start: 500, end: 1500, recoveryMs: 1000, failoverMs: 2000, failedDuringFailover: 1, takeover: { ms: 2000, failed: 1, ops: 1 } }]);
});

test('writes whose calls overlapped may apply in either order: the row is uncertain, not lost', () => {
  const w = (kind: 'insert' | 'delete' | 'upsert', start: number, end: number, version = 0) => ({ id: 7, kind, version, start, end, outcome: 'ok' as const });
  // Seen in a run: a delete and an upsert of one row, both held up by a restart, acknowledged together.
  const overlapping = [w('insert', 0, 5), w('delete', 101_528, 105_859), w('upsert', 104_181, 105_849, 1)];
  assert.deepEqual(stateAt(overlapping, 200_000, 0), { kind: 'uncertain' });
  // The same writes one after the other: the later one wins, certainly.
  const ordered = [w('insert', 0, 5), w('delete', 100_000, 101_000), w('upsert', 104_181, 105_849, 1)];
  assert.deepEqual(stateAt(ordered, 200_000, 0), { kind: 'present', version: 1 });
  assert.deepEqual(stateAt([w('insert', 0, 5), w('delete', 10, 20)], 200_000, 0), { kind: 'absent' });
});
