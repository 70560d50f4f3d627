import type { ActionKind, FaultSpec, Millis, PhaseName, Scenario, StepSpec, ValidationError } from '../core/types.ts';

/** Every fault of the timeline, in step order. */
export function scenarioFaults(s: Pick<Scenario, 'steps'>): FaultSpec[] {
  return s.steps.flatMap((st) => (st.step === 'phase' ? [...st.faults] : st.step === 'fault' ? [st.fault] : []));
}

/** The phases the timeline enters, in order, each once. */
export function phaseNames(s: Pick<Scenario, 'steps'>): PhaseName[] {
  return [...new Set(s.steps.flatMap((st) => (st.step === 'phase' ? [st.name] : [])))];
}

/** The name k6 gets for time whose phase is not known before the run (no k6 threshold judges it). */
export const UNSCHEDULED_PHASE = 'unscheduled';

/**
 * When each phase starts, as an offset from the first step, for the phases whose start and end do
 * not depend on the system; once a step's length is not known, one last entry named
 * UNSCHEDULED_PHASE marks where the schedule stops being known.
 */
export function fixedPhaseStarts(s: Pick<Scenario, 'steps'>): { phase: PhaseName; at: Millis }[] {
  const starts: { phase: PhaseName; at: Millis }[] = [];
  let at = 0;
  for (const st of s.steps) {
    if (st.step === 'phase' && st.duration !== null) {
      starts.push({ phase: st.name, at });
      at += st.duration;
    } else if (st.step === 'fault') {
      at += st.fault.at + st.fault.duration;
    } else if (st.step !== 'gate') {
      starts.push({ phase: UNSCHEDULED_PHASE, at });
      return starts;
    }
  }
  return starts;
}

/** The timeline's length when every step has a fixed length; null otherwise. */
export function fixedLength(s: Pick<Scenario, 'steps'>): Millis | null {
  let at = 0;
  for (const st of s.steps) {
    if (st.step === 'phase' && st.duration !== null) at += st.duration;
    else if (st.step === 'fault') at += st.fault.at + st.fault.duration;
    else if (st.step !== 'gate') return null;
  }
  return at;
}

/** The longest the timeline can take: fixed lengths plus every wait's timeout. */
export function longestLength(s: Pick<Scenario, 'steps'>): Millis {
  return s.steps.reduce((sum, st) => {
    switch (st.step) {
      case 'phase':
        return sum + (st.duration ?? st.timeout);
      case 'fault':
        return sum + st.fault.at + st.fault.duration;
      case 'action':
      case 'wait':
        return sum + st.timeout;
      case 'gate':
        return sum;
    }
  }, 0);
}

/** The steps of the three-phase form: steady, then the faults' phase, then recovered. */
export function threePhaseSteps(phases: { steady: Millis; fault: Millis; recovered: Millis }, faults: readonly FaultSpec[]): StepSpec[] {
  const phase = (name: string, duration: Millis, inPhase: readonly FaultSpec[] = []): StepSpec => ({ step: 'phase', name, duration, until: null, timeout: duration, faults: inPhase });
  return [phase('steady', phases.steady), phase('fault', phases.fault, faults), phase('recovered', phases.recovered)];
}

/** Actions that go through the SDK and need nothing of a platform. */
const SDK_ACTIONS: readonly ActionKind[] = ['flush', 'compact', 'security'];

/** Every action step the platform cannot perform, as scenario errors (exit 3 before anything starts). */
export function unsupportedActions(s: Pick<Scenario, 'steps'>, platform: { name: string; actions: readonly ActionKind[] }): ValidationError[] {
  return s.steps.flatMap((st, i) => {
    if (st.step !== 'action' || SDK_ACTIONS.includes(st.spec.action) || platform.actions.includes(st.spec.action)) return [];
    const can = [...SDK_ACTIONS, ...platform.actions].join(', ');
    return [{ path: `steps[${i}].action`, message: `'${st.spec.action}' is not something the ${platform.name} platform can do yet`, fix: `use an action it can do (${can}) or another platform` }];
  }).concat(
    s.steps.flatMap((st, i) =>
      st.step === 'action' && st.spec.action === 'backup' && st.spec.method === 'cold-snapshot' && platform.name !== 'local'
        ? [{ path: `steps[${i}].method`, message: `a cold snapshot stops the stack's own etcd and MinIO processes and copies their files, which only the local platform can do (not ${platform.name})`, fix: "run on the local platform, or set method: 'binlog'" }]
        : [],
    ),
  );
}

/**
 * A cold snapshot leaves the stack dead, and only a stack brought up from it holds it, so its
 * backup step must be followed at once by destroy, up (the bring-up from the snapshot) and a
 * restore of the same name (load and verify, before any new write reaches the restored stack).
 * Damaging a cold snapshot or a milvus-backup backup is not a drill this step offers
 * (damage-backup works on binlog backups, whose manifest it reads).
 */
export function coldSnapshotStepErrors(steps: readonly StepSpec[]): ValidationError[] {
  const errors: ValidationError[] = [];
  const cold = new Set<string>();
  const tool = new Set<string>();
  steps.forEach((st, i) => {
    if (st.step !== 'action') return;
    const a = st.spec;
    if (a.action === 'restore' && a.verifyChecksums === false && cold.has(a.name)) errors.push({ path: `steps[${i}].verifyChecksums`, message: `'${a.name}' is a cold snapshot, whose manifest the bring-up from it always checks; verifyChecksums: false applies to binlog restores`, fix: 'remove verifyChecksums from this step' });
    if (a.action === 'damage-backup' && cold.has(a.name)) errors.push({ path: `steps[${i}].action`, message: `'damage-backup' works on binlog backups; '${a.name}' is a cold snapshot`, fix: `remove this step, or back up '${a.name}' with method: 'binlog'` });
    if (a.action === 'damage-backup' && tool.has(a.name)) errors.push({ path: `steps[${i}].action`, message: `'damage-backup' works on binlog backups; '${a.name}' is taken by milvus-backup, whose layout this step does not know`, fix: `remove this step, or back up '${a.name}' with method: 'binlog'` });
    if (a.action === 'backup' && a.method === 'milvus-backup') tool.add(a.name);
    if (a.action !== 'backup' || a.method !== 'cold-snapshot') return;
    cold.add(a.name);
    const want = ['destroy', 'up', 'restore'] as const;
    for (const [k, kind] of want.entries()) {
      const next = steps[i + 1 + k];
      const ok = next?.step === 'action' && next.spec.action === kind && (kind !== 'restore' || (next.spec.action === 'restore' && next.spec.name === a.name));
      if (!ok) {
        errors.push({
          path: `steps[${i + 1 + k}]`,
          message: `a cold-snapshot backup ('${a.name}' at steps[${i}]) stops the stack, so it must be followed at once by destroy, up (which comes up from the snapshot) and restore '${a.name}' (which loads and verifies); found ${next ? describeStep(next) : 'the end of the steps'}`,
          fix: `put { action: 'destroy' }, { action: 'up' }, { action: 'restore', name: '${a.name}' } right after steps[${i}]`,
        });
        break;
      }
    }
  });
  return errors;
}

function describeStep(st: StepSpec): string {
  switch (st.step) {
    case 'action':
      return `action '${st.spec.action}'${st.spec.action === 'restore' ? ` of '${st.spec.name}'` : ''}`;
    case 'phase':
      return `phase '${st.name}'`;
    default:
      return `a ${st.step} step`;
  }
}
