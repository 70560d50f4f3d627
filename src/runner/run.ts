import { mkdirSync, writeFileSync, cpSync, rmSync, existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Scenario } from '../core/types.ts';
import type { Platform, Stack } from '../core/platform.ts';
import { HistoryRecorder } from '../history/recorder.ts';
import { createDataset, type Dataset } from '../dataset/index.ts';
import { SdkDriver } from '../workload/sdk.ts';
import type { K6RunResult } from '../workload/k6/run.ts';
import { Journal, journalWorkDir } from '../supervise/journal.ts';
import { stateDir } from '../supervise/home.ts';
import { DisposalStack } from '../util/disposal.ts';
import { delay } from '../util/poll.ts';
import { GroundTruth } from './truth.ts';
import { scrapeMetrics } from './metrics.ts';
import { describeLoad, k6Spec, runChurn, runLoad, writeQueries } from './workload.ts';
import { BreachWatch } from './breach.ts';
import { RunHost, type StackSlot } from './host.ts';
import { RunSecurity } from './security.ts';
import { measureOtherIndexes, measureSizing } from './sizing.ts';
import { redactSecrets } from './redact.ts';
import { GateMissed, runSteps, StepFailed } from '../plan/interpreter.ts';
import { fixedLength, fixedPhaseStarts, longestLength } from '../scenario/steps.ts';
import { supportsUpsert } from '../scenario/versions.ts';
import { scoreRun, type RunState } from './report.ts';
import { HistoryFile, idRanges, readHistoryFile } from '../history/file.ts';
import { PROJECT_ROOT } from '../supervise/home.ts';
import { writeReports } from '../report/write.ts';
import { EXIT, type RecordedRun, type RunReport, type TruthInputsRecord } from '../core/types.ts';

export interface RunOptions {
  platform: Platform;
  runId: string;
  outDir: string;
  signal: AbortSignal;
  log: (message: string) => void;
  /** The milvus-backup binary for backup steps with method 'milvus-backup' (else $MILVUS_BACKUP or PATH). */
  milvusBackup?: string;
  /** Hands the run's generated secrets to the secret-scan test; nothing else should want them. */
  onSecrets?: (secrets: readonly string[]) => void;
}

/** Runs a validated scenario end to end and writes its reports. Never throws: the report says what happened. */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunReport> {
  const startedAt = new Date();
  const workDir = join(tmpdir(), `milvus-drill-${opts.runId}`);
  mkdirSync(opts.outDir, { recursive: true });
  mkdirSync(workDir, { recursive: true });
  const historyPath = join(opts.outDir, 'history.jsonl');
  const file = new HistoryFile(historyPath);
  const history = new HistoryRecorder(startedAt.getTime(), Date.now, (r) => file.append(r));
  history.note({ type: 'header', format: 1, runId: opts.runId, scenario, platform: opts.platform.name, project: projectInfo(), epochMs: startedAt.getTime(), startedAt: startedAt.toISOString() });
  const state: RunState = { groundTruth: null, breach: null, stepFailure: null };
  const breach = new AbortController();
  const signal = AbortSignal.any([opts.signal, breach.signal]);
  // Journalled until it is removed, so `heal` removes it after a SIGKILL at any point before that.
  const journal = new Journal(stateDir(), `${opts.runId}-runner`);
  const workDirEntry = journalWorkDir(journal, workDir);
  let error: unknown = null;
  const security = new RunSecurity(scenario, history, opts.log);
  opts.onSecrets?.(security.secrets.all());
  try {
    await execute(scenario, { ...opts, signal }, { history, journal, workDir, state, breach, security });
  } catch (err) {
    if (!signal.aborted) error = err;
  } finally {
    keepLogs(workDir, join(opts.outDir, 'logs'));
    redactSecrets(join(opts.outDir, 'logs'), security.secrets.all());
    rmSync(workDir, { recursive: true, force: true });
    workDirEntry[Symbol.dispose]();
    journal.close();
  }
  if (state.breach || state.stepFailure) history.note({ type: 'stopped', breach: state.breach, stepFailure: state.stepFailure });
  const message = error ? (error instanceof Error ? error.message : String(error)) : null;
  history.note({ type: 'end', finishedAt: new Date().toISOString(), error: message, interrupted: opts.signal.aborted });
  file.close();
  try {
    return await analyzeHistory(historyPath, opts.outDir, state.groundTruth, opts.log);
  } catch (err) {
    // Scoring itself failed: the history is kept, and a report still says so (analyze may retry).
    const report = harnessErrorReport(scenario, opts, startedAt, `scoring the history failed: ${err instanceof Error ? err.message : String(err)}`);
    writeFileSync(join(opts.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  }
}

function harnessErrorReport(s: Scenario, opts: RunOptions, startedAt: Date, error: string): RunReport {
  return {
    runId: opts.runId, scenario: s.name, seed: s.seed, platform: opts.platform.name as RunReport['platform'], milvusVersion: s.stack.milvusVersion, versions: null,
    startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), bringUpMs: null, recallK: s.workload.search.topK,
    verdict: 'error', exitCode: EXIT.harness, error, phases: [], phaseWindows: [], faults: [], durability: null, slos: [], latencyByOp: [], findings: [], server: [],
    load: null, abortedOnBreach: null, stepFailure: null, checkErrors: [], incomplete: false, expectation: null, upgrades: [], series: { searchLatency: [], recall: [] },
  };
}

/**
 * Scores a closed (or cut-short) history and writes every report beside it: what a run does once
 * its history is closed, and what `milvus-drill analyze` does later. Truth is computed again from
 * the recorded inputs unless the caller has it already.
 */
export async function analyzeHistory(historyPath: string, outDir: string, truth: GroundTruth | null, log: (m: string) => void, edit?: (run: RecordedRun) => RecordedRun): Promise<RunReport> {
  let run = readHistoryFile(historyPath);
  if (edit) run = edit(run);
  const failed: { check: string; error: string }[] = [];
  if (!truth && run.truthInputs) {
    try {
      truth = await GroundTruth.fromRecord(run.header.scenario, run.truthInputs, log);
    } catch (err) {
      failed.push({ check: 'truth', error: err instanceof Error ? err.message : String(err) });
    }
  }
  const report = scoreRun(run, truth, failed);
  writeReports(outDir, report, run.history);
  return report;
}

function projectInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

interface RunParts {
  history: HistoryRecorder;
  journal: Journal;
  workDir: string;
  state: RunState;
  breach: AbortController;
  security: RunSecurity;
}

async function execute(s: Scenario, opts: RunOptions, { history, journal, workDir, state, breach, security }: RunParts): Promise<void> {
  const { signal, log } = opts;
  await using resources = new DisposalStack();
  const t0 = Date.now();
  const stack = resources.use(await opts.platform.up(s.stack, { runId: opts.runId, workDir, signal, log, seed: s.seed }));
  const bringUpMs = Date.now() - t0;
  history.note({ type: 'bring-up', ms: bringUpMs });
  log(`stack ready in ${(bringUpMs / 1000).toFixed(1)} s; Milvus at ${stack.milvusAddress}`);

  const connection = await security.secure(stack);
  const driver = await SdkDriver.connect(stack.milvusAddress, history, s.collection, connection, stack.milvusVersion);
  resources.defer(() => driver[Symbol.asyncDispose]());
  const versions = await driver.versions();
  history.note({ type: 'versions', ...versions });
  log(`server ${versions.server}, Node SDK ${versions.sdk}`);
  const dataset = createDataset({ profile: s.dataset.profile, dim: s.dataset.dim, metric: s.dataset.metric, seed: s.seed });
  const acknowledged = await load(s, stack, driver, history, dataset, signal, log);
  await security.setUpRbac(stack);
  const queries = dataset.queries(s.dataset.queries);
  const filtered = s.workload.search.filtered;
  const truthInputs: TruthInputsRecord = { baseIdRanges: idRanges(acknowledged), queries: s.dataset.queries, k: s.workload.search.topK, consistency: s.collection.consistency, categories: filtered.share > 0 ? filtered.categories : [] };
  history.note({ type: 'truth-inputs', ...truthInputs });
  state.groundTruth = await GroundTruth.fromRecord(s, truthInputs, log);
  signal.throwIfAborted();

  const running = new AbortController();
  const stopAll = (): void => running.abort();
  signal.addEventListener('abort', stopAll, { once: true });
  const lengthMs = fixedLength(s) ?? longestLength(s);
  const now = (): number => history.now();
  const scrapes = stack.metricsUrl ? scrapeMetrics(stack.metricsUrl, 5000, now, running.signal, (scrape) => history.note({ type: 'scrape', scrape })) : Promise.resolve();
  const slot: StackSlot = { stack, driver, probes: null, probesDone: Promise.resolve(), serverVersion: s.stack.milvusVersion, writesHeld: false, writesInFlight: new Set() };
  // A stack brought up by an 'up' step (and its driver) is the slot's: disposed before the first one.
  resources.defer(async () => {
    if (slot.driver && slot.driver !== driver) await slot.driver[Symbol.asyncDispose]();
    if (slot.stack && slot.stack !== stack) await slot.stack[Symbol.asyncDispose]();
  });
  const startProbes = (d: SdkDriver): void => {
    const probes = new AbortController();
    running.signal.addEventListener('abort', () => probes.abort(), { once: true });
    slot.probes = probes;
    slot.probesDone = d.runSearchProbes(queries, s.dataset.dim, s.workload.search, probes.signal);
  };
  // The first phase is entered before any driver starts, so no op of it begins before its phase-start.
  const first = s.steps[0];
  if (first?.step === 'phase') history.enterPhase(first.name);
  startProbes(driver);
  const skipped = new Set<string>();
  const churn = runChurn(s, () => (slot.writesHeld ? null : slot.driver), dataset, lengthMs, now, running.signal, (op) => {
    if (op !== 'upsert' || supportsUpsert(slot.serverVersion)) return false;
    if (!skipped.has(slot.serverVersion)) {
      skipped.add(slot.serverVersion);
      history.event('note', 'skipped', `upserts skipped: Milvus ${slot.serverVersion} has no upsert (it arrived in 2.3)`);
      log(`upserts skipped while the server is ${slot.serverVersion}: upsert arrived in Milvus 2.3`);
    }
    return true;
  }, (write) => {
    slot.writesInFlight!.add(write);
    void write.finally(() => slot.writesInFlight!.delete(write));
  });
  const phaseStarts = fixedPhaseStarts(s).map((p) => ({ name: p.phase, startsAtMs: history.epochMs + history.now() + p.at }));
  const spec = k6Spec(s, { queryVectorsFile: writeQueries(workDir, queries, s.dataset.dim), durationMs: lengthMs, dataset, dir: join(workDir, 'k6-batches'), phases: phaseStarts });
  const k6 = spec ? runLoad(s, spec, { address: stack.milvusAddress, runDir: join(workDir, 'k6'), journal, epochMs: history.epochMs, signal: running.signal, onOp: (op) => history.import([op], 'k6'), connection }) : null;
  if (k6) log(`k6: ${describeLoad(s.workload.load!)}, open model`);
  const watch = new BreachWatch(s, history, state, (reason) => {
    state.breach = reason;
    log(`SLO breached, stopping early: ${reason}`);
    breach.abort(new Error(reason));
  });
  const host = new RunHost({ s, platform: opts.platform, history, slot, startProbes, truth: () => state.groundTruth, watch, runId: opts.runId, workDir, signal, log, security, ...(opts.milvusBackup ? { milvusBackup: opts.milvusBackup } : {}) });
  try {
    await runSteps(s.steps, host);
  } catch (err) {
    if (err instanceof GateMissed) {
      state.breach = err.message;
      log(`gate missed, stopping early: ${err.message}`);
    } else if (err instanceof StepFailed) {
      state.stepFailure = err.message;
      log(`step failed: ${err.message}`);
    } else throw err;
  } finally {
    await host.settle();
    history.enterPhase('verify');
    running.abort();
    signal.removeEventListener('abort', stopAll);
    const [, loadResult] = await Promise.all([scrapes, k6?.catch((err: unknown) => err), slot.probesDone, churn]);
    if (loadResult instanceof Error) log(`k6 failed: ${loadResult.message}`);
    else if (loadResult) recordLoad(loadResult as K6RunResult, history, log);
  }
  signal.throwIfAborted();
  // After a refused or failed restore the new stack holds no collection: nothing to look up.
  if (state.breach || !slot.driver || state.stepFailure?.startsWith('restore:')) return;
  log('verifying durability: every row ever written, with Strong consistency');
  await verify(slot.driver, writtenIds(history), signal);
  if (slot.stack && s.sizing) await measureOtherIndexes(s, slot.stack, slot.driver, history, signal, log);
}

/** Creates the collection and loads the initial rows; returns the acknowledged ids. */
async function load(s: Scenario, stack: Stack, driver: SdkDriver, history: HistoryRecorder, dataset: Dataset, signal: AbortSignal, log: (m: string) => void): Promise<number[]> {
  const step = async (what: string, record: Promise<{ outcome: string; error?: string }>): Promise<void> => {
    const r = await record;
    if (r.outcome !== 'ok') throw new Error(`${what} failed: ${r.error ?? r.outcome}`);
    signal.throwIfAborted();
  };
  await step('create collection', driver.createCollection(s.dataset));
  const progress = throttled(log, 5000);
  // With a sizing projection the rows go in by sizes, each measured once served; else at once.
  const sizes = s.sizing?.sizes ?? [s.dataset.rows];
  const acknowledged: number[] = [];
  for (const [i, size] of sizes.entries()) {
    const from = i === 0 ? 0 : sizes[i - 1]!;
    acknowledged.push(...(await driver.insertAll(dataset, { ...s.dataset, rows: size }, (n) => progress(`inserted ${n}/${s.dataset.rows} rows`), signal, 60_000, from)));
    log(`inserted ${acknowledged.length} rows; flushing`);
    await step('flush', driver.flush());
    if (i === 0) {
      log(`building ${s.collection.index.type} index`);
      await step('build index', driver.buildIndex(s.dataset.metric, signal));
      log('loading collection');
      await step('load collection', driver.load());
    }
    if (s.sizing) await measureSizing(stack, driver, history, s.collection.index.type, size, signal, log);
  }
  return acknowledged;
}

/** Every id the run wrote: the initial rows and every churn target. */
function writtenIds(history: HistoryRecorder): number[] {
  const ids = new Set<number>();
  for (const op of history.snapshot().ops) if (op.op === 'insert' || op.op === 'delete' || op.op === 'upsert') op.ids?.forEach((id) => ids.add(id));
  return [...ids].sort((a, b) => a - b);
}

/** Looks every id up and counts rows; failed lookups are retried until a deadline, each try recorded. */
async function verify(driver: SdkDriver, ids: readonly number[], signal: AbortSignal, deadlineMs = 120_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let pending = [...ids];
  while (pending.length > 0 && Date.now() < deadline) {
    signal.throwIfAborted();
    const records = await driver.verifyDurability(pending);
    pending = records.filter((r) => r.outcome !== 'ok').flatMap((r) => [...(r.keys ?? [])]);
    if (pending.length > 0) await delay(1000, signal);
  }
  await driver.count();
}

/** k6's ops reached the history as k6 wrote them; what is left is its summary. */
function recordLoad(result: K6RunResult, history: HistoryRecorder, log: (m: string) => void): void {
  const load = {
    searches: result.ops.filter((o) => o.op === 'search').length,
    dropped: result.dropped.total,
    thresholds: result.thresholds.map((t) => ({ metric: t.metric, threshold: t.expression, pass: t.pass })),
  };
  history.note({ type: 'load', load });
  log(`k6: ${load.searches} searches, ${load.dropped} dropped iterations`);
}

function throttled(log: (m: string) => void, everyMs: number): (m: string) => void {
  let last = 0;
  return (m) => {
    if (Date.now() - last >= everyMs) {
      last = Date.now();
      log(m);
    }
  };
}

function keepLogs(workDir: string, logDir: string): void {
  if (!existsSync(workDir)) return;
  mkdirSync(logDir, { recursive: true });
  // Logs, configs and k6's summary; never data (segments, WAL, volumes), which can be large.
  const kept = (src: string): boolean => {
    const stat = lstatSync(src);
    return stat.isDirectory() ? !/(minio-data|rocksmq|volumes?|data|tls)$/.test(src) : stat.isFile() && /\.(log|ya?ml|conf|properties)$|k6-summary\.json$/.test(src);
  };
  cpSync(workDir, logDir, { recursive: true, filter: kept });
  writeFileSync(join(logDir, 'README'), 'Component logs and configs of this run (etcd, MinIO, Kafka, Milvus, k6). Data is not kept.\n');
}
