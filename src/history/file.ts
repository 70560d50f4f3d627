import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { History, HistoryEvent, HistoryRecord, OpRecord, RecordedRun } from '../core/types.ts';

/**
 * history.jsonl, appended one record per line as things happen and written through at once, so a
 * runner killed with SIGKILL leaves everything it saw up to the kill.
 */
export class HistoryFile implements Disposable {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  append(record: HistoryRecord): void {
    if (this.fd === null) throw new Error(`history ${this.path} is closed`);
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Reads a history back; a last line cut short by a kill is ignored, any other bad line is an error. */
export function readHistoryFile(path: string): RecordedRun {
  const lines = readFileSync(path, 'utf8').split('\n');
  const records: HistoryRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line) as HistoryRecord);
    } catch (err) {
      const last = lines.slice(i + 1).every((l) => l.trim() === '');
      if (!last) throw new Error(`${path}:${i + 1}: not a history record (${(err as Error).message})`);
    }
  });
  return assemble(records, path);
}

export function assemble(records: readonly HistoryRecord[], source = 'history'): RecordedRun {
  const first = records[0];
  if (!first || first.type !== 'header') throw new Error(`${source}: does not start with a header record; is it a milvus-drill history?`);
  const { type: _type, ...header } = first;
  const ops: OpRecord[] = [];
  const events: HistoryEvent[] = [];
  const run: RecordedRun = {
    header,
    history: { epochMs: header.epochMs, ops, events },
    versions: null,
    bringUpMs: null,
    truthInputs: null,
    scrapes: [],
    load: null,
    breach: null,
    stepFailure: null,
    end: null,
  };
  const scrapes: RecordedRun['scrapes'][number][] = [];
  for (const r of records.slice(1)) {
    switch (r.type) {
      case 'op':
        ops.push(r.op);
        break;
      case 'event':
        events.push(r.event);
        break;
      case 'versions':
        run.versions = { server: r.server, sdk: r.sdk };
        break;
      case 'bring-up':
        run.bringUpMs = r.ms;
        break;
      case 'truth-inputs': {
        const { type: _t, ...inputs } = r;
        run.truthInputs = inputs;
        break;
      }
      case 'scrape':
        scrapes.push(r.scrape);
        break;
      case 'load':
        run.load = r.load;
        break;
      case 'stopped':
        run.breach = r.breach;
        run.stepFailure = r.stepFailure;
        break;
      case 'end':
        run.end = { finishedAt: r.finishedAt, error: r.error, interrupted: r.interrupted };
        break;
      case 'header':
        throw new Error(`${source}: a second header record`);
    }
  }
  ops.sort((a, b) => a.start - b.start || a.seq - b.seq);
  return { ...run, scrapes, history: { epochMs: header.epochMs, ops, events } satisfies History };
}

/** Sorted ids as [first, last] ranges: an initial load of ids 0..N-1 is one pair. */
export function idRanges(ids: readonly number[]): [number, number][] {
  const sorted = [...ids].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const id of sorted) {
    const last = ranges.at(-1);
    if (last && id === last[1] + 1) last[1] = id;
    else if (!last || id !== last[1]) ranges.push([id, id]);
  }
  return ranges;
}

export function expandRanges(ranges: readonly (readonly [number, number])[]): number[] {
  return ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i));
}
