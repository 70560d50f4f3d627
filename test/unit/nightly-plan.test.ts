// `npm run nightly`'s pure half (scripts/nightly-plan.ts): the matrix read from the workflow, the
// command of each run, the options, the summary table and the exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/supervise/home.ts';
import {
  formatDuration, formatSummary, nightlyExitCode, nightlyPlan, parseNightlyArgs, runArgs, selectScenarios, verdictOf, WORKFLOW_FILE,
  type Outcome,
} from '../../scripts/nightly-plan.ts';

const workflow = (matrix: string, env = 'env:\n  KIND_CLUSTER: c1\n  DRILL_NAMESPACE: ns\n'): string =>
  `on: workflow_dispatch\n${env}jobs:\n  lint:\n    runs-on: x\n    steps: []\n  scenario:\n    runs-on: x\n    strategy:\n      matrix:\n${matrix}    steps: []\n`;

test('the plan is the one scenario matrix of the workflow, in its order, with its cluster and namespace', () => {
  const plan = nightlyPlan(workflow('        scenario: [b, a-2, c]\n'));
  assert.deepEqual(plan, { cluster: 'c1', context: 'kind-c1', namespace: 'ns', scenarios: ['b', 'a-2', 'c'] });
});

test('the real workflow gives a plan on the drill cluster', () => {
  const plan = nightlyPlan(readFileSync(join(PROJECT_ROOT, WORKFLOW_FILE), 'utf8'));
  assert.equal(plan.context, 'kind-drill-kind');
  assert.equal(plan.namespace, 'milvus-drill');
  assert.deepEqual(plan.scenarios.slice(0, 2), ['smoke', 'querynode-kill']);
});

test('a workflow without one usable scenario matrix, or without its env names, is refused with the reason', () => {
  assert.throws(() => nightlyPlan(workflow('        other: [a]\n')), /expected one job with a matrix of 'scenario', found 0/);
  assert.throws(() => nightlyPlan(workflow('        scenario: []\n')), /non-empty list/);
  assert.throws(() => nightlyPlan(workflow('        scenario: [../etc/passwd]\n')), /scenario names/);
  assert.throws(() => nightlyPlan(workflow('        scenario: [a, a]\n')), /names a scenario twice/);
  assert.throws(() => nightlyPlan(workflow('        scenario: [a]\n', 'env:\n  KIND_CLUSTER: c1\n')), /env DRILL_NAMESPACE must be set/);
  assert.throws(() => nightlyPlan(''), /found 0/);
});

test('--only picks scenarios of the matrix, in the matrix order, and refuses others', () => {
  const plan = nightlyPlan(workflow('        scenario: [smoke, querynode-kill, stress-querynode]\n'));
  assert.deepEqual(selectScenarios(plan, []), plan.scenarios);
  assert.deepEqual(selectScenarios(plan, ['stress-querynode,smoke']), ['smoke', 'stress-querynode']);
  assert.deepEqual(selectScenarios(plan, ['querynode-kill', 'smoke']), ['smoke', 'querynode-kill']);
  assert.throws(() => selectScenarios(plan, ['smoke', 'nope']), /--only: nope not in the nightly matrix \(smoke, querynode-kill, stress-querynode/);
});

test('each run passes the platform, context, namespace and report directory', () => {
  const plan = nightlyPlan(workflow('        scenario: [smoke]\n'));
  assert.deepEqual(runArgs(plan, 'smoke'), ['bin/milvus-drill.js', 'run', 'scenarios/smoke.ts', '--platform', 'kind', '--kube-context', 'kind-c1', '--namespace', 'ns', '--out', 'reports/smoke']);
});

test('options: --only (repeatable), --keep-cluster, --dry-run, --help; anything else is refused', () => {
  assert.deepEqual(parseNightlyArgs([]), { only: [], keepCluster: false, dryRun: false, help: false });
  assert.deepEqual(parseNightlyArgs(['--only', 'a', '--only=b,c', '--keep-cluster', '--dry-run']), { only: ['a', 'b,c'], keepCluster: true, dryRun: true, help: false });
  assert.equal(parseNightlyArgs(['-h']).help, true);
  assert.throws(() => parseNightlyArgs(['--keep']), /Unknown option '--keep'/);
  assert.throws(() => parseNightlyArgs(['smoke']), /positional/);
  assert.throws(() => parseNightlyArgs(['--only']), /argument missing/);
});

test('verdicts follow the CLI exit codes of the README', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 130, 137, null].map(verdictOf), ['pass', 'fail', 'error', 'invalid', 'aborted', 'interrupted', 'error (exit 137)', 'not run']);
});

const outcome = (scenario: string, exitCode: number | null, seconds = 0): Outcome => ({ scenario, exitCode, reportDir: `reports/${scenario}`, seconds });

test('the summary is a table of scenario, verdict, exit code, report directory and duration', () => {
  assert.equal(
    formatSummary([outcome('smoke', 0, 312.4), outcome('querynode-kill', 1, 45), outcome('stress-querynode', null)]),
    [
      'scenario          verdict  exit  report                  duration',
      '----------------  -------  ----  ----------------------  ----------',
      'smoke             pass     0     reports/smoke           5 min 12 s',
      'querynode-kill    fail     1     reports/querynode-kill  45.0 s',
      'stress-querynode  not run  -     -                       -',
    ].join('\n'),
  );
  assert.equal(formatDuration(59.94), '59.9 s');
  assert.equal(formatDuration(59.96), '1 min 0 s');
  assert.equal(formatDuration(119.6), '2 min 0 s');
  assert.equal(formatDuration(60), '1 min 0 s');
});

test('exit code: 0 only when every scenario ran and passed, else the first failure\'s code', () => {
  assert.equal(nightlyExitCode([outcome('a', 0), outcome('b', 0)]), 0);
  assert.equal(nightlyExitCode([outcome('a', 0), outcome('b', 1), outcome('c', 2)]), 1);
  assert.equal(nightlyExitCode([outcome('a', 4), outcome('b', 1)]), 4);
  assert.equal(nightlyExitCode([outcome('a', 0), outcome('b', null)]), 2);
  assert.equal(nightlyExitCode([outcome('a', null), outcome('b', 3)]), 3);
});
