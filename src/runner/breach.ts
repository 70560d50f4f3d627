import type { PhaseName, Scenario } from '../core/types.ts';
import type { HistoryRecorder } from '../history/recorder.ts';
import { faultWindows, phaseStats } from '../checks/phases.ts';
import { evaluateSlos } from '../slo/verdicts.ts';
import { delay } from '../util/poll.ts';
import type { RunState } from './report.ts';

/**
 * Stops the run as soon as an SLO marked abortOnBreach is known to be missed: a phase's SLOs when
 * the phase ends, a recovery-time SLO as soon as the time since a heal exceeds it unrecovered.
 */
export class BreachWatch {
  constructor(
    private readonly s: Scenario,
    private readonly history: HistoryRecorder,
    private readonly state: RunState,
    private readonly onBreach: (reason: string) => void,
  ) {}

  phaseEnded(phase: PhaseName): void {
    const watched = this.s.slos.filter((slo) => slo.abortOnBreach && slo.phase === phase);
    if (watched.length === 0 || !this.state.groundTruth) return;
    const h = this.history.snapshot();
    const phases = phaseStats(h, this.state.groundTruth.withHistory(h.ops));
    const missed = evaluateSlos(watched, { phases, faults: [], durability: null }).find((v) => !v.pass);
    if (missed) this.onBreach(`${missed.slo}: ${missed.reason}`);
  }

  /** Waits out a phase, checking recovery-time SLOs once a second. */
  async during(ms: number, signal: AbortSignal): Promise<void> {
    const watched = this.s.slos.filter((slo) => slo.abortOnBreach && slo.kind === 'recoveryTime' && typeof slo.threshold === 'number');
    if (watched.length === 0) return delay(ms, signal);
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await delay(Math.min(1000, end - Date.now()), signal);
      const h = this.history.snapshot();
      for (const slo of watched) {
        const late = faultWindows(h, this.s.recovery.window).find((f) => f.recoveryMs === null && this.history.now() - f.end > (slo.threshold as number));
        if (late) return this.onBreach(`${slo.name}: '${late.name}' not recovered ${((slo.threshold as number) / 1000).toFixed(0)} s after its heal`);
      }
    }
  }
}
