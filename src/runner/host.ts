import { join } from 'node:path';
import type { ActionSpec, BackupMethod, FaultSpec, Millis, PhaseName, Scenario, StepSpec, WaitCondition } from '../core/types.ts';
import type { Platform, Stack } from '../core/platform.ts';
import type { HistoryRecorder } from '../history/recorder.ts';
import { recoveryTime } from '../checks/recovery.ts';
import { phaseStats } from '../checks/phases.ts';
import { evaluateSlos } from '../slo/verdicts.ts';
import { windowedRecall } from '../checks/windows.ts';
import { describeAction } from '../plan/plan.ts';
import { GateMissed, StepFailed, type StepHost } from '../plan/interpreter.ts';
import { SdkDriver } from '../workload/sdk.ts';
import { delay, waitFor } from '../util/poll.ts';
import { sdkForServer } from '../core/sdk-versions.ts';
import { ROLL_END, ROLL_START, UPGRADE_AFTER, UPGRADE_BEFORE } from '../checks/upgrade.ts';
import { SCALE_NODES } from '../checks/rebalance.ts';
import type { BreachWatch } from './breach.ts';
import type { GroundTruth } from './truth.ts';
import type { RunSecurity } from './security.ts';
import { securityResult } from '../checks/security.ts';
import { DistributionSampler } from './rebalance.ts';
import { DrBinlog } from './dr.ts';

/** The Node SDK package the correctness driver imports. */
const LOADED_SDK = '@zilliz/milvus2-sdk-node';

/** The stack the drivers talk to now; destroy empties it, up fills it with a new one. */
export interface StackSlot {
  stack: Stack | null;
  driver: SdkDriver | null;
  /** Stops the probes that run against this stack. */
  probes: AbortController | null;
  probesDone: Promise<void>;
  /**
   * The version deployed now (the stack's, then each upgrade's): what the harness installed, not
   * what the server reports (PyPI's 2.3.0 reports itself as 'v2.2-testing-…').
   */
  serverVersion: string;
  /** While true the churn sends no writes (a backup's or a restore's exact cut); searches go on. */
  writesHeld?: boolean;
  /** Churn writes in flight, so holding writes can wait for them to end. */
  writesInFlight?: Set<Promise<unknown>>;
}

export interface RunHostDeps {
  s: Scenario;
  platform: Platform;
  history: HistoryRecorder;
  slot: StackSlot;
  /** Starts the probes against the slot's driver. */
  startProbes(driver: SdkDriver): void;
  truth: () => GroundTruth | null;
  watch: BreachWatch;
  runId: string;
  workDir: string;
  signal: AbortSignal;
  log: (m: string) => void;
  security: RunSecurity;
  /** --milvus-backup PATH, for backup steps with method 'milvus-backup'. */
  milvusBackup?: string;
}

const POLL_MS = 500;

/** The interpreter's host for a real run: real time, real faults, real actions, all recorded in the history. */
export class RunHost implements StepHost {
  private readonly activeFaults = new Set<Promise<Millis>>();
  private lastHealAt: Millis | null = null;
  private stacksUp = 1;
  private afterUpgrade: Promise<void> = Promise.resolve();
  private readonly origin: number;
  private readonly dr: DrBinlog;
  private readonly backupMethods = new Map<string, BackupMethod | undefined>();

  constructor(private readonly d: RunHostDeps) {
    this.origin = d.history.now();
    this.dr = new DrBinlog({
      history: d.history,
      slot: d.slot,
      workDir: d.workDir,
      scenario: d.s,
      log: d.log,
      writtenIds: () => writtenIds(d.history),
      connection: (stack) => d.security.connection(stack),
      ...(d.milvusBackup ? { milvusBackup: d.milvusBackup } : {}),
    });
  }

  now(): Millis {
    return this.d.history.now() - this.origin;
  }

  enterPhase(name: PhaseName, st: StepSpec & { step: 'phase' }): void {
    this.d.history.enterPhase(name);
    this.d.log(`phase '${name}': ${st.duration !== null ? `${st.duration / 1000} s` : `until ${st.until} (at most ${st.timeout / 1000} s)`}`);
  }

  async holdUntil(at: Millis): Promise<void> {
    const wait = at - this.now();
    if (wait > 0) await this.d.watch.during(wait, this.d.signal);
  }

  async until(condition: WaitCondition, timeout: Millis): Promise<void> {
    const deadline = this.now() + timeout;
    const since = this.d.history.now();
    this.d.log(`waiting until ${condition} (at most ${timeout / 1000} s)`);
    for (;;) {
      if (this.holds(condition, since)) return this.d.log(`${condition} after ${((this.d.history.now() - since) / 1000).toFixed(1)} s`);
      if (this.now() >= deadline) throw new StepFailed(`wait until ${condition}: did not hold within ${timeout / 1000} s`);
      await this.d.watch.during(Math.min(POLL_MS, deadline - this.now()), this.d.signal);
    }
  }

  private holds(condition: WaitCondition, since: number): boolean {
    if (this.activeFaults.size > 0) return false;
    const probes = this.d.history.snapshot().ops.filter((o) => o.op === 'search' && o.source !== 'k6');
    if (condition === 'healed') return true;
    if (condition === 'searchable') return probes.some((o) => o.start >= since && o.outcome === 'ok');
    const from = Math.max(since, this.lastHealAt ?? since);
    return recoveryTime(probes, from, this.d.s.recovery.window) !== null;
  }

  fault(fault: FaultSpec, at: Millis): Promise<Millis> {
    const run = this.injectAt(fault, at);
    this.activeFaults.add(run);
    void run.finally(() => this.activeFaults.delete(run)).catch(() => undefined);
    return run;
  }

  private async injectAt(fault: FaultSpec, at: Millis): Promise<Millis> {
    const { history, log, signal } = this.d;
    const wait = at - this.now();
    if (wait > 0) await delay(wait, signal);
    const stack = this.requireStack(`fault '${fault.name}'`);
    history.event('fault-start', fault.name, fault.kind);
    log(`inject ${fault.kind} '${fault.name}' on ${fault.target.instance ?? fault.target.role} for ${fault.duration / 1000} s`);
    try {
      await using active = await stack.inject(fault, signal);
      if (active.targets) {
        history.event('note', 'fault-targets', JSON.stringify({ fault: fault.name, targets: active.targets }));
        log(`'${fault.name}' hit ${active.targets.join(', ')}`);
      }
      await active.healed;
    } finally {
      history.event('fault-end', fault.name, fault.kind);
      this.lastHealAt = history.now();
      log(`healed '${fault.name}'`);
    }
    return this.now();
  }

  async act(action: ActionSpec, timeout: Millis): Promise<void> {
    const { history, log } = this.d;
    if (action.action === 'backup') this.backupMethods.set(action.name, action.method);
    const what = describeAction(action, this.backupMethods);
    history.event('action-start', action.action, what);
    log(what);
    const timer = AbortSignal.timeout(timeout);
    const signal = AbortSignal.any([this.d.signal, timer]);
    try {
      await this.perform(action, signal);
      history.event('action-end', action.action, 'ok');
    } catch (err) {
      this.d.signal.throwIfAborted();
      const reason = timer.aborted ? `did not finish within ${timeout / 1000} s` : err instanceof Error ? err.message : String(err);
      history.event('action-end', action.action, `failed: ${reason}`);
      throw new StepFailed(`${action.action}: ${reason}`);
    }
  }

  private async perform(action: ActionSpec, signal: AbortSignal): Promise<void> {
    switch (action.action) {
      case 'flush':
        return expectOk(await this.requireDriver('flush').flush());
      case 'compact':
        return expectOk(await this.requireDriver('compact').compact(signal));
      case 'destroy':
        return this.destroy();
      case 'up':
        return this.up(action, signal);
      case 'security':
        return this.d.security.probe(this.requireStack('security'), action.point);
      case 'upgrade':
        return this.upgrade(action, signal);
      case 'scale':
        return this.scale(action, signal);
      case 'backup':
        return this.dr.backup(action, this.requireStack('backup'), this.requireDriver('backup'), signal);
      case 'restore':
        return this.dr.restore(action, this.requireStack('restore'), this.requireDriver('restore'), signal);
      case 'damage-backup':
        return this.dr.damage(action);
      default:
        return this.requireStack(action.action).perform(action, signal);
    }
  }

  /**
   * The stack upgrades itself; around it the server's version and index are recorded for the
   * checks. The drivers keep their connection: the new server listens where the old one did.
   */
  private async upgrade(action: ActionSpec & { action: 'upgrade' }, signal: AbortSignal): Promise<void> {
    const stack = this.requireStack('upgrade');
    const driver = this.requireDriver('upgrade');
    const sdk = sdkForServer(action.version);
    if (!sdk) throw new Error(`Milvus ${action.version} has no Node SDK in src/core/sdk-versions.ts`);
    if (sdk.package !== LOADED_SDK) throw new Error(`Milvus ${action.version} needs the Node SDK ${sdk.package} ${sdk.version}; the correctness driver loads ${LOADED_SDK} only, so this path is certified on containers or Kubernetes for now`);
    const before = await waitFor(() => driver.serverState(), { what: 'the server to describe its index before the upgrade', timeoutMs: 60_000, intervalMs: 1000, signal });
    this.d.history.event('note', UPGRADE_BEFORE, JSON.stringify(before));
    await stack.perform(action, signal, (step) => this.d.history.event('note', step.at === 'start' ? ROLL_START : ROLL_END, JSON.stringify(step)));
    this.d.slot.serverVersion = action.version;
    this.afterUpgrade = this.recordAfter(driver, action.version);
  }

  /** Records the server's state once it can say (the old session may hold the new server back for a while). */
  private async recordAfter(driver: SdkDriver, version: string): Promise<void> {
    const state = await waitFor(() => driver.serverState(), { what: `Milvus ${version} to describe its index`, timeoutMs: 180_000, intervalMs: 1000, signal: this.d.signal }).catch(() => null);
    this.d.history.event('note', UPGRADE_AFTER, JSON.stringify(state ?? { server: null, index: null }));
    this.d.log(state ? `server now reports ${state.server}` : `Milvus ${version} never described its index`);
  }

  /**
   * The stack adds or removes nodes; meanwhile the query coordinator's segment distribution is
   * sampled into the history, and for query nodes the step ends once the segments are balanced
   * over the new number of nodes (src/checks/rebalance.ts), so a phase entered before the step
   * and one after it bracket the rebalance.
   */
  private async scale(action: ActionSpec & { action: 'scale' }, signal: AbortSignal): Promise<void> {
    const stack = this.requireStack('scale');
    const driver = this.requireDriver('scale');
    const role = action.target.role;
    const names = (): string[] => stack.components().filter((c) => c.role === role).map((c) => c.name);
    const before = names();
    await using sampler = role === 'querynode' ? new DistributionSampler(driver, this.d.history, this.d.log) : null;
    await stack.perform(action, signal);
    const after = names();
    const readyAt = this.d.history.now();
    this.d.history.event('note', SCALE_NODES, JSON.stringify({ role, from: before.length, to: action.replicas, added: after.filter((n) => !before.includes(n)), removed: before.filter((n) => !after.includes(n)) }));
    this.d.log(`scale: ${role} ${before.length} → ${after.length} (${after.join(', ')})`);
    if (sampler) await sampler.untilBalanced(action.replicas, action.replicas > before.length ? readyAt : 0, signal);
  }

  /** Waits for what an upgrade step still records in the background. */
  async settle(): Promise<void> {
    await this.afterUpgrade;
  }

  /** Ends the stack and its data: the drivers stop until a later step brings a stack up. */
  private async destroy(): Promise<void> {
    const slot = this.d.slot;
    slot.probes?.abort();
    await slot.probesDone;
    await slot.driver?.[Symbol.asyncDispose]();
    await slot.stack?.[Symbol.asyncDispose]();
    Object.assign(slot, { stack: null, driver: null, probes: null, probesDone: Promise.resolve() });
  }

  private async up(action: ActionSpec & { action: 'up' }, signal: AbortSignal): Promise<void> {
    if (this.d.slot.stack) throw new Error('a stack is up already: destroy it first');
    this.stacksUp++;
    const workDir = join(this.d.workDir, `stack-${this.stacksUp}`);
    const overrides = Object.keys(action.config).length > 0 ? { milvusConfig: action.config } : {};
    const restoreFrom = this.dr.restoreFromForUp(this.stacksUp);
    const spec = action.version === undefined ? this.d.s.stack : { ...this.d.s.stack, milvusVersion: action.version };
    const stack = await this.d.platform.up(spec, { runId: `${this.d.runId}-stack-${this.stacksUp}`, workDir, signal, log: this.d.log, seed: this.d.s.seed, ...overrides, ...(restoreFrom ? { restoreFrom } : {}) });
    this.d.slot.stack = stack;
    this.d.slot.serverVersion = spec.milvusVersion;
    const driver = await SdkDriver.connect(stack.milvusAddress, this.d.history, this.d.s.collection, await this.d.security.secure(stack), stack.milvusVersion);
    this.d.slot.driver = driver;
    this.d.startProbes(driver);
  }

  gate(slos: readonly string[]): void {
    const specs = this.d.s.slos.filter((slo) => slos.includes(slo.name));
    const truth = this.d.truth();
    const h = this.d.history.snapshot();
    const scored = truth?.withHistory(h.ops) ?? null;
    const phases = scored ? phaseStats(h, scored) : [];
    const recallWindows = scored ? windowedRecall(h, scored, specs) : [];
    const verdicts = evaluateSlos(specs, { phases, faults: [], durability: null, security: securityResult(h.ops), recallWindows });
    this.d.history.event('gate', slos.join(','), verdicts.map((v) => `${v.slo}: ${v.pass ? 'met' : 'MISSED'} (${v.reason})`).join('; '));
    const missed = verdicts.find((v) => !v.pass);
    if (missed) throw new GateMissed(`gate ${missed.slo}: ${missed.reason}`);
    this.d.log(`gate passed: ${slos.join(', ')}`);
  }

  phaseEnded(name: PhaseName): void {
    this.d.watch.phaseEnded(name);
  }

  private requireStack(what: string): Stack {
    if (!this.d.slot.stack) throw new StepFailed(`${what}: no stack is up (it was destroyed)`);
    return this.d.slot.stack;
  }

  private requireDriver(what: string): SdkDriver {
    if (!this.d.slot.driver) throw new StepFailed(`${what}: no stack is up (it was destroyed)`);
    return this.d.slot.driver;
  }
}

/** Every id the run wrote so far: the initial rows and every churn target. */
function writtenIds(history: HistoryRecorder): number[] {
  const ids = new Set<number>();
  for (const op of history.snapshot().ops) if (op.op === 'insert' || op.op === 'delete' || op.op === 'upsert') op.ids?.forEach((id) => ids.add(id));
  return [...ids].sort((a, b) => a - b);
}

function expectOk(r: { outcome: string; error?: string }): void {
  if (r.outcome !== 'ok') throw new Error(r.error ?? r.outcome);
}
