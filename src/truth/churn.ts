import type { ChurnOp, Dataset } from '../dataset/index.ts';
import type { RowUpdates } from './index.ts';

export interface ChurnView {
  excluded: (id: number, queryIndex: number) => boolean;
  updates: RowUpdates;
}

/**
 * What each query should see of a dataset under a churn schedule, as `exactTopK` wants it: a
 * row's latest write at or before the query's time decides. A deleted row is gone; an upserted
 * row has its upserted value instead of the original.
 */
export function churnView(dataset: Dataset, ops: readonly ChurnOp[], queryTimesMs: readonly number[]): ChurnView {
  const byId = new Map<number, ChurnOp[]>();
  for (const op of [...ops].sort((a, b) => a.atMs - b.atMs)) {
    const list = byId.get(op.id) ?? [];
    list.push(op);
    byId.set(op.id, list);
  }
  const latest = (id: number, queryIndex: number): ChurnOp | undefined => {
    const t = queryTimesMs[queryIndex];
    if (t === undefined) throw new Error(`no time given for query ${queryIndex} (${queryTimesMs.length} query times)`);
    let found: ChurnOp | undefined;
    for (const op of byId.get(id) ?? []) if (op.atMs <= t) found = op;
    return found;
  };
  const upserts = ops.filter((op) => op.op === 'upsert');
  const vectors = new Float32Array(upserts.length * dataset.dim);
  upserts.forEach((op, i) => vectors.set(dataset.upsertVector(op.id, op.version), i * dataset.dim));
  return {
    excluded: (id, q) => latest(id, q) !== undefined,
    updates: {
      ids: upserts.map((op) => op.id),
      vectors,
      visible: (u, q) => latest(upserts[u]!.id, q) === upserts[u],
    },
  };
}
