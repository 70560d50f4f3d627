import { join, resolve } from 'node:path';
import { EXIT, type Scenario } from '../core/types.ts';
import type { ValidationError } from '../scenario/validate.ts';
import { formatPlan, planRun } from '../plan/plan.ts';
import { loadPlatform } from '../platform/registry.ts';
import type { Platform } from '../core/platform.ts';
import { PROJECT_ROOT } from '../supervise/home.ts';
import { runScenario } from '../runner/run.ts';
import { scenarioFaults, unsupportedActions } from '../scenario/steps.ts';
import { flag, parseArgs } from './args.ts';
import { findMilvusBackup, MILVUS_BACKUP_MISSING } from '../workload/milvus-backup/tool.ts';
import { loadScenario, platformFlag, platformOptions, SCENARIO_FLAGS } from './scenario-file.ts';

async function loadOrReport(argv: string[]): Promise<{ scenario: Scenario; args: ReturnType<typeof parseArgs> } | number> {
  const args = parseArgs(argv, SCENARIO_FLAGS);
  platformFlag(args);
  platformOptions(args);
  const { file, result } = await loadScenario(args);
  if (!result.ok) {
    console.error(formatErrors(file, result.errors));
    return EXIT.invalidScenario;
  }
  const platform = await platformFor(args);
  const unsupported = [...platform.check(result.scenario.stack, scenarioFaults(result.scenario)), ...unsupportedActions(result.scenario, platform)];
  if (unsupported.length > 0) {
    console.error(formatErrors(`${file} (platform ${platformFlag(args)})`, unsupported));
    return EXIT.invalidScenario;
  }
  return { scenario: result.scenario, args };
}

async function platformFor(args: ReturnType<typeof parseArgs>): Promise<Platform> {
  const name = platformFlag(args);
  const platform = await loadPlatform(name, platformOptions(args));
  if (!platform) throw new Error(`platform '${name}' is registered but did not load`);
  return platform;
}

export function formatErrors(file: string, errors: readonly ValidationError[]): string {
  const lines = errors.map((e) => `  ${e.path}: ${e.message}\n      fix: ${e.fix}`);
  return `${file}: ${errors.length} error${errors.length > 1 ? 's' : ''}\n${lines.join('\n')}`;
}

export async function validateCommand(argv: string[]): Promise<number> {
  const loaded = await loadOrReport(argv);
  if (typeof loaded === 'number') return loaded;
  console.log(`${argv[0]}: valid scenario '${loaded.scenario.name}'`);
  return EXIT.pass;
}

export async function planCommand(argv: string[]): Promise<number> {
  const loaded = await loadOrReport(argv);
  if (typeof loaded === 'number') return loaded;
  console.log(`plan for '${loaded.scenario.name}' (seed ${loaded.scenario.seed}):`);
  console.log(formatPlan(await planRun(loaded.scenario, platformFlag(loaded.args))));
  return EXIT.pass;
}

export async function runCommand(argv: string[]): Promise<number> {
  const loaded = await loadOrReport(argv);
  if (typeof loaded === 'number') return loaded;
  const { scenario, args } = loaded;
  const milvusBackup = milvusBackupFor(scenario, flag(args, 'milvus-backup'));
  if (typeof milvusBackup === 'number') return milvusBackup;
  const runId = `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '')}`;
  const outDir = resolve(flag(args, 'out') ?? join(PROJECT_ROOT, 'reports', runId));
  const started = Date.now();
  const log = (m: string): void => console.error(`[milvus-drill +${((Date.now() - started) / 1000).toFixed(1)}s] ${m}`);
  const interrupt = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      log(`${sig}: stopping; healing faults and stopping every process (again to force)`);
      interrupt.abort(new Error(`interrupted by ${sig}`));
    } else {
      // Children die with us anyway (pdeathsig); `milvus-drill heal` clears anything journalled.
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    log(`run ${runId}: scenario '${scenario.name}', seed ${scenario.seed}, ${scenario.dataset.rows} rows`);
    const report = await runScenario(scenario, { platform: await platformFor(args), runId, outDir, signal: interrupt.signal, log, ...(milvusBackup ? { milvusBackup } : {}) });
    if (report.verdict !== 'interrupted') for (const v of report.slos) log(`${v.pass ? 'met   ' : 'MISSED'} ${v.slo}: ${v.reason} (${v.samples} samples)`);
    if (report.error) log(`error: ${report.error}`);
    log(`verdict ${report.verdict.toUpperCase()} (exit ${report.exitCode}); reports in ${outDir}`);
    return report.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The milvus-backup binary a scenario's 'milvus-backup' backup steps will run, found before
 * anything starts (a missing tool is an environment error, exit 2, not a failed drill); undefined
 * when no step uses it.
 */
function milvusBackupFor(scenario: Scenario, explicit: string | undefined): string | undefined | number {
  const wanted = scenario.steps.some((st) => st.step === 'action' && st.spec.action === 'backup' && st.spec.method === 'milvus-backup');
  if (!wanted) return undefined;
  try {
    const binary = findMilvusBackup(explicit);
    if (binary) return binary;
    console.error(`milvus-backup: ${MILVUS_BACKUP_MISSING}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
  }
  return EXIT.harness;
}
