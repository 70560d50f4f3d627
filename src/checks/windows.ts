import type { History, Millis, OpRecord, PhaseName, RecallWindow, SloSpec, WindowedRecall } from '../core/types.ts';
import { phaseWindows } from './phases.ts';
import { searchRecall } from './recall.ts';
import type { Truth } from './truth.ts';

/** A successful search's recall at its start time; searches with no scorable result are left out. */
export interface RecallPoint {
  at: number;
  phase: PhaseName;
  recall: number;
}

/** Recall of every successful search that carries results (the SDK probes), in history order. */
export function recallPoints(ops: readonly OpRecord[], truth: Truth): RecallPoint[] {
  const points: RecallPoint[] = [];
  for (const op of ops) {
    if (op.op !== 'search' || op.outcome !== 'ok') continue;
    const recall = searchRecall(op, truth);
    if (recall !== null) points.push({ at: op.start, phase: op.phase, recall });
  }
  return points;
}

/**
 * Cuts [start, end) into windows of `windowMs`; a tail shorter than half a window joins the one
 * before it, so a phase that ends just past a boundary has no sliver of a window that could hold
 * no search by chance.
 */
export function cutWindows(start: number, end: number, windowMs: Millis): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let t = start; t < end; t += windowMs) out.push({ start: t, end: Math.min(end, t + windowMs) });
  const last = out.at(-1);
  if (out.length > 1 && last && last.end - last.start < windowMs / 2) {
    out.pop();
    out.at(-1)!.end = last.end;
  }
  return out;
}

/** Mean recall of the points that fall in each window, with their count (0 samples: recall null). */
export function windowMeans(points: readonly RecallPoint[], windows: readonly { start: number; end: number }[]): RecallWindow[] {
  return windows.map((w) => {
    let sum = 0;
    let samples = 0;
    for (const p of points) {
      if (p.at < w.start || p.at >= w.end) continue;
      sum += p.recall;
      samples++;
    }
    return { start: w.start, end: w.end, samples, recall: samples === 0 ? null : sum / samples };
  });
}

/** The windows every windowed recall SLO of the scenario is judged on, from the phase's own span. */
export function windowedRecall(history: History, truth: Truth, slos: readonly SloSpec[]): WindowedRecall[] {
  const wanted = new Map<string, { phase: PhaseName; windowMs: Millis }>();
  for (const slo of slos) {
    if (slo.kind !== 'recall' || slo.window === undefined || slo.phase === null) continue;
    wanted.set(`${slo.phase}|${slo.window}`, { phase: slo.phase, windowMs: slo.window });
  }
  if (wanted.size === 0) return [];
  const spans = phaseWindows(history);
  const points = recallPoints(history.ops, truth);
  return [...wanted.values()].map(({ phase, windowMs }) => {
    const span = spans.find((p) => p.phase === phase);
    const inPhase = points.filter((p) => p.phase === phase);
    return { phase, windowMs, windows: span ? windowMeans(inPhase, cutWindows(span.start, span.end, windowMs)) : [] };
  });
}
