// The GitHub workflows: actionlint (built by `npm run setup`, with Debian's shellcheck on the run:
// scripts) finds nothing in them, and the nightly workflow, read as data, does what the README
// says: the library scenarios it names exist, each runs on kind with the flags `npm run nightly`
// uses, its exit code decides the job, and the reports are kept whatever happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { drillHome, PROJECT_ROOT } from '../../src/supervise/home.ts';
import { writeReports } from '../../src/report/write.ts';
import type { History, RunReport } from '../../src/core/types.ts';
import { DRILL_CLUSTER_NAME } from '../../src/platform/kind/cluster-plan.ts';
import { nightlyPlan, runArgs, WORKFLOW_FILE } from '../../scripts/nightly-plan.ts';

const WORKFLOWS = join(PROJECT_ROOT, '.github/workflows');

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'continue-on-error'?: unknown;
}
interface Job {
  'runs-on'?: string;
  'timeout-minutes'?: number;
  'continue-on-error'?: unknown;
  strategy?: { 'fail-fast'?: boolean; matrix?: { scenario?: string[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env: Record<string, string>;
  permissions?: Record<string, string>;
  concurrency?: { group?: string };
  jobs: Record<string, Job>;
}

const text = readFileSync(join(PROJECT_ROOT, WORKFLOW_FILE), 'utf8');
const wf = parse(text) as Workflow;
const [jobName, job] = Object.entries(wf.jobs).find(([, j]) => j.strategy?.matrix?.scenario) ?? [];
const stepIndex = (pred: (s: Step) => boolean): number => (job?.steps ?? []).findIndex(pred);
const runIndex = stepIndex((s) => (s.run ?? '').includes('bin/milvus-drill.js run'));
const runStep = job?.steps[runIndex];

test('actionlint (and shellcheck on run: scripts) finds nothing in .github/workflows/*.yml', () => {
  const actionlint = join(drillHome(), 'bin', 'actionlint');
  assert.ok(existsSync(actionlint), `actionlint is not built at ${actionlint}: run 'npm run setup' (scripts/setup.d/45-actionlint.sh builds it)`);
  const shellcheck = spawnSync('shellcheck', ['--version']);
  assert.equal(shellcheck.status, 0, "shellcheck is not on PATH, so actionlint would skip the run: scripts: run 'npm run setup' (scripts/setup.d/45-actionlint.sh installs it)");
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).map((f) => join('.github/workflows', f));
  assert.ok(files.includes(WORKFLOW_FILE), `${WORKFLOW_FILE} is linted`);
  const r = spawnSync(actionlint, ['-no-color', '-verbose', ...files], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `actionlint found problems (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Rule "shellcheck" was disabled/, 'actionlint ran shellcheck');
});

test('the nightly workflow runs nightly and by hand, one job per scenario, none cut short by another', () => {
  assert.ok(Array.isArray(wf.on.schedule) && (wf.on.schedule as { cron?: string }[])[0]?.cron, 'on.schedule has a cron');
  assert.ok('workflow_dispatch' in wf.on);
  assert.ok(job, 'a job with a scenario matrix');
  assert.equal(job.strategy?.['fail-fast'], false, `jobs.${jobName}.strategy.fail-fast is false: one failed scenario does not cancel the others`);
  assert.ok(typeof job['timeout-minutes'] === 'number' && job['timeout-minutes'] > 0 && job['timeout-minutes'] <= 180, 'a timeout per job');
  assert.ok(wf.concurrency?.group, 'a concurrency group');
  assert.equal(wf.permissions?.checks, 'write', 'the JUnit action may write its check run');
});

test('every scenario of the nightly matrix is a file in scenarios/', () => {
  const plan = nightlyPlan(text);
  assert.ok(plan.scenarios.includes('smoke') && plan.scenarios.includes('querynode-kill'));
  const missing = plan.scenarios.filter((s) => !existsSync(join(PROJECT_ROOT, 'scenarios', `${s}.ts`)));
  assert.deepEqual(missing, [], `the nightly matrix (${WORKFLOW_FILE}) names scenarios that do not exist: ${missing.map((s) => `scenarios/${s}.ts`).join(', ')}`);
});

test('the run step runs the CLI on kind with an explicit context and namespace, the same command npm run nightly runs', () => {
  assert.ok(runStep, 'a step runs bin/milvus-drill.js run');
  const line = runStep.run!.trim();
  for (const f of ['--platform kind', '--kube-context', '--namespace', '--out']) assert.ok(line.includes(f), `the run step passes ${f}`);
  const plan = nightlyPlan(text);
  assert.equal(plan.cluster, DRILL_CLUSTER_NAME, 'CI and local runs use the same cluster name, so the same context');
  for (const scenario of plan.scenarios) {
    const vars: Record<string, string> = { ...wf.env, SCENARIO: scenario };
    assert.equal(runStep.env?.SCENARIO, '${{ matrix.scenario }}', 'the matrix value reaches the script through env, not pasted into it');
    const expanded = line.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
      const v = vars[(a ?? b)!];
      assert.ok(v !== undefined, `the run step uses $${a ?? b}, which neither the workflow's env nor the step's sets`);
      return v;
    }).replace(/"/g, '');
    assert.deepEqual(expanded.split(/\s+/), ['node', ...runArgs(plan, scenario)]);
  }
});

test("the job's result is the run step's exit code (the CLI's verdict)", () => {
  assert.ok(job && runStep);
  assert.equal(job['continue-on-error'], undefined, 'no continue-on-error on the job');
  assert.equal(runStep['continue-on-error'], undefined, 'no continue-on-error on the run step');
  assert.equal(runStep.if, undefined, 'the run step always runs when the steps before it succeeded');
  assert.doesNotMatch(runStep.run!, /\|\||&&|;|\bset\s+\+e\b|\n\s*\S/, 'the run step is one command, so its exit status is the step\'s');
  const kind = stepIndex((s) => s.uses?.startsWith('helm/kind-action@') ?? false);
  assert.ok(kind >= 0 && kind < runIndex, 'the kind cluster is created before the run');
  assert.equal(job.steps[kind]!.with?.cluster_name, '${{ env.KIND_CLUSTER }}');
  const setup = stepIndex((s) => s.run?.trim() === 'npm run setup');
  assert.ok(setup >= 0 && setup < runIndex, 'npm run setup runs before the scenario');
});

test('the report is uploaded and its JUnit file published even when the run failed', () => {
  const upload = job?.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  assert.ok(upload, 'an upload-artifact step');
  assert.equal(upload.if, 'always()');
  assert.equal(upload.with?.path, 'reports/${{ matrix.scenario }}', 'it uploads the run\'s --out directory');
  const junit = job?.steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report@'));
  assert.ok(junit, 'a JUnit step');
  assert.equal(junit.if, 'always()');
  assert.ok(job!.steps.indexOf(upload) > runIndex && job!.steps.indexOf(junit) > runIndex, 'both after the run');
  // The file name the JUnit step reads is the one a run writes into its --out directory.
  const reportPaths = String(junit.with?.report_paths);
  assert.equal(reportPaths, `reports/\${{ matrix.scenario }}/${basename(reportPaths)}`);
  const dir = mkdtempSync(join(tmpdir(), 'drill-workflow-'));
  try {
    const report = { scenario: 'x', slos: [], verdict: 'pass', startedAt: '2026-01-01T00:00:00Z' } as unknown as RunReport;
    writeReports(dir, report, { events: [] } as unknown as History);
    assert.ok(existsSync(join(dir, basename(reportPaths))), `a run writes ${basename(reportPaths)} (it wrote ${readdirSync(dir).join(', ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every action is pinned by a major version tag (no SHA could be checked offline; the file says so)', () => {
  for (const [name, j] of Object.entries(wf.jobs)) {
    for (const s of j.steps) if (s.uses) assert.match(s.uses, /^[\w.-]+\/[\w.-]+@v\d+$/, `jobs.${name}: ${s.uses}`);
  }
  assert.match(text, /pinned by major version tag/);
});
