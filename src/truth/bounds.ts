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

/**
 * Boxes (per box and axis, the least and greatest value; box c at c·dim) with the sums a bound
 * needs that do not depend on the query, computed once: a bound then costs one or two passes of
 * multiply-adds over the axes per (query, box), which matters at thousands of queries × boxes.
 */
export class BoxSet {
  readonly count: number;
  private readonly mid: Float64Array;
  private readonly half: Float64Array;
  /** Per box: squared distance from the origin to its nearest and farthest point, and |mid|², |half|². */
  private readonly nearSq: Float64Array;
  private readonly farSq: Float64Array;
  private readonly midSq: Float64Array;
  private readonly halfSq: Float64Array;

  constructor(lo: Float64Array, hi: Float64Array, private readonly dim: number) {
    this.count = lo.length / dim;
    this.mid = new Float64Array(lo.length);
    this.half = new Float64Array(lo.length);
    this.nearSq = new Float64Array(this.count);
    this.farSq = new Float64Array(this.count);
    this.midSq = new Float64Array(this.count);
    this.halfSq = new Float64Array(this.count);
    for (let c = 0; c < this.count; c++) {
      let nearSq = 0;
      let farSq = 0;
      let midSq = 0;
      let halfSq = 0;
      for (let i = c * dim; i < (c + 1) * dim; i++) {
        const a = lo[i]!;
        const b = hi[i]!;
        const near = a > 0 ? a : b < 0 ? -b : 0;
        const m = (a + b) / 2;
        const h = (b - a) / 2;
        this.mid[i] = m;
        this.half[i] = h;
        nearSq += near * near;
        farSq += Math.max(a * a, b * b);
        midSq += m * m;
        halfSq += h * h;
      }
      this.nearSq[c] = nearSq;
      this.farSq[c] = farSq;
      this.midSq[c] = midSq;
      this.halfSq[c] = halfSq;
    }
  }

  /** Lower bound on the badness (L2, −IP, −cosine) of query q (|q|² = qq) against any point of box c. */
  bound(metric: Metric, q: Float64Array, qAt: number, qq: number, c: number): number {
    const { mid, half, dim } = this;
    const at = c * dim;
    const farSq = this.farSq[c]!;
    if (metric === 'L2') {
      let outside = 0; // squared distance from q to the box
      for (let j = 0; j < dim; j++) {
        const gap = Math.abs(q[qAt + j]! - mid[at + j]!) - half[at + j]!;
        if (gap > 0) outside += gap * gap;
      }
      return outside - RELATIVE_SLACK * (qq + farSq);
    }
    // The box's support: max over the box of q·x = q·mid + |q|·half, axis by axis.
    let dotMax = 0;
    for (let j = 0; j < dim; j++) {
      const x = q[qAt + j]!;
      dotMax += x * mid[at + j]! + Math.abs(x) * half[at + j]!;
    }
    if (metric === 'IP') return -dotMax - RELATIVE_SLACK * Math.sqrt(qq * farSq);
    const qNorm = Math.sqrt(qq);
    if (qNorm === 0) return -RELATIVE_SLACK;
    const nearSq = this.nearSq[c]!;
    let cosMax: number;
    if (dotMax > 0) cosMax = nearSq > 0 ? Math.min(1, dotMax / (qNorm * Math.sqrt(nearSq))) : 1;
    else cosMax = nearSq > 0 ? dotMax / (qNorm * Math.sqrt(farSq)) : 0; // a box holding the origin may hold a zero row (cosine 0)
    return -cosMax - RELATIVE_SLACK;
  }

  /**
   * Lower bound for rows normalised to unit length: every row is v/|v| with v in box c, so within
   * angle θ = asin(H/|m|) of the box's centre m (H: half its diagonal). None when the box holds the origin.
   */
  coneBound(metric: Metric, q: Float64Array, qAt: number, qq: number, c: number): number {
    const { mid, dim } = this;
    const mm = this.midSq[c]!;
    const hh = this.halfSq[c]!;
    if (hh >= mm * 0.999 || qq === 0) return -Infinity;
    const at = c * dim;
    const qm = dot(q, qAt, mid, at, dim);
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
}

/** q·m over `dim` axes in double precision, in four independent sums (a quarter of the dependency chain). */
export function dot(q: Float64Array, qAt: number, m: Float64Array, mAt: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= dim; j += 4) {
    s0 += q[qAt + j]! * m[mAt + j]!;
    s1 += q[qAt + j + 1]! * m[mAt + j + 1]!;
    s2 += q[qAt + j + 2]! * m[mAt + j + 2]!;
    s3 += q[qAt + j + 3]! * m[mAt + j + 3]!;
  }
  for (; j < dim; j++) s0 += q[qAt + j]! * m[mAt + j]!;
  return s0 + s1 + s2 + s3;
}

/** |v|² of vector v (row-major, `dim` wide), in double precision. */
export function squaredNorm(vectors: Float64Array, v: number, dim: number): number {
  return dot(vectors, v * dim, vectors, v * dim, dim);
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
  const boxes = new BoxSet(lo, hi, dim);
  const wide = Float64Array.from(queries);
  const lowerBounds = new Float32Array(nq * clusters);
  const home = new Int32Array(clusters);
  for (let q = 0; q < nq; q++) {
    let best = 0;
    const qq = squaredNorm(wide, q, dim);
    for (let c = 0; c < clusters; c++) {
      const bound = formula.normalize ? boxes.coneBound(metric, wide, q * dim, qq, c) : boxes.bound(metric, wide, q * dim, qq, c);
      lowerBounds[q * clusters + c] = bound;
      if (bound < lowerBounds[q * clusters + best]!) best = c;
    }
    home[best]!++;
  }
  const order = Int32Array.from({ length: clusters }, (_, c) => c).sort((a, b) => home[b]! - home[a]! || a - b);
  return { clusters, lowerBounds, order };
}
