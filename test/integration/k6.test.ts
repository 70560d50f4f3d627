// The k6 driver against a real Milvus 2.3.5 standalone: open-model search load plus write streams,
// every op ingested into the history, and thresholds deciding k6's exit code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { OpRecord, SloSpec } from '../../src/core/types.ts';
import { Journal } from '../../src/platform/local/journal.ts';
import { referenceTopK } from '../../src/truth/reference.ts';
import { runK6 } from '../../src/workload/k6/run.ts';
import type { K6WorkloadSpec } from '../../src/workload/k6/spec.ts';
import { createFlatCollection, startTestMilvus, testVectors, writeFbin, type TestMilvus } from './support/k6-milvus.ts';

const DIM = 16;
const ROWS = 2_000;
const QUERIES = 40;
const TOP_K = 10;
const COLLECTION = 'k6_driver';
const SEARCH_RATE = 20;
const SEARCH_MS = 5_000;
const INSERT = { rate: 2, batchSize: 5, firstId: 100_000 };

const dir = mkdtempSync(join(tmpdir(), 'k6-driver-'));
const journal = new Journal(join(dir, 'state'), 'k6-test');
const base = testVectors(ROWS, DIM, 1);
const queries = testVectors(QUERIES, DIM, 2);
// Written vectors sit far from the base data, so they never enter a query's top 10 and the
// search results stay comparable with exact kNN over the base rows.
const written = testVectors(200, DIM, 3, 50);
let milvus: TestMilvus;
let sdk: MilvusClient;

function spec(overrides: Partial<K6WorkloadSpec>): K6WorkloadSpec {
  return {
    collection: COLLECTION,
    idField: 'id',
    vectorField: 'vector',
    dim: DIM,
    metric: 'L2',
    topK: TOP_K,
    searchParams: {},
    consistency: null,
    search: { arrival: { kind: 'constant', rate: SEARCH_RATE, duration: SEARCH_MS }, vus: { preAllocated: 4, max: 20 } },
    writes: [],
    timeout: 10_000,
    queryVectorsFile: join(dir, 'queries.fbin'),
    writeVectorsFile: join(dir, 'written.fbin'),
    phases: [],
    recordSearchResults: true,
    ...overrides,
  };
}

before(async () => {
  milvus = await startTestMilvus(join(dir, 'milvus'));
  sdk = new MilvusClient({ address: milvus.address });
  await createFlatCollection(sdk, COLLECTION, base, DIM);
  writeFbin(join(dir, 'queries.fbin'), queries, DIM);
  writeFbin(join(dir, 'written.fbin'), written, DIM);
});

after(async () => {
  await sdk?.closeConnection();
  await milvus?.[Symbol.asyncDispose]();
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

/** k6 ticks at 0, 1/rate, 2/rate, …; the tick landing exactly on the end may or may not start. */
function assertScheduled(actual: number, scheduled: number, what: string): void {
  assert.ok(actual === scheduled || actual === scheduled + 1, `${what}: ${actual}, expected ${scheduled} (+1)`);
}

function byOp(ops: readonly OpRecord[], op: OpRecord['op']): OpRecord[] {
  return ops.filter((o) => o.op === op);
}

test('open-model searches and write streams land in the history, all ok, with exact FLAT results', async () => {
  const epochMs = Date.now();
  const slos: SloSpec[] = [{ name: 'p99', kind: 'latency', phase: null, percentile: 99, op: '<=', threshold: 5_000 }];
  const writeVus = { preAllocated: 2, max: 5 };
  const result = await runK6({
    spec: spec({
      writes: [
        { op: 'insert', rate: INSERT.rate, duration: SEARCH_MS, batchSize: INSERT.batchSize, firstId: INSERT.firstId, vus: writeVus },
        { op: 'upsert', rate: 1, duration: 3_000, batchSize: 2, firstId: 100_150, vus: writeVus },
        { op: 'delete', rate: 1, duration: 3_000, batchSize: 2, firstId: 900_000, vus: writeVus },
        { op: 'query', rate: 1, duration: 3_000, batchSize: 3, firstId: 0, vus: writeVus },
      ],
    }),
    slos,
    address: milvus.address,
    runDir: join(dir, 'run-ok'),
    journal,
    epochMs,
  });
  assert.equal(result.exitCode, 0, `k6 log: ${result.files.log}`);
  assert.equal(result.thresholdsFailed, false);
  assert.deepEqual(result.thresholds.map((t) => [t.metric, t.expression, t.pass]), [['grpc_req_duration{op:search}', 'p(99)<=5000', true]]);

  const searches = byOp(result.ops, 'search');
  const expectedSearches = (SEARCH_RATE * SEARCH_MS) / 1000;
  const droppedSearches = result.dropped.byScenario.search ?? 0;
  assertScheduled(searches.length + droppedSearches, expectedSearches, 'searches run or dropped');
  assert.ok(droppedSearches <= expectedSearches * 0.05, `${droppedSearches} searches dropped`);
  for (const s of searches) {
    assert.equal(s.outcome, 'ok', `search ${s.seq}: ${s.errorClass} ${s.error}`);
    assert.equal(s.phase, 'steady');
    assert.ok(s.start >= 0 && s.end > s.start && s.latencyMs > 0 && s.latencyMs < 5_000, `search ${s.seq} timing ${JSON.stringify(s)}`);
    assert.ok(Math.abs(s.end - s.start - s.latencyMs) < 1e-6);
  }
  const truth = referenceTopK(base, queries, DIM, TOP_K, 'L2');
  for (const s of searches) {
    const q = s.queryIndex!;
    assert.deepEqual(s.ids, Array.from(truth.ids.subarray(q * TOP_K, (q + 1) * TOP_K)), `query ${q}`);
    s.scores!.forEach((d, j) => assert.ok(Math.abs(d - truth.distances[q * TOP_K + j]!) < 1e-3, `query ${q} distance ${j}`));
  }

  const inserts = byOp(result.ops, 'insert');
  assertScheduled(inserts.length + (result.dropped.byScenario.insert ?? 0), (INSERT.rate * SEARCH_MS) / 1000, 'inserts run or dropped');
  assert.ok(inserts.length > 0 && inserts.every((o) => o.outcome === 'ok' && o.ids?.length === INSERT.batchSize));
  for (const op of ['upsert', 'delete', 'query'] as const) {
    const ops = byOp(result.ops, op);
    assert.ok(ops.length > 0 && ops.every((o) => o.outcome === 'ok'), `${op}: ${JSON.stringify(ops)}`);
  }
  assert.deepEqual(result.ops.map((o) => o.seq), result.ops.map((_, i) => i));

  const acknowledged = inserts.flatMap((o) => o.ids!);
  const found = await sdk.query({
    collection_name: COLLECTION,
    expr: `id in [${acknowledged.join(',')}]`,
    output_fields: ['id'],
    consistency_level: 'Strong' as never,
  });
  assert.equal(found.data.length, acknowledged.length, 'every acknowledged insert is readable');
});

test('an impossible latency threshold fails k6 with its thresholds exit code', async () => {
  const slos: SloSpec[] = [{ name: 'impossible', kind: 'latency', phase: 'steady', percentile: 99, op: '<=', threshold: 0.001 }];
  const result = await runK6({
    spec: spec({ search: { arrival: { kind: 'constant', rate: 10, duration: 1_000 }, vus: { preAllocated: 2, max: 5 } } }),
    slos,
    address: milvus.address,
    runDir: join(dir, 'run-threshold'),
    journal,
    epochMs: Date.now(),
  });
  assert.equal(result.exitCode, 99);
  assert.equal(result.thresholdsFailed, true);
  const [threshold] = result.thresholds;
  assert.equal(threshold!.metric, 'grpc_req_duration{op:search,phase:steady}');
  assert.equal(threshold!.pass, false);
  assert.equal(threshold!.samples, byOp(result.ops, 'search').length);
  assert.ok(threshold!.samples > 0);
});

test('a threshold on a phase no search ran in fails although k6 itself exits 0', async () => {
  const slos: SloSpec[] = [{ name: 'fault p99', kind: 'latency', phase: 'fault', percentile: 99, op: '<=', threshold: 5_000 }];
  const result = await runK6({
    spec: spec({ search: { arrival: { kind: 'constant', rate: 5, duration: 1_000 }, vus: { preAllocated: 1, max: 5 } } }),
    slos,
    address: milvus.address,
    runDir: join(dir, 'run-no-samples'),
    journal,
    epochMs: Date.now(),
  });
  assert.equal(result.exitCode, 0);
  assert.equal(result.thresholdsFailed, true);
  assert.deepEqual(result.thresholds.map((t) => [t.metric, t.samples, t.reason]), [['grpc_req_duration{op:search,phase:fault}', 0, 'no samples']]);
});

test('ops are tagged with the phase they started in', async () => {
  const now = Date.now();
  const phases = [{ name: 'recovered' as const, startsAtMs: now }, { name: 'verify' as const, startsAtMs: now + 60_000 }];
  const result = await runK6({
    spec: spec({ phases, search: { arrival: { kind: 'constant', rate: 5, duration: 1_000 }, vus: { preAllocated: 1, max: 5 } } }),
    slos: [],
    address: milvus.address,
    runDir: join(dir, 'run-phases'),
    journal,
    epochMs: now,
  });
  const searches = byOp(result.ops, 'search');
  assert.ok(searches.length >= 5 && searches.every((s) => s.phase === 'recovered' && s.outcome === 'ok'));
});

test('a search that outlives its timeout is recorded as unknown, not as a failure', async () => {
  const result = await runK6({
    spec: spec({ timeout: 1, search: { arrival: { kind: 'constant', rate: 5, duration: 1_000 }, vus: { preAllocated: 1, max: 5 } } }),
    slos: [],
    address: milvus.address,
    runDir: join(dir, 'run-timeout'),
    journal,
    epochMs: Date.now(),
  });
  const searches = byOp(result.ops, 'search');
  assert.ok(searches.length >= 5);
  const timedOut = searches.filter((s) => s.outcome === 'unknown');
  assert.ok(timedOut.length >= searches.length - 1, `outcomes: ${searches.map((s) => `${s.outcome}/${s.errorClass}`).join(' ')}`);
  for (const s of timedOut) {
    assert.equal(s.errorClass, 'timeout');
    assert.equal(s.ids, undefined);
  }
});
