// The k6 driver against a real Milvus 2.3.5 standalone: open-model search load plus write streams
// (full rows of the scenario's schema), every op ingested into the history, and thresholds
// deciding k6's exit code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { OpRecord, SloSpec } from '../../src/core/types.ts';
import { Journal, type JournalEntry } from '../../src/supervise/journal.ts';
import { referenceTopK } from '../../src/truth/reference.ts';
import { durability } from '../../src/checks/durability.ts';
import { createDataset } from '../../src/dataset/index.ts';
import { HistoryRecorder } from '../../src/history/recorder.ts';
import { fixedLength } from '../../src/scenario/steps.ts';
import { k6Spec, runLoad } from '../../src/runner/workload.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { SdkDriver } from '../../src/workload/sdk.ts';
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

const dir = mkdtempSync(join(tmpdir(), 'k6-driver-'));
const journal = new Journal(join(dir, 'state'), 'k6-test');
const base = testVectors(ROWS, DIM, 1);
const queries = testVectors(QUERIES, DIM, 2);
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
  const lookups = Array.from({ length: 10 }, (_, n) => ({ ids: [3 * n, 3 * n + 1, 3 * n + 2] }));
  writeFileSync(join(dir, 'lookups.json'), JSON.stringify(lookups));
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

test('open-model searches and an id lookup stream land in the history, all ok, with exact FLAT results', async () => {
  const epochMs = Date.now();
  const slos: SloSpec[] = [{ name: 'p99', kind: 'latency', phase: null, percentile: 99, op: '<=', threshold: 5_000 }];
  const result = await runK6({
    spec: spec({
      writes: [{ op: 'query', rate: 1, startAfter: 0, duration: 3_000, batchesFile: join(dir, 'lookups.json'), vus: { preAllocated: 2, max: 5 } }],
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

  const lookups = byOp(result.ops, 'query');
  assert.ok(lookups.length >= 3 && lookups.every((o) => o.outcome === 'ok'), `lookups: ${JSON.stringify(lookups)}`);
  assert.deepEqual(lookups.map((o) => o.ids).slice(0, 2), [[0, 1, 2], [3, 4, 5]]);
  assert.deepEqual(result.ops.map((o) => o.seq), result.ops.map((_, i) => i));
});

/** Whether the journal still holds k6's process: ManagedProcess removes it on k6's exit event. */
function k6Journalled(j: Journal): boolean {
  try {
    const { entries } = JSON.parse(readFileSync(j.file, 'utf8')) as { entries: JournalEntry[] };
    return entries.some((e) => e.kind === 'process' && e.name === 'k6');
  } catch {
    return false;
  }
}

test('ops stream through onOp while k6 is still running, and are exactly the ops of the result', async (t) => {
  const own = new Journal(join(dir, 'state-stream'), 'k6-stream-test');
  const streamed: OpRecord[] = [];
  let whileRunning = 0;
  const result = await runK6({
    spec: spec({}),
    slos: [],
    address: milvus.address,
    runDir: join(dir, 'run-stream'),
    journal: own,
    epochMs: Date.now(),
    firstSeq: 100,
    onOp: (op) => {
      streamed.push(op);
      if (k6Journalled(own)) whileRunning++;
    },
  });
  own.close();
  assert.equal(result.exitCode, 0, `k6 log: ${result.files.log}`);
  assert.equal(k6Journalled(own), false, 'k6 has exited');
  const expected = (SEARCH_RATE * SEARCH_MS) / 1000;
  assert.ok(streamed.length >= expected * 0.9, `${streamed.length} ops streamed, ${expected} scheduled`);
  t.diagnostic(`${whileRunning} of ${streamed.length} ops arrived before k6 exited`);
  assert.ok(whileRunning > 0, 'the first op arrived before k6 exited');
  // Ops are flushed every 200 ms over a 5 s run: most arrive long before k6 exits.
  assert.ok(whileRunning >= streamed.length / 2, `only ${whileRunning} of ${streamed.length} ops arrived before k6 exited`);
  assert.deepEqual(streamed, result.ops, 'the same ops, once each, in the same order');
  assert.deepEqual(streamed.map((o) => o.seq), streamed.map((_, i) => 100 + i));
});

test('an impossible latency threshold fails k6 with its thresholds exit code', async () => {
  const slos: SloSpec[] = [{ name: 'impossible', kind: 'latency', phase: 'steady', percentile: 99, op: '<=', threshold: 0.001 }];
  const result = await runK6({
    // k6 judges only phases whose bounds it was given.
    spec: spec({ phases: [{ name: 'steady', startsAtMs: Date.now() - 1_000 }], search: { arrival: { kind: 'constant', rate: 10, duration: 1_000 }, vus: { preAllocated: 2, max: 5 } } }),
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
    spec: spec({
      phases: [{ name: 'steady', startsAtMs: Date.now() - 1_000 }, { name: 'fault', startsAtMs: Date.now() + 600_000 }],
      search: { arrival: { kind: 'constant', rate: 5, duration: 1_000 }, vus: { preAllocated: 1, max: 5 } },
    }),
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
  assert.ok(timedOut.length >= searches.length - 1, `outcomes: ${searches.map((s) => `${s.outcome}/${s.errorClass} ${s.error ?? ''}`).join('; ')}`);
  for (const s of timedOut) {
    // The client's deadline, or the server's own when it noticed first: either way it may have run.
    assert.ok(s.errorClass === 'timeout' || s.errorClass === 'server-timeout', `errorClass ${s.errorClass}`);
    assert.equal(s.ids, undefined);
  }
});

test('k6 writes full rows into the scenario schema: every acknowledged insert, upsert and delete holds under a Strong lookup', async (t) => {
  const validated = validateScenario({
    name: 'k6-writes',
    seed: 5,
    collection: { name: 'k6_scenario_writes', shards: 1, partitionKey: { field: 'tenant', partitions: 4 }, scalarFields: ['tenant', 'category', 'num'], index: { type: 'FLAT' } },
    dataset: { profile: 'sift-128', dim: DIM, metric: 'L2', rows: 1_000 },
    phases: { steady: '10s', fault: '0s', recovered: '10s' },
    workload: { load: { rate: 0, timeout: '2s', writes: [{ op: 'insert', rate: 4, batchSize: 10 }, { op: 'upsert', rate: 4, batchSize: 5 }, { op: 'delete', rate: 2, batchSize: 10 }] } },
  });
  assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  const s = validated.scenario;
  const dataset = createDataset({ profile: s.dataset.profile, dim: DIM, metric: 'L2', seed: s.seed });
  const history = new HistoryRecorder(Date.now());
  await using driver = await SdkDriver.connect(milvus.address, history, s.collection);
  assert.equal((await driver.createCollection(s.dataset)).outcome, 'ok');
  await driver.insertAll(dataset, s.dataset, () => {}, new AbortController().signal);
  for (const step of [() => driver.flush(), () => driver.buildIndex('L2', new AbortController().signal), () => driver.load()]) assert.equal((await step()).outcome, 'ok');

  history.enterPhase('steady');
  const durationMs = fixedLength(s)!;
  const spec = k6Spec(s, { queryVectorsFile: join(dir, 'queries.fbin'), durationMs, dataset, dir: join(dir, 'scenario-batches'), phases: [] })!;
  const spawnedAt = history.now();
  const result = await runLoad(s, spec, { address: milvus.address, runDir: join(dir, 'run-writes'), journal, epochMs: history.epochMs, signal: new AbortController().signal });
  assert.equal(result.exitCode, 0, `k6 log: ${result.files.log}`);
  history.import(result.ops, 'k6');
  const k6Writes = result.ops.filter((o) => o.op === 'insert' || o.op === 'upsert' || o.op === 'delete');
  for (const op of ['insert', 'upsert', 'delete'] as const) {
    const ops = byOp(k6Writes, op);
    assert.ok(ops.length >= 5 && ops.every((o) => o.outcome === 'ok'), `${op}: ${ops.map((o) => `${o.outcome} ${o.error ?? ''}`).join('; ')}`);
  }
  assert.ok(byOp(k6Writes, 'upsert').every((o) => o.versions?.length === o.ids?.length && o.versions!.every((v) => v >= 1)));
  assert.ok(byOp(k6Writes, 'upsert').some((o) => o.versions![0]! >= 2), 'some rows were upserted twice or more');
  // Writes end before the phases do, so every one is over, and recorded, before a runner stops k6.
  const firstStart = Math.min(...k6Writes.map((o) => o.start)) - spawnedAt;
  const lastEnd = Math.max(...k6Writes.map((o) => o.end)) - spawnedAt;
  assert.ok(lastEnd < durationMs, `last write ended ${lastEnd} ms after k6 was started, the phases last ${durationMs} ms`);
  t.diagnostic(`k6 writes from ${firstStart.toFixed(0)} to ${lastEnd.toFixed(0)} ms after its start: ${['insert', 'upsert', 'delete'].map((op) => `${byOp(k6Writes, op as OpRecord['op']).length} ${op}s`).join(', ')}`);

  const written = [...new Set(k6Writes.flatMap((o) => o.ids!))];
  await driver.verifyDurability([...Array.from({ length: 1_000 }, (_, i) => i), ...written]);
  await driver.count();
  const verdict = durability(history.snapshot().ops);
  assert.deepEqual({ missing: verdict.missing, resurrected: verdict.resurrected, stale: verdict.stale, uncertain: verdict.uncertain, unverified: verdict.unverified }, { missing: [], resurrected: [], stale: [], uncertain: 0, unverified: 0 });
  const deleted = new Set(byOp(k6Writes, 'delete').flatMap((o) => o.ids!));
  const present = new Set([...Array.from({ length: 1_000 }, (_, i) => i), ...written].filter((id) => !deleted.has(id)));
  assert.equal(verdict.acknowledged, present.size);
  assert.deepEqual(verdict.count, { reported: present.size, min: present.size, max: present.size });

  // The rows hold exactly what the generator gives: scalars, version and vector.
  const latest = new Map<number, number>();
  for (const o of [...byOp(k6Writes, 'insert'), ...byOp(k6Writes, 'upsert')].sort((a, b) => a.start - b.start)) o.ids!.forEach((id, i) => latest.set(id, o.versions?.[i] ?? 0));
  const sample = [...latest.keys()].filter((id) => !deleted.has(id));
  const rows = await sdk.query({ collection_name: s.collection.name, expr: `id in [${sample.join(',')}]`, output_fields: ['id', 'version', 'tenant', 'category', 'num', 'vector'], consistency_level: 'Strong' as never });
  assert.equal(rows.data.length, sample.length);
  for (const row of rows.data) {
    const id = Number(row.id);
    const version = latest.get(id)!;
    const scalars = dataset.scalars(id);
    assert.deepEqual([Number(row.version), Number(row.tenant), Number(row.category), Number(row.num)], [version, scalars.tenant, scalars.category, scalars.num], `row ${id}`);
    const expected = version === 0 ? dataset.vectors(id, 1) : dataset.upsertVector(id, version);
    assert.deepEqual(Float32Array.from(row.vector as number[]), expected, `vector of row ${id}`);
  }
});

// Last in this file: it kills the shared server.
test('closing a driver waits for a call its timeout gave up on, so the SDK never retries on a closed channel (which crashed a run)', async () => {
  const crashes: unknown[] = [];
  const onCrash = (err: unknown): number => crashes.push(err);
  process.on('uncaughtException', onCrash);
  try {
    const history = new HistoryRecorder(Date.now());
    const driver = await SdkDriver.connect(milvus.address, history, { name: COLLECTION, shards: 1, scalarFields: [], index: { type: 'FLAT', params: {}, searchParams: {} }, consistency: 'Strong' } as never);
    process.kill(milvus.pid, 'SIGSTOP');
    const [lookup] = await driver.verifyDurability([1], 300);
    assert.equal(lookup?.outcome, 'unknown', 'the server is stopped: the lookup outlives its timeout');
    const closing = driver[Symbol.asyncDispose]().then(() => 'closed');
    // A negative check: while the server is stopped the call cannot end, so neither may the close.
    const first = await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 1_000, 'still open'))]);
    assert.equal(first, 'still open', 'the close waits while the timed-out call still runs');
    // The server dies: the call ends UNAVAILABLE, the SDK retries it once on the still-open channel.
    process.kill(milvus.pid, 'SIGKILL');
    await closing;
    assert.deepEqual(crashes, []);
  } finally {
    process.off('uncaughtException', onCrash);
  }
});
