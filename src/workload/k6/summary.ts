// Reads threshold results from k6's --summary-export file. Pure.

export interface K6ThresholdResult {
  /** Metric selector, e.g. 'grpc_req_duration{op:search,phase:fault}'. */
  metric: string;
  expression: string;
  samples: number;
  pass: boolean;
  reason: string;
}

interface SummaryMetric {
  count?: number;
  passes?: number;
  fails?: number;
  /** Expression → whether k6 found it crossed. */
  thresholds?: Record<string, boolean>;
}

function sampleCount(m: SummaryMetric): number {
  if (typeof m.count === 'number') return m.count;
  return (m.passes ?? 0) + (m.fails ?? 0);
}

/**
 * Every threshold k6 evaluated. k6 itself passes a threshold that saw no samples; here it fails,
 * because a percentile of nothing says nothing. Needs 'count' among summaryTrendStats.
 */
export function thresholdResults(summary: unknown): K6ThresholdResult[] {
  const metrics = (summary as { metrics?: Record<string, SummaryMetric> } | null)?.metrics;
  if (!metrics) throw new Error('k6 summary has no metrics object: was it written with --summary-export?');
  return Object.entries(metrics).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {}).map(([expression, crossed]) => {
      const samples = sampleCount(m);
      const reason = samples === 0 ? 'no samples' : crossed ? `crossed (${samples} samples)` : `held (${samples} samples)`;
      return { metric, expression, samples, pass: samples > 0 && !crossed, reason };
    }),
  );
}
