import type { Finding, History, OpRecord, PhaseName } from '../core/types.ts';
import { classifyServerError } from './outcomes.ts';
import { scoredPhases } from './phases.ts';
import { windowMeans, type RecallPoint } from './windows.ts';

/** Server error text → a stable class, so findings and reports group errors the same way (table: outcomes.ts). */
export function serverErrorClass(message: string): string {
  return classifyServerError(message).errorClass;
}

/**
 * Searches that succeeded with no results although rows existed, collections reported missing or
 * not loaded, and searches that still fail once the fault was healed and the run moved on.
 */
export function detect(history: History, opts: { expectedRows: number; failingTailMs: number }): Finding[] {
  const searches = history.ops.filter((o) => o.op === 'search' && o.source !== 'k6');
  const findings: Finding[] = [];
  if (opts.expectedRows > 0) {
    group(searches.filter((o) => o.outcome === 'ok' && (o.ids?.length ?? 0) === 0 && !o.filter), (phase, ops) =>
      findings.push({ detector: 'empty-results', phase, count: ops.length, firstAt: ops[0]!.start, detail: `${ops.length} searches of a loaded collection returned no results` }),
    );
  }
  for (const cls of ['collection-missing', 'collection-not-loaded'] as const) {
    group(history.ops.filter((o) => o.errorClass === cls), (phase, ops) =>
      findings.push({ detector: cls, phase, count: ops.length, firstAt: ops[0]!.start, detail: `${ops.length} operations failed: ${ops[0]!.error ?? cls}` }),
    );
  }
  const tail = failingTail(searches, opts.failingTailMs);
  if (tail) findings.push(tail);
  return findings.sort((a, b) => a.firstAt - b.firstAt || a.detector.localeCompare(b.detector));
}

function group(ops: readonly OpRecord[], emit: (phase: PhaseName, ops: OpRecord[]) => void): void {
  const byPhase = new Map<PhaseName, OpRecord[]>();
  for (const op of ops) byPhase.set(op.phase, [...(byPhase.get(op.phase) ?? []), op]);
  for (const [phase, list] of byPhase) emit(phase, list);
}

/** Every search of the last `windowMs` of the run failed: the system never came back. */
function failingTail(searches: readonly OpRecord[], windowMs: number): Finding | null {
  const last = searches.at(-1);
  if (!last) return null;
  const tail = searches.filter((o) => o.start >= last.start - windowMs);
  if (tail.length === 0 || tail.some((o) => o.outcome === 'ok')) return null;
  return { detector: 'failing-after-heal', phase: last.phase, count: tail.length, firstAt: tail[0]!.start, detail: `the last ${tail.length} searches (${windowMs / 1000} s) all failed: ${tail.at(-1)!.error ?? tail.at(-1)!.outcome}` };
}

/** How far below the steady baseline a window's mean recall must fall to count as partial results. */
export const PARTIAL_RESULTS = {
  /** Windows of this length, aligned to the run's clock. */
  windowMs: 5_000,
  /** A window is flagged when its mean recall is below baseline − drop (absolute). */
  drop: 0.1,
  /** Fewer successful searches than this in a window: too few to call it. */
  minSamples: 5,
  /** Fewer than this in the baseline: no baseline, nothing to compare with. */
  minBaselineSamples: 20,
} as const;

/** Actions that do not injure the system, so the baseline may run through them. */
const HARMLESS_ACTIONS = new Set(['flush', 'compact', 'security']);

/**
 * Searches that succeeded while returning far fewer of the true neighbours than the same run did
 * in steady state: the server answered with partial results as success (e.g. while a restarted
 * query node reloads its segments). The baseline is the mean recall of the first scored phase
 * before the first fault or injuring action; every window of `windowMs` after that whose mean
 * falls below baseline − drop is flagged, and consecutive flagged windows make one finding with
 * its span and magnitude.
 */
export function partialResults(history: History, points: readonly RecallPoint[], opts: { windowMs: number; drop: number; minSamples: number; minBaselineSamples: number } = PARTIAL_RESULTS): Finding[] {
  const first = scoredPhases(history)[0];
  if (first === undefined) return [];
  const injured = history.events.find((e) => e.kind === 'fault-start' || (e.kind === 'action-start' && !HARMLESS_ACTIONS.has(e.name)))?.at ?? Number.POSITIVE_INFINITY;
  const base = points.filter((p) => p.phase === first && p.at < injured);
  if (base.length < opts.minBaselineSamples) return [];
  const baseline = base.reduce((sum, p) => sum + p.recall, 0) / base.length;
  const judged = points.filter((p) => !(p.phase === first && p.at < injured)).sort((a, b) => a.at - b.at);
  if (judged.length === 0) return [];
  const aligned: { start: number; end: number }[] = [];
  for (let t = Math.floor(judged[0]!.at / opts.windowMs) * opts.windowMs; t <= judged.at(-1)!.at; t += opts.windowMs) aligned.push({ start: t, end: t + opts.windowMs });
  const windows = windowMeans(judged, aligned);
  const flagged = windows.filter((w) => w.samples >= opts.minSamples && w.recall! < baseline - opts.drop);
  const runs: (typeof flagged)[] = [];
  for (const w of flagged) {
    const last = runs.at(-1);
    if (last && last.at(-1)!.end === w.start) last.push(w);
    else runs.push([w]);
  }
  return runs.map((run) => {
    const start = run[0]!.start;
    const end = run.at(-1)!.end;
    const inRun = judged.filter((p) => p.at >= start && p.at < end);
    const mean = inRun.reduce((sum, p) => sum + p.recall, 0) / inRun.length;
    const worst = Math.min(...run.map((w) => w.recall!));
    const means = run.map((w) => w.recall!.toFixed(2)).join(', ');
    return {
      detector: 'partial-results' as const,
      phase: inRun[0]!.phase,
      count: inRun.length,
      firstAt: inRun[0]!.at,
      window: { start, end },
      recall: { baseline: round3(baseline), mean: round3(mean), worst: round3(worst) },
      detail: `${inRun.length} successful searches from ${sec(start)} to ${sec(end)} had mean recall ${mean.toFixed(3)} (per ${opts.windowMs / 1000} s: ${means}) against ${baseline.toFixed(3)} in ${first}: the server answered with partial results as success`,
    };
  });
}

function sec(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
