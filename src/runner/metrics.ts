import { parsePrometheus, type Sample } from '../checks/prometheus.ts';
import { delay } from '../util/poll.ts';

/** Series kept from each scrape: the server's view of searches, data and segments. */
const KEPT = /^milvus_(proxy_sq_latency_bucket|proxy_req_count|datacoord_stored_rows_count|datacoord_segment_num|querycoord_task_num)$/;

export interface Scrape {
  /** ms since the run's epoch. */
  at: number;
  ok: boolean;
  samples: Sample[];
}

/**
 * Scrapes Milvus's Prometheus endpoint at a fixed cadence until the signal aborts. A failed scrape
 * (the server is down) is kept as such: the gap is part of the picture.
 */
export async function scrapeMetrics(url: string, everyMs: number, now: () => number, signal: AbortSignal, onScrape: (scrape: Scrape) => void): Promise<void> {
  while (!signal.aborted) {
    const at = now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(everyMs, 3000)) });
      const samples = parsePrometheus(await res.text()).filter((s) => KEPT.test(s.name));
      onScrape({ at, ok: res.ok, samples });
    } catch {
      onScrape({ at, ok: false, samples: [] });
    }
    await delay(everyMs, signal).catch(() => undefined);
  }
}
