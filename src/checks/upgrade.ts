import type { History, HistoryEvent, OpRecord, RollStep, UpgradeStep } from '../core/types.ts';
import { percentile } from './percentile.ts';

/** What the runner records about the server around an upgrade step (event 'note', detail JSON). */
export interface ServerStateNote {
  server: string | null;
  /** The vector index as the server describes it (type, metric, params), or null when it has none. */
  index: string | null;
}

export const UPGRADE_BEFORE = 'upgrade-before';
export const UPGRADE_AFTER = 'upgrade-after';
/** A rolling upgrade's process replacement, as it starts and ends (event 'note', detail: the ActionProgress as JSON). */
export const ROLL_START = 'roll-start';
export const ROLL_END = 'roll-end';

function noteState(e: HistoryEvent | undefined): ServerStateNote | null {
  if (!e?.detail) return null;
  try {
    return JSON.parse(e.detail) as ServerStateNote;
  } catch {
    return null;
  }
}

/**
 * Every upgrade step, measured from the history: how long the action took, the longest time
 * without a successful probe search from before the step until searchable again, availability and
 * p99 meanwhile, and what is off afterwards (index changed or gone, server at another version).
 */
export function upgradeSteps(history: History, stackVersion: string): UpgradeStep[] {
  const probes = history.ops.filter((o) => o.op === 'search' && o.source !== 'k6');
  const oks = probes.filter((o) => o.outcome === 'ok').map((o) => o.end).sort((a, b) => a - b);
  const events = history.events;
  const steps: UpgradeStep[] = [];
  let current: string | null = stackVersion;
  events.forEach((e, i) => {
    if (e.kind !== 'action-start' || e.name !== 'upgrade') return;
    const to = /Milvus (\S+)/.exec(e.detail ?? '')?.[1] ?? '?';
    const endEvent = events.slice(i + 1).find((x) => x.kind === 'action-end' && x.name === 'upgrade');
    const next = events.findIndex((x, j) => j > i && x.kind === 'action-start' && x.name === 'upgrade');
    const following = events.slice(i + 1, next === -1 ? undefined : next);
    // Recorded by the step itself, once it has started and before it stops the old server.
    const before = noteState(following.find((x) => x.kind === 'note' && x.name === UPGRADE_BEFORE));
    const after = noteState(following.find((x) => x.kind === 'note' && x.name === UPGRADE_AFTER));
    const end = endEvent?.at ?? null;
    const searchableAt = end === null ? null : (oks.find((t) => t >= end) ?? null);
    const problems: string[] = [];
    if (!endEvent) problems.push(`upgrade to ${to} never finished`);
    else if (endEvent.detail !== 'ok') problems.push(`upgrade to ${to} ${endEvent.detail ?? 'failed'}`);
    if (endEvent?.detail === 'ok') problems.push(...stateProblems(to, before, after));
    const window = probes.filter((o) => o.start >= e.at && (searchableAt === null || o.start <= searchableAt));
    const roles = rollSteps(following, probes, end === null ? null : Math.max(end, searchableAt ?? end));
    steps.push({
      from: current,
      to,
      start: e.at,
      end,
      durationMs: end === null ? null : end - e.at,
      searchableAt,
      downtimeMs: searchableAt === null ? null : longestGap(oks, e.at, searchableAt),
      searches: window.length,
      availability: window.length === 0 ? null : window.filter((o) => o.outcome === 'ok').length / window.length,
      p99Ms: percentile(window.filter((o) => o.outcome === 'ok').map((o: OpRecord) => o.latencyMs), 99),
      serverAfter: after?.server ?? null,
      indexBefore: before?.index ?? null,
      indexAfter: after?.index ?? null,
      problems: [...problems, ...(roles ?? []).filter((r) => r.outcome !== 'ok').map((r) => `${r.instance} ${r.outcome}`)],
      ...(roles ? { roles } : {}),
    });
    current = to;
  });
  return steps;
}

interface ProgressNote {
  role?: string;
  instance?: string;
  outcome?: string;
  stopMs?: number;
  killed?: boolean;
  note?: string;
}

function progressNote(e: HistoryEvent): ProgressNote {
  try {
    return JSON.parse(e.detail ?? '{}') as ProgressNote;
  } catch {
    return {};
  }
}

/**
 * A rolling upgrade's role steps, from its progress notes: each from its start until the next
 * step's start (the last until `until`: the action's end, or searchable again after it, whichever
 * is later), with the probe searches that started in that window. Null when no step was reported.
 */
export function rollSteps(events: readonly HistoryEvent[], probes: readonly OpRecord[], until: number | null): RollStep[] | null {
  const starts = events.filter((x) => x.kind === 'note' && x.name === ROLL_START);
  if (starts.length === 0) return null;
  return starts.map((s, i) => {
    const started = progressNote(s);
    const endEvent = events.find((x) => x.kind === 'note' && x.name === ROLL_END && x.at >= s.at && progressNote(x).instance === started.instance);
    const ended = endEvent ? progressNote(endEvent) : null;
    const windowEnd = starts[i + 1]?.at ?? until ?? endEvent?.at ?? s.at;
    const window = probes.filter((o) => o.start >= s.at && o.start < windowEnd);
    const ok = window.filter((o) => o.outcome === 'ok');
    return {
      role: started.role ?? '?',
      instance: started.instance ?? '?',
      start: s.at,
      end: ended?.outcome === 'ok' ? endEvent!.at : null,
      stopMs: ended?.stopMs ?? null,
      killed: ended?.killed ?? null,
      searches: window.length,
      availability: window.length === 0 ? null : ok.length / window.length,
      p99Ms: percentile(ok.map((o) => o.latencyMs), 99),
      outcome: ended?.outcome ?? 'never finished',
      ...(ended?.note ? { note: ended.note } : {}),
    };
  });
}

function stateProblems(to: string, before: ServerStateNote | null, after: ServerStateNote | null): string[] {
  if (!before) return [`nothing recorded about the server before the upgrade to ${to}, so its index cannot be compared`];
  if (!after) return [`nothing recorded about the server after the upgrade to ${to}`];
  const problems: string[] = [];
  const bare = (v: string): string => v.replace(/^v/, '').replace(/-.*$/, '');
  if (after.server === null) problems.push(`the server did not say its version after the upgrade to ${to}`);
  else if (bare(after.server) !== bare(to)) problems.push(`the server reports ${after.server} after the upgrade to ${to}`);
  if (before.index && !after.index) problems.push(`after the upgrade to ${to} the collection has no index (before: ${before.index})`);
  else if (before.index && after.index !== before.index) problems.push(`after the upgrade to ${to} the index is ${after.index} (before: ${before.index})`);
  return problems;
}

/** The longest interval with no successful completion, from the last one at or before `from` until `until`. */
function longestGap(okEnds: readonly number[], from: number, until: number): number {
  const lastBefore = okEnds.filter((t) => t <= from).at(-1) ?? from;
  const inside = okEnds.filter((t) => t > lastBefore && t <= until);
  let gap = 0;
  let prev = lastBefore;
  for (const t of inside) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return gap;
}
