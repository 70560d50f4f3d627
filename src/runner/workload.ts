import { join } from 'node:path';
import { churnPlan, type Dataset } from '../dataset/index.ts';
import { BinWriter } from '../dataset/bin-format.ts';
import type { OpRecord, Scenario } from '../core/types.ts';
import type { SdkDriver } from '../workload/sdk.ts';
import { runK6, type K6RunResult } from '../workload/k6/run.ts';
import type { K6WorkloadSpec } from '../workload/k6/spec.ts';
import type { Journal } from '../platform/local/journal.ts';
import { drillHome } from '../platform/local/tools.ts';
import { delay } from '../util/poll.ts';

/**
 * Deletes and upserts from the seed's churn plan, each sent at its planned time from `startMs`
 * (ms since the epoch), until the plan ends or the signal aborts. Writes during an outage are
 * still sent (and recorded as they end): the plan does not wait for the server.
 */
export async function runChurn(
  s: Scenario,
  driver: SdkDriver,
  dataset: Dataset,
  durationMs: number,
  now: () => number,
  signal: AbortSignal,
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
    const write = op.op === 'delete' ? driver.delete([op.id]) : driver.upsert(dataset, [{ id: op.id, version: op.version }]);
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
  }
  await Promise.all(inFlight);
}

/** The scenario's k6 load as the k6 driver's spec: open-model searches over the probes' queries. */
export function k6Spec(s: Scenario, queryVectorsFile: string, durationMs: number): K6WorkloadSpec | null {
  const load = s.workload.load;
  if (!load) return null;
  const arrival: K6WorkloadSpec['search'] extends infer T ? (T extends { arrival: infer A } ? A : never) : never =
    load.stages.length > 0 ? { kind: 'ramping', startRate: load.rate, stages: load.stages } : { kind: 'constant', rate: load.rate, duration: durationMs };
  return {
    collection: s.collection.name,
    idField: 'id',
    vectorField: 'vector',
    dim: s.dataset.dim,
    metric: s.dataset.metric,
    topK: s.workload.search.topK,
    searchParams: s.collection.index.searchParams,
    consistency: null,
    search: { arrival, vus: { preAllocated: Math.min(4, load.maxVUs), max: load.maxVUs } },
    writes: [],
    timeout: load.timeout,
    queryVectorsFile,
    writeVectorsFile: null,
    phases: [],
    recordSearchResults: false,
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
  o: { address: string; runDir: string; journal: Journal; epochMs: number; signal: AbortSignal },
): Promise<K6RunResult> {
  return runK6({ spec, slos: s.slos, address: o.address, runDir: o.runDir, journal: o.journal, epochMs: o.epochMs, k6Binary: join(drillHome(), 'bin', 'k6'), signal: o.signal });
}
