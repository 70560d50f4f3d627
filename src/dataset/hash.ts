// Counter-based hashing: every random word of the dataset is a pure function of
// (seed, row id, lane), so any slice can be produced on demand, in any order, on any core.
// Only 32-bit integer operations are used, so a C or WebAssembly port gives identical bits.

/** Chris Wellons' lowbias32: a bijective 32-bit mixer with very low avalanche bias. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export const GOLDEN = 0x9e3779b9;

/** Hashes a short list of 32-bit words into one, order-sensitively. */
export function hashWords(...words: number[]): number {
  let h = 0x243f6a88;
  for (const w of words) h = mix32((h ^ mix32((w >>> 0) + GOLDEN)) >>> 0);
  return h;
}

/** 2^32: splits a row id of up to 2^40 into the two 32-bit halves the hash uses. */
export const TWO_POW_32 = 4294967296;

/**
 * Sum of the four bytes of a uniform word, centred: an Irwin-Hall(4) approximation of a
 * Gaussian with integer values in [-510, 510] and standard deviation GAUSS_SD.
 */
export function centredByteSum(w: number): number {
  const pairs = (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff);
  return (pairs & 0xffff) + (pairs >>> 16) - 510;
}

export const GAUSS_SD = Math.sqrt((4 * (256 * 256 - 1)) / 12);

/** A uniform double in [0, 1) from one word. */
export function unit(w: number): number {
  return (w >>> 0) / TWO_POW_32;
}

/**
 * Cumulative thresholds of a Zipf(s) distribution over n ranks, as 32-bit integers: rank r is
 * chosen for a word w when it is the first with w < thresholds[r] (the last threshold catches all).
 */
export function zipfThresholds(n: number, exponent: number): Uint32Array {
  const weights = Array.from({ length: n }, (_, r) => 1 / Math.pow(r + 1, exponent));
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Uint32Array(n);
  let cumulative = 0;
  for (let r = 0; r < n; r++) {
    cumulative += weights[r]!;
    out[r] = Math.min(0xffffffff, Math.floor((cumulative / total) * TWO_POW_32));
  }
  out[n - 1] = 0xffffffff;
  return out;
}

/** The rank a word selects from `zipfThresholds` (binary search). */
export function pickRank(thresholds: Uint32Array, w: number): number {
  let lo = 0;
  let hi = thresholds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (w < thresholds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
