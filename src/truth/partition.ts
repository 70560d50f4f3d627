import type { Metric } from '../core/types.ts';
import { BoxSet, dot, squaredNorm } from './bounds.ts';
import type { ClusterBounds } from './kernel.ts';
import { KnnKernel } from './kernel.ts';
import type { WasmModule } from './wasm-api.ts';

/**
 * A stored base regrouped into leaves of nearby rows, each inside a ball, so a whole leaf can be
 * skipped for a query whose k-th badness its ball cannot beat. Rows are assigned to centres picked
 * from the base in two levels (COARSE centres, then up to FINE within each): under 50 distance
 * computations per row, a few percent of a search with a few hundred queries.
 */
export interface Partition {
  dim: number;
  leaves: number;
  /** Base positions grouped by leaf: leaf c holds order[start[c]] .. order[start[c+1] - 1]. */
  order: Int32Array;
  start: Int32Array;
  /** Each leaf's centre (a row of the base), leaves × dim. */
  centres: Float32Array;
  /** Each leaf's radius: no row of it is farther from its centre (rounded up). */
  radii: Float64Array;
  /** Each leaf's box: the least and greatest value of each axis over its rows, leaves × dim. */
  lo: Float64Array;
  hi: Float64Array;
}

const COARSE = 16;
const FINE = 32;
/** Leaves hold about rows / LEAVES_PER_BASE rows, between MIN_LEAF_ROWS and MAX_LEAF_ROWS. */
const LEAVES_PER_BASE = 512;
const MIN_LEAF_ROWS = 64;
const MAX_LEAF_ROWS = 2048;
/** Floats of rows assigned per kernel call (2 MB): bounds the temporary copy of a gathered cell. */
const CHUNK_FLOATS = 1 << 19;
/** Rows of a pool (or of a cell) that picks are chosen from. */
const SAMPLE_ROWS = 512;
const RELATIVE_SLACK = 1e-5;

/** Rows at `picks` (positions into `members`, or into the base) as a centroid matrix padded to a multiple of 4. */
function centroidsAt(base: Float32Array, dim: number, positions: ArrayLike<number>): Float32Array {
  const padded = Math.ceil(positions.length / 4) * 4;
  const out = new Float32Array(padded * dim);
  for (let i = 0; i < padded; i++) {
    const p = positions[Math.min(i, positions.length - 1)]!;
    out.set(base.subarray(p * dim, (p + 1) * dim), i * dim);
  }
  return out;
}

/** `count` positions evenly spread over members (a sample that follows the rows' own density). */
function evenlySpread(members: Int32Array, count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => members[Math.floor(((i + 0.5) * members.length) / count)]!);
}

/**
 * `count` centres by farthest-first traversal of a sample of members: each next centre is the
 * sampled row farthest from those already picked, so small or outlying groups get a centre of their
 * own (it is the 2-approximation of the smallest largest radius, which is what the bounds need).
 */
function farthestFirst(base: Float32Array, dim: number, members: Int32Array, count: number): Int32Array {
  const sample = evenlySpread(members, Math.min(members.length, SAMPLE_ROWS));
  const nearest2 = new Float64Array(sample.length).fill(Infinity);
  const picks = new Int32Array(Math.min(count, sample.length));
  let next = 0;
  for (let p = 0; p < picks.length; p++) {
    picks[p] = sample[next]!;
    const c = picks[p]! * dim;
    let farthest = 0;
    for (let i = 0; i < sample.length; i++) {
      const r = sample[i]! * dim;
      let d2 = 0;
      for (let j = 0; j < dim; j++) {
        const t = base[r + j]! - base[c + j]!;
        d2 += t * t;
      }
      if (d2 < nearest2[i]!) nearest2[i] = d2;
      if (nearest2[i]! > nearest2[farthest]!) farthest = i;
    }
    next = farthest;
  }
  return picks;
}

/** Nearest centroid and squared distance for each listed base row, gathered chunk by chunk. */
function assign(module: WasmModule, base: Float32Array, dim: number, centroids: Float32Array, members: Int32Array): { nearest: Int32Array; distance2: Float32Array } {
  const kernel = new KnnKernel(module, { metric: 'L2', dim, k: 1, queries: centroids });
  const nearest = new Int32Array(members.length);
  const distance2 = new Float32Array(members.length);
  const chunkRows = Math.max(1, Math.floor(CHUNK_FLOATS / dim));
  const chunk = new Float32Array(Math.min(chunkRows, members.length) * dim);
  for (let start = 0; start < members.length; start += chunkRows) {
    const n = Math.min(chunkRows, members.length - start);
    for (let i = 0; i < n; i++) {
      const p = members[start + i]!;
      chunk.set(base.subarray(p * dim, (p + 1) * dim), i * dim);
    }
    const found = kernel.nearestQuery(chunk, n);
    nearest.set(found.nearest, start);
    distance2.set(found.distance2, start);
  }
  return { nearest, distance2 };
}

/** Positions 0..rows-1 grouped by key (a counting sort); group g is at start[g] .. start[g+1]. */
function groupBy(keys: Int32Array, groups: number, members: Int32Array): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (const key of keys) start[key + 1]!++;
  for (let g = 0; g < groups; g++) start[g + 1]! += start[g]!;
  const cursor = start.slice(0, groups);
  const order = new Int32Array(keys.length);
  keys.forEach((key, i) => (order[cursor[key]!++] = members[i]!));
  return { order, start };
}

interface Leaf {
  members: Int32Array;
  centre: number;
  radius: number;
}

/**
 * Splits a pool of rows into leaves around centres picked from it (COARSE cells, then up to FINE
 * leaves per cell). Unless `keepAll`, a leaf's rows farther than twice its median distance are set
 * aside as strays (rows of a group no pick landed in, which would blow up the leaf's radius).
 */
function splitPool(module: WasmModule, base: Float32Array, dim: number, pool: Int32Array, leafRows: number, keepAll: boolean, leaves: Leaf[], strays: number[]): void {
  const coarsePicks = farthestFirst(base, dim, pool, Math.min(COARSE, Math.max(1, Math.ceil(pool.length / leafRows))));
  const coarseCount = coarsePicks.length;
  const coarse = assign(module, base, dim, centroidsAt(base, dim, coarsePicks), pool);
  const cells = groupBy(coarse.nearest, coarseCount, pool);
  for (let cell = 0; cell < coarseCount; cell++) {
    const members = cells.order.subarray(cells.start[cell]!, cells.start[cell + 1]!);
    if (members.length === 0) continue;
    const picks = farthestFirst(base, dim, members, Math.min(FINE, Math.ceil(members.length / leafRows)));
    const fineCount = picks.length;
    const fine = assign(module, base, dim, centroidsAt(base, dim, picks), members);
    const byLeaf = groupBy(fine.nearest, fineCount, Int32Array.from(members.keys()));
    for (let leaf = 0; leaf < fineCount; leaf++) {
      const at = byLeaf.order.subarray(byLeaf.start[leaf]!, byLeaf.start[leaf + 1]!);
      if (at.length === 0) continue;
      const distance2 = Float64Array.from(at, (i) => fine.distance2[i]!);
      const limit = keepAll ? Infinity : 4 * distance2.slice().sort()[at.length >> 1]!;
      const kept: number[] = [];
      let radius2 = 0;
      at.forEach((i, j) => {
        if (distance2[j]! > limit) strays.push(members[i]!);
        else {
          kept.push(members[i]!);
          radius2 = Math.max(radius2, distance2[j]!);
        }
      });
      leaves.push({ members: Int32Array.from(kept), centre: picks[leaf]!, radius: Math.sqrt(radius2) * (1 + 1e-6) });
    }
  }
}

/** Rounds of splitting: strays of one round are split again in the next; the last keeps all. */
const ROUNDS = 3;

export function buildPartition(module: WasmModule, base: Float32Array, rows: number, dim: number): Partition {
  const leafRows = Math.min(MAX_LEAF_ROWS, Math.max(MIN_LEAF_ROWS, Math.ceil(rows / LEAVES_PER_BASE)));
  const leaves: Leaf[] = [];
  let pool = Int32Array.from({ length: rows }, (_, i) => i);
  for (let round = 0; round < ROUNDS && pool.length > 0; round++) {
    const strays: number[] = [];
    splitPool(module, base, dim, pool, leafRows, round === ROUNDS - 1, leaves, strays);
    pool = Int32Array.from(strays);
  }
  const order = new Int32Array(rows);
  const start = new Int32Array(leaves.length + 1);
  const centres = new Float32Array(leaves.length * dim);
  leaves.forEach((leaf, c) => {
    order.set(leaf.members, start[c]!);
    start[c + 1] = start[c]! + leaf.members.length;
    centres.set(base.subarray(leaf.centre * dim, (leaf.centre + 1) * dim), c * dim);
  });
  const { lo, hi } = leafBoxes(base, dim, order, start);
  return { dim, leaves: leaves.length, order, start, centres, radii: Float64Array.from(leaves, (leaf) => leaf.radius), lo, hi };
}

function leafBoxes(base: Float32Array, dim: number, order: Int32Array, start: Int32Array): { lo: Float64Array; hi: Float64Array } {
  const leaves = start.length - 1;
  const lo = new Float32Array(leaves * dim);
  const hi = new Float32Array(leaves * dim);
  for (let c = 0; c < leaves; c++) {
    const least = lo.subarray(c * dim, (c + 1) * dim);
    const most = hi.subarray(c * dim, (c + 1) * dim);
    least.set(base.subarray(order[start[c]!]! * dim, (order[start[c]!]! + 1) * dim));
    most.set(least);
    for (let i = start[c]! + 1; i < start[c + 1]!; i++) {
      const row = base.subarray(order[i]! * dim, (order[i]! + 1) * dim);
      for (let j = 0; j < dim; j++) {
        const x = row[j]!;
        if (x < least[j]!) least[j] = x;
        else if (x > most[j]!) most[j] = x;
      }
    }
  }
  return { lo: Float64Array.from(lo), hi: Float64Array.from(hi) };
}

/**
 * Lower bound on the badness (L2, −IP, −cosine) of a query against any row in a ball of radius r,
 * from |q|² (qq), q·centre (qc) and |centre|² (cc).
 */
function ballBound(metric: Metric, qq: number, qc: number, cc: number, r: number): number {
  const qNorm = Math.sqrt(qq);
  const cNorm = Math.sqrt(cc);
  if (metric === 'L2') {
    // |q − c|² expanded; its rounding error is far inside the slack, which scales with qq + cc.
    const gap = Math.max(0, Math.sqrt(Math.max(0, qq + cc - 2 * qc)) - r);
    return gap * gap - RELATIVE_SLACK * (qq + (cNorm + r) ** 2);
  }
  if (metric === 'IP') return -(qc + qNorm * r) - RELATIVE_SLACK * qNorm * (cNorm + r);
  if (r >= cNorm * 0.999 || qNorm === 0) return -Infinity;
  const sinTheta = r / cNorm;
  const cosTheta = Math.sqrt(1 - sinTheta * sinTheta);
  const cosAlpha = Math.max(-1, Math.min(1, qc / (qNorm * cNorm)));
  const sinAlpha = Math.sqrt(1 - cosAlpha * cosAlpha);
  return -(cosAlpha >= cosTheta ? 1 : cosAlpha * cosTheta + sinAlpha * sinTheta) - RELATIVE_SLACK;
}

/** Per query and leaf, a badness no row of the leaf can beat: the better of its ball's and its box's. */
export function partitionBounds(partition: Partition, metric: Metric, queries: Float32Array): ClusterBounds {
  const { dim, leaves, centres, radii, lo, hi } = partition;
  const nq = queries.length / dim;
  const lowerBounds = new Float32Array(nq * leaves);
  const boxes = new BoxSet(lo, hi, dim);
  const wide = Float64Array.from(queries);
  const wideCentres = Float64Array.from(centres);
  const centreNorms = Float64Array.from({ length: leaves }, (_, c) => squaredNorm(wideCentres, c, dim));
  for (let q = 0; q < nq; q++) {
    const qq = squaredNorm(wide, q, dim);
    for (let c = 0; c < leaves; c++) {
      const ball = ballBound(metric, qq, dot(wide, q * dim, wideCentres, c * dim, dim), centreNorms[c]!, radii[c]!);
      lowerBounds[q * leaves + c] = Math.max(ball, boxes.bound(metric, wide, q * dim, qq, c));
    }
  }
  return { clusters: leaves, lowerBounds, order: Int32Array.from({ length: leaves }, (_, c) => c) };
}
