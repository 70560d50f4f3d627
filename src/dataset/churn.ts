import { hashWords, mix32, TWO_POW_32 } from './hash.ts';

export interface ChurnParams {
  seed: number;
  /** Ids are drawn from [0, rows). */
  rows: number;
  startMs: number;
  durationMs: number;
  deletesPerSecond: number;
  upsertsPerSecond: number;
}

/**
 * One write of a churn schedule. An upsert writes `Dataset.upsertVector(id, version)`; versions
 * of an id count up from 1 in time order.
 */
export interface ChurnOp {
  atMs: number;
  op: 'delete' | 'upsert';
  id: number;
  version: number;
}

/** A reproducible schedule of deletes and upserts at steady rates: a pure function of its params. */
export function churnPlan(params: ChurnParams): ChurnOp[] {
  validate(params);
  const { durationMs } = params;
  const ops = [
    ...evenlySpaced(params, 'delete', Math.floor((params.deletesPerSecond * durationMs) / 1000)),
    ...evenlySpaced(params, 'upsert', Math.floor((params.upsertsPerSecond * durationMs) / 1000)),
  ].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  const versions = new Map<number, number>();
  return ops.map(({ atMs, op, id }) => {
    const version = op === 'upsert' ? (versions.get(id) ?? 0) + 1 : 0;
    if (op === 'upsert') versions.set(id, version);
    return { atMs, op, id, version };
  });
}

/** `count` ops of one kind, one per equal slot of the window at a hashed offset inside the slot. */
function evenlySpaced(params: ChurnParams, op: ChurnOp['op'], count: number): { atMs: number; op: ChurnOp['op']; id: number; seq: number }[] {
  const key = hashWords(params.seed % TWO_POW_32, Math.floor(params.seed / TWO_POW_32), op === 'delete' ? 0xde1 : 0x095e);
  const slot = params.durationMs / Math.max(1, count);
  return Array.from({ length: count }, (_, i) => {
    const timeWord = mix32(key ^ mix32(2 * i));
    const idWord = mix32(key ^ mix32(2 * i + 1));
    const id = Math.floor(((idWord * TWO_POW_32 + mix32(idWord ^ key)) / TWO_POW_32 / TWO_POW_32) * params.rows);
    return { atMs: params.startMs + Math.floor(i * slot + (timeWord / TWO_POW_32) * slot), op, id, seq: op === 'delete' ? 2 * i : 2 * i + 1 };
  });
}

function validate(p: ChurnParams): void {
  const errors: string[] = [];
  if (!Number.isSafeInteger(p.seed) || p.seed < 0) errors.push(`seed must be a non-negative integer, got ${p.seed}`);
  if (!Number.isSafeInteger(p.rows) || p.rows < 1) errors.push(`rows must be a positive integer, got ${p.rows}`);
  if (!Number.isFinite(p.startMs)) errors.push(`startMs must be a number, got ${p.startMs}`);
  if (!Number.isFinite(p.durationMs) || p.durationMs < 0) errors.push(`durationMs must be >= 0, got ${p.durationMs}`);
  for (const name of ['deletesPerSecond', 'upsertsPerSecond'] as const) {
    if (!Number.isFinite(p[name]) || p[name] < 0) errors.push(`${name} must be >= 0, got ${p[name]}`);
  }
  if (errors.length > 0) throw new Error(`invalid churn plan: ${errors.join('; ')}`);
}
