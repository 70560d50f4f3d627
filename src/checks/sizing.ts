import type { History, IndexType, SizingProjection, SizingReport, SizingSample, SizingSpec } from '../core/types.ts';

/** The note the runner writes for each sizing measurement (JSON SizingSample in its detail). */
export const SIZING_SAMPLE = 'sizing-sample';
/** A further index type that could not be measured; the detail says why. */
export const SIZING_SKIPPED = 'sizing-skipped';

/**
 * The share of a query node's memory Milvus will fill: the query coordinator stops loading onto a
 * node past queryCoord.overloadedMemoryThresholdPercentage (90 by default).
 */
export const USABLE_MEMORY = 0.9;

const GIB = 2 ** 30;

/** Least squares y = a + b·x; r² null when y does not vary. Needs two distinct x. */
export function fitLine(points: readonly { x: number; y: number }[]): { a: number; b: number; r2: number | null } | null {
  const n = points.length;
  if (n < 2 || new Set(points.map((p) => p.x)).size < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const b = sxy / sxx;
  const a = my - b * mx;
  const ssTot = points.reduce((s, p) => s + (p.y - my) ** 2, 0);
  const ssRes = points.reduce((s, p) => s + (p.y - (a + b * p.x)) ** 2, 0);
  return { a, b, r2: ssTot === 0 ? null : 1 - ssRes / ssTot };
}

export function sizingSamples(history: History): SizingSample[] {
  return history.events.filter((e) => e.kind === 'note' && e.name === SIZING_SAMPLE && e.detail).map((e) => JSON.parse(e.detail!) as SizingSample);
}

const rss = (s: SizingSample): number => s.queryNodes.reduce((sum, q) => sum + q.rssBytes, 0);

/**
 * The sizing projection, from the samples in the history alone. Memory: the query nodes' summed
 * RSS is fitted as nodes × fixed + rows × perRow over the sizes of the scenario's index (the
 * intercept is the processes' fixed cost, the slope the cost of a row); further index types,
 * measured at full size, take the same fixed cost and their own per-row cost. A row's cost is
 * scaled to the target dimension in proportion (vectors dominate a row). Query nodes: enough
 * that each holds its fixed cost and its share of rows within USABLE_MEMORY of its memory.
 * Object storage: bytes fitted as fixed + rows × perRow, scaled the same way.
 */
export function sizingProjection(history: History, spec: SizingSpec, measuredDim: number, index: IndexType): SizingReport {
  const samples = sizingSamples(history);
  const problems: string[] = [];
  const { target } = spec;
  const dimScale = target.dim / measuredDim;
  const main = samples.filter((s) => s.index === index);
  const nodes = main[0]?.queryNodes.length ?? 0;
  if (main.some((s) => s.queryNodes.length !== nodes)) problems.push('the number of query nodes changed between sizes; the fixed cost per node is an average');
  const memFit = fitLine(main.map((s) => ({ x: s.rows, y: rss(s) })));
  if (!memFit) problems.push(`memory needs ${index} measured at two or more dataset sizes; got ${new Set(main.map((s) => s.rows)).size}`);
  else if (memFit.b <= 0) problems.push(`query-node memory did not grow with the rows (slope ${memFit.b.toFixed(1)} bytes/row): the sizes are too close for this machine's noise (use sizes further apart); projected from Milvus's segment memory per row instead, with the rest of the RSS as the fixed cost`);
  const memory = memFit && nodes > 0 ? { nodes, fixedPerNodeBytes: memFit.a / nodes, perRowBytes: memFit.b, r2: memFit.r2 } : null;

  const projections: SizingProjection[] = [];
  const largest = main.reduce<SizingSample | null>((best, s) => (!best || s.rows > best.rows ? s : best), null);
  if (memory && memory.perRowBytes <= 0 && largest && largest.segmentMemBytes > 0) {
    // RSS is too noisy at these sizes to give a slope; Milvus's own segment accounting still does.
    const fixed = Math.max(0, (rss(largest) - largest.segmentMemBytes) / largest.queryNodes.length);
    projections.push(project(index, 'segment size', largest.segmentMemBytes / largest.rows, largest, fixed, spec, dimScale, measuredDim));
  }
  if (memory && memory.perRowBytes > 0) {
    const indexes = [index, ...new Set(samples.map((s) => s.index).filter((i) => i !== index))];
    for (const ix of indexes) {
      const own = samples.filter((s) => s.index === ix);
      const full = own.reduce<SizingSample | null>((best, s) => (!best || s.rows > best.rows ? s : best), null);
      if (!full) continue;
      // A further index: what loading it added to the same, released query nodes (their count may differ from the fit's).
      const perRow = ix === index ? memory.perRowBytes : full.releasedRssBytes === undefined ? 0 : (rss(full) - full.releasedRssBytes) / full.rows;
      if (perRow <= 0) {
        problems.push(`${ix}: loading it at ${full.rows} rows added no measurable query-node memory (the allocator may have kept what the release freed); no projection`);
        continue;
      }
      projections.push(project(ix, ix === index ? 'fit' : 'full size', perRow, full, memory.fixedPerNodeBytes, spec, dimScale, measuredDim));
    }
  }

  for (const ix of spec.indexes) {
    const why = history.events.find((e) => e.kind === 'note' && e.name === SIZING_SKIPPED && e.detail?.startsWith(`${ix}:`))?.detail;
    if (ix !== index && !samples.some((s) => s.index === ix)) problems.push(why ? `${why}; not measured` : `${ix} was named in sizing.indexes but not measured (the run ended first)`);
  }

  const withStore = main.filter((s) => s.objectStoreBytes !== null);
  const storeFit = fitLine(withStore.map((s) => ({ x: s.rows, y: s.objectStoreBytes! })));
  if (!storeFit) problems.push('object storage was not measured at two or more sizes (the platform could not read its data directory)');
  const storage = storeFit
    ? {
        fixedBytes: storeFit.a,
        perRowBytes: storeFit.b,
        perRowBytesAtTarget: storeFit.b * dimScale,
        targetBytes: Math.max(0, storeFit.a) + target.rows * storeFit.b * dimScale,
        formula: `object store = ${bytes(Math.max(0, storeFit.a))} + ${fmtRows(target.rows)} rows × ${storeFit.b.toFixed(1)} B/row × ${target.dim}/${measuredDim} (dim) = ${bytes(Math.max(0, storeFit.a) + target.rows * storeFit.b * dimScale)}`,
      }
    : null;
  return { target, measuredDim, nodeMemoryGiB: spec.nodeMemoryGiB, samples, memory, storage, projections, problems };
}

function project(ix: IndexType, basis: SizingProjection['basis'], perRow: number, full: SizingSample, fixed: number, spec: SizingSpec, dimScale: number, measuredDim: number): SizingProjection {
  const { target } = spec;
  const perRowAtTarget = perRow * dimScale;
  const room = spec.nodeMemoryGiB * GIB * USABLE_MEMORY - fixed;
  const data = target.rows * perRowAtTarget;
  const queryNodes = room > 0 ? Math.max(1, Math.ceil(data / room)) : null;
  const memoryBytes = (queryNodes ?? 0) * fixed + data;
  const formula =
    queryNodes === null
      ? `a ${spec.nodeMemoryGiB} GiB node cannot hold one process's fixed cost (${bytes(fixed)})`
      : `per row ${perRow.toFixed(1)} B × ${target.dim}/${measuredDim} (dim) = ${perRowAtTarget.toFixed(1)} B; ${fmtRows(target.rows)} rows → ${bytes(data)}; nodes = ⌈${bytes(data)} / (${spec.nodeMemoryGiB} GiB × ${USABLE_MEMORY} − ${bytes(fixed)} fixed)⌉ = ${queryNodes}; memory = ${queryNodes} × ${bytes(fixed)} + ${bytes(data)} = ${bytes(memoryBytes)}`;
  return { index: ix, basis, perRowBytes: perRow, perRowBytesAtTarget: perRowAtTarget, segmentBytesPerRow: full.rows > 0 && full.segmentMemBytes > 0 ? full.segmentMemBytes / full.rows : null, queryNodes, memoryBytes, formula };
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

function fmtRows(n: number): string {
  if (n >= 1e9) return `${n / 1e9}B`;
  if (n >= 1e6) return `${n / 1e6}M`;
  return String(n);
}
