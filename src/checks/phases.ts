import { servingOps, takeover } from './takeover.ts';
import { HARNESS_PHASES, type FaultWindow, type History, type OpLatency, type OpRecord, type PhaseName, type PhaseStats } from '../core/types.ts';
import { LatencyHistogram } from '../history/hdr.ts';
import { meanRecall } from './recall.ts';
import { recoveryTime } from './recovery.ts';
import type { Truth } from './truth.ts';

/** The phases a report scores: the scenario's own, in the order they were entered; never the harness's setup and verify. */
export function scoredPhases(history: History): PhaseName[] {
  const names = history.events.filter((e) => e.kind === 'phase-start').map((e) => e.name);
  return [...new Set(names)].filter((n) => !(HARNESS_PHASES as readonly string[]).includes(n));
}

/** The latency percentiles computed per phase (latencyOf below); an SLO may name only these. */
export const SCORED_PERCENTILES = [50, 95, 99, 99.9] as const;

/**
 * Latency counts ops that ended ok or unknown: a timed-out call took at least its timeout, and
 * leaving it out would flatter the tail. Fast refusals ('fail') count against availability instead.
 */
function latencyOf(ops: readonly OpRecord[]): { p50: number | null; p95: number | null; p99: number | null; p999: number | null } {
  const h = new LatencyHistogram();
  for (const o of ops) if (o.outcome !== 'fail') h.record(Math.max(o.latencyMs, 0.001));
  return { p50: h.percentile(50), p95: h.percentile(95), p99: h.percentile(99), p999: h.percentile(99.9) };
}

/** Per-phase figures for searches from every driver; recall from the probes that carry results. */
export function phaseStats(history: History, truth: Truth, phases: readonly PhaseName[] = scoredPhases(history)): PhaseStats[] {
  return phases.map((phase) => {
    const searches = history.ops.filter((o) => o.op === 'search' && o.phase === phase);
    const count = (outcome: string): number => searches.filter((o) => o.outcome === outcome).length;
    const recall = meanRecall(searches, truth);
    return {
      phase,
      searches: searches.length,
      ok: count('ok'),
      fail: count('fail'),
      unknown: count('unknown'),
      availability: searches.length === 0 ? null : count('ok') / searches.length,
      recall: recall.value,
      recallSamples: recall.samples,
      latency: latencyOf(searches),
    };
  });
}

/** Latency per phase, per kind of operation, per driver. */
export function latencyByOp(history: History): OpLatency[] {
  const phases = scoredPhases(history);
  const groups = new Map<string, OpRecord[]>();
  for (const o of history.ops) {
    if (!phases.includes(o.phase)) continue;
    const key = `${o.phase}|${o.op}|${o.source ?? 'sdk'}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return [...groups.entries()]
    .map(([key, ops]) => {
      const [phase, op, source] = key.split('|') as [PhaseName, OpRecord['op'], 'sdk' | 'k6'];
      return { phase, op, source, count: ops.length, ok: ops.filter((o) => o.outcome === 'ok').length, ...latencyOf(ops) };
    })
    .sort((a, b) => phases.indexOf(a.phase) - phases.indexOf(b.phase) || a.op.localeCompare(b.op) || a.source.localeCompare(b.source));
}

/** Each fault's window from the history's events, with its recovery time (measured on the probes). */
export function faultWindows(history: History, windowMs: number): FaultWindow[] {
  const probes = history.ops.filter((o) => o.op === 'search' && o.source !== 'k6');
  const serving = servingOps(history.ops);
  const starts = history.events.filter((e) => e.kind === 'fault-start');
  return starts.map((s) => {
    const end = history.events.find((e) => e.kind === 'fault-end' && e.name === s.name && e.at >= s.at);
    const endAt = end?.at ?? null;
    const failoverMs = recoveryTime(probes, s.at, windowMs);
    const until = failoverMs === null ? Number.POSITIVE_INFINITY : s.at + failoverMs;
    return {
      name: s.name,
      kind: (s.detail ?? 'pod-kill') as FaultWindow['kind'],
      start: s.at,
      end: endAt ?? Number.NaN,
      recoveryMs: endAt === null ? null : recoveryTime(probes, endAt, windowMs),
      takeover: takeover(serving, s.at, endAt ?? Number.POSITIVE_INFINITY, windowMs),
      failoverMs,
      failedDuringFailover: probes.filter((p) => p.start >= s.at && p.start < until && p.outcome !== 'ok').length,
    };
  });
}

/** When each phase started and ended, from the phase events. */
export function phaseWindows(history: History): { phase: PhaseName; start: number; end: number }[] {
  const starts = history.events.filter((e) => e.kind === 'phase-start');
  return starts.map((e, i) => {
    const end = history.events.find((x) => x.kind === 'phase-end' && x.name === e.name && x.at >= e.at);
    return { phase: e.name as PhaseName, start: e.at, end: end?.at ?? starts[i + 1]?.at ?? e.at };
  });
}
