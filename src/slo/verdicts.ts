import { EXIT, type DrReport, type Expectation, type FaultWindow, type PhaseStats, type RebalanceStep, type SloSpec, type SloVerdict, type UpgradeStep, type WindowedRecall } from '../core/types.ts';
import { countDiscrepancy, durabilityViolations, type DurabilityResult } from '../checks/durability.ts';
import { describeProbe, type SecurityResult } from '../checks/security.ts';

export interface Measurements {
  phases: readonly PhaseStats[];
  faults: readonly FaultWindow[];
  durability: DurabilityResult | null;
  /** Absent: no security probes were scored (a gate before any ran). */
  security?: SecurityResult | null;
  upgrades?: readonly UpgradeStep[];
  /** The windows of the windowed recall SLOs (absent or missing an SLO's phase: that SLO fails). */
  recallWindows?: readonly WindowedRecall[];
  rebalances?: readonly RebalanceStep[];
  dr?: DrReport | null;
}

/** Every SLO gets a verdict with its measured value and sample count. No samples: fail. */
export function evaluateSlos(slos: readonly SloSpec[], m: Measurements): SloVerdict[] {
  return slos.map((slo) => {
    const { measured, samples, reason, failed } = measure(slo, m);
    const { threshold, basis } = resolveThreshold(slo, m);
    const verdict: Omit<SloVerdict, 'pass' | 'reason'> = {
      slo: slo.name,
      kind: slo.kind,
      phase: slo.phase,
      measured,
      threshold,
      op: slo.op,
      samples,
    };
    if (failed) return { ...verdict, pass: false, reason: reason ?? 'failed' };
    if (measured === null || samples === 0) {
      return { ...verdict, pass: false, reason: reason ?? 'no samples: a threshold with no samples fails' };
    }
    if (threshold === null) return { ...verdict, pass: false, reason: `${basis}: no samples there, so the threshold is unknown and the SLO fails` };
    const pass = slo.op === '<=' ? measured <= threshold : measured >= threshold;
    const against = basis ? ` (${basis})` : '';
    const judged = `${fmt(slo.kind, measured)} ${pass ? '' : 'not '}${slo.op} ${fmt(slo.kind, threshold)}${against}`;
    if (slo.window !== undefined) return { ...verdict, pass, reason: `${judged} (${reason})` };
    // These measures explain themselves (which fault, which role step) besides the comparison.
    const explained = slo.kind === 'takeoverTime' || slo.kind === 'rollingAvailability';
    return { ...verdict, pass, reason: reason === undefined ? judged : explained ? `${judged}: ${reason}` : reason };
  });
}

/** A number as it is, or a relative threshold resolved against the same measurement in its base phase. */
function resolveThreshold(slo: SloSpec, m: Measurements): { threshold: number | null; basis: string } {
  const t = slo.threshold;
  if (typeof t === 'number') return { threshold: t, basis: '' };
  const { window: _window, ...plain } = slo; // a windowed SLO is relative to the base phase's whole recall
  const base = measure({ ...plain, phase: t.phase, threshold: 0 }, m);
  const parts = [t.times !== 1 ? `${t.times} × ${t.phase}` : t.phase, t.plus !== 0 ? `${t.plus > 0 ? '+' : '−'} ${fmt(slo.kind, Math.abs(t.plus))}` : ''];
  const basis = `${parts.join(' ').trim()}${base.measured === null ? '' : `, ${t.phase} = ${fmt(slo.kind, base.measured)}`}`;
  if (base.measured === null || base.samples === 0) return { threshold: null, basis };
  return { threshold: base.measured * t.times + t.plus, basis };
}

/** failed: the SLO fails whatever the measured value (a windowed SLO with a window of no samples). */
function measure(slo: SloSpec, m: Measurements): { measured: number | null; samples: number; reason?: string; failed?: boolean } {
  const phase = m.phases.find((p) => p.phase === slo.phase);
  switch (slo.kind) {
    case 'recall':
      if (slo.window !== undefined) return worstWindow(slo, m);
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
    case 'security': {
      const sec = m.security;
      if (!sec) return { measured: null, samples: 0, reason: 'no security probe ran' };
      const judged = sec.probes.filter((p) => p.probe.severity === 'violation');
      if (sec.violations.length > 0) {
        return { measured: sec.violations.length, samples: judged.length, reason: `${sec.violations.length} of ${judged.length} probes breached: ${sec.violations.map(describeProbe).join('; ')}` };
      }
      if (sec.unknown.length > 0) {
        return { measured: null, samples: judged.length - sec.unknown.length, reason: `${sec.unknown.length} probes could not tell, and an unknown outcome is not a success: ${sec.unknown.map(describeProbe).join('; ')}` };
      }
      const points = [...new Set(judged.map((p) => p.probe.point))];
      return { measured: 0, samples: judged.length, reason: `all ${judged.length} probes held at ${points.join(', ')}${sec.findings.length ? `; ${sec.findings.length} findings` : ''}` };
    }
    case 'downtime': {
      const steps = m.upgrades ?? [];
      if (steps.length === 0) return { measured: null, samples: 0, reason: 'no upgrade step ran' };
      const never = steps.filter((st) => st.downtimeMs === null);
      if (never.length > 0) return { measured: null, samples: steps.length, reason: `never searchable again after: ${never.map((st) => `upgrade to ${st.to}`).join(', ')}` };
      const worst = steps.reduce((a, b) => (b.downtimeMs! > a.downtimeMs! ? b : a));
      return { measured: worst.downtimeMs!, samples: steps.length };
    }
    case 'takeoverTime': {
      if (m.faults.length === 0) return { measured: null, samples: 0, reason: 'no fault ran' };
      const never = m.faults.filter((f) => !f.takeover || f.takeover.ms === null);
      if (never.length > 0) return { measured: null, samples: m.faults.length, reason: `operations never succeeded again after: ${never.map((f) => f.name).join(', ')}` };
      const worst = m.faults.reduce((a, b) => (b.takeover!.ms! > a.takeover!.ms! ? b : a));
      const t = worst.takeover!;
      return { measured: t.ms!, samples: m.faults.length, reason: `${worst.name}: operations succeeded again ${round(t.ms! / 1000)} s after the fault started; ${t.failed} of ${t.ops} failed meanwhile` };
    }
    case 'rollingAvailability': {
      const steps = (m.upgrades ?? []).flatMap((u) => u.roles ?? []);
      if (steps.length === 0) return { measured: null, samples: 0, reason: 'no rolling upgrade step ran' };
      const unmeasured = steps.filter((st) => st.availability === null);
      if (unmeasured.length > 0) return { measured: null, samples: steps.length - unmeasured.length, reason: `no probe search during: ${unmeasured.map((st) => st.instance).join(', ')}` };
      const worst = steps.reduce((a, b) => (b.availability! < a.availability! ? b : a));
      return { measured: worst.availability!, samples: steps.length, reason: `lowest during ${worst.instance} (${worst.role}): ${round(worst.availability! * 100)}% of ${worst.searches} searches; ${steps.length} role steps` };
    }
    case 'rpoRows':
    case 'rpoSeconds': {
      const rpo = m.dr?.rpo;
      if (!rpo) return { measured: null, samples: 0, reason: 'no backup ran' };
      const measured = slo.kind === 'rpoRows' ? rpo.rows : rpo.seconds;
      return { measured, samples: 1, reason: `${rpo.rows} rows acknowledged in the ${rpo.seconds} s after the backup point (expected loss)${rpo.lostBeforePoint ? `; ${rpo.lostBeforePoint} rows from before it lost or wrong` : ''}` };
    }
    case 'rto': {
      const rto = m.dr?.rto;
      if (!rto) return { measured: null, samples: 0, reason: 'no destroy and restore ran' };
      if (rto.ms === null) return { measured: null, samples: 1, reason: `no window of ${rto.windowMs / 1000} s with every search ok at recall ${rto.recallThreshold} after the restore: not recovered` };
      const parts = [['up', rto.upMs], ['import', rto.restoreMs], ['index', rto.indexBuildMs], ['load', rto.loadMs]].filter(([, v]) => v !== null).map(([k, v]) => `${k} ${round((v as number) / 1000)} s`);
      return { measured: rto.ms, samples: 1, reason: `${round(rto.ms / 1000)} s from destroy to the first good search window (${parts.join(', ')})` };
    }
    case 'restore': {
      const v = m.dr?.verification;
      if (!v) return { measured: null, samples: 0, reason: m.dr?.restore ? 'the restore was not verified' : 'no restore ran' };
      const failed = v.items.filter((i) => !i.pass);
      return { measured: failed.length, samples: v.items.length, reason: failed.length === 0 ? `all ${v.items.length} verifications passed` : failed.map((i) => `${i.check}: ${i.detail}`).join('; ') };
    }
    case 'upgrade': {
      const steps = m.upgrades ?? [];
      if (steps.length === 0) return { measured: null, samples: 0, reason: 'no upgrade step ran' };
      const problems = steps.flatMap((st) => st.problems);
      return { measured: problems.length, samples: steps.length, reason: problems.length === 0 ? `${steps.length} upgrade step${steps.length > 1 ? 's' : ''}: server at the new version, index unchanged` : problems.join('; ') };
    }
    case 'rebalanceTime': {
      const steps = (m.rebalances ?? []).filter((st) => st.role === 'querynode');
      if (steps.length === 0) return { measured: null, samples: 0, reason: 'no query-node scale step ran' };
      const unbalanced = steps.filter((st) => st.rebalanceMs === null || !st.enoughSegments);
      if (unbalanced.length > 0) return { measured: null, samples: steps.length, reason: unbalanced.flatMap((st) => st.problems.map((p) => `scale ${st.from} → ${st.to}: ${p}`)).join('; ') };
      const worst = Math.max(...steps.map((st) => st.rebalanceMs!));
      const each = steps.map((st) => `${st.from} → ${st.to}: ${round(st.rebalanceMs! / 1000)} s, ${st.searches} searches, availability ${st.availability === null ? '—' : `${round(st.availability * 100)}%`}, p99 ${st.p99Ms === null ? '—' : `${round(st.p99Ms)} ms`}`);
      return { measured: worst, samples: steps.length, reason: `worst ${round(worst / 1000)} s (threshold ${slo.op} ${typeof slo.threshold === 'number' ? `${round(slo.threshold / 1000)} s` : 'relative'}): ${each.join('; ')}` };
    }
  }
}

/** The worst window's mean recall; a window without a recall sample fails the SLO, named. */
function worstWindow(slo: SloSpec, m: Measurements): { measured: number | null; samples: number; reason?: string; failed?: boolean } {
  const entry = m.recallWindows?.find((w) => w.phase === slo.phase && w.windowMs === slo.window);
  const windows = entry?.windows ?? [];
  const size = `${round(slo.window! / 1000)} s`;
  if (windows.length === 0) return { measured: null, samples: 0, reason: `phase '${slo.phase}' has no ${size} window to judge (it did not run)` };
  const samples = windows.reduce((n, w) => n + w.samples, 0);
  const at = (w: { start: number; end: number }): string => `${(w.start / 1000).toFixed(1)}–${(w.end / 1000).toFixed(1)} s`;
  const scored = windows.filter((w) => w.recall !== null);
  const worst = scored.length === 0 ? null : scored.reduce((a, b) => (b.recall! < a.recall! ? b : a));
  const empty = windows.filter((w) => w.samples === 0);
  if (empty.length > 0) {
    return {
      measured: worst?.recall ?? null,
      samples,
      failed: true,
      reason: `${empty.length} of ${windows.length} ${size} windows had no successful search to score (${empty.slice(0, 5).map(at).join(', ')}${empty.length > 5 ? ', …' : ''}): a window with no samples is not a pass`,
    };
  }
  return { measured: worst!.recall, samples, reason: `worst of ${windows.length} ${size} windows: ${round(worst!.recall!)} at ${at(worst!)}` };
}

export function exitCodeFor(verdicts: readonly SloVerdict[]): number {
  return verdicts.every((v) => v.pass) ? EXIT.pass : EXIT.sloMissed;
}

/**
 * Whether a run did what its scenario expected: the verdict, and exactly the expected SLOs missed.
 * Without an expectation a run is expected to pass.
 */
export function meetsExpectation(expect: Expectation | null, verdict: 'pass' | 'fail' | 'aborted', verdicts: readonly SloVerdict[]): { met: boolean; reason: string } {
  const wanted = expect ?? { verdict: 'pass', slos: [] };
  const missed = verdicts.filter((v) => !v.pass).map((v) => v.slo).sort();
  const expected = [...wanted.slos].sort();
  const sameMisses = missed.length === expected.length && missed.every((n, i) => n === expected[i]);
  const met = verdict === wanted.verdict && sameMisses;
  const list = (names: readonly string[]): string => (names.length === 0 ? 'none' : names.join(', '));
  return { met, reason: `expected ${wanted.verdict} with missed SLOs: ${list(expected)}; got ${verdict} with missed SLOs: ${list(missed)}` };
}

function fmt(kind: SloVerdict['kind'], n: number): string {
  if (kind === 'latency') return `${round(n)} ms`;
  if (kind === 'recoveryTime' || kind === 'downtime' || kind === 'rebalanceTime' || kind === 'takeoverTime' || kind === 'rto') return `${round(n / 1000)} s`;
  if (kind === 'rpoSeconds') return `${round(n)} s`;
  if (kind === 'errorRate' || kind === 'rollingAvailability') return `${round(n * 100)}%`;
  return round(n);
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/0+$/, '');
}
