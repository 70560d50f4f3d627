import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from '../../src/core/types.ts';
import { BinWriter, createDataset } from '../../src/dataset/index.ts';
import { exactTopK, TruthEngine, type TruthRequest } from '../../src/truth/index.ts';
import { KnnKernel } from '../../src/truth/kernel.ts';
import { referenceTopK, type TopK } from '../../src/truth/reference.ts';
import { knnModule } from '../../src/truth/wasm-build.ts';

const METRICS: Metric[] = ['L2', 'IP', 'COSINE'];

/** Same ids in the same order, except that near-equal distances (ties) may swap ids. */
function assertSameTopK(got: TopK, want: TopK, label: string): void {
  assert.equal(got.ids.length, want.ids.length, label);
  for (let i = 0; i < want.ids.length; i++) {
    const tolerance = 1e-5 * Math.max(1, Math.abs(want.distances[i]!));
    if (want.ids[i] === -1) {
      assert.equal(got.ids[i], -1, `${label}: slot ${i} should be empty`);
      assert.equal(got.distances[i], want.distances[i]);
      continue;
    }
    assert.ok(Math.abs(got.distances[i]! - want.distances[i]!) <= tolerance, `${label}: slot ${i} distance ${got.distances[i]} vs ${want.distances[i]}`);
    // A different id is fine only where the distances tie.
    if (got.ids[i] !== want.ids[i]) {
      const tied = i > 0 && Math.abs(want.distances[i - 1]! - want.distances[i]!) <= tolerance || i + 1 < want.ids.length && Math.abs(want.distances[i + 1]! - want.distances[i]!) <= tolerance;
      assert.ok(tied, `${label}: slot ${i} id ${got.ids[i]} vs ${want.ids[i]} without a tie`);
    }
  }
}

function data(metric: Metric, dim: number, rows: number, nq: number, seed = 5): { base: Float32Array; queries: Float32Array } {
  const ds = createDataset({ profile: metric === 'L2' ? 'sift-128' : 'text-768', dim, metric, seed });
  return { base: ds.vectors(0, rows), queries: ds.queries(nq) };
}

for (const metric of METRICS) {
  test(`${metric}: matches the scalar reference for odd dims, odd query counts and several k`, async () => {
    for (const [dim, k] of [[13, 1], [13, 10], [32, 100], [130, 7]] as const) {
      const { base, queries } = data(metric, dim, 1500, 9);
      const want = referenceTopK(base, queries, dim, k, metric);
      for (const threads of [1, 2]) {
        const got = await exactTopK({ dim, metric, k, queries, base, threads, taskRows: 200 });
        assertSameTopK(got, want, `${metric} dim ${dim} k ${k} threads ${threads}`);
      }
    }
  });

  test(`${metric}: filters rows by id and maps in-memory positions to row ids`, async () => {
    const dim = 24;
    const { base, queries } = data(metric, dim, 900, 6);
    const rowIds = Array.from({ length: 900 }, (_, i) => 10_000 + 3 * i);
    const filter = (id: number): boolean => id % 7 !== 0 && id % 5 !== 1;
    const keep = rowIds.map((id, i) => [id, i] as const).filter(([id]) => filter(id));
    const subset = new Float32Array(keep.length * dim);
    keep.forEach(([, i], j) => subset.set(base.subarray(i * dim, (i + 1) * dim), j * dim));
    const want = referenceTopK(subset, queries, dim, 20, metric, keep.map(([id]) => id));
    const got = await exactTopK({ dim, metric, k: 20, queries, base, rowIds, filter, threads: 2, taskRows: 128 });
    assertSameTopK(got, want, `${metric} filtered`);
  });
}

test('a base on a SharedArrayBuffer (here a view at an offset) is read in place and gives the same answer', async () => {
  const dim = 20;
  const { base, queries } = data('L2', dim, 2500, 5);
  const shared = new Float32Array(new SharedArrayBuffer((base.length + 3 * dim) * 4), 3 * dim * 4, base.length);
  shared.set(base);
  const rowIds = Array.from({ length: 2500 }, (_, i) => 7 * i + 1);
  const filter = (id: number): boolean => id % 3 !== 0;
  const request = { dim, metric: 'L2' as const, k: 12, queries, rowIds, filter, threads: 2, taskRows: 150 };
  const want = await exactTopK({ ...request, base, threads: 1 });
  assert.deepEqual(await exactTopK({ ...request, base: shared }), want);
  assert.deepEqual(await exactTopK({ ...request, base }), want, 'an ordinary base, copied to the threads through their reused slots');
  assert.deepEqual(shared, base, 'the shared base is left as it was');
});

test('deleted rows are excluded per query, even when they were all the nearest ones', async () => {
  const dim = 16;
  const metric = 'L2';
  const { base, queries } = data(metric, dim, 2000, 5);
  const full = referenceTopK(base, queries, dim, 300, metric);
  // Query q loses its 150·q nearest rows: far more than the engine's spare candidates.
  const deleted = Array.from({ length: 5 }, (_, q) => new Set(full.ids.subarray(q * 300, q * 300 + 150 * Math.min(q, 2))));
  const excluded = (id: number, q: number): boolean => deleted[q]!.has(id);
  const got = await exactTopK({ dim, metric, k: 10, queries, base, excluded, threads: 2, taskRows: 300 });
  for (let q = 0; q < 5; q++) {
    const visible = Array.from({ length: 2000 }, (_, i) => i).filter((i) => !excluded(i, q));
    const subset = new Float32Array(visible.length * dim);
    visible.forEach((i, j) => subset.set(base.subarray(i * dim, (i + 1) * dim), j * dim));
    const want = referenceTopK(subset, queries.subarray(q * dim, (q + 1) * dim), dim, 10, metric, visible);
    assertSameTopK({ ids: got.ids.subarray(q * 10, q * 10 + 10), distances: got.distances.subarray(q * 10, q * 10 + 10) }, want, `query ${q}`);
  }
});

test('upserts: each query sees the value current at its time, filters apply to upserted rows', async () => {
  const dim = 8;
  const metric = 'IP';
  const { base, queries } = data(metric, dim, 400, 4);
  // Row 5 is replaced for queries 1 and up; row 6 gets two versions; row 7 is deleted for query 3.
  const updates = { ids: [5, 6, 6], vectors: queries.slice(dim, 4 * dim), visible: (u: number, q: number) => (u === 0 ? q >= 1 : u === 1 ? q === 2 : q === 3) };
  const excluded = (id: number, q: number): boolean => (id === 5 && q >= 1) || (id === 6 && q >= 2) || (id === 7 && q === 3);
  const filter = (id: number): boolean => id !== 9;
  const got = await exactTopK({ dim, metric, k: 5, queries, base, excluded, updates, filter, threads: 1 });
  for (let q = 0; q < 4; q++) {
    const rows: Float32Array[] = [];
    const ids: number[] = [];
    for (let i = 0; i < 400; i++) {
      if (excluded(i, q) || !filter(i)) continue;
      rows.push(base.subarray(i * dim, (i + 1) * dim));
      ids.push(i);
    }
    updates.ids.forEach((id, u) => {
      if (!updates.visible(u, q)) return;
      rows.push(updates.vectors.subarray(u * dim, (u + 1) * dim));
      ids.push(id);
    });
    const subset = new Float32Array(rows.length * dim);
    rows.forEach((r, j) => subset.set(r, j * dim));
    const want = referenceTopK(subset, queries.subarray(q * dim, (q + 1) * dim), dim, 5, metric, ids);
    assertSameTopK({ ids: got.ids.subarray(q * 5, q * 5 + 5), distances: got.distances.subarray(q * 5, q * 5 + 5) }, want, `query ${q}`);
  }
  // Each update is a copy of the query that sees it, so it is that query's nearest row.
  assert.deepEqual([got.ids[5], got.ids[10], got.ids[15]], [5, 6, 6]);
});

test('ties are broken by the smaller id, and missing rows are -1 with an infinite distance', async () => {
  const dim = 4;
  const base = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]);
  const queries = new Float32Array([1, 0, 0, 0]);
  const got = await exactTopK({ dim, metric: 'L2', k: 6, queries, base, rowIds: [40, 30, 20, 10], threads: 1 });
  assert.deepEqual(Array.from(got.ids), [10, 30, 40, 20, -1, -1]);
  assert.deepEqual(Array.from(got.distances), [0, 0, 0, 2, Infinity, Infinity]);
  const ip = await exactTopK({ dim, metric: 'IP', k: 5, queries, base, threads: 1 });
  assert.deepEqual(Array.from(ip.ids), [0, 1, 3, 2, -1]);
  assert.deepEqual(Array.from(ip.distances), [1, 1, 1, 0, -Infinity]);
});

test('a base streamed from the generator or an .fbin file gives the in-memory answer', async () => {
  const ds = createDataset({ profile: 'text-768', dim: 20, metric: 'COSINE', seed: 11 });
  const queries = ds.queries(7);
  const memory = await exactTopK({ dim: 20, metric: 'COSINE', k: 15, queries, base: ds.vectors(0, 3000), threads: 1 });
  const streamed = await exactTopK({ dim: 20, metric: 'COSINE', k: 15, queries, base: { dataset: ds, rows: 3000 }, threads: 2, taskRows: 700 });
  assert.deepEqual(streamed, memory);
  const offset = await exactTopK({ dim: 20, metric: 'COSINE', k: 15, queries, base: { dataset: ds, rows: 1000, startId: 2000 }, threads: 2, taskRows: 300 });
  const offsetMemory = await exactTopK({ dim: 20, metric: 'COSINE', k: 15, queries, base: ds.vectors(2000, 1000), rowIds: Array.from({ length: 1000 }, (_, i) => 2000 + i), threads: 1 });
  assert.deepEqual(offset, offsetMemory);
  const dir = mkdtempSync(join(tmpdir(), 'truth-'));
  try {
    const path = join(dir, 'base.fbin');
    const writer = new BinWriter(path, 3000, 20);
    for (let s = 0; s < 3000; s += 1000) writer.append(ds.vectors(s, 1000));
    writer.close();
    const fromFile = await exactTopK({ dim: 20, metric: 'COSINE', k: 15, queries, base: { fbin: path, rows: 3000 }, threads: 2, taskRows: 512 });
    assert.deepEqual(fromFile, memory);
    await assert.rejects(exactTopK({ dim: 21, metric: 'COSINE', k: 15, queries: new Float32Array(21), base: { fbin: path, rows: 3000 } }), /holds dim 20 vectors but the request says 21/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reusable engine gives the same answers across searches and reports bad requests clearly', async () => {
  await using engine = new TruthEngine(2);
  await engine.warm();
  const { base, queries } = data('L2', 12, 1000, 3);
  const request: TruthRequest = { dim: 12, metric: 'L2', k: 4, queries, base, taskRows: 100 };
  assert.deepEqual(await engine.topK(request), await engine.topK(request));
  await assert.rejects(engine.topK({ ...request, k: 0 }), /k must be an integer in \[1, 16384\], got 0/);
  await assert.rejects(engine.topK({ ...request, dim: 5 }), /not a multiple of dim 5/);
  await assert.rejects(engine.topK({ ...request, rowIds: [1, 2] }), /rowIds has 2 ids for 1000 base rows/);
});

test('L2 stays exact where |q|²+|b|²−2q·b cancels: large norms, tiny differences', async () => {
  const dim = 33;
  const rows = 600;
  const base = new Float32Array(rows * dim);
  for (let i = 0; i < base.length; i++) base[i] = 1000 + ((i * 2654435761) % 1024) / 4096;
  const queries = base.slice(17 * dim, 22 * dim).map((x, i) => x + ((i % 3) - 1) / 8192);
  const want = referenceTopK(base, queries, dim, 25, 'L2');
  const got = await exactTopK({ dim, metric: 'L2', k: 25, queries, base, threads: 1 });
  assertSameTopK(got, want, 'near-duplicate rows with norms around 1000');
});

test('rows generated inside the WebAssembly kernel are bit-identical to the generator\'s', () => {
  for (const [profile, dim] of [['sift-128', 128], ['sift-128', 30], ['text-768', 64], ['text-1536', 37]] as const) {
    const ds = createDataset({ profile, dim, metric: 'L2', seed: 13 });
    const queries = ds.queries(5);
    for (const startId of [0, 2 ** 32 - 80, 2 ** 36 + 5]) {
      const highWord = Math.floor(startId / 2 ** 32);
      const padded = Math.ceil(dim / 4) * 4;
      const rows = new KnnKernel(knnModule(), { metric: 'L2', dim, k: 1, queries }).generatedRows(ds.rowFormula(highWord), startId - highWord * 2 ** 32, 80);
      const want = ds.vectors(startId, 80);
      for (let r = 0; r < 80; r++) {
        assert.deepEqual(rows.subarray(r * padded, r * padded + dim), want.subarray(r * dim, (r + 1) * dim), `${profile} dim ${dim} row ${startId + r}`);
      }
      const generated = new KnnKernel(knnModule(), { metric: 'L2', dim, k: 80, queries });
      generated.offerGenerated(ds.rowFormula(highWord), startId - highWord * 2 ** 32, 80, 0, null);
      const copied = new KnnKernel(knnModule(), { metric: 'L2', dim, k: 80, queries });
      copied.offer(ds.vectors(startId, 80), 80, 0, null, null);
      assert.deepEqual(generated.candidates(), copied.candidates(), `${profile} dim ${dim} from id ${startId}`);
    }
  }
});
