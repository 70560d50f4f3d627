import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATEGORY_SELECTIVITY, churnPlan, createDataset, listProfiles, type DatasetParams } from '../../src/dataset/index.ts';

const sift: DatasetParams = { profile: 'sift-128', dim: 128, metric: 'L2', seed: 7 };

function bytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

test('the same seed and id give the same bytes from fresh datasets', () => {
  const a = createDataset(sift).vectors(1000, 50);
  const b = createDataset(sift).vectors(1000, 50);
  assert.deepEqual(bytes(a), bytes(b));
});

test('any slice equals the same rows of the whole, in any order and at any offset', () => {
  const ds = createDataset({ ...sift, dim: 48 });
  const whole = ds.vectors(0, 300);
  const parts = [ds.vectors(200, 100), ds.vectors(0, 7), ds.vectors(7, 193)];
  const joined = new Float32Array(300 * 48);
  joined.set(parts[1]!, 0);
  joined.set(parts[2]!, 7 * 48);
  joined.set(parts[0]!, 200 * 48);
  assert.deepEqual(bytes(joined), bytes(whole));
  const into = new Float32Array(10 * 48 + 5);
  ds.fillVectors(123, 10, into, 5);
  assert.deepEqual(bytes(into.subarray(5)), bytes(whole.subarray(123 * 48, 133 * 48)));
});

test('rows far beyond 2^32 are produced on demand, and differ from their low-word twins', () => {
  const ds = createDataset(sift);
  const far = 2 ** 39 + 17;
  assert.deepEqual(bytes(ds.vectors(far, 3).subarray(128, 256)), bytes(ds.vectors(far + 1, 1)));
  assert.notDeepEqual(bytes(ds.vectors(far, 1)), bytes(ds.vectors(17, 1)));
  assert.throws(() => ds.vectors(2 ** 40 - 1, 2), /2\^40/);
});

test('different seeds give different data, scalars and queries', () => {
  const a = createDataset(sift);
  const b = createDataset({ ...sift, seed: 8 });
  assert.notDeepEqual(bytes(a.vectors(0, 10)), bytes(b.vectors(0, 10)));
  assert.notDeepEqual(bytes(a.queries(10)), bytes(b.queries(10)));
  const scalarsOf = (d: typeof a): string => JSON.stringify(Array.from({ length: 20 }, (_, i) => d.scalars(i)));
  assert.notEqual(scalarsOf(a), scalarsOf(b));
});

test('queries are deterministic and a shorter list is a prefix of a longer one', () => {
  const ds = createDataset(sift);
  const ten = ds.queries(10);
  assert.deepEqual(bytes(ten), bytes(createDataset(sift).queries(10)));
  assert.deepEqual(bytes(ds.queries(30).subarray(0, 10 * 128)), bytes(ten));
  assert.deepEqual(bytes(ds.queries(5, 5)), bytes(ten.subarray(5 * 128)));
  const ood = Array.from({ length: 2000 }, (_, i) => ds.isOutOfDistributionQuery(i)).filter(Boolean).length;
  assert.ok(ood > 60 && ood < 140, `about 5% out-of-distribution queries, got ${ood}/2000`);
});

test('sift-128 is non-negative integers within a byte', () => {
  const v = createDataset(sift).vectors(0, 500);
  assert.ok(v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255));
  assert.ok(v.some((x) => x === 0) && v.some((x) => x > 60));
});

test('text profiles are unit-norm for every row and query', () => {
  for (const profile of ['text-768', 'text-1536']) {
    for (const dim of [64, 768]) {
      const ds = createDataset({ profile, dim, metric: 'COSINE', seed: 3 });
      for (const v of [ds.vectors(5, 20), ds.queries(20)]) {
        for (let r = 0; r < 20; r++) {
          let n = 0;
          for (let j = 0; j < dim; j++) n += v[r * dim + j]! ** 2;
          assert.ok(Math.abs(n - 1) < 1e-5, `${profile} dim ${dim} row ${r} norm² ${n}`);
        }
      }
    }
  }
});

test('rows form clusters: nearest neighbours are much nearer than random pairs', () => {
  const dim = 64;
  const ds = createDataset({ ...sift, dim });
  const v = ds.vectors(0, 400);
  const d = (a: number, b: number): number => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += (v[a * dim + j]! - v[b * dim + j]!) ** 2;
    return s;
  };
  let nearest = 0;
  let random = 0;
  for (let a = 0; a < 50; a++) {
    let best = Infinity;
    for (let b = 0; b < 400; b++) if (b !== a) best = Math.min(best, d(a, b));
    nearest += best;
    random += d(a, (a * 7 + 101) % 400);
  }
  assert.ok(nearest < random * 0.6, `nearest ${nearest} vs random ${random}`);
});

test('scalars: skewed tenants, category selectivities, monotone-ish timestamps, float32 numbers', () => {
  const ds = createDataset(sift);
  const n = 40000;
  const cats = new Map<number, number>();
  const tenants = new Map<number, number>();
  for (let id = 0; id < n; id++) {
    const s = ds.scalars(id);
    cats.set(s.category, (cats.get(s.category) ?? 0) + 1);
    tenants.set(s.tenant, (tenants.get(s.tenant) ?? 0) + 1);
    assert.ok(Number.isSafeInteger(s.ts) && s.ts >= 1704067200000 + id && s.ts < 1704067200000 + id + 1024);
    assert.equal(Math.fround(s.num), s.num);
    assert.ok(s.tenant >= 0 && s.tenant < 64 && Number.isInteger(s.tenant));
  }
  for (const [category, share] of Object.entries(CATEGORY_SELECTIVITY)) {
    const measured = (cats.get(Number(category)) ?? 0) / n;
    assert.ok(Math.abs(measured - share) < share * 0.15 + 0.002, `category ${category}: ${measured} vs ${share}`);
  }
  assert.ok((tenants.get(0) ?? 0) > 5 * (tenants.get(20) ?? 0), 'tenant 0 is far more popular than tenant 20');
  assert.deepEqual(ds.scalars(2 ** 35), createDataset(sift).scalars(2 ** 35));
});

test('upserted values are deterministic, differ from the original, and version 0 is the original', () => {
  const ds = createDataset(sift);
  assert.deepEqual(bytes(ds.upsertVector(99, 0)), bytes(ds.vectors(99, 1)));
  assert.notDeepEqual(bytes(ds.upsertVector(99, 1)), bytes(ds.vectors(99, 1)));
  assert.deepEqual(bytes(ds.upsertVector(99, 2)), bytes(createDataset(sift).upsertVector(99, 2)));
});

test('clear errors for an unknown profile or a bad dim', () => {
  assert.ok(listProfiles().includes('sift-128') && listProfiles().length >= 3);
  assert.throws(() => createDataset({ ...sift, profile: 'nope' }), /unknown dataset profile 'nope'.*sift-128/);
  assert.throws(() => createDataset({ ...sift, dim: 0 }), /dim must be an integer/);
  assert.throws(() => createDataset({ ...sift, dim: 12.5 }), /dim must be an integer/);
});

test('churn plans are reproducible schedules at the asked rates, upsert versions counting up per id', () => {
  const params = { seed: 3, rows: 50, startMs: 1000, durationMs: 60_000, deletesPerSecond: 2, upsertsPerSecond: 5 };
  const plan = churnPlan(params);
  assert.deepEqual(churnPlan(params), plan);
  assert.notDeepEqual(churnPlan({ ...params, seed: 4 }), plan);
  assert.equal(plan.filter((o) => o.op === 'delete').length, 120);
  assert.equal(plan.filter((o) => o.op === 'upsert').length, 300);
  assert.ok(plan.every((o, i) => o.atMs >= 1000 && o.atMs < 61_000 && (i === 0 || plan[i - 1]!.atMs <= o.atMs)));
  assert.ok(plan.every((o) => Number.isInteger(o.id) && o.id >= 0 && o.id < 50));
  const seen = new Map<number, number>();
  for (const o of plan.filter((x) => x.op === 'upsert')) {
    assert.equal(o.version, (seen.get(o.id) ?? 0) + 1);
    seen.set(o.id, o.version);
  }
  assert.throws(() => churnPlan({ ...params, rows: 0, deletesPerSecond: -1 }), /rows must be a positive integer.*deletesPerSecond must be >= 0/);
});
