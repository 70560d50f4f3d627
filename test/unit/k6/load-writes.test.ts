import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadWriteSpec } from '../../../src/core/types.ts';
import { loadWriteProblems, planLoadWrites, WRITE_END_SLACK_MS, type PlannedWriteStream } from '../../../src/scenario/load-writes.ts';
import { validateScenario } from '../../../src/scenario/validate.ts';

const ROWS = 20_000;
const TIMEOUT = 3_000;
const DURATION = 170_000;
const WINDOW = DURATION - TIMEOUT - WRITE_END_SLACK_MS;

function plan(writes: LoadWriteSpec[], timeout = TIMEOUT, durationMs = DURATION): PlannedWriteStream[] {
  return planLoadWrites({ rows: ROWS, writes, timeout, durationMs });
}

function allIds(stream: PlannedWriteStream): number[] {
  return Array.from({ length: stream.batches }, (_, n) => stream.batch(n).ids).flat();
}

test('inserts take fresh consecutive ids from dataset.rows up, once each, at version 0', () => {
  const [insert] = plan([{ op: 'insert', rate: 2, batchSize: 20 }]);
  assert.equal(insert!.startAfter, 0);
  assert.equal(insert!.duration, WINDOW);
  assert.equal(insert!.batches, Math.ceil(2 * WINDOW / 1000) + 1);
  assert.deepEqual(insert!.batch(0), { ids: Array.from({ length: 20 }, (_, i) => ROWS + i), versions: new Array(20).fill(0) });
  const ids = allIds(insert!);
  assert.deepEqual(ids, Array.from({ length: insert!.batches * 20 }, (_, i) => ROWS + i));
  // Enough VUs that calls lasting their whole timeout never leave a batch without one.
  assert.ok(insert!.vus >= (2 * TIMEOUT) / 1000 + 1);
});

test('upserts cycle through their own block above the inserts, a version higher each pass, never two in flight on a row', () => {
  const [insert, upsert] = plan([{ op: 'insert', rate: 2, batchSize: 20 }, { op: 'upsert', rate: 5, batchSize: 3 }]);
  const inserted = new Set(allIds(insert!));
  const lastWrite = new Map<number, { n: number; version: number }>();
  for (let n = 0; n < upsert!.batches; n++) {
    const { ids, versions } = upsert!.batch(n);
    ids.forEach((id, i) => {
      assert.ok(id >= ROWS && !inserted.has(id), `upsert id ${id} collides with the initial rows or the inserts`);
      const previous = lastWrite.get(id);
      assert.equal(versions[i], (previous?.version ?? 0) + 1, `id ${id} at batch ${n}`);
      // k6 starts batch n no earlier than n / rate: the previous write to the row has timed out by then.
      if (previous) assert.ok((n - previous.n) / 5 >= (TIMEOUT + 1_000) / 1000, `id ${id} rewritten after ${(n - previous.n) / 5} s`);
      lastWrite.set(id, { n, version: versions[i]! });
    });
  }
  assert.ok(Math.max(...[...lastWrite.values()].map((w) => w.version)) > 10, 'rows are upserted many times');
});

test('deletes remove inserted rows in insert order, each only after its insert has surely ended', () => {
  for (const [insertSpec, deleteSpec, timeout] of [
    [{ rate: 2, batchSize: 20 }, { rate: 2, batchSize: 20 }, 3_000],
    [{ rate: 2, batchSize: 20 }, { rate: 1, batchSize: 7 }, 3_000],
    [{ rate: 10, batchSize: 1 }, { rate: 0.5, batchSize: 20 }, 500],
  ] as const) {
    const [insert, del] = plan([{ op: 'insert', ...insertSpec }, { op: 'delete', ...deleteSpec }], timeout);
    const insertedBatch = new Map<number, number>();
    for (let k = 0; k < insert!.batches; k++) for (const id of insert!.batch(k).ids) insertedBatch.set(id, k);
    assert.equal(del!.duration, DURATION - timeout - WRITE_END_SLACK_MS - del!.startAfter);
    const deleted = allIds(del!);
    assert.deepEqual(deleted, Array.from({ length: deleted.length }, (_, i) => ROWS + i));
    for (let n = 0; n < del!.batches; n++) {
      const deleteStarts = del!.startAfter + (n * 1000) / deleteSpec.rate;
      for (const id of del!.batch(n).ids) {
        const k = insertedBatch.get(id);
        assert.ok(k !== undefined, `delete of ${id}, never inserted`);
        const insertEnds = (k * 1000) / insertSpec.rate + timeout;
        assert.ok(insertEnds + 1_000 <= deleteStarts, `id ${id}: insert ends by ${insertEnds} ms, delete starts at ${deleteStarts} ms`);
      }
    }
    assert.deepEqual(del!.batch(0).versions, []);
  }
});

test('streams the phases cannot hold, or that collide, are refused with every problem at once', () => {
  const problems = loadWriteProblems({
    rows: ROWS,
    dim: 128,
    timeout: TIMEOUT,
    durationMs: 20_000,
    writes: [
      { op: 'delete', rate: 0.1, batchSize: 5 },
      { op: 'upsert', rate: 1, batchSize: 10 },
      { op: 'upsert', rate: 1000, batchSize: 10_000 },
    ],
  });
  assert.deepEqual(problems.map((p) => [p.path, p.message.replace(/:.*/, '')]), [
    ['workload.load.writes[0]', problems[0]!.message.replace(/:.*/, '')],
    ['workload.load.writes[0].op', 'a delete stream deletes the rows the insert stream wrote, and there is none'],
    ['workload.load.writes[2].op', "a second 'upsert' stream"],
    ['workload.load.writes[2]', problems[3]!.message.replace(/:.*/, '')],
  ]);
  assert.match(problems[0]!.message, /leave 0 ms for this stream .* less than one batch at 0.1\/s/);
  assert.match(problems[3]!.message, /over the 8000000 k6 holds per stream/);
  const faster = loadWriteProblems({ rows: ROWS, dim: 8, timeout: TIMEOUT, durationMs: DURATION, writes: [{ op: 'insert', rate: 1, batchSize: 10 }, { op: 'delete', rate: 2, batchSize: 10 }] });
  assert.deepEqual(faster.map((p) => p.message), ['deletes 20 rows/s but the insert stream adds only 10 rows/s']);
  assert.deepEqual(loadWriteProblems({ rows: ROWS, dim: 128, timeout: TIMEOUT, durationMs: DURATION, writes: [{ op: 'insert', rate: 2, batchSize: 20 }, { op: 'delete', rate: 1, batchSize: 20 }] }), []);
});

function scenario(load: unknown): unknown {
  return { name: 'w', dataset: { rows: 1_000, dim: 8 }, phases: { steady: '30s', fault: '0s', recovered: '30s' }, workload: { load } };
}

test('a scenario declares k6 write streams under workload.load.writes; bad fields are named with a fix', () => {
  const ok = validateScenario(scenario({ rate: 0, timeout: '2s', writes: [{ op: 'insert', rate: 2, batchSize: 20 }, { op: 'delete', rate: 1, batchSize: 10 }] }));
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  assert.deepEqual(ok.scenario.workload.load!.writes, [{ op: 'insert', rate: 2, batchSize: 20 }, { op: 'delete', rate: 1, batchSize: 10 }]);
  const searchOnly = validateScenario(scenario({ rate: 5 }));
  assert.ok(searchOnly.ok);
  assert.deepEqual(searchOnly.scenario.workload.load!.writes, []);

  const bad = validateScenario(scenario({ writes: [{ op: 'updelete', rate: 0, batchSize: 0, size: 1 }, 'x'] }));
  assert.ok(!bad.ok);
  const paths = bad.errors.map((e) => e.path);
  for (const path of ['workload.load.writes[0].size', 'workload.load.writes[0].rate', 'workload.load.writes[0].op', 'workload.load.writes[0].batchSize', 'workload.load.writes[1]']) {
    assert.ok(paths.includes(path), `no error at ${path} in ${JSON.stringify(bad.errors)}`);
  }
  assert.ok(bad.errors.every((e) => e.fix.length > 0));

  const idle = validateScenario(scenario({ rate: 0 }));
  assert.ok(!idle.ok);
  assert.deepEqual(idle.errors.map((e) => [e.path, e.message]), [['workload.load.rate', 'is 0, with no stages and no writes: the load drives nothing']]);
});
