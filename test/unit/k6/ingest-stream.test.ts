import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OpRecord } from '../../../src/core/types.ts';
import { ingestK6Output, K6Ingester } from '../../../src/workload/k6/ingest.ts';

const FIXTURE = resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'k6', 'output.jsonl');
const EPOCH = Date.UTC(2026, 0, 1);
const output = readFileSync(FIXTURE, 'utf8');

function withoutSeq(ops: readonly OpRecord[]): Omit<OpRecord, 'seq'>[] {
  return ops.map(({ seq: _seq, ...op }) => op);
}

test('a drill_op line split across two reads becomes one op when its second half arrives', () => {
  const ingester = new K6Ingester(EPOCH, 5);
  const lines = output.split('\n');
  const searchAt = lines.findIndex((l) => l.startsWith('{"metric":"drill_op",'));
  const before = `${lines.slice(0, searchAt).join('\n')}\n`;
  const line = lines[searchAt]!;
  assert.deepEqual(ingester.push(before), [], 'a grpc_req_duration sample alone is no op');
  assert.deepEqual(ingester.push(line.slice(0, 40)), [], 'half a line is held back');
  const ops = ingester.push(`${line.slice(40)}\n`);
  assert.equal(ops.length, 1);
  assert.deepEqual([ops[0]!.seq, ops[0]!.op, ops[0]!.outcome, ops[0]!.latencyMs, ops[0]!.queryIndex], [5, 'search', 'ok', 2.5, 7]);
});

test('any split of the output into reads gives the same ops, in output order, numbered from firstSeq', () => {
  const whole = new K6Ingester(EPOCH, 10);
  const expected = [...whole.push(output), ...whole.finish()];
  assert.deepEqual(expected.map((o) => o.seq), [10, 11, 12, 13, 14]);
  assert.deepEqual(expected.map((o) => [o.op, o.outcome, o.phase]), [
    ['search', 'ok', 'steady'],
    ['insert', 'ok', 'fault'],
    ['search', 'unknown', 'fault'],
    ['search', 'fail', 'fault'],
    ['search', 'ok', 'recovered'],
  ]);
  for (let cut = 1; cut < output.length; cut += 7) {
    const ingester = new K6Ingester(EPOCH, 10);
    const ops = [...ingester.push(output.slice(0, cut)), ...ingester.push(output.slice(cut)), ...ingester.finish()];
    assert.deepEqual(ops, expected, `split at ${cut}`);
    assert.deepEqual(ingester.dropped, { total: 4, byScenario: { search: 3, insert: 1 } });
  }
});

test('the streamed ops are the batch ingest ops, which are ordered by start', () => {
  const ingester = new K6Ingester(EPOCH);
  const streamed = [...ingester.push(output), ...ingester.finish()];
  const batch = ingestK6Output(output.split('\n'), EPOCH).ops;
  const byStart = (a: Omit<OpRecord, 'seq'>, b: Omit<OpRecord, 'seq'>): number => a.start - b.start || a.end - b.end;
  assert.deepEqual(withoutSeq(streamed).sort(byStart), withoutSeq(batch));
});

test('a last line without a newline is ingested at finish; a truncated one is an error naming the line', () => {
  const lines = output.trimEnd().split('\n');
  const fourth = lines.findIndex((l) => l.includes('"op_id":"3-0"'));
  assert.ok(lines[fourth]!.startsWith('{"metric":"drill_op",'), 'the 4th of the 5 drill_op lines');
  const complete = new K6Ingester(EPOCH);
  const ops = complete.push(lines.slice(0, fourth + 1).join('\n'));
  assert.equal(ops.length, 3, 'the unterminated 4th drill_op line waits');
  assert.deepEqual(complete.finish().map((o) => [o.seq, o.errorClass]), [[3, 'connect']]);
  assert.deepEqual(complete.finish(), [], 'finish is idempotent');

  const truncated = new K6Ingester(EPOCH);
  truncated.push(`${lines.slice(0, 3).join('\n')}\n${lines[3]!.slice(0, 30)}`);
  assert.throws(() => truncated.finish(), /k6 output line 4: not JSON/);
});
