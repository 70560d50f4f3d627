// The runner's side of k6 writes: the batches files k6 reads hold the generator's full rows, and
// what k6 writes reaches the churn-aware truth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpRecord, Scenario } from '../../../src/core/types.ts';
import { createDataset } from '../../../src/dataset/index.ts';
import { k6Spec } from '../../../src/runner/workload.ts';
import { GroundTruth } from '../../../src/runner/truth.ts';
import { validateScenario } from '../../../src/scenario/validate.ts';
import { distance, referenceTopK } from '../../../src/truth/reference.ts';
import { renderK6Workload } from '../../../src/workload/k6/render.ts';
import type { K6Batch } from '../../../src/workload/k6/spec.ts';

const DIM = 16;
const ROWS = 500;

function scenario(load: unknown, scalarFields = ['tenant', 'category', 'ts', 'num']): Scenario {
  const result = validateScenario({
    name: 'k6-writes',
    seed: 9,
    collection: { scalarFields, partitionKey: { field: 'tenant', partitions: 4 } },
    dataset: { profile: 'text-768', dim: DIM, metric: 'L2', rows: ROWS },
    phases: { steady: '20s', fault: '0s', recovered: '20s' },
    workload: { load },
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.scenario;
}

const dataset = createDataset({ profile: 'text-768', dim: DIM, metric: 'L2', seed: 9 });

function readBatches(file: string): K6Batch[] {
  return JSON.parse(readFileSync(file, 'utf8')) as K6Batch[];
}

test('k6 inserts and upserts write full rows: the generator\'s vectors (bit for bit), scalars and version', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'k6-batches-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = scenario({ rate: 0, timeout: '2s', writes: [{ op: 'insert', rate: 2, batchSize: 3 }, { op: 'upsert', rate: 2, batchSize: 2 }, { op: 'delete', rate: 1, batchSize: 3 }] });
  const spec = k6Spec(s, { queryVectorsFile: join(dir, 'q.fbin'), durationMs: 40_000, dataset, dir, phases: [] })!;
  assert.equal(spec.search, null, 'rate 0 without stages: no searches');
  assert.doesNotThrow(() => renderK6Workload(spec, []));
  assert.deepEqual(spec.writes.map((w) => [w.op, w.rate, w.startAfter > 0]), [['insert', 2, false], ['upsert', 2, false], ['delete', 1, true]]);

  const [inserts, upserts, deletes] = spec.writes.map((w) => readBatches(w.batchesFile));
  const checkRows = (batch: K6Batch, vectorOf: (id: number, version: number) => Float32Array): void => {
    const columns = Object.fromEntries(batch.columns!.map((c) => [c.name, c]));
    assert.deepEqual(Object.keys(columns), ['version', 'tenant', 'category', 'ts', 'num']);
    assert.equal(columns.num!.type, 'Double');
    assert.ok(['version', 'tenant', 'category', 'ts'].every((f) => columns[f]!.type === 'Int64'));
    assert.deepEqual(columns.version!.values, batch.versions);
    batch.ids.forEach((id, i) => {
      const scalars = dataset.scalars(id);
      for (const f of ['tenant', 'category', 'ts', 'num'] as const) assert.equal(columns[f]!.values[i], scalars[f], `${f} of ${id}`);
      const written = Float32Array.from(batch.vectors!.slice(i * DIM, (i + 1) * DIM));
      assert.deepEqual(new Uint32Array(written.buffer), new Uint32Array(vectorOf(id, batch.versions![i]!).buffer), `vector of ${id}`);
    });
  };
  assert.equal(inserts!.length, spec.writes[0]!.duration / 500 + 1);
  assert.deepEqual(inserts![0]!.ids, [ROWS, ROWS + 1, ROWS + 2]);
  for (const batch of inserts!) {
    assert.ok(batch.versions!.every((v) => v === 0));
    checkRows(batch, (id) => dataset.vectors(id, 1));
  }
  assert.ok(upserts!.some((b) => b.versions![0]! > 1), 'upserts revisit their rows at higher versions');
  for (const batch of upserts!) checkRows(batch, (id, version) => dataset.upsertVector(id, version));
  assert.deepEqual(deletes![0], { ids: [ROWS, ROWS + 1, ROWS + 2] });
});

test('only the collection\'s scalar fields are written', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'k6-batches-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = scenario({ rate: 5, timeout: '2s', writes: [{ op: 'insert', rate: 1, batchSize: 1 }] }, ['tenant', 'category']);
  const spec = k6Spec(s, { queryVectorsFile: join(dir, 'q.fbin'), durationMs: 40_000, dataset, dir, phases: [] })!;
  assert.equal(spec.search?.arrival.kind, 'constant');
  assert.deepEqual(readBatches(spec.writes[0]!.batchesFile)[0]!.columns!.map((c) => c.name), ['version', 'tenant', 'category']);
});

test('rows k6 inserted after the initial load enter the truth at version 0 once acknowledged, upserts at their version', async () => {
  const baseIds = Array.from({ length: ROWS }, (_, i) => i);
  const inserted = ROWS + 7;
  const upserted = ROWS + 40;
  // Query 0 is the inserted row itself: once present it is the nearest neighbour.
  const queries = new Float32Array(2 * DIM);
  queries.set(dataset.vectors(inserted, 1), 0);
  queries.set(dataset.upsertVector(upserted, 3), DIM);
  const truth = await GroundTruth.compute({ dataset, baseIds, queries, k: 5, consistency: 'Strong', categories: [] }, () => {});
  let seq = 0;
  const op = (o: Partial<OpRecord> & Pick<OpRecord, 'op' | 'start' | 'end'>): OpRecord => ({ seq: seq++, outcome: 'ok', latencyMs: o.end - o.start, phase: 'steady', ...o });
  const ops: OpRecord[] = [
    op({ op: 'insert', start: 0, end: 100, phase: 'setup', ids: baseIds }),
    op({ op: 'insert', start: 1_000, end: 1_050, ids: [inserted], versions: [0], source: 'k6' }),
    op({ op: 'upsert', start: 1_000, end: 1_050, ids: [upserted], versions: [3], source: 'k6' }),
  ];
  const search = (q: number, start: number): OpRecord => op({ op: 'search', start, end: start + 5, queryIndex: q, ids: [] });
  const withK6 = truth.withHistory(ops);

  const before = withK6.forSearch(search(0, 900))!;
  assert.equal(before.distance(inserted), null, 'not yet inserted');
  const during = withK6.forSearch(search(0, 1_020))!;
  assert.equal(during.uncertain(inserted), true, 'in flight');

  const after = withK6.forSearch(search(0, 2_000))!;
  assert.equal(after.distance(inserted), 0);
  assert.equal(after.uncertain(inserted), false);
  const present = new Float32Array((ROWS + 1) * DIM);
  present.set(dataset.vectors(0, ROWS));
  present.set(dataset.vectors(inserted, 1), ROWS * DIM);
  const exact = referenceTopK(present, queries.subarray(0, DIM), DIM, 5, 'L2');
  assert.ok(Math.abs(after.kthDistance - exact.distances[4]!) < 1e-3, `k-th ${after.kthDistance} vs exact ${exact.distances[4]}`);

  const upsertedTruth = withK6.forSearch(search(1, 2_000))!;
  assert.equal(upsertedTruth.distance(upserted), 0, 'the row as upserted at version 3');
  assert.equal(upsertedTruth.distance(inserted), distance('L2', queries, DIM, dataset.vectors(inserted, 1), 0, DIM));
});
