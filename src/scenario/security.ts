import { SECURITY_OFF, type SecuritySpec, type StepSpec } from '../core/types.ts';

/** The stack's security, defaults when it has none. */
export function securityOf(stack: { security?: SecuritySpec }): SecuritySpec {
  return stack.security ?? SECURITY_OFF;
}

/** Whether a stack has anything for the security probes to check. */
export function securityOn(s: SecuritySpec | undefined): boolean {
  return !!s && (s.authorization || s.tls !== 'off');
}

/** The default probe points, named in findings. */
export const SECURITY_POINTS = { beforeFaults: 'before faults', end: 'after recovery (end of steps)' } as const;

const probe = (point: string): StepSpec => ({ step: 'action', spec: { action: 'security', point }, timeout: 120_000 });

/**
 * The steps with the default security probe points added, when the stack enables security:
 * before the first step that can injure the system (a fault, a phase holding faults, or an action
 * other than flush/compact/security), after every restore and upgrade, and after the last step.
 * Steps the scenario wrote itself ({ action: 'security' }) run as well, where they are.
 */
export function withSecurityPoints(steps: readonly StepSpec[], security: SecuritySpec): StepSpec[] {
  if (!securityOn(security)) return [...steps];
  const out: StepSpec[] = [];
  let before = false;
  steps.forEach((st) => {
    if (!before && injures(st)) {
      out.push(probe(SECURITY_POINTS.beforeFaults));
      before = true;
    }
    out.push(st);
    if (st.step === 'action' && (st.spec.action === 'restore' || st.spec.action === 'upgrade')) out.push(probe(`after ${st.spec.action}`));
  });
  if (!before) out.unshift(probe(SECURITY_POINTS.beforeFaults));
  out.push(probe(SECURITY_POINTS.end));
  return out;
}

function injures(st: StepSpec): boolean {
  if (st.step === 'fault') return true;
  if (st.step === 'phase') return st.faults.length > 0;
  return st.step === 'action' && !['flush', 'compact', 'security'].includes(st.spec.action);
}
