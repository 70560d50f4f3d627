import type { OpRecord } from '../core/types.ts';

/**
 * Time from the fault's end to the start of the first window of `windowMs` in which every probe
 * succeeded. The window opens at a successful probe and must have been observed in full (some
 * probe started at or after its end); otherwise recovery is not shown: null.
 */
export function recoveryTime(probes: readonly OpRecord[], faultEnd: number, windowMs: number): number | null {
  const after = probes.filter((p) => p.start >= faultEnd).sort((a, b) => a.start - b.start);
  let windowStart: number | null = null;
  for (const probe of after) {
    if (windowStart !== null && probe.start >= windowStart + windowMs) return windowStart - faultEnd;
    if (probe.outcome !== 'ok') windowStart = null;
    else windowStart ??= probe.start;
  }
  return null;
}
