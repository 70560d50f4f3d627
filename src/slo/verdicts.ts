import { EXIT, type FaultWindow, type PhaseStats, type SloSpec, type SloVerdict } from '../core/types.ts';
import { countDiscrepancy, durabilityViolations, type DurabilityResult } from '../checks/durability.ts';

export interface Measurements {
  phases: readonly PhaseStats[];
  faults: readonly FaultWindow[];
  durability: DurabilityResult | null;
}

/** Every SLO gets a verdict with its measured value and sample count. No samples: fail. */
export function evaluateSlos(slos: readonly SloSpec[], m: Measurements): SloVerdict[] {
  return slos.map((slo) => {
    const { measured, samples, reason } = measure(slo, m);
    const verdict: Omit<SloVerdict, 'pass' | 'reason'> = {
      slo: slo.name,
      kind: slo.kind,
      phase: slo.phase,
      measured,
      threshold: slo.threshold,
      op: slo.op,
      samples,
    };
    if (measured === null || samples === 0) {
      return { ...verdict, pass: false, reason: reason ?? 'no samples: a threshold with no samples fails' };
    }
    const pass = slo.op === '<=' ? measured <= slo.threshold : measured >= slo.threshold;
    return { ...verdict, pass, reason: reason ?? `${fmt(slo.kind, measured)} ${pass ? '' : 'not '}${slo.op} ${fmt(slo.kind, slo.threshold)}` };
  });
}

function measure(slo: SloSpec, m: Measurements): { measured: number | null; samples: number; reason?: string } {
  const phase = m.phases.find((p) => p.phase === slo.phase);
  switch (slo.kind) {
    case 'recall':
      return { measured: phase?.recall ?? null, samples: phase?.recallSamples ?? 0 };
    case 'latency': {
      const p = slo.percentile ?? 99;
      const key = ({ 50: 'p50', 95: 'p95', 99: 'p99', 99.9: 'p999' } as const)[p as 50 | 95 | 99 | 99.9];
      if (!key) return { measured: null, samples: 0, reason: `percentile ${p} is not computed; use 50, 95, 99 or 99.9` };
      const samples = phase ? phase.ok + phase.unknown : 0;
      return { measured: phase?.latency[key] ?? null, samples };
    }
    case 'errorRate': {
      if (!phase || phase.searches === 0) return { measured: null, samples: 0 };
      return { measured: (phase.fail + phase.unknown) / phase.searches, samples: phase.searches };
    }
    case 'recoveryTime': {
      if (m.faults.length === 0) return { measured: null, samples: 0, reason: 'no fault ran' };
      const unrecovered = m.faults.filter((f) => f.recoveryMs === null);
      if (unrecovered.length > 0) {
        return { measured: null, samples: m.faults.length, reason: `never recovered after: ${unrecovered.map((f) => f.name).join(', ')}` };
      }
      return { measured: Math.max(...m.faults.map((f) => f.recoveryMs!)), samples: m.faults.length };
    }
    case 'durability': {
      const d = m.durability;
      if (!d || d.acknowledged === 0) return { measured: null, samples: 0, reason: 'no acknowledged writes to verify' };
      if (d.unverified > 0) {
        return { measured: null, samples: d.acknowledged - d.unverified, reason: `${d.unverified} acknowledged writes could not be verified (lookups failed)` };
      }
      const parts = [
        `${d.missing.length} of ${d.acknowledged} acknowledged rows missing`,
        `${d.resurrected.length} deleted rows back`,
        `${d.stale.length} rows not at their latest upsert`,
      ];
      if (d.count) parts.push(`count ${d.count.reported} (expected ${d.count.min === d.count.max ? d.count.min : `${d.count.min}..${d.count.max}`}${countDiscrepancy(d) ? ', off' : ''})`);
      return { measured: durabilityViolations(d), samples: d.acknowledged, reason: parts.join('; ') };
    }
  }
}

export function exitCodeFor(verdicts: readonly SloVerdict[]): number {
  return verdicts.every((v) => v.pass) ? EXIT.pass : EXIT.sloMissed;
}

function fmt(kind: SloSpec['kind'], n: number): string {
  if (kind === 'latency') return `${round(n)} ms`;
  if (kind === 'recoveryTime') return `${round(n / 1000)} s`;
  if (kind === 'errorRate') return `${round(n * 100)}%`;
  return round(n);
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/0+$/, '');
}
