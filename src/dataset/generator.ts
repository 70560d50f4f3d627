import type { Metric } from '../core/types.ts';
import { GAUSS_SD, TWO_POW_32, centredByteSum, hashWords, mix32, pickRank, zipfThresholds } from './hash.ts';
import { MAX_DIM, MIN_DIM, profileSpec, type ProfileSpec } from './profiles.ts';

export interface DatasetParams {
  profile: string;
  dim: number;
  metric: Metric;
  seed: number;
}

export interface RowScalars {
  tenant: number;
  category: number;
  ts: number;
  num: number;
}

export interface Dataset {
  readonly dim: number;
  readonly metric: Metric;
  readonly profile: ProfileSpec;
  readonly seed: number;
  /** Rows [startId, startId+count) row-major; a pure function of (seed, id). */
  vectors(startId: number, count: number): Float32Array;
  /** Writes rows [startId, startId+count) into `out` at `offset` (no allocation). */
  fillVectors(startId: number, count: number, out: Float32Array, offset?: number): void;
  /** The vector an upsert writes to `id` as its `version`-th value (version 0 is the original row). */
  upsertVector(id: number, version: number): Float32Array;
  scalars(id: number): RowScalars;
  /** `count` query vectors drawn from the same distribution with noise (deterministic from seed). */
  queries(count: number, startIndex?: number): Float32Array;
  /** Whether query `index` is one of the out-of-distribution share. */
  isOutOfDistributionQuery(index: number): boolean;
  /** The row formula's tables for ids in [highWord·2^32, (highWord+1)·2^32), for faster ports of it. */
  rowFormula(highWord: number): RowFormula;
}

/**
 * Row `highWord·2^32 + lo` is: c = pickRank(clusterThresholds, mix32(lo ^ keys[dim])); for each
 * axis j, fround(scales[c·dim+j] · centredByteSum(mix32(lo ^ keys[j]))) + centers[c·dim+j] in
 * float32; then optional uint8 quantisation and L2 normalisation (see `finish`).
 */
export interface RowFormula {
  dim: number;
  keys: Uint32Array;
  centers: Float32Array;
  scales: Float32Array;
  clusterThresholds: Uint32Array;
  quantizeUint8: boolean;
  normalize: boolean;
}

/** Ids are row numbers in [0, MAX_ROWS). */
export const MAX_ROWS = 2 ** 40;

/** category 0 selects 50% of rows, 1 selects 10%, 2 selects 1%; 3..9 share the remaining 39%. */
export const CATEGORY_SELECTIVITY: Readonly<Record<number, number>> = { 0: 0.5, 1: 0.1, 2: 0.01 };
export const CATEGORY_COUNT = 10;

/** Row timestamps start here (2024-01-01T00:00:00Z) and advance one millisecond per id, with jitter. */
export const TS_EPOCH_MS = 1704067200000;

const enum Stream {
  Row = 1,
  Query = 2,
  QueryNoise = 3,
}

const enum Lane {
  Cluster = 0,
  Tenant,
  Category,
  Ts,
  Num,
  OutOfDistribution,
  Count,
}

function validateParams(params: DatasetParams, spec: ProfileSpec): void {
  const { dim, seed, metric } = params;
  if (!Number.isInteger(dim) || dim < MIN_DIM || dim > MAX_DIM) {
    throw new Error(`dataset dim must be an integer in [${MIN_DIM}, ${MAX_DIM}], got ${dim} (profile '${spec.name}' defaults to ${spec.defaultDim})`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`dataset seed must be a non-negative integer, got ${seed}`);
  if (metric !== 'L2' && metric !== 'IP' && metric !== 'COSINE') throw new Error(`dataset metric must be L2, IP or COSINE, got '${String(metric)}'`);
}

function checkRange(startId: number, count: number): void {
  if (!Number.isSafeInteger(startId) || startId < 0 || !Number.isSafeInteger(count) || count < 0 || startId + count > MAX_ROWS) {
    throw new Error(`row range [${startId}, ${startId}+${count}) is not within [0, 2^40)`);
  }
}

/** Fixed per-dataset tables: cluster centres, per-axis scales and popularity thresholds. */
interface Tables {
  centers: Float32Array;
  scales: Float32Array;
  clusterThresholds: Uint32Array;
  tenantThresholds: Uint32Array;
}

function buildTables(spec: ProfileSpec, dim: number, seedKey: number): Tables {
  const centers = new Float32Array(spec.clusters * dim);
  const scales = new Float32Array(spec.clusters * dim);
  const axisScales = Array.from({ length: dim }, (_, r) => (spec.spread * Math.pow(r + 1, -spec.spectrumDecay)) / GAUSS_SD);
  for (let c = 0; c < spec.clusters; c++) {
    const clusterKey = hashWords(seedKey, 0xce47e5, c);
    const rankOfAxis = shuffledRanks(dim, clusterKey);
    for (let j = 0; j < dim; j++) {
      const g = centredByteSum(mix32(clusterKey ^ mix32(j + 0x51ed27)));
      centers[c * dim + j] = spec.offset + (spec.centerSpread / GAUSS_SD) * g;
      scales[c * dim + j] = axisScales[rankOfAxis[j]!]!;
    }
  }
  return {
    centers,
    scales,
    clusterThresholds: zipfThresholds(spec.clusters, spec.clusterSkew),
    tenantThresholds: zipfThresholds(spec.tenants, spec.tenantSkew),
  };
}

function shuffledRanks(n: number, key: number): Uint32Array {
  const ranks = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = mix32(key ^ mix32(i)) % (i + 1);
    const t = ranks[i]!;
    ranks[i] = ranks[j]!;
    ranks[j] = t;
  }
  return ranks;
}

/** Per-lane keys for one (stream, high word, version): lane word = mix32(lowWord ^ key). */
function laneKeys(seedKey: number, stream: Stream, hi: number, version: number, lanes: number): Uint32Array {
  const prefix = hashWords(seedKey, stream, hi, version);
  return Uint32Array.from({ length: lanes }, (_, lane) => mix32(prefix ^ mix32(lane + 0x6a09e667)));
}

export function createDataset(params: DatasetParams): Dataset {
  const spec = profileSpec(params.profile);
  validateParams(params, spec);
  return new GeneratedDataset(spec, params);
}

class GeneratedDataset implements Dataset {
  readonly dim: number;
  readonly metric: Metric;
  readonly profile: ProfileSpec;
  readonly seed: number;
  private readonly seedKey: number;
  private readonly tables: Tables;
  private readonly lanes: number;
  private readonly queryKeys: Uint32Array;
  private readonly queryNoiseKeys: Uint32Array;
  private cachedRowKeys: { hi: number; version: number; keys: Uint32Array } | null = null;

  constructor(spec: ProfileSpec, params: DatasetParams) {
    this.dim = params.dim;
    this.metric = params.metric;
    this.profile = spec;
    this.seed = params.seed;
    this.seedKey = hashWords(params.seed % TWO_POW_32, Math.floor(params.seed / TWO_POW_32));
    this.tables = buildTables(spec, this.dim, this.seedKey);
    this.lanes = this.dim + Lane.Count;
    this.queryKeys = laneKeys(this.seedKey, Stream.Query, 0, 0, this.lanes);
    this.queryNoiseKeys = laneKeys(this.seedKey, Stream.QueryNoise, 0, 0, this.lanes);
  }

  vectors(startId: number, count: number): Float32Array {
    const out = new Float32Array(count * this.dim);
    this.fillVectors(startId, count, out, 0);
    return out;
  }

  fillVectors(startId: number, count: number, out: Float32Array, offset = 0): void {
    checkRange(startId, count);
    let id = startId;
    let off = offset;
    const end = startId + count;
    while (id < end) {
      const hi = Math.floor(id / TWO_POW_32);
      const stop = Math.min(end, (hi + 1) * TWO_POW_32);
      const keys = this.rowKeys(hi, 0);
      for (let lo = id - hi * TWO_POW_32; id < stop; id++, lo++, off += this.dim) this.fillRow(lo, keys, out, off);
    }
  }

  upsertVector(id: number, version: number): Float32Array {
    checkRange(id, 1);
    if (!Number.isInteger(version) || version < 0 || version >= TWO_POW_32) throw new Error(`upsert version must be an integer in [0, 2^32), got ${version}`);
    const hi = Math.floor(id / TWO_POW_32);
    const out = new Float32Array(this.dim);
    this.fillRow(id - hi * TWO_POW_32, this.rowKeys(hi, version), out, 0);
    return out;
  }

  scalars(id: number): RowScalars {
    checkRange(id, 1);
    const hi = Math.floor(id / TWO_POW_32);
    const lo = id - hi * TWO_POW_32;
    const keys = this.rowKeys(hi, 0);
    const word = (lane: Lane): number => mix32(lo ^ keys[this.dim + lane]!);
    return {
      tenant: pickRank(this.tables.tenantThresholds, word(Lane.Tenant)),
      category: categoryOf(word(Lane.Category)),
      ts: TS_EPOCH_MS + id + (word(Lane.Ts) >>> 22),
      num: Math.fround(word(Lane.Num) / 4294967.296),
    };
  }

  queries(count: number, startIndex = 0): Float32Array {
    if (!Number.isInteger(count) || count < 0 || !Number.isInteger(startIndex) || startIndex < 0 || startIndex + count > TWO_POW_32) {
      throw new Error(`query range [${startIndex}, ${startIndex}+${count}) is not within [0, 2^32)`);
    }
    const out = new Float32Array(count * this.dim);
    for (let i = 0; i < count; i++) this.fillQuery(startIndex + i, out, i * this.dim);
    return out;
  }

  isOutOfDistributionQuery(index: number): boolean {
    return mix32(index ^ this.queryKeys[this.dim + Lane.OutOfDistribution]!) < this.profile.outOfDistributionShare * TWO_POW_32;
  }

  rowFormula(highWord: number): RowFormula {
    checkRange(highWord * TWO_POW_32, 1);
    const { centers, scales, clusterThresholds } = this.tables;
    const { quantizeUint8, normalize } = this.profile;
    return { dim: this.dim, keys: this.rowKeys(highWord, 0), centers, scales, clusterThresholds, quantizeUint8, normalize };
  }

  private rowKeys(hi: number, version: number): Uint32Array {
    const c = this.cachedRowKeys;
    if (c && c.hi === hi && c.version === version) return c.keys;
    const keys = laneKeys(this.seedKey, Stream.Row, hi, version, this.lanes);
    this.cachedRowKeys = { hi, version, keys };
    return keys;
  }

  private fillRow(lo: number, keys: Uint32Array, out: Float32Array, off: number): void {
    const dim = this.dim;
    const { centers, scales, clusterThresholds } = this.tables;
    const base = pickRank(clusterThresholds, mix32(lo ^ keys[dim + Lane.Cluster]!)) * dim;
    for (let j = 0; j < dim; j++) {
      const g = centredByteSum(mix32(lo ^ keys[j]!));
      out[off + j] = Math.fround(scales[base + j]! * g) + centers[base + j]!;
    }
    this.finish(out, off);
  }

  private fillQuery(index: number, out: Float32Array, off: number): void {
    const dim = this.dim;
    const spec = this.profile;
    const noiseKeys = this.queryNoiseKeys;
    if (this.isOutOfDistributionQuery(index)) {
      const scale = Math.fround((1.5 * (spec.centerSpread + spec.spread)) / GAUSS_SD);
      for (let j = 0; j < dim; j++) out[off + j] = Math.fround(scale * centredByteSum(mix32(index ^ noiseKeys[j]!))) + spec.offset;
      this.finish(out, off);
      return;
    }
    this.fillRow(index, this.queryKeys, out, off);
    const noise = Math.fround((spec.queryNoise * spec.spread) / GAUSS_SD);
    for (let j = 0; j < dim; j++) out[off + j] = out[off + j]! + Math.fround(noise * centredByteSum(mix32(index ^ noiseKeys[j]!)));
    this.finish(out, off);
  }

  /** Quantisation or normalisation; written with float32 steps so a C port matches bit for bit. */
  private finish(out: Float32Array, off: number): void {
    const dim = this.dim;
    if (this.profile.quantizeUint8) {
      for (let j = off; j < off + dim; j++) out[j] = Math.min(255, Math.max(0, Math.floor(Math.fround(out[j]! + 0.5))));
    }
    if (this.profile.normalize) {
      let sumSquares = 0;
      for (let j = off; j < off + dim; j++) sumSquares = Math.fround(sumSquares + Math.fround(out[j]! * out[j]!));
      if (sumSquares === 0) return;
      const inverse = Math.fround(1 / Math.fround(Math.sqrt(sumSquares)));
      for (let j = off; j < off + dim; j++) out[j] = out[j]! * inverse;
    }
  }
}

function categoryOf(w: number): number {
  const u = w / TWO_POW_32;
  if (u < 0.5) return 0;
  if (u < 0.6) return 1;
  if (u < 0.61) return 2;
  return 3 + Math.floor(((u - 0.61) / 0.39) * (CATEGORY_COUNT - 3));
}
