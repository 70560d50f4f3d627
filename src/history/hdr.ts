/**
 * A log-bucketed latency histogram in the spirit of HdrHistogram: constant memory per decade,
 * mergeable, and every percentile within a fixed relative error of the exact one.
 *
 * Bucket i covers [LOWEST·g^i, LOWEST·g^(i+1)) with g = 1 + 2·relativeError; a percentile reports
 * the bucket's geometric midpoint (clamped to the recorded min and max; the top rank is the exact
 * max), so it is off from the exact nearest-rank value by at most a factor (1 + relativeError).
 * Values below LOWEST (one microsecond, in milliseconds) share one bucket.
 */
const LOWEST = 1e-3;
const BELOW_LOWEST = -1;

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private readonly logGrowth: number;
  private total = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;

  constructor(readonly relativeError = 0.01) {
    if (!(relativeError > 0 && relativeError < 0.5)) {
      throw new Error(`relativeError must be in (0, 0.5), got ${relativeError}`);
    }
    this.logGrowth = Math.log1p(2 * relativeError);
  }

  get count(): number {
    return this.total;
  }

  get min(): number | null {
    return this.total === 0 ? null : this.minValue;
  }

  get max(): number | null {
    return this.total === 0 ? null : this.maxValue;
  }

  record(value: number, times = 1): void {
    if (!Number.isFinite(value) || value < 0) throw new Error(`latency must be a finite number >= 0, got ${value}`);
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
    const bucket = this.bucketOf(value);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + times);
    this.total += times;
    this.minValue = Math.min(this.minValue, value);
    this.maxValue = Math.max(this.maxValue, value);
  }

  /** Adds every sample of `other` to this histogram. Both must use the same precision. */
  merge(other: LatencyHistogram): this {
    if (other.relativeError !== this.relativeError) {
      throw new Error(`cannot merge histograms of relative error ${other.relativeError} and ${this.relativeError}`);
    }
    for (const [bucket, n] of other.counts) this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
    this.total += other.total;
    this.minValue = Math.min(this.minValue, other.minValue);
    this.maxValue = Math.max(this.maxValue, other.maxValue);
    return this;
  }

  /**
   * The nearest-rank percentile p (0 < p <= 100), e.g. 99.9 for p999; null when empty, because a
   * percentile of nothing is not zero.
   */
  percentile(p: number): number | null {
    if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    if (rank === this.total) return this.maxValue;
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket) ?? 0;
      if (seen >= rank) return this.clamp(this.representative(bucket));
    }
    return this.maxValue;
  }

  private bucketOf(value: number): number {
    if (value < LOWEST) return BELOW_LOWEST;
    return Math.floor(Math.log(value / LOWEST) / this.logGrowth);
  }

  private representative(bucket: number): number {
    if (bucket === BELOW_LOWEST) return LOWEST / 2;
    return LOWEST * Math.exp((bucket + 0.5) * this.logGrowth);
  }

  private clamp(value: number): number {
    return Math.min(this.maxValue, Math.max(this.minValue, value));
  }
}
