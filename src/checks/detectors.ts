import type { Finding, History, OpRecord, PhaseName } from '../core/types.ts';
import { classifyServerError } from './outcomes.ts';

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
