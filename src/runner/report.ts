import { EXIT, type RecordedRun, type RunReport, type SloVerdict, type Verdict } from '../core/types.ts';
import { phaseWindows } from '../checks/phases.ts';
import { searchRecall } from '../checks/recall.ts';
import { runChecks } from '../checks/registry.ts';
import { withoutLostWrites } from '../checks/dr.ts';
import { evaluateSlos, exitCodeFor, meetsExpectation } from '../slo/verdicts.ts';
import type { GroundTruth } from './truth.ts';

/** What the run keeps live (beyond the history): truth for gates and breach checks, and why it stopped early. */
export interface RunState {
  groundTruth: GroundTruth | null;
  /** The breached SLO's (or missed gate's) reason, when the run stopped early. */
  breach: string | null;
  /** The step that could not complete (an action failed, a wait timed out). */
  stepFailure: string | null;
}

/**
 * The report, from the recorded history alone (and exact truth for it). The run and `analyze`
 * both come here, so re-scoring a history gives the run's own report.
 */
export function scoreRun(run: RecordedRun, truthSource: GroundTruth | null, failedBefore: readonly { check: string; error: string }[] = []): RunReport {
  const s = run.header.scenario;
  const history = run.history;
  // Truth follows the restored system: writes a restore is expected to lose are left out.
  const truth = truthSource?.withHistory(withoutLostWrites(history.ops, history.events)) ?? null;
  const { measures: m, errors } = runChecks({ run, truth });
  const checkErrors = [...failedBefore, ...errors];
  const slos = [...evaluateSlos(s.slos, { phases: m.phases, faults: m.faults, durability: m.durability, security: m.security, upgrades: m.upgrades, recallWindows: m.recallWindows, rebalances: m.rebalances, dr: m.dr }), ...stepVerdicts(run.stepFailure)];
  const windows = phaseWindows(history);
  let verdict: Verdict;
  let exitCode: number;
  let expectation: RunReport['expectation'] = null;
  if (!run.end) [verdict, exitCode] = ['incomplete', EXIT.harness];
  else if (run.end.interrupted) [verdict, exitCode] = ['interrupted', EXIT.interrupted];
  else if (run.end.error) [verdict, exitCode] = ['error', EXIT.harness];
  else if (checkErrors.length > 0) [verdict, exitCode] = ['unknown', EXIT.harness];
  else {
    const outcome = run.breach ? 'aborted' : exitCodeFor(slos) === EXIT.pass ? 'pass' : 'fail';
    const judged = meetsExpectation(s.expect, outcome, slos);
    if (s.expect) expectation = { expected: s.expect, outcome, met: judged.met, reason: judged.reason };
    if (judged.met) [verdict, exitCode] = ['pass', EXIT.pass];
    else if (outcome === 'aborted') [verdict, exitCode] = ['aborted', EXIT.abortedOnBreach];
    else [verdict, exitCode] = ['fail', EXIT.sloMissed];
  }
  const d = m.durability;
  return {
    runId: run.header.runId,
    scenario: s.name,
    seed: s.seed,
    platform: run.header.platform as RunReport['platform'],
    milvusVersion: s.stack.milvusVersion,
    versions: run.versions,
    startedAt: run.header.startedAt,
    finishedAt: run.end?.finishedAt ?? lastSeen(run),
    bringUpMs: run.bringUpMs,
    recallK: s.workload.search.topK,
    replicas: s.collection.replicas ?? 1,
    verdict,
    exitCode,
    error: run.end && !run.end.interrupted ? run.end.error : null,
    phases: m.phases,
    phaseWindows: windows,
    faults: m.faults,
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
    latencyByOp: m.latencyByOp,
    findings: m.findings,
    server: m.server,
    load: run.load,
    abortedOnBreach: run.breach,
    stepFailure: run.stepFailure,
    checkErrors,
    incomplete: run.end === null,
    security: m.security && { probes: m.security.probes.map((p) => ({ ...p.probe, outcome: p.outcome, status: p.status, at: p.at, evidence: p.evidence })) },
    expectation,
    upgrades: m.upgrades,
    ...(m.rebalances.length > 0 ? { rebalances: m.rebalances } : {}),
    ...(m.sizing ? { sizing: m.sizing } : {}),
    dr: m.dr,
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

/** When a killed run was last seen: its last op or event. */
function lastSeen(run: RecordedRun): string {
  const last = Math.max(0, ...run.history.ops.map((o) => o.end), ...run.history.events.map((e) => e.at));
  return new Date(run.header.epochMs + last).toISOString();
}

/** A step that could not complete is a missed objective of its own, named so a drill can expect it. */
function stepVerdicts(stepFailure: string | null): SloVerdict[] {
  if (!stepFailure) return [];
  const action = /^(\w+):/.exec(stepFailure)?.[1] ?? 'step';
  return [{ slo: `action:${action}`, kind: 'action', phase: null, measured: null, threshold: null, op: '>=', samples: 1, pass: false, reason: stepFailure }];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

