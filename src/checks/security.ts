import type { Finding, OpRecord, SecurityProbe } from '../core/types.ts';

/** One probe as it ran, and what it means. */
export interface ProbeResult {
  probe: SecurityProbe;
  outcome: OpRecord['outcome'];
  at: number;
  /** What the server said, or why the probe could not tell. */
  evidence: string;
  /** 'held': did what it must; 'breached': a must-refuse probe got through, or a must-allow one was refused; 'unknown': could not tell. */
  status: 'held' | 'breached' | 'unknown';
}

export interface SecurityResult {
  probes: ProbeResult[];
  /** Probes whose breach fails the security SLO. */
  violations: ProbeResult[];
  /** Probes that could not tell: the SLO cannot pass while any remain. */
  unknown: ProbeResult[];
  /** Breaches reported as findings only (RBAC missing after a restore that does not carry it). */
  findings: ProbeResult[];
}

/** Scores every security probe in the history. A pure function of the recorded ops. */
export function securityResult(ops: readonly OpRecord[]): SecurityResult | null {
  const probes = ops.filter((o) => o.op === 'security' && o.probe).map(scoreProbe);
  if (probes.length === 0) return null;
  const breached = probes.filter((p) => p.status === 'breached');
  return {
    probes,
    violations: breached.filter((p) => p.probe.severity === 'violation'),
    unknown: probes.filter((p) => p.status === 'unknown' && p.probe.severity === 'violation'),
    findings: breached.filter((p) => p.probe.severity === 'finding'),
  };
}

function scoreProbe(op: OpRecord): ProbeResult {
  const probe = op.probe!;
  const evidence = op.error ?? (op.outcome === 'ok' ? 'the server accepted the request' : op.outcome);
  const wanted = probe.expect === 'refused' ? 'fail' : 'ok';
  const status = op.outcome === 'unknown' ? 'unknown' : op.outcome === wanted ? 'held' : 'breached';
  return { probe, outcome: op.outcome, at: op.start, evidence, status };
}

/** How a probe reads in a finding or a verdict: its name, where it ran, and what happened. */
export function describeProbe(p: ProbeResult): string {
  const what = p.status === 'unknown' ? 'could not tell' : p.probe.expect === 'refused' ? 'was allowed but must be refused' : 'was refused but must be allowed';
  return `'${p.probe.name}' at ${p.probe.point} ${what} (${p.evidence})`;
}

/** Every breached or undecided probe as a finding naming the probe, the point and the evidence. */
export function securityFindings(result: SecurityResult | null): Finding[] {
  if (!result) return [];
  const reported = [...result.violations, ...result.unknown, ...result.findings];
  return reported.map((p) => ({
    detector: 'security' as const,
    phase: null,
    count: 1,
    firstAt: p.at,
    detail: `${describeProbe(p)}${p.probe.severity === 'finding' ? ' — a finding, not a failure: this backup method does not carry RBAC (set stack.security.rbacSurvivesRestore to require it)' : ''}`,
  }));
}

/** What kind of refusal a probe waits for: the server checking credentials, privileges, or the TLS handshake. */
export type RefusalKind = 'auth' | 'permission' | 'tls';

const REFUSALS: Record<Exclude<RefusalKind, 'tls'>, RegExp> = {
  auth: /UNAUTHENTICATED|auth check fail|authenticat|username or password|credential/i,
  permission: /PERMISSION_DENIED|PermissionDenied|permission deny|permission denied|privilege/i,
};
/**
 * A TLS probe's client is refused in many ways (grpc-js reports 'CANCELLED', 'INTERNAL: No message
 * received', an SSL alert...), but only a server that is down refuses the TCP connection itself.
 */
const SERVER_DOWN = /ECONNREFUSED/;
const UNDECIDED = /DEADLINE_EXCEEDED|no answer within/i;

/**
 * Whether an error is the refusal a probe waits for: 'refused' for the right reason, 'other' for
 * any other error (which proves nothing either way). For TLS probes any error but a refused TCP
 * connection or a timeout is the refusal, and only when the server served a properly secured
 * client just before and just after (`serverUp`): with TLS off, the same call would have succeeded.
 */
export function classifyRefusal(kind: RefusalKind, message: string, serverUp: boolean): 'refused' | 'other' {
  if (UNDECIDED.test(message)) return 'other';
  if (kind === 'tls') return serverUp && !SERVER_DOWN.test(message) ? 'refused' : 'other';
  return REFUSALS[kind].test(message) ? 'refused' : 'other';
}
