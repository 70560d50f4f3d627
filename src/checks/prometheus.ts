/** One scrape of a Prometheus text exposition, reduced to the series we keep. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (0.0.4): comments skipped, labels unescaped. */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : m[4]);
    samples.push({ name: m[1]!, labels: parseLabels(m[3] ?? ''), value });
  }
  return samples;
}

function parseLabels(body: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(body); m; m = re.exec(body)) labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  return labels;
}

/** Cumulative histogram buckets (le → count) of a metric, summed over series matching `where`. */
export function histogramBuckets(samples: readonly Sample[], metric: string, where: (labels: Record<string, string>) => boolean = () => true): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${metric}_bucket` || !where(s.labels)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return buckets;
}

/**
 * The q-quantile of the observations between two scrapes of a cumulative histogram, by linear
 * interpolation inside the bucket (as PromQL's histogram_quantile); null with no observations.
 */
export function quantileBetween(before: Map<number, number>, after: Map<number, number>, q: number): { value: number | null; count: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => Math.max(0, (after.get(le) ?? 0) - (before.get(le) ?? 0)));
  const total = delta.at(-1) ?? 0;
  if (total === 0) return { value: null, count: 0 };
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (delta[i]! >= rank) {
      const upper = bounds[i]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      if (!Number.isFinite(upper)) return { value: lower, count: total };
      const below = i === 0 ? 0 : delta[i - 1]!;
      const inBucket = delta[i]! - below;
      return { value: inBucket === 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket, count: total };
    }
  }
  return { value: bounds.at(-2) ?? null, count: total };
}

/** Sum of a counter or gauge over series matching `where`. */
export function total(samples: readonly Sample[], metric: string, where: (labels: Record<string, string>) => boolean = () => true): number | null {
  const matching = samples.filter((s) => s.name === metric && where(s.labels));
  return matching.length === 0 ? null : matching.reduce((sum, s) => sum + s.value, 0);
}
