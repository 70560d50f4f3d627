import type { Stack } from '../core/platform.ts';
import type { IndexType, Scenario, SizingSample } from '../core/types.ts';
import { SIZING_SAMPLE, SIZING_SKIPPED } from '../checks/sizing.ts';
import type { HistoryRecorder } from '../history/recorder.ts';
import { waitFor } from '../util/poll.ts';
import type { SdkDriver } from '../workload/sdk.ts';

const INDEX_DEFAULTS: Record<IndexType, { params: Record<string, number>; searchParams: Record<string, number> }> = {
  HNSW: { params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
  IVF_FLAT: { params: { nlist: 128 }, searchParams: { nprobe: 16 } },
  IVF_SQ8: { params: { nlist: 128 }, searchParams: { nprobe: 16 } },
  DISKANN: { params: {}, searchParams: { search_list: 100 } },
  FLAT: { params: {}, searchParams: {} },
};

/**
 * Waits until the query nodes serve `rows` rows in sealed segments (the query coordinator's view),
 * then records what the query nodes use and the object store holds, as a sizing sample.
 */
export async function measureSizing(stack: Stack, driver: SdkDriver, history: HistoryRecorder, index: IndexType, rows: number, signal: AbortSignal, log: (m: string) => void, releasedRssBytes?: number): Promise<void> {
  if (!stack.usage) throw new Error('sizing: this platform cannot read process memory or object storage');
  const segments = await waitFor(
    async () => {
      const served = await driver.segmentDistribution();
      return uniqueRows(served) >= rows ? served : undefined;
    },
    { what: `the query nodes to serve ${rows} rows in sealed segments`, timeoutMs: 300_000, intervalMs: 1000, signal },
  );
  const usage = await stack.usage();
  const sample: SizingSample = {
    at: history.now(),
    index,
    rows: uniqueRows(segments),
    queryNodes: usage.processes.filter((p) => p.role === 'querynode' && p.rssBytes !== null).map((p) => ({ name: p.name, rssBytes: p.rssBytes! })),
    segmentMemBytes: segments.reduce((sum, s) => sum + s.memBytes, 0),
    objectStoreBytes: usage.objectStoreBytes,
    ...(releasedRssBytes === undefined ? {} : { releasedRssBytes }),
  };
  history.event('note', SIZING_SAMPLE, JSON.stringify(sample));
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
  log(`sizing: ${index}, ${sample.rows} rows in ${segments.length} segments: query nodes ${sample.queryNodes.map((q) => `${q.name} ${mib(q.rssBytes)}`).join(', ')}; segments ${mib(sample.segmentMemBytes)}; object store ${sample.objectStoreBytes === null ? '?' : mib(sample.objectStoreBytes)}`);
}

/** Rows of the listed segments, each segment once (a segment being moved is listed per node holding it). */
function uniqueRows(segments: readonly { id: string; rows: number }[]): number {
  return [...new Map(segments.map((s) => [s.id, s.rows])).values()].reduce((a, r) => a + r, 0);
}

/** After the run: each further index type is built on the same data, loaded and measured at full size. */
export async function measureOtherIndexes(s: Scenario, stack: Stack, driver: SdkDriver, history: HistoryRecorder, signal: AbortSignal, log: (m: string) => void): Promise<void> {
  for (const type of s.sizing?.indexes ?? []) {
    if (type === s.collection.index.type) continue;
    log(`sizing: rebuilding the index as ${type}`);
    const ok = async (what: string, r: Promise<{ outcome: string; error?: string }>): Promise<boolean> => {
      const rec = await r;
      if (rec.outcome !== 'ok') {
        history.event('note', SIZING_SKIPPED, `${type}: ${what} failed (${rec.error ?? rec.outcome})`);
        log(`sizing: ${type}: ${what} failed (${rec.error ?? rec.outcome}); not measured`);
      }
      return rec.outcome === 'ok';
    };
    if (!(await ok('release and drop index', driver.releaseAndDropIndex()))) return;
    const released = (await stack.usage!()).processes.filter((p) => p.role === 'querynode').reduce((sum, p) => sum + (p.rssBytes ?? 0), 0);
    if (!(await ok('build index', driver.buildIndex(s.dataset.metric, signal, 600_000, { type, ...INDEX_DEFAULTS[type] })))) continue;
    if (!(await ok('load', driver.load(300_000, signal)))) continue;
    const count = await driver.count();
    await measureSizing(stack, driver, history, type, count.count ?? s.dataset.rows, signal, log, released);
  }
}
