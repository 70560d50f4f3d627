import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ingestK6Output, parseRfc3339Ms } from '../../../src/workload/k6/ingest.ts';

const FIXTURE = resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'k6', 'output.jsonl');
const EPOCH = Date.UTC(2026, 0, 1);

function fixtureLines(): string[] {
  return readFileSync(FIXTURE, 'utf8').split('\n');
}

test('RFC 3339 times keep sub-millisecond precision and honour the offset', () => {
  assert.equal(parseRfc3339Ms('2026-01-01T00:00:01.012500000Z') - EPOCH, 1012.5);
  assert.equal(parseRfc3339Ms('2026-01-01T02:00:00.6+02:00') - EPOCH, 600);
  assert.equal(parseRfc3339Ms('2026-01-01T00:00:02Z') - EPOCH, 2000);
  assert.throws(() => parseRfc3339Ms('yesterday'), /not an RFC 3339 time: "yesterday"/);
});

test('every drill_op sample becomes one op, ordered by start and numbered from firstSeq', () => {
  const { ops } = ingestK6Output(fixtureLines(), EPOCH, 10);
  assert.deepEqual(ops.map((o) => [o.seq, o.op, o.outcome, o.phase]), [
    [10, 'insert', 'ok', 'fault'],
    [11, 'search', 'ok', 'steady'],
    [12, 'search', 'fail', 'fault'],
    [13, 'search', 'unknown', 'fault'],
    [14, 'search', 'ok', 'recovered'],
  ]);
});

test("a call that reached gRPC is timed by k6's grpc_req_duration sample, matched by op_id", () => {
  const { ops } = ingestK6Output(fixtureLines(), EPOCH);
  const [insert, search] = ops;
  assert.deepEqual({ start: insert!.start, end: insert!.end, latencyMs: insert!.latencyMs }, { start: 499.75, end: 600, latencyMs: 100.25 });
  assert.deepEqual({ start: search!.start, end: search!.end, latencyMs: search!.latencyMs }, { start: 1010, end: 1012.5, latencyMs: 2.5 });
  const timedOut = ops[3]!;
  assert.equal(timedOut.end, 3000);
  assert.ok(Math.abs(timedOut.latencyMs - 1000.000001) < 1e-9);
});

test('a call that never reached gRPC is timed by the script and keeps its error', () => {
  const failed = ingestK6Output(fixtureLines(), EPOCH).ops[2]!;
  assert.deepEqual({ start: failed.start, end: failed.end, latencyMs: failed.latencyMs }, { start: 1996, end: 2000, latencyMs: 4 });
  assert.equal(failed.errorClass, 'connect');
  assert.match(failed.error!, /connection refused/);
});

test('search results, query index and written ids come from the metadata', () => {
  const { ops } = ingestK6Output(fixtureLines(), EPOCH);
  assert.deepEqual(ops[0]!.ids, [1000, 1001]);
  assert.deepEqual(ops[1]!.ids, [42, 17, 3]);
  assert.deepEqual(ops[1]!.scores, [0.5, 0.75, 1.25]);
  assert.equal(ops[1]!.queryIndex, 7);
  assert.equal(ops[1]!.errorClass, undefined);
  assert.equal(ops[3]!.errorClass, 'timeout');
  assert.deepEqual(ops[4]!.ids, [], 'a search that found nothing has an empty id list');
  assert.equal(ops[3]!.ids, undefined, 'a timed-out search has no results');
});

test('dropped iterations are summed per scenario', () => {
  assert.deepEqual(ingestK6Output(fixtureLines(), EPOCH).dropped, { total: 4, byScenario: { search: 3, insert: 1 } });
});

test('empty output is an empty history', () => {
  assert.deepEqual(ingestK6Output([''], EPOCH), { ops: [], dropped: { total: 0, byScenario: {} } });
});

test('malformed lines are reported with their line number', () => {
  assert.throws(() => ingestK6Output(['{"type":"Point"', ''], EPOCH), /k6 output line 1: not JSON/);
  assert.throws(() => ingestK6Output(['', '{"type":"Point","metric":"drill_op","data":{"value":1}}'], EPOCH), /line 2: Point without metric, time or value/);
  const badOutcome = '{"type":"Point","metric":"drill_op","data":{"time":"2026-01-01T00:00:00Z","value":1,"tags":{"op":"search","outcome":"maybe","phase":"steady"}}}';
  assert.throws(() => ingestK6Output([badOutcome], EPOCH), /line 1: drill_op has outcome "maybe", expected one of ok, fail, unknown/);
});

function point(metric: string, time: string, value: number, tags: Record<string, string>, metadata: Record<string, string>): string {
  return JSON.stringify({ type: 'Point', metric, data: { time, value, tags, metadata } });
}

test('a write keeps the ids and versions it wrote', () => {
  const metadata = { op_id: '1-0', ids: '20000,20001', versions: '3,3' };
  const lines = [
    point('grpc_req_duration', '2026-01-01T00:00:01Z', 20, { op: 'upsert' }, metadata),
    point('drill_op', '2026-01-01T00:00:01Z', 21, { op: 'upsert', phase: 'steady', outcome: 'ok' }, metadata),
    point('drill_op', '2026-01-01T00:00:02Z', 5, { op: 'delete', phase: 'steady', outcome: 'ok' }, { op_id: '2-0', ids: '20000' }),
  ];
  const { ops } = ingestK6Output(lines, EPOCH);
  assert.deepEqual(ops.map((o) => [o.op, o.ids, o.versions, o.start, o.end]), [
    ['upsert', [20000, 20001], [3, 3], 980, 1000],
    ['delete', [20000], undefined, 1995, 2000],
  ]);
});
