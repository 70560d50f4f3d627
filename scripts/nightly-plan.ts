// The pure half of `npm run nightly` (scripts/nightly.ts): what to run, read from the nightly
// workflow (.github/workflows/nightly.yml is the one list of scenarios and names), the command
// line of each run, the summary table and the exit code. No processes, no files.
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { EXIT } from '../src/core/types.ts';

export const WORKFLOW_FILE = '.github/workflows/nightly.yml';

export interface NightlyPlan {
  /** The kind cluster's name (the workflow's env KIND_CLUSTER); its kube context is kind-<name>. */
  cluster: string;
  context: string;
  namespace: string;
  /** Library scenarios, by file name under scenarios/ without .ts, in the workflow's order. */
  scenarios: string[];
}

interface WorkflowJob {
  strategy?: { matrix?: { scenario?: unknown } };
}
interface Workflow {
  env?: Record<string, unknown>;
  jobs?: Record<string, WorkflowJob>;
}

/** The plan the workflow describes: its one job with a `scenario` matrix, and its env names. */
export function nightlyPlan(workflowYaml: string): NightlyPlan {
  const wf = parse(workflowYaml) as Workflow | null;
  const jobs = Object.entries(wf?.jobs ?? {}).filter(([, job]) => job?.strategy?.matrix?.scenario !== undefined);
  if (jobs.length !== 1) throw new Error(`${WORKFLOW_FILE}: expected one job with a matrix of 'scenario', found ${jobs.length}`);
  const scenarios = jobs[0]![1].strategy!.matrix!.scenario;
  if (!Array.isArray(scenarios) || scenarios.length === 0 || !scenarios.every((s) => typeof s === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(s))) {
    throw new Error(`${WORKFLOW_FILE}: matrix.scenario must be a non-empty list of scenario names (files under scenarios/ without .ts)`);
  }
  if (new Set(scenarios).size !== scenarios.length) throw new Error(`${WORKFLOW_FILE}: matrix.scenario names a scenario twice`);
  const env = (name: string): string => {
    const v = wf?.env?.[name];
    if (typeof v !== 'string' || v === '') throw new Error(`${WORKFLOW_FILE}: top-level env ${name} must be set`);
    return v;
  };
  const cluster = env('KIND_CLUSTER');
  return { cluster, context: `kind-${cluster}`, namespace: env('DRILL_NAMESPACE'), scenarios: scenarios as string[] };
}

/** `--only a,b` (or repeated): those scenarios, in the workflow's order; unknown names are an error. */
export function selectScenarios(plan: NightlyPlan, only: readonly string[]): string[] {
  const wanted = only.flatMap((o) => o.split(',')).map((s) => s.trim()).filter(Boolean);
  if (wanted.length === 0) return plan.scenarios;
  const unknown = wanted.filter((w) => !plan.scenarios.includes(w));
  if (unknown.length > 0) throw new Error(`--only: ${unknown.join(', ')} not in the nightly matrix (${plan.scenarios.join(', ')}; ${WORKFLOW_FILE})`);
  return plan.scenarios.filter((s) => wanted.includes(s));
}

/** The report directory of a scenario, relative to the project root (as in the workflow). */
export function reportDir(scenario: string): string {
  return `reports/${scenario}`;
}

/** Arguments after `node`: the same command the workflow's run step runs. */
export function runArgs(plan: NightlyPlan, scenario: string): string[] {
  return ['bin/milvus-drill.js', 'run', `scenarios/${scenario}.ts`, '--platform', 'kind', '--kube-context', plan.context, '--namespace', plan.namespace, '--out', reportDir(scenario)];
}

export interface NightlyOptions {
  only: string[];
  keepCluster: boolean;
  dryRun: boolean;
  help: boolean;
}

export const NIGHTLY_USAGE = [
  'usage: npm run nightly -- [--only NAME[,NAME...]] [--keep-cluster] [--dry-run]',
  '',
  `Runs the nightly matrix of ${WORKFLOW_FILE} here, one scenario after another, on the local kind`,
  "cluster (created with 'npm run kind:cluster -- up' when it does not exist), with the workflow's flags.",
  '  --only NAME      only these scenarios of the matrix (repeat or separate with commas)',
  '  --keep-cluster   leave the cluster up at the end (a cluster that existed before is always left)',
  '  --dry-run        print what would run, and run nothing',
  'Exit code: 0 when every scenario passed, else the exit code of the first that did not.',
].join('\n');

export function parseNightlyArgs(argv: readonly string[]): NightlyOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      only: { type: 'string', multiple: true },
      'keep-cluster': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { only: values.only ?? [], keepCluster: values['keep-cluster'] ?? false, dryRun: values['dry-run'] ?? false, help: values.help ?? false };
}

/** The verdict an exit code of `milvus-drill run` stands for (README, "Exit codes"). */
export function verdictOf(exitCode: number | null): string {
  switch (exitCode) {
    case null: return 'not run';
    case EXIT.pass: return 'pass';
    case EXIT.sloMissed: return 'fail';
    case EXIT.harness: return 'error';
    case EXIT.invalidScenario: return 'invalid';
    case EXIT.abortedOnBreach: return 'aborted';
    case EXIT.interrupted: return 'interrupted';
    default: return `error (exit ${exitCode})`;
  }
}

export interface Outcome {
  scenario: string;
  /** null: not run (interrupted before it, or no cluster). */
  exitCode: number | null;
  reportDir: string;
  seconds: number;
}

export function formatDuration(seconds: number): string {
  const tenths = Math.round(seconds * 10) / 10;
  if (tenths < 60) return `${tenths.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** A plain-text table: scenario, verdict, exit code, report directory, duration. */
export function formatSummary(outcomes: readonly Outcome[]): string {
  const rows = [
    ['scenario', 'verdict', 'exit', 'report', 'duration'],
    ...outcomes.map((o) => [o.scenario, verdictOf(o.exitCode), o.exitCode === null ? '-' : String(o.exitCode), o.exitCode === null ? '-' : o.reportDir, o.exitCode === null ? '-' : formatDuration(o.seconds)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}

/** 0 when every scenario ran and passed; else the first non-zero exit code; a scenario not run alone gives 2. */
export function nightlyExitCode(outcomes: readonly Outcome[]): number {
  const failed = outcomes.find((o) => o.exitCode !== null && o.exitCode !== EXIT.pass);
  if (failed) return failed.exitCode!;
  return outcomes.some((o) => o.exitCode === null) ? EXIT.harness : EXIT.pass;
}
