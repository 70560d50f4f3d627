// `npm run nightly -- [--only NAME[,NAME...]] [--keep-cluster] [--dry-run]`: the nightly workflow
// (.github/workflows/nightly.yml) run here. Its matrix and names come from that file; each scenario
// runs in turn with the workflow's flags against the local kind cluster (made by
// `npm run kind:cluster -- up` when it does not exist, deleted at the end unless it existed before
// or --keep-cluster), then a summary table, and the exit code of the first scenario that failed.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { $, type ProcessPromise } from 'zx';
import { drillHome, PROJECT_ROOT } from '../src/supervise/home.ts';
import { installedKind } from '../src/platform/kind/installed.ts';
import { clusterFiles, listClusters } from '../src/platform/kind/cluster.ts';
import { SETUP_KIND_COMMAND } from '../src/platform/kind/build.ts';
import { EXIT } from '../src/core/types.ts';
import {
  formatDuration, formatSummary, NIGHTLY_USAGE, nightlyExitCode, nightlyPlan, parseNightlyArgs, reportDir, runArgs, selectScenarios,
  WORKFLOW_FILE, type NightlyOptions, type Outcome,
} from './nightly-plan.ts';

const log = (line: string): void => console.error(`[nightly] ${line}`);

let options: NightlyOptions;
try {
  options = parseNightlyArgs(process.argv.slice(2));
} catch (e) {
  console.error(`${e instanceof Error ? e.message : String(e)}\n\n${NIGHTLY_USAGE}`);
  process.exit(EXIT.harness);
}
if (options.help) {
  console.log(NIGHTLY_USAGE);
  process.exit(EXIT.pass);
}

const plan = nightlyPlan(readFileSync(join(PROJECT_ROOT, WORKFLOW_FILE), 'utf8'));
let scenarios: string[];
try {
  scenarios = selectScenarios(plan, options.only);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(EXIT.harness);
}
const home = drillHome();
const kubeconfig = clusterFiles(home, plan.cluster).kubeconfig;
const found = installedKind(home);
const existed = 'build' in found && listClusters(found.build).includes(plan.cluster);
const sh = $({ cwd: PROJECT_ROOT, verbose: false, quiet: false });
const npm = (...args: string[]): ProcessPromise => sh({ stdio: ['ignore', 'inherit', 'inherit'], nothrow: true })`npm run --silent kind:cluster -- ${args}`;

log(`${WORKFLOW_FILE}: ${scenarios.join(', ')} on cluster ${plan.cluster} (context ${plan.context}), namespace ${plan.namespace}`);
if (options.dryRun) {
  if ('missing' in found) log(`would stop here: the kind parts are not built (${found.missing}); run '${SETUP_KIND_COMMAND}'`);
  log(existed ? `cluster ${plan.cluster} exists: used as it is, and left up` : `would run: npm run kind:cluster -- up --name ${plan.cluster}`);
  for (const s of scenarios) log(`would run: KUBECONFIG=${kubeconfig} node ${runArgs(plan, s).join(' ')}`);
  if (!existed) log(options.keepCluster ? 'would leave the cluster up (--keep-cluster)' : `would run: npm run kind:cluster -- down --name ${plan.cluster}`);
  process.exit(EXIT.pass);
}
if ('missing' in found) {
  log(`the kind parts are not built here (${found.missing}); run '${SETUP_KIND_COMMAND}' first`);
  process.exit(EXIT.harness);
}

// Ctrl-C reaches only this process and npm (each run is in its own process group), and npm passes
// it on: a terminal's Ctrl-C arrives here twice. Signals within a second count as one, passed on
// once, so the CLI heals and tears down; a later Ctrl-C is passed on too and makes it exit at once.
let current: ProcessPromise | undefined;
let interrupted = false;
let lastForwarded = 0;
const onSignal = (sig: NodeJS.Signals): void => {
  interrupted = true;
  if (Date.now() - lastForwarded < 1000) return;
  lastForwarded = Date.now();
  log(`${sig}: stopping the running scenario; no further scenario starts`);
  const pid = current?.pid;
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const outcomes: Outcome[] = scenarios.map((scenario) => ({ scenario, exitCode: null, reportDir: reportDir(scenario), seconds: 0 }));
if (existed) log(`cluster ${plan.cluster} exists: using it as it is`);
else {
  const up = await npm('up', '--name', plan.cluster);
  if (up.exitCode !== 0) log(`npm run kind:cluster -- up failed (exit ${up.exitCode}); no scenario runs`);
}
const ready = listClusters(found.build).includes(plan.cluster);
for (const outcome of outcomes) {
  if (!ready || interrupted) break;
  const started = Date.now();
  log(`${outcome.scenario}: node ${runArgs(plan, outcome.scenario).join(' ')}`);
  current = sh({ stdio: ['ignore', 'inherit', 'inherit'], nothrow: true, detached: true, env: { ...process.env, KUBECONFIG: kubeconfig } })`${process.execPath} ${runArgs(plan, outcome.scenario)}`;
  const out = await current;
  current = undefined;
  outcome.seconds = (Date.now() - started) / 1000;
  outcome.exitCode = out.exitCode ?? 128 + (out.signal ? constants.signals[out.signal] : 0);
  log(`${outcome.scenario}: exit ${outcome.exitCode} after ${formatDuration(outcome.seconds)}`);
}

if (existed) log(`cluster ${plan.cluster} existed before: left up`);
else if (options.keepCluster) log(`cluster ${plan.cluster} left up (--keep-cluster); delete it with: npm run kind:cluster -- down --name ${plan.cluster}`);
else if (listClusters(found.build).includes(plan.cluster)) {
  const down = await npm('down', '--name', plan.cluster);
  if (down.exitCode !== 0) log(`deleting cluster ${plan.cluster} failed (exit ${down.exitCode}); try again: npm run kind:cluster -- down --name ${plan.cluster}`);
}

console.log(`\n${formatSummary(outcomes)}`);
process.exit(interrupted ? EXIT.interrupted : nightlyExitCode(outcomes));
