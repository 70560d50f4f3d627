import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { churnPlan, type Dataset } from '../dataset/index.ts';
import { BinWriter } from '../dataset/bin-format.ts';
import type { LoadSpec, LoadWriteSpec, OpRecord, ScalarField, Scenario } from '../core/types.ts';
import { planLoadWrites, type PlannedBatch, type PlannedWriteStream } from '../scenario/load-writes.ts';
import type { Connection, SdkDriver } from '../workload/sdk.ts';
import { runK6, type K6RunResult } from '../workload/k6/run.ts';
import type { ArrivalSpec, K6Batch, K6WorkloadSpec } from '../workload/k6/spec.ts';
import type { Journal } from '../supervise/journal.ts';
import { drillHome } from '../supervise/home.ts';
import { delay } from '../util/poll.ts';

/**
 * Deletes and upserts from the seed's churn plan, each sent at its planned time from `startMs`
 * (ms since the epoch), until the plan ends or the signal aborts. Writes during an outage are
 * still sent (and recorded as they end): the plan does not wait for the server.
 */
export async function runChurn(
  s: Scenario,
  driver: () => SdkDriver | null,
  dataset: Dataset,
  durationMs: number,
  now: () => number,
  signal: AbortSignal,
  /** Whether to leave this kind of write out now (e.g. upsert on a server without it). */
  skip: (op: 'delete' | 'upsert') => boolean = () => false,
  /** Told of each write as it is sent (so a backup can wait for the writes in flight). */
  track: (write: Promise<OpRecord>) => void = () => undefined,
): Promise<void> {
  const churn = s.workload.churn;
  if (!churn) return;
  const startMs = now();
  const plan = churnPlan({ seed: s.seed, rows: s.dataset.rows, startMs, durationMs, ...churn });
  const inFlight = new Set<Promise<OpRecord>>();
  for (const op of plan) {
    const wait = op.atMs - now();
    if (wait > 0) await delay(wait, signal).catch(() => undefined);
    if (signal.aborted) break;
    // While no stack is up (destroyed, not yet replaced) the plan's writes are not sent.
    const d = driver();
    if (!d || skip(op.op)) continue;
    const write = op.op === 'delete' ? d.delete([op.id]) : d.upsert(dataset, [{ id: op.id, version: op.version }]);
    inFlight.add(write);
    track(write);
    void write.finally(() => inFlight.delete(write));
  }
  await Promise.all(inFlight);
}

export interface K6SpecInputs {
  /** The probe queries as an fbin file (writeQueries). */
  queryVectorsFile: string;
  /** How long the load runs: the phases' total. */
  durationMs: number;
  dataset: Dataset;
  /** Where the write streams' batches files go. */
  dir: string;
  /** Phase starts known before the run (Unix ms), so k6 tags and judges its own samples by phase. */
  phases: K6WorkloadSpec['phases'];
}

/**
 * The scenario's k6 load as the k6 driver's spec: open-model searches over the probes' queries,
 * and the write streams planned by load-writes.ts, each with its batches file written here from
 * the generator (k6 cannot run it): full rows, as the SDK driver writes them.
 */
export function k6Spec(s: Scenario, inputs: K6SpecInputs): K6WorkloadSpec | null {
  const load = s.workload.load;
  if (!load) return null;
  const arrival: ArrivalSpec | null =
    load.stages.length > 0
      ? { kind: 'ramping', startRate: load.rate, stages: load.stages }
      : load.rate > 0
        ? { kind: 'constant', rate: load.rate, duration: inputs.durationMs }
        : null;
  const streams = planLoadWrites({ rows: s.dataset.rows, writes: load.writes, timeout: load.timeout, durationMs: inputs.durationMs });
  mkdirSync(inputs.dir, { recursive: true });
  return {
    collection: s.collection.name,
    idField: 'id',
    vectorField: 'vector',
    dim: s.dataset.dim,
    metric: s.dataset.metric,
    topK: s.workload.search.topK,
    searchParams: s.collection.index.searchParams,
    consistency: null,
    search: arrival ? { arrival, vus: { preAllocated: Math.min(4, load.maxVUs), max: load.maxVUs } } : null,
    writes: streams.map((stream, i) => ({
      op: stream.op,
      rate: stream.rate,
      startAfter: stream.startAfter,
      duration: stream.duration,
      batchesFile: writeBatches(join(inputs.dir, `${i}-${stream.op}.batches.json`), stream, inputs.dataset, s.collection.scalarFields),
      vus: { preAllocated: stream.vus, max: stream.vus },
    })),
    timeout: load.timeout,
    queryVectorsFile: inputs.queryVectorsFile,
    phases: inputs.phases,
    recordSearchResults: false,
  };
}

/** What the k6 load does, for the run's log. */
export function describeLoad(load: LoadSpec): string {
  const search = load.stages.length > 0 ? 'ramping searches' : load.rate > 0 ? `${load.rate} searches/s` : null;
  const writes = load.writes.map((w) => `${w.rate}×${w.batchSize} ${w.op}s/s`);
  return [search, ...writes].filter((part) => part !== null).join(', ');
}

/** Writes a stream's batches (K6Batch[]) one at a time, so no stream is ever one huge string. */
export function writeBatches(file: string, stream: PlannedWriteStream, dataset: Dataset, scalarFields: readonly ScalarField[]): string {
  const fd = openSync(file, 'w');
  try {
    for (let n = 0; n < stream.batches; n++) writeSync(fd, `${n === 0 ? '[' : ','}\n${JSON.stringify(k6Batch(stream.op, stream.batch(n), dataset, scalarFields))}`);
    writeSync(fd, stream.batches === 0 ? '[]\n' : '\n]\n');
  } finally {
    closeSync(fd);
  }
  return file;
}

/** A batch's full rows: the generator's vectors and scalars, and the version each row is written at. */
export function k6Batch(op: LoadWriteSpec['op'], planned: PlannedBatch, dataset: Dataset, scalarFields: readonly ScalarField[]): K6Batch {
  if (op === 'delete') return { ids: planned.ids };
  const { ids, versions } = planned;
  const dim = dataset.dim;
  const vectors = new Float32Array(ids.length * dim);
  ids.forEach((id, i) => vectors.set(versions[i] === 0 ? dataset.vectors(id, 1) : dataset.upsertVector(id, versions[i]!), i * dim));
  const scalars = ids.map((id) => dataset.scalars(id));
  return {
    ids,
    columns: [
      { name: 'version', type: 'Int64', values: versions },
      ...scalarFields.map((f) => ({ name: f, type: f === 'num' ? ('Double' as const) : ('Int64' as const), values: scalars.map((row) => row[f]) })),
    ],
    vectors: Array.from(vectors),
    versions,
  };
}

/** Writes the probe queries as an .fbin file for k6 to read. */
export function writeQueries(dir: string, queries: Float32Array, dim: number): string {
  const file = join(dir, 'queries.fbin');
  using writer = new BinWriter(file, queries.length / dim, dim);
  writer.append(queries);
  writer.close();
  return file;
}

export async function runLoad(
  s: Scenario,
  spec: K6WorkloadSpec,
  o: { address: string; runDir: string; journal: Journal; epochMs: number; signal: AbortSignal; onOp?: (op: OpRecord) => void; connection?: Connection },
): Promise<K6RunResult> {
  return runK6({ spec, slos: s.slos, address: o.address, runDir: o.runDir, journal: o.journal, epochMs: o.epochMs, k6Binary: join(drillHome(), 'bin', 'k6'), signal: o.signal, onOp: o.onOp, connection: o.connection });
}
