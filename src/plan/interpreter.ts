import type { ActionSpec, FaultSpec, Millis, PhaseName, StepSpec, WaitCondition } from '../core/types.ts';

/**
 * What the step interpreter needs from the world. The run gives it real clocks, faults and
 * actions; `plan` gives it a virtual clock that only writes down what would happen, so the plan
 * is the run's own interpreter and cannot drift from it.
 */
export interface StepHost {
  /** Milliseconds since the timeline started. */
  now(): Millis;
  enterPhase(name: PhaseName, step: StepSpec & { step: 'phase' }): void;
  /** Holds until `at` (a time from now()) has come. */
  holdUntil(at: Millis): Promise<void>;
  /** Holds until the condition holds; throws StepFailed after `timeout`. */
  until(condition: WaitCondition, timeout: Millis): Promise<void>;
  /** Injects the fault at time `at` and resolves with the time it was healed. */
  fault(fault: FaultSpec, at: Millis): Promise<Millis>;
  act(action: ActionSpec, timeout: Millis): Promise<void>;
  /** Checks SLOs on the history so far; throws GateMissed when one is missed. */
  gate(slos: readonly string[]): void;
  phaseEnded(name: PhaseName): void;
}

/** A step that could not complete (an action failed, a wait timed out): the run fails and says which. */
export class StepFailed extends Error {}

/** A gate's SLO was missed: the run stops early (exit 4). */
export class GateMissed extends Error {}

/** Runs the steps in order: the one interpreter behind `run` and `plan`. */
export async function runSteps(steps: readonly StepSpec[], host: StepHost): Promise<void> {
  for (const st of steps) {
    switch (st.step) {
      case 'phase':
        await runPhase(st, host);
        break;
      case 'fault':
        await host.holdUntil(await host.fault(st.fault, host.now() + st.fault.at));
        break;
      case 'action':
        await host.act(st.spec, st.timeout);
        break;
      case 'wait':
        await host.until(st.until, st.timeout);
        break;
      case 'gate':
        host.gate(st.slos);
        break;
    }
  }
}

async function runPhase(st: StepSpec & { step: 'phase' }, host: StepHost): Promise<void> {
  host.enterPhase(st.name, st);
  const start = host.now();
  const faults = st.faults.map((f) => host.fault(f, start + f.at));
  try {
    if (st.duration !== null) await host.holdUntil(start + st.duration);
    else await host.until(st.until!, st.timeout);
  } finally {
    const healed = await Promise.all(faults);
    await host.holdUntil(Math.max(start, ...healed));
  }
  host.phaseEnded(st.name);
}
