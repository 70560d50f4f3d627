import type { DrReport, FaultWindow, Finding, OpLatency, PhaseStats, RebalanceStep, RecordedRun, ServerPhaseView, SizingReport, UpgradeStep, WindowedRecall } from '../core/types.ts';
import { rebalances } from './rebalance.ts';
import { sizingProjection } from './sizing.ts';
import { drReport, withoutLostWrites } from './dr.ts';
import { upgradeSteps } from './upgrade.ts';
import { detect, partialResults } from './detectors.ts';
import { durability, type DurabilityResult } from './durability.ts';
import { faultWindows, latencyByOp, phaseStats, phaseWindows } from './phases.ts';
import { serverView } from './server.ts';
import { securityFindings, securityResult, type SecurityResult } from './security.ts';
import type { Truth } from './truth.ts';
import { recallPoints, windowedRecall } from './windows.ts';

/** What every check reads: the recorded run, and exact truth for it when it could be computed. */
export interface CheckInput {
  run: RecordedRun;
  truth: Truth | null;
}

/** What the checks measure; the SLOs and the report are built from these. */
export interface Measures {
  phases: PhaseStats[];
  faults: FaultWindow[];
  durability: DurabilityResult | null;
  latencyByOp: OpLatency[];
  findings: Finding[];
  server: ServerPhaseView[];
  security: SecurityResult | null;
  upgrades: UpgradeStep[];
  recallWindows: WindowedRecall[];
  rebalances: RebalanceStep[];
  sizing: SizingReport | null;
  dr: DrReport | null;
}

/** A check: a pure function of the recorded history that yields one measure. */
export interface Check<K extends keyof Measures = keyof Measures> {
  measure: K;
  run(input: CheckInput): Measures[K];
}

const define = <K extends keyof Measures>(measure: K, run: (input: CheckInput) => Measures[K]): Check<K> => ({ measure, run });

/** Every check a report runs. A new check is a function of a CheckInput and one line here. */
export const CHECKS: readonly Check[] = [
  define('phases', ({ run, truth }) => (truth ? phaseStats(run.history, truth) : [])),
  define('faults', ({ run }) => faultWindows(run.history, run.header.scenario.recovery.window)),
  // After a restore, the writes between the backup point and the restore are expected loss (RPO), not durability failures.
  define('durability', ({ run }) => (run.history.ops.some((o) => o.phase === 'verify') ? durability(withoutLostWrites(run.history.ops, run.history.events)) : null)),
  define('latencyByOp', ({ run }) => latencyByOp(run.history)),
  define('findings', ({ run, truth }) => [
    ...detect(run.history, { expectedRows: run.header.scenario.dataset.rows, failingTailMs: run.header.scenario.recovery.window }),
    ...securityFindings(securityResult(run.history.ops)),
    ...(truth ? partialResults(run.history, recallPoints(run.history.ops, truth)) : []),
  ]),
  define('server', ({ run }) => serverView(run.scrapes, phaseWindows(run.history))),
  define('security', ({ run }) => securityResult(run.history.ops)),
  define('upgrades', ({ run }) => upgradeSteps(run.history, run.header.scenario.stack.milvusVersion)),
  define('recallWindows', ({ run, truth }) => (truth ? windowedRecall(run.history, truth, run.header.scenario.slos) : [])),
  define('rebalances', ({ run }) => rebalances(run.history)),
  define('sizing', ({ run }) => {
    const s = run.header.scenario;
    return s.sizing ? sizingProjection(run.history, s.sizing, s.dataset.dim, s.collection.index.type) : null;
  }),
  define('dr', ({ run, truth }) => drReport(run, truth)),
];

const EMPTY: Measures = { phases: [], faults: [], durability: null, latencyByOp: [], findings: [], server: [], security: null, upgrades: [], recallWindows: [], rebalances: [], sizing: null, dr: null };

/** Runs every check; one that throws leaves its measure empty and its error in `errors`, never a crash. */
export function runChecks(input: CheckInput, checks: readonly Check[] = CHECKS): { measures: Measures; errors: { check: string; error: string }[] } {
  const measures: Measures = { ...EMPTY };
  const errors: { check: string; error: string }[] = [];
  for (const check of checks) {
    try {
      (measures as unknown as Record<string, unknown>)[check.measure] = check.run(input);
    } catch (err) {
      errors.push({ check: check.measure, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { measures, errors };
}
