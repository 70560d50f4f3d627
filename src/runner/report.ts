import { EXIT, type History, type RunReport, type Scenario, type SloVerdict, type Verdict } from '../core/types.ts';
import { durability } from '../checks/durability.ts';
import { detect } from '../checks/detectors.ts';
import { faultWindows, latencyByOp, phaseStats, phaseWindows } from '../checks/phases.ts';
import { searchRecall } from '../checks/recall.ts';
import { serverView } from '../checks/server.ts';
import { evaluateSlos, exitCodeFor, meetsExpectation } from '../slo/verdicts.ts';
import type { GroundTruth } from './truth.ts';
import type { Scrape } from './metrics.ts';

export interface RunState {
  bringUpMs: number | null;
  groundTruth: GroundTruth | null;
  scrapes: Scrape[];
  load: RunReport['load'];
  /** The breached SLO's (or missed gate's) reason, when the run stopped early. */
  breach: string | null;
  /** The step that could not complete (an action failed, a wait timed out). */
  stepFailure: string | null;
  versions: RunReport['versions'];
}

/** Everything the report says, computed from the history alone (plus the truth and scrapes). */
export function buildReport(
  s: Scenario,
  run: { runId: string; platform: string; interrupted: boolean },
  history: History,
  state: RunState,
  startedAt: Date,
  error: unknown,
): RunReport {
  const truth = state.groundTruth?.withHistory(history.ops) ?? null;
  const phases = truth ? phaseStats(history, truth) : [];
  const faults = faultWindows(history, s.recovery.window);
  const verified = history.ops.some((o) => o.phase === 'verify');
  const d = verified ? durability(history.ops) : null;
  const slos = [...evaluateSlos(s.slos, { phases, faults, durability: d }), ...stepVerdicts(state)];
  const windows = phaseWindows(history);
  let verdict: Verdict;
  let exitCode: number;
  let expectation: RunReport['expectation'] = null;
  if (run.interrupted) [verdict, exitCode] = ['interrupted', EXIT.interrupted];
  else if (error) [verdict, exitCode] = ['error', EXIT.harness];
  else {
    const outcome = state.breach ? 'aborted' : exitCodeFor(slos) === EXIT.pass ? 'pass' : 'fail';
    const judged = meetsExpectation(s.expect, outcome, slos);
    if (s.expect) expectation = { expected: s.expect, outcome, met: judged.met, reason: judged.reason };
    if (judged.met) [verdict, exitCode] = ['pass', EXIT.pass];
    else if (outcome === 'aborted') [verdict, exitCode] = ['aborted', EXIT.abortedOnBreach];
    else [verdict, exitCode] = ['fail', EXIT.sloMissed];
  }
  return {
    runId: run.runId,
    scenario: s.name,
    seed: s.seed,
    platform: run.platform as RunReport['platform'],
    milvusVersion: s.stack.milvusVersion,
    versions: state.versions,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    bringUpMs: state.bringUpMs,
    recallK: s.workload.search.topK,
    verdict,
    exitCode,
    error: error && !run.interrupted ? (error instanceof Error ? error.message : String(error)) : null,
    phases,
    phaseWindows: windows,
    faults,
    durability: d && {
      acknowledged: d.acknowledged,
      found: d.found,
      missing: d.missing.length,
      resurrected: d.resurrected.length,
      stale: d.stale.length,
      uncertain: d.uncertain,
      unverified: d.unverified,
      count: d.count,
      samples: { missing: d.missing.slice(0, 20), resurrected: d.resurrected.slice(0, 20), stale: d.stale.slice(0, 20) },
    },
    slos,
    latencyByOp: latencyByOp(history),
    findings: detect(history, { expectedRows: s.dataset.rows, failingTailMs: s.recovery.window }),
    server: serverView(state.scrapes, windows),
    load: state.load,
    abortedOnBreach: state.breach,
    stepFailure: state.stepFailure,
    expectation,
    series: {
      searchLatency: history.ops.filter((o) => o.op === 'search').map((o) => [o.start, round(o.latencyMs), o.outcome] as const),
      recall: truth
        ? history.ops.flatMap((o) => {
            const r = o.op === 'search' ? searchRecall(o, truth) : null;
            return r === null ? [] : [[o.start, round(r)] as const];
          })
        : [],
    },
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** A step that could not complete is a missed objective of its own, named so a drill can expect it. */
function stepVerdicts(state: RunState): SloVerdict[] {
  if (!state.stepFailure) return [];
  const action = /^(\w+):/.exec(state.stepFailure)?.[1] ?? 'step';
  return [{ slo: `action:${action}`, kind: 'action', phase: null, measured: null, threshold: null, op: '>=', samples: 1, pass: false, reason: state.stepFailure }];
}
