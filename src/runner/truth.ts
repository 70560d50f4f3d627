import { churnAwareTruth, nearer, type BaseList, type Truth } from '../checks/truth.ts';
import { rowWrites, STALENESS_MS } from '../checks/visibility.ts';
import { createDataset, type Dataset } from '../dataset/index.ts';
import { expandRanges } from '../history/file.ts';
import type { ConsistencyLevel, OpRecord, Scenario, TruthInputsRecord } from '../core/types.ts';
import { TruthEngine } from '../truth/index.ts';
import { distance as exactDistance } from '../truth/reference.ts';

/** Candidates kept beyond k per query, so rows that churn removes rarely exhaust the list. */
const SPARE = 64;

export interface TruthInputs {
  dataset: Dataset;
  /** Ids acknowledged by the initial load, before the workload began. */
  baseIds: readonly number[];
  queries: Float32Array;
  k: number;
  consistency: ConsistencyLevel;
  /** The category filters the probes use (besides no filter). */
  categories: readonly number[];
}

/**
 * Ground truth over exactly the rows the cluster acknowledged. The heavy part, exact top-(k+spare)
 * per query and filter over the initial rows, runs once on the WebAssembly engine; churn is then
 * applied per search from the history, which arrives later (`withHistory`).
 */
export class GroundTruth {
  private constructor(
    private readonly inputs: TruthInputs,
    private readonly lists: Map<string, BaseList[]>,
  ) {}

  /** Truth for a scenario from the inputs its history recorded (the run, and `analyze` later). */
  static fromRecord(s: Scenario, record: TruthInputsRecord, log: (m: string) => void): Promise<GroundTruth> {
    const dataset = createDataset({ profile: s.dataset.profile, dim: s.dataset.dim, metric: s.dataset.metric, seed: s.seed });
    const inputs = { dataset, baseIds: expandRanges(record.baseIdRanges), queries: dataset.queries(record.queries), k: record.k, consistency: record.consistency, categories: record.categories };
    return GroundTruth.compute(inputs, log);
  }

  static async compute(inputs: TruthInputs, log: (m: string) => void): Promise<GroundTruth> {
    const { dataset, baseIds, queries, k } = inputs;
    const dim = dataset.dim;
    const keep = Math.min(k + SPARE, baseIds.length);
    const base = gather(dataset, baseIds);
    const lists = new Map<string, BaseList[]>();
    await using engine = new TruthEngine();
    for (const category of [undefined, ...inputs.categories]) {
      const started = Date.now();
      const filter = category === undefined ? undefined : (id: number) => dataset.scalars(id).category === category;
      const top = await engine.topK({ dim, metric: dataset.metric, k: keep, queries, base, rowIds: baseIds, filter });
      const nq = queries.length / dim;
      lists.set(
        filterKey(category === undefined ? undefined : { category }),
        Array.from({ length: nq }, (_, q) => {
          const ids = top.ids.subarray(q * keep, (q + 1) * keep);
          const filled = ids.indexOf(-1) === -1 ? keep : ids.indexOf(-1);
          return { ids: ids.subarray(0, filled), distances: top.distances.subarray(q * keep, q * keep + filled), truncated: filled === keep && keep < baseIds.length };
        }),
      );
      log(`exact top-${keep} for ${nq} queries${category === undefined ? '' : ` (category == ${category})`} over ${baseIds.length} rows in ${Date.now() - started} ms (${engine.threads} threads, WebAssembly SIMD)`);
    }
    return new GroundTruth(inputs, lists);
  }

  /** The truth for a finished history: base lists plus the churn the history recorded. */
  withHistory(ops: readonly OpRecord[]): Truth {
    const { dataset, queries, k, baseIds } = this.inputs;
    const dim = dataset.dim;
    const baseSet = new Set(baseIds);
    const setupEnd = Math.max(-Infinity, ...ops.filter((o) => o.phase === 'setup').map((o) => o.end));
    const churn = rowWrites(ops.filter((o) => o.start > setupEnd));
    const cache = new Map<string, number>();
    const distance = (q: number, id: number, version: number): number => {
      const key = `${q}:${id}:${version}`;
      let d = cache.get(key);
      if (d === undefined) {
        const row = version === 0 ? dataset.vectors(id, 1) : dataset.upsertVector(id, version);
        d = exactDistance(dataset.metric, queries, q * dim, row, 0, dim);
        cache.set(key, d);
      }
      return d;
    };
    const matchesFilter = (id: number, filter: OpRecord['filter']): boolean => !filter || dataset.scalars(id).category === filter.category;
    return churnAwareTruth({
      k,
      metric: dataset.metric,
      stalenessMs: STALENESS_MS[this.inputs.consistency],
      isBaseRow: (id) => baseSet.has(id),
      churn,
      baseList: (q, filter) => {
        const list = this.lists.get(filterKey(filter))?.[q];
        if (!list) throw new Error(`no ground truth for query ${q} with filter ${JSON.stringify(filter ?? null)}`);
        return list;
      },
      distance,
      matchesFilter,
      kthByScan: (q, filter, present) => {
        const ds: number[] = [];
        for (const id of new Set([...baseIds, ...churn.keys()])) {
          const d = present(id);
          if (d !== null) ds.push(d);
        }
        ds.sort(nearer(dataset.metric));
        return ds[Math.min(k, ds.length) - 1] ?? Number.NaN;
      },
    });
  }
}

function filterKey(filter: OpRecord['filter']): string {
  return filter ? `category=${filter.category}` : 'none';
}

/** The given rows, contiguous runs generated in one call each. */
function gather(dataset: Dataset, ids: readonly number[]): Float32Array {
  const dim = dataset.dim;
  const out = new Float32Array(ids.length * dim);
  let i = 0;
  while (i < ids.length) {
    let j = i + 1;
    while (j < ids.length && ids[j] === ids[j - 1]! + 1) j++;
    out.set(dataset.vectors(ids[i]!, j - i), i * dim);
    i = j;
  }
  return out;
}
