import type { FaultWindow, History, PhaseName, PhaseStats } from '../core/types.ts';
import { percentile } from './percentile.ts';
import { meanRecall } from './recall.ts';
import { recoveryTime } from './recovery.ts';
import type { Truth } from './truth.ts';

export const SCORED_PHASES: readonly PhaseName[] = ['steady', 'fault', 'recovered'];

/**
 * Per-phase figures for searches. Latency percentiles cover searches that ended ok or unknown
 * (a timed-out search took at least its timeout, and leaving it out would flatter the tail);
 * fast refusals ('fail') count against the error rate instead.
 */
export function phaseStats(history: History, truth: Truth): PhaseStats[] {
  return SCORED_PHASES.map((phase) => {
    const searches = history.ops.filter((o) => o.op === 'search' && o.phase === phase);
    const count = (outcome: string): number => searches.filter((o) => o.outcome === outcome).length;
    const latencies = searches.filter((o) => o.outcome !== 'fail').map((o) => o.latencyMs);
    const recall = meanRecall(searches, truth);
    return {
      phase,
      searches: searches.length,
      ok: count('ok'),
      fail: count('fail'),
      unknown: count('unknown'),
      recall: recall.value,
      recallSamples: recall.samples,
      latency: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    };
  });
}

/** Each fault's window from the history's events, with its recovery time. */
export function faultWindows(history: History, windowMs: number): FaultWindow[] {
  const probes = history.ops.filter((o) => o.op === 'search');
  const starts = history.events.filter((e) => e.kind === 'fault-start');
  return starts.map((s) => {
    const end = history.events.find((e) => e.kind === 'fault-end' && e.name === s.name && e.at >= s.at);
    const endAt = end?.at ?? null;
    return {
      name: s.name,
      kind: (s.detail ?? 'pod-kill') as FaultWindow['kind'],
      start: s.at,
      end: endAt ?? Number.NaN,
      recoveryMs: endAt === null ? null : recoveryTime(probes, endAt, windowMs),
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
