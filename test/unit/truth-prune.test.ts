import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from '../../src/core/types.ts';
import { BinWriter, createDataset } from '../../src/dataset/index.ts';
import { clusterBoxes, generatorBounds } from '../../src/truth/bounds.ts';
import { mix32, pickRank } from '../../src/dataset/hash.ts';
import { exactTopK, TruthEngine } from '../../src/truth/index.ts';
import { distance, referenceTopK } from '../../src/truth/reference.ts';

const PROFILES = [['sift-128', 128], ['text-768', 768], ['text-1536', 1536]] as const;
const METRICS: Metric[] = ['L2', 'IP', 'COSINE'];

for (const [profile, dim] of PROFILES) {
  test(`${profile}: pruned generator search returns exactly the brute-force answer on every metric`, async () => {
    const rows = dim > 512 ? 12_000 : 40_000;
    await using engine = new TruthEngine(2);
    for (const metric of METRICS) {
      const ds = createDataset({ profile, dim, metric, seed: 3 });
      const queries = ds.queries(24);
      for (const k of [1, 50]) {
        const request = { dim, metric, k, queries, base: { dataset: ds, rows, startId: 7 }, taskRows: 5000 };
        const brute = await engine.topK({ ...request, prune: false });
        assert.equal(engine.lastPairsScored, 24 * rows);
        const pruned = await engine.topK(request);
        assert.deepEqual(pruned.ids, brute.ids, `${profile} ${metric} k=${k}: ids`);
        assert.deepEqual(pruned.distances, brute.distances, `${profile} ${metric} k=${k}: distances`);
        if (profile === 'sift-128' && metric === 'L2') {
          assert.ok(engine.lastPairsScored < (k === 1 ? 0.2 : 0.6) * 24 * rows, `${metric} k=${k}: pruning scored ${engine.lastPairsScored} of ${24 * rows} pairs`);
        }
      }
    }
  });
}

test('pruned search with a filter and a churn exclusion still equals brute force', async () => {
  const ds = createDataset({ profile: 'sift-128', dim: 128, metric: 'L2', seed: 9 });
  const queries = ds.queries(16);
  const filter = (id: number): boolean => ds.scalars(id).category !== 0;
  const excluded = (id: number, q: number): boolean => (id + q) % 11 === 0;
  const request = { dim: 128, metric: 'L2' as const, k: 20, queries, base: { dataset: ds, rows: 30_000 }, filter, excluded, threads: 2, taskRows: 4096 };
  assert.deepEqual(await exactTopK(request), await exactTopK({ ...request, prune: false }));
});

test('brute force over generated rows matches the scalar reference (ties by id, distances within 1e-6)', async () => {
  for (const [profile, metric] of [['sift-128', 'L2'], ['text-768', 'IP'], ['text-768', 'COSINE']] as const) {
    const dim = 64;
    const ds = createDataset({ profile, dim, metric, seed: 4 });
    const queries = ds.queries(6);
    const want = referenceTopK(ds.vectors(0, 6000), queries, dim, 30, metric);
    const got = await exactTopK({ dim, metric, k: 30, queries, base: { dataset: ds, rows: 6000 }, threads: 2, taskRows: 2000 });
    assert.deepEqual(got.ids, want.ids, `${profile} ${metric}`);
    for (let i = 0; i < want.distances.length; i++) {
      assert.ok(Math.abs(got.distances[i]! - want.distances[i]!) <= 1e-6 * Math.max(1, Math.abs(want.distances[i]!)), `${profile} ${metric} slot ${i}`);
    }
  }
});

test('every generated row lies inside its cluster\'s box, and no row beats its cluster\'s bound', () => {
  for (const [profile, dim] of PROFILES) {
    for (const metric of METRICS) {
      const ds = createDataset({ profile, dim, metric, seed: 2 });
      const formula = ds.rowFormula(0);
      const queries = ds.queries(8);
      const bounds = generatorBounds(formula, metric, queries);
      const { lo, hi } = clusterBoxes(formula);
      const rows = ds.vectors(0, 2000);
      for (let id = 0; id < 2000; id++) {
        const c = pickRank(formula.clusterThresholds, mix32(id ^ formula.keys[dim]!));
        if (!formula.normalize) {
          for (let j = 0; j < dim; j++) assert.ok(rows[id * dim + j]! >= lo[c * dim + j]! && rows[id * dim + j]! <= hi[c * dim + j]!, `${profile}: row ${id} axis ${j} outside cluster ${c}'s box`);
        }
        for (let q = 0; q < 8; q++) {
          const d = distance(metric, queries, q * dim, rows, id * dim, dim);
          const badness = metric === 'L2' ? d : -d;
          assert.ok(badness >= bounds.lowerBounds[q * bounds.clusters + c]!, `${profile} ${metric}: row ${id} beats cluster ${c}'s bound for query ${q}`);
        }
      }
    }
  }
});

for (const [profile, dim] of [['sift-128', 128], ['text-768', 768]] as const) {
  test(`${profile}: a stored base searched by its partition gives exactly the brute-force answer on every metric`, async () => {
    const rows = dim > 512 ? 12_000 : 60_000;
    await using engine = new TruthEngine(2);
    for (const metric of METRICS) {
      const ds = createDataset({ profile, dim, metric, seed: 5 });
      const base = ds.vectors(0, rows);
      const queries = ds.queries(40);
      for (const k of [1, 100]) {
        const request = { dim, metric, k, queries, base, taskRows: 3000 };
        const brute = await engine.topK({ ...request, prune: false });
        const pruned = await engine.topK({ ...request, prune: true });
        assert.deepEqual(pruned.ids, brute.ids, `${profile} ${metric} k=${k}: ids`);
        assert.deepEqual(pruned.distances, brute.distances, `${profile} ${metric} k=${k}: distances`);
        if (profile === 'sift-128' && metric === 'L2') assert.ok(engine.lastPairsScored < 0.5 * 40 * rows, `k=${k}: the partition scored ${engine.lastPairsScored} of ${40 * rows} pairs`);
      }
    }
  });
}

test('partition pruning keeps row ids, filters and churn exclusions, from memory and from an .fbin file', async () => {
  const dim = 128;
  const ds = createDataset({ profile: 'sift-128', dim, metric: 'L2', seed: 8 });
  const rows = 30_000;
  const base = ds.vectors(0, rows);
  const queries = ds.queries(20);
  const rowIds = Array.from({ length: rows }, (_, i) => 5 + 2 * i);
  const filter = (id: number): boolean => id % 3 !== 0;
  const excluded = (id: number, q: number): boolean => (id + q) % 7 === 0;
  const request = { dim, metric: 'L2' as const, k: 30, queries, base, rowIds, filter, excluded, threads: 2, taskRows: 2500 };
  assert.deepEqual(await exactTopK({ ...request, prune: true }), await exactTopK({ ...request, prune: false }));
  assert.deepEqual(await exactTopK({ ...request, threads: 1, prune: true }), await exactTopK({ ...request, prune: false }), 'on the calling thread');
  const dir = mkdtempSync(join(tmpdir(), 'truth-prune-'));
  try {
    const path = join(dir, 'base.fbin');
    const writer = new BinWriter(path, rows, dim);
    writer.append(base);
    writer.close();
    const fromFile = { dim, metric: 'L2' as const, k: 30, queries, base: { fbin: path, rows }, threads: 2, taskRows: 2500 };
    assert.deepEqual(await exactTopK({ ...fromFile, prune: true }), await exactTopK({ ...fromFile, prune: false }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
