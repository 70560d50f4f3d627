import { HARNESS_PHASES, type PhaseName, type ServerPhaseView } from '../core/types.ts';
import { histogramBuckets, quantileBetween, total, type Sample } from './prometheus.ts';

export interface ScrapeLike {
  at: number;
  ok: boolean;
  samples: readonly Sample[];
}

const isSearch = (l: Record<string, string>): boolean => l.query_type === 'search';
const searchReq = (status: string) => (l: Record<string, string>): boolean => l.function_name === 'Search' && l.status === status;

/**
 * Per phase, the difference between the last good scrape before it began (or its first, if none)
 * and its last good scrape. A restart resets the server's counters, so the difference is then
 * taken from the first good scrape after the last reset.
 */
export function serverView(scrapes: readonly ScrapeLike[], phases: readonly { phase: PhaseName; start: number; end: number }[]): ServerPhaseView[] {
  return phases
    .filter((p) => !(HARNESS_PHASES as readonly string[]).includes(p.phase))
    .map((p) => {
      const inPhase = scrapes.filter((s) => s.at >= p.start && s.at <= p.end);
      const baseline = scrapes.filter((s) => s.ok && s.at < p.start).at(-1);
      const good = sinceLastReset([...(baseline ? [baseline] : []), ...inPhase.filter((s) => s.ok)]);
      const first = good[0];
      const last = good.at(-1);
      const view: ServerPhaseView = { phase: p.phase, scrapes: inPhase.length, failedScrapes: inPhase.filter((s) => !s.ok).length, searches: null, searchFailures: null, p50: null, p99: null, storedRows: null };
      if (!first || !last) return view;
      const before = histogramBuckets(first.samples, 'milvus_proxy_sq_latency', isSearch);
      const after = histogramBuckets(last.samples, 'milvus_proxy_sq_latency', isSearch);
      const delta = (status: string): number | null => {
        const a = total(last.samples, 'milvus_proxy_req_count', searchReq(status));
        const b = total(first.samples, 'milvus_proxy_req_count', searchReq(status));
        return a === null ? null : a - (b ?? 0);
      };
      return {
        ...view,
        searches: delta('total'),
        searchFailures: delta('fail'),
        p50: quantileBetween(before, after, 0.5).value,
        p99: quantileBetween(before, after, 0.99).value,
        storedRows: total(last.samples, 'milvus_datacoord_stored_rows_count'),
      };
    });
}

function sinceLastReset(good: readonly ScrapeLike[]): ScrapeLike[] {
  const count = (s: ScrapeLike): number => total(s.samples, 'milvus_proxy_req_count') ?? 0;
  let from = 0;
  for (let i = 1; i < good.length; i++) if (count(good[i]!) < count(good[i - 1]!)) from = i;
  return good.slice(from);
}
