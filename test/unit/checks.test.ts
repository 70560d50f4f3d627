import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile } from '../../src/checks/percentile.ts';
import { recoveryTime } from '../../src/checks/recovery.ts';
import { durability } from '../../src/checks/durability.ts';
import { searchRecall, meanRecall } from '../../src/checks/recall.ts';
import { phaseStats, faultWindows } from '../../src/checks/phases.ts';
import type { Truth } from '../../src/checks/truth.ts';
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
    op({ op: 'query', outcome: 'ok', keys: [1, 2], ids: [1] }),
    op({ op: 'query', outcome: 'fail', keys: [3, 4] }),
  ];
  const d = durability(ops);
  assert.equal(d.acknowledged, 4);
  assert.deepEqual(d.missing, [2]);
  assert.equal(d.unverified, 2);
});

/** A 1-d truth: rows are at position id; queries at position q*10. */
function lineTruth(k: number, rows: number): Truth {
  return {
    k,
    metric: 'L2',
    ids: (q) => Array.from({ length: rows }, (_, i) => i).sort((a, b) => Math.abs(a - q * 10) - Math.abs(b - q * 10)).slice(0, k),
    kthDistance(q) {
      const ds = Array.from({ length: rows }, (_, i) => (i - q * 10) ** 2).sort((a, b) => a - b);
      return ds[k - 1]!;
    },
    distance: (q, id) => (id - q * 10) ** 2,
  };
}

test('recall counts ties at the k-th distance as correct and short answers as misses', () => {
  const truth = lineTruth(3, 50);
  // query 1 sits at 10: nearest are 10, 9/11 (tie at distance 1), so {10, 9, 11} and {10, 11, 9} are exact.
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10, 11, 9] }), truth), 1);
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10, 12, 9] }), truth), 2 / 3);
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10] }), truth), 1 / 3);
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [10, 10, 10] }), truth), 1 / 3, 'duplicates count once');
  assert.equal(searchRecall(search(0, 'ok', { queryIndex: 1, ids: [] }), truth), 0, 'empty results are a miss, not skipped');
  assert.equal(searchRecall(search(0, 'fail', { queryIndex: 1 }), truth), null);
  const mean = meanRecall([search(0, 'ok', { queryIndex: 1, ids: [10, 11, 9] }), search(0, 'ok', { queryIndex: 1, ids: [] }), search(0, 'unknown')], truth);
  assert.deepEqual(mean, { value: 0.5, samples: 2 });
});

test('phase stats: unknown counts in latency and errors; an empty phase has no figures', () => {
  const truth = lineTruth(1, 20);
  const ops = [
    search(0, 'ok', { phase: 'steady', latencyMs: 4, queryIndex: 0, ids: [0] }),
    search(1, 'ok', { phase: 'steady', latencyMs: 6, queryIndex: 1, ids: [10] }),
    search(2, 'unknown', { phase: 'steady', latencyMs: 3000 }),
    search(3, 'fail', { phase: 'steady', latencyMs: 1 }),
  ];
  const [steady, fault] = phaseStats(history(ops), truth);
  assert.equal(steady!.searches, 4);
  assert.equal(steady!.unknown, 1);
  assert.equal(steady!.fail, 1);
  assert.equal(steady!.latency.p99, 3000, 'the timed-out search sets the tail');
  assert.equal(steady!.latency.p50, 6);
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
  assert.deepEqual(faultWindows(h, 10_000), [{ name: 'kill', kind: 'pod-kill', start: 500, end: 1500, recoveryMs: 1000 }]);
});
