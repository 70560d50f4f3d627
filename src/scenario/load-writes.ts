// Which rows k6's write streams touch, and when. Pure: the runner turns the plan into the files
// k6 reads, validation uses it to refuse streams the phases cannot hold.
//
// The ids never meet the SDK churn, which only touches the initial rows [0, dataset.rows):
// - insert: fresh ids from dataset.rows up, each written once at version 0;
// - upsert: its own block of fresh ids above the inserts', rewritten in turn at versions 1, 2, …
//   (the first pass creates the rows: an upsert of an absent key inserts it). A batch is revisited
//   only after its previous call has ended, so two writes to one row are never in flight at once;
// - delete: the inserted ids, in insert order, starting late enough that each insert it deletes
//   has ended. It removes ids no faster than the insert stream adds them.
import type { LoadWriteSpec, Millis } from '../core/types.ts';

/**
 * Writes stop this long plus one call's timeout before the phases end: k6 takes a few seconds to
 * start, and every write must end, and be recorded, before the runner stops k6.
 */
export const WRITE_END_SLACK_MS = 10_000;
/** Extra delay between an insert's latest possible end and the delete of its rows. */
const FOLLOW_SLACK_MS = 2_000;
/** Extra delay between an upsert's latest possible end and the next upsert of its rows. */
const REVISIT_SLACK_MS = 2_000;
/** k6 holds every batch in memory (once, shared by its VUs): rows × dim per stream at most. */
export const MAX_STREAM_FLOATS = 8_000_000;

export interface PlannedBatch {
  ids: number[];
  /** The version each row is written at: 0 for inserts; empty for deletes. */
  versions: number[];
}

export interface PlannedWriteStream extends LoadWriteSpec {
  /** When the stream starts and how long it runs, from the start of k6. */
  startAfter: Millis;
  duration: Millis;
  /** Batches the stream can run at most; iteration n writes batch(n). */
  batches: number;
  /** VUs for no batch to be dropped while every call takes its full timeout. */
  vus: number;
  batch(n: number): PlannedBatch;
}

export interface LoadWritesInput {
  /** dataset.rows: the initial rows are [0, rows). */
  rows: number;
  writes: readonly LoadWriteSpec[];
  /** workload.load.timeout: the longest a call lasts. */
  timeout: Millis;
  /** How long the k6 load runs: the phases' total. */
  durationMs: Millis;
}

export interface LoadWriteProblem {
  path: string;
  message: string;
  fix: string;
}

/** The time the phases leave for writes. */
export function writeWindow(input: Pick<LoadWritesInput, 'timeout' | 'durationMs'>): Millis {
  return input.durationMs - input.timeout - WRITE_END_SLACK_MS;
}

function deleteDelay(timeout: Millis, rate: number): Millis {
  return timeout + Math.ceil(1000 / rate) + FOLLOW_SLACK_MS;
}

function batchesIn(rate: number, duration: Millis): number {
  // k6 starts an iteration at 0, 1/rate, …; one more covers a tick landing on the end.
  return Math.max(0, Math.ceil((rate * duration) / 1000)) + 1;
}

function range(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

/** The streams' ids and timing; assumes loadWriteProblems found nothing. */
export function planLoadWrites(input: LoadWritesInput): PlannedWriteStream[] {
  const window = writeWindow(input);
  const vus = (rate: number): number => Math.ceil((rate * input.timeout) / 1000) + 2;
  const insert = input.writes.find((w) => w.op === 'insert');
  const insertBatches = insert ? batchesIn(insert.rate, window) : 0;
  const upsertFirstId = input.rows + insertBatches * (insert?.batchSize ?? 0);
  return input.writes.map((w) => {
    const common = { ...w, vus: vus(w.rate) };
    if (w.op === 'insert') {
      return { ...common, startAfter: 0, duration: window, batches: insertBatches, batch: (n) => ({ ids: range(input.rows + n * w.batchSize, w.batchSize), versions: new Array<number>(w.batchSize).fill(0) }) };
    }
    if (w.op === 'upsert') {
      const batches = batchesIn(w.rate, window);
      const cycle = Math.min(batches, Math.ceil((w.rate * (input.timeout + REVISIT_SLACK_MS)) / 1000) + 1);
      return {
        ...common,
        startAfter: 0,
        duration: window,
        batches,
        batch: (n) => ({ ids: range(upsertFirstId + (n % cycle) * w.batchSize, w.batchSize), versions: new Array<number>(w.batchSize).fill(Math.floor(n / cycle) + 1) }),
      };
    }
    const startAfter = deleteDelay(input.timeout, w.rate);
    const insertedRows = insertBatches * (insert?.batchSize ?? 0);
    const batches = Math.min(batchesIn(w.rate, window - startAfter), Math.floor(insertedRows / w.batchSize));
    return { ...common, startAfter, duration: window - startAfter, batches, batch: (n) => ({ ids: range(input.rows + n * w.batchSize, w.batchSize), versions: [] }) };
  });
}

/** Every reason the streams cannot run as declared, with a fix; paths under workload.load.writes. */
export function loadWriteProblems(input: LoadWritesInput & { dim: number }): LoadWriteProblem[] {
  const problems: LoadWriteProblem[] = [];
  const path = (i: number): string => `workload.load.writes[${i}]`;
  const window = writeWindow(input);
  const insert = input.writes.find((w) => w.op === 'insert');
  input.writes.forEach((w, i) => {
    if (input.writes.findIndex((o) => o.op === w.op) !== i) {
      problems.push({ path: `${path(i)}.op`, message: `a second '${w.op}' stream`, fix: `declare one '${w.op}' stream and raise its rate or batchSize` });
    }
    const delay = w.op === 'delete' ? deleteDelay(input.timeout, w.rate) : 0;
    if (window - delay < 1000 / w.rate) {
      const why = w.op === 'delete' ? `, less ${delay} ms for the inserts it deletes to end` : '';
      problems.push({
        path: path(i),
        message: `the phases leave ${Math.max(0, window - delay)} ms for this stream (their total less workload.load.timeout and ${WRITE_END_SLACK_MS} ms for k6 to start and finish${why}), less than one batch at ${w.rate}/s`,
        fix: 'lengthen the phases, shorten workload.load.timeout or raise the rate',
      });
    }
    const floats = batchesIn(w.rate, window) * w.batchSize * input.dim;
    if (w.op !== 'delete' && floats > MAX_STREAM_FLOATS) {
      problems.push({ path: path(i), message: `would write ${floats} vector components (rows × dim), over the ${MAX_STREAM_FLOATS} k6 holds per stream`, fix: 'lower rate or batchSize, or shorten the phases' });
    }
    if (w.op !== 'delete') return;
    if (!insert) {
      problems.push({ path: `${path(i)}.op`, message: 'a delete stream deletes the rows the insert stream wrote, and there is none', fix: "add { op: 'insert', rate, batchSize } to workload.load.writes" });
    } else if (w.rate * w.batchSize > insert.rate * insert.batchSize) {
      problems.push({
        path: path(i),
        message: `deletes ${w.rate * w.batchSize} rows/s but the insert stream adds only ${insert.rate * insert.batchSize} rows/s`,
        fix: 'lower the delete rate or batchSize, or raise the insert stream\'s',
      });
    }
  });
  return problems;
}
