import type { Metric } from '../core/types.ts';
import type { RowFormula } from '../dataset/index.ts';
import type { ClusterBounds } from './kernel.ts';

/** The generator's Gaussian stand-in is a centred sum of four bytes: within ±510. */
const BYTE_SUM_LIMIT = 510;
/**
 * Bounds are computed in double precision from exact float32 boxes; the kernel reports each
 * distance rounded once to float32. This relative slack covers both, and float32 normalisation.
 */
const RELATIVE_SLACK = 1e-5;

/** Per cluster and axis, the least and greatest value the row formula can give (before normalisation). */
export function clusterBoxes(formula: RowFormula): { lo: Float64Array; hi: Float64Array } {
  const { dim, centers, scales, quantizeUint8 } = formula;
  const clusters = formula.clusterThresholds.length;
  const lo = new Float64Array(clusters * dim);
  const hi = new Float64Array(clusters * dim);
  // The formula is monotone in the byte sum: fround(scale·g) + centre, then round and clamp.
  const value = (i: number, g: number): number => {
    const v = Math.fround(Math.fround(scales[i]! * g) + centers[i]!);
    return quantizeUint8 ? Math.min(255, Math.max(0, Math.floor(Math.fround(v + 0.5)))) : v;
  };
  for (let i = 0; i < clusters * dim; i++) {
    const a = value(i, -BYTE_SUM_LIMIT);
    const b = value(i, BYTE_SUM_LIMIT);
    lo[i] = Math.min(a, b);
    hi[i] = Math.max(a, b);
  }
  return { lo, hi };
}

export interface Box {
  lo: Float64Array;
  hi: Float64Array;
  at: number;
  dim: number;
}

/** Lower bound on the badness (L2, −IP, −cosine) of query q against any point of a box. */
export function boxBound(metric: Metric, q: Float32Array, qAt: number, box: Box): number {
  const { lo, hi, at, dim } = box;
  let outside = 0; // squared distance from q to the box
  let dotMax = 0;
  let nearSq = 0; // squared distance from the origin to the box
  let farSq = 0;
  let qq = 0;
  for (let j = 0; j < dim; j++) {
    const x = q[qAt + j]!;
    const a = lo[at + j]!;
    const b = hi[at + j]!;
    const gap = x < a ? a - x : x > b ? x - b : 0;
    outside += gap * gap;
    dotMax += Math.max(x * a, x * b);
    const near = a > 0 ? a : b < 0 ? -b : 0;
    nearSq += near * near;
    farSq += Math.max(a * a, b * b);
    qq += x * x;
  }
  if (metric === 'L2') return outside - RELATIVE_SLACK * (qq + farSq);
  if (metric === 'IP') return -dotMax - RELATIVE_SLACK * Math.sqrt(qq * farSq);
  const qNorm = Math.sqrt(qq);
  if (qNorm === 0) return -RELATIVE_SLACK;
  let cosMax: number;
  if (dotMax > 0) cosMax = nearSq > 0 ? Math.min(1, dotMax / (qNorm * Math.sqrt(nearSq))) : 1;
  else cosMax = nearSq > 0 ? dotMax / (qNorm * Math.sqrt(farSq)) : 0; // a box holding the origin may hold a zero row (cosine 0)
  return -cosMax - RELATIVE_SLACK;
}

/**
 * Lower bound for rows normalised to unit length: every row is v/|v| with v in the box, so within
 * angle θ = asin(H/|m|) of the box's centre m (H: half its diagonal). None when the box holds the origin.
 */
function coneBound(metric: Metric, q: Float32Array, qAt: number, box: Box): number {
  const { lo, hi, at, dim } = box;
  let mm = 0;
  let hh = 0;
  let qm = 0;
  let qq = 0;
  for (let j = 0; j < dim; j++) {
    const m = (lo[at + j]! + hi[at + j]!) / 2;
    const h = (hi[at + j]! - lo[at + j]!) / 2;
    const x = q[qAt + j]!;
    mm += m * m;
    hh += h * h;
    qm += x * m;
    qq += x * x;
  }
  if (hh >= mm * 0.999 || qq === 0) return -Infinity;
  const sinTheta = Math.sqrt(hh / mm);
  const cosTheta = Math.sqrt(1 - sinTheta * sinTheta);
  const qNorm = Math.sqrt(qq);
  const cosAlpha = Math.max(-1, Math.min(1, qm / (qNorm * Math.sqrt(mm))));
  const sinAlpha = Math.sqrt(1 - cosAlpha * cosAlpha);
  const cosMax = cosAlpha >= cosTheta ? 1 : cosAlpha * cosTheta + sinAlpha * sinTheta;
  // Float32 normalisation leaves |row| within δ of 1.
  const delta = 2 * (dim + 8) * 2 ** -24;
  if (metric === 'COSINE') return -cosMax - RELATIVE_SLACK;
  if (metric === 'IP') return -qNorm * cosMax * (cosMax >= 0 ? 1 + delta : 1 - delta) - RELATIVE_SLACK * qNorm;
  const radial = Math.max(0, Math.abs(qNorm - 1) - delta);
  return radial * radial + 2 * qNorm * (1 - delta) * (1 - cosMax) - RELATIVE_SLACK * (qq + 1);
}

/**
 * Exact-pruning bounds for rows made by the generator's formula: for each query and cluster, a
 * badness no row of the cluster can beat, and an order of clusters that visits each query's most
 * promising cluster first (so its k-th badness falls early).
 */
export function generatorBounds(formula: RowFormula, metric: Metric, queries: Float32Array): ClusterBounds {
  const { dim } = formula;
  const clusters = formula.clusterThresholds.length;
  const nq = queries.length / dim;
  const { lo, hi } = clusterBoxes(formula);
  const lowerBounds = new Float32Array(nq * clusters);
  const home = new Int32Array(clusters);
  for (let q = 0; q < nq; q++) {
    let best = 0;
    for (let c = 0; c < clusters; c++) {
      const box = { lo, hi, at: c * dim, dim };
      const bound = formula.normalize ? coneBound(metric, queries, q * dim, box) : boxBound(metric, queries, q * dim, box);
      lowerBounds[q * clusters + c] = bound;
      if (bound < lowerBounds[q * clusters + best]!) best = c;
    }
    home[best]!++;
  }
  const order = Int32Array.from({ length: clusters }, (_, c) => c).sort((a, b) => home[b]! - home[a]! || a - b);
  return { clusters, lowerBounds, order };
}
