import { join } from 'node:path';
import type { ActionSpec, FaultSpec, Millis, PhaseName, Scenario, StepSpec, WaitCondition } from '../core/types.ts';
import type { Platform, Stack } from '../core/platform.ts';
import type { HistoryRecorder } from '../history/recorder.ts';
import { recoveryTime } from '../checks/recovery.ts';
import { phaseStats } from '../checks/phases.ts';
import { evaluateSlos } from '../slo/verdicts.ts';
import { describeAction } from '../plan/plan.ts';
import { GateMissed, StepFailed, type StepHost } from '../plan/interpreter.ts';
import { SdkDriver } from '../workload/sdk.ts';
import { delay } from '../util/poll.ts';
import type { BreachWatch } from './breach.ts';
import type { GroundTruth } from './truth.ts';

/** The stack the drivers talk to now; destroy empties it, up fills it with a new one. */
export interface StackSlot {
  stack: Stack | null;
  driver: SdkDriver | null;
  /** Stops the probes that run against this stack. */
  probes: AbortController | null;
  probesDone: Promise<void>;
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
}

const POLL_MS = 500;

/** The interpreter's host for a real run: real time, real faults, real actions, all recorded in the history. */
export class RunHost implements StepHost {
  private readonly activeFaults = new Set<Promise<Millis>>();
  private lastHealAt: Millis | null = null;
  private stacksUp = 1;
  private readonly origin: number;

  constructor(private readonly d: RunHostDeps) {
    this.origin = d.history.now();
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
    const what = describeAction(action);
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
        return this.up(action.config, signal);
      default:
        return this.requireStack(action.action).perform(action, signal);
    }
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

  private async up(config: Record<string, unknown>, signal: AbortSignal): Promise<void> {
    if (this.d.slot.stack) throw new Error('a stack is up already: destroy it first');
    if (Object.keys(config).length > 0) throw new Error('configuration overrides for a new stack are not supported yet; use a restart step with config after it');
    this.stacksUp++;
    const workDir = join(this.d.workDir, `stack-${this.stacksUp}`);
    const stack = await this.d.platform.up(this.d.s.stack, { runId: `${this.d.runId}-stack-${this.stacksUp}`, workDir, signal, log: this.d.log });
    this.d.slot.stack = stack;
    const driver = await SdkDriver.connect(stack.milvusAddress, this.d.history, this.d.s.collection);
    this.d.slot.driver = driver;
    this.d.startProbes(driver);
  }

  gate(slos: readonly string[]): void {
    const specs = this.d.s.slos.filter((slo) => slos.includes(slo.name));
    const truth = this.d.truth();
    const h = this.d.history.snapshot();
    const phases = truth ? phaseStats(h, truth.withHistory(h.ops)) : [];
    const verdicts = evaluateSlos(specs, { phases, faults: [], durability: null });
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

function expectOk(r: { outcome: string; error?: string }): void {
  if (r.outcome !== 'ok') throw new Error(r.error ?? r.outcome);
}
