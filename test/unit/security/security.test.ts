import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OpRecord, SecurityProbe, SloSpec, StepSpec } from '../../../src/core/types.ts';
import { classifyRefusal, securityFindings, securityResult } from '../../../src/checks/security.ts';
import { evaluateSlos } from '../../../src/slo/verdicts.ts';
import { withSecurityPoints } from '../../../src/scenario/security.ts';
import { validateScenario } from '../../../src/scenario/validate.ts';
import { redactText, REDACTED } from '../../../src/runner/redact.ts';

let seq = 0;
const op = (name: string, expect: SecurityProbe['expect'], outcome: OpRecord['outcome'], point = 'before faults', severity: SecurityProbe['severity'] = 'violation', error?: string): OpRecord => ({
  seq: seq++, op: 'security', start: seq * 10, end: seq * 10 + 5, outcome, latencyMs: 5, phase: 'steady',
  probe: { name, expect, point, severity }, ...(error ? { error } : {}),
});
const SLO: SloSpec = { name: 'security', kind: 'security', phase: null, op: '<=', threshold: 0 };
const verdict = (ops: OpRecord[]) => evaluateSlos([SLO], { phases: [], faults: [], durability: null, security: securityResult(ops) })[0]!;

test('the security SLO passes when every probe held, and says where they ran', () => {
  const v = verdict([op('unauthenticated request is refused', 'refused', 'fail', 'before faults', 'violation', '16 UNAUTHENTICATED'), op('read-only user can search', 'allowed', 'ok', 'after recovery')]);
  assert.equal(v.pass, true);
  assert.equal(v.samples, 2);
  assert.match(v.reason, /before faults, after recovery/);
});

test('a must-refuse probe that got through fails the SLO, naming the probe and the point', () => {
  const v = verdict([op('unauthenticated request is refused', 'refused', 'ok', 'after restart'), op('wrong password is refused', 'refused', 'fail')]);
  assert.equal(v.pass, false);
  assert.equal(v.measured, 1);
  assert.match(v.reason, /'unauthenticated request is refused' at after restart was allowed but must be refused/);
});

test('an unknown probe outcome is not a success; no probes at all fails too', () => {
  const v = verdict([op('plaintext connection is refused', 'refused', 'unknown', 'before faults', 'violation', 'DEADLINE_EXCEEDED')]);
  assert.equal(v.pass, false);
  assert.match(v.reason, /could not tell/);
  const none = verdict([]);
  assert.equal(none.pass, false);
  assert.equal(none.samples, 0);
});

test('RBAC missing after a restore that need not carry it is a finding, not a failure', () => {
  const ops = [op('users, roles and grants exist', 'allowed', 'fail', 'after restore', 'finding', 'RbacMissing: users missing: drill_reader'), op('wrong password is refused', 'refused', 'fail', 'after restore')];
  assert.equal(verdict(ops).pass, true);
  const findings = securityFindings(securityResult(ops));
  assert.equal(findings.length, 1);
  assert.match(findings[0]!.detail, /'users, roles and grants exist' at after restore .*RbacMissing: users missing: drill_reader.*a finding, not a failure/);
});

test('refusals count only for the right reason; TLS refusals only while the server answers', () => {
  assert.equal(classifyRefusal('auth', '16 UNAUTHENTICATED: auth check failure', true), 'refused');
  assert.equal(classifyRefusal('auth', '7 PERMISSION_DENIED: PrivilegeInsert: permission deny', true), 'other');
  assert.equal(classifyRefusal('permission', '7 PERMISSION_DENIED: PrivilegeInsert: permission deny to drill_reader', true), 'refused');
  assert.equal(classifyRefusal('permission', 'collection not found', true), 'other');
  assert.equal(classifyRefusal('tls', '1 CANCELLED: Call cancelled', true), 'refused');
  assert.equal(classifyRefusal('tls', '1 CANCELLED: Call cancelled', false), 'other');
  assert.equal(classifyRefusal('tls', '13 INTERNAL: No message received', true), 'refused');
  assert.equal(classifyRefusal('tls', '4 DEADLINE_EXCEEDED: Deadline exceeded', true), 'other');
  assert.equal(classifyRefusal('tls', '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:19530', true), 'other');
});

const phase = (name: string, faults = 0): StepSpec => ({ step: 'phase', name, duration: 1000, until: null, timeout: 1000, faults: Array.from({ length: faults }, () => ({ name: 'k', kind: 'pod-kill', target: { role: 'standalone', mode: 'one' }, at: 0, duration: 1, params: {} })) });
const points = (steps: readonly StepSpec[]) => steps.map((s) => (s.step === 'action' && s.spec.action === 'security' ? `probe:${s.spec.point}` : s.step === 'phase' ? s.name : s.step === 'action' ? s.spec.action : s.step));
const ON = { authorization: true, rootPassword: 'generated' as const, tls: 'off' as const, rbacSurvivesRestore: false };

test('default probe points: before the first injuring step, after restore and upgrade, at the end; none when security is off', () => {
  const steps: StepSpec[] = [phase('steady'), phase('fault', 1), { step: 'action', spec: { action: 'restore', name: 'b' }, timeout: 1 }, { step: 'action', spec: { action: 'upgrade', version: '2.4', config: {}, rollback: false }, timeout: 1 }, phase('recovered')];
  assert.deepEqual(points(withSecurityPoints(steps, ON)), ['steady', 'probe:before faults', 'fault', 'restore', 'probe:after restore', 'upgrade', 'probe:after upgrade', 'recovered', 'probe:after recovery (end of steps)']);
  assert.deepEqual(points(withSecurityPoints(steps, { ...ON, authorization: false })), ['steady', 'fault', 'restore', 'upgrade', 'recovered']);
  assert.deepEqual(points(withSecurityPoints([phase('steady')], ON)), ['probe:before faults', 'steady', 'probe:after recovery (end of steps)']);
});

test('validate: stack.security defaults off, is checked field by field, and a security SLO or step needs it', () => {
  const base = { name: 's', dataset: { rows: 100 }, steps: [{ phase: 'steady', duration: '1s' }] };
  const ok = validateScenario(base);
  assert.ok(ok.ok && ok.scenario.stack.security?.authorization === false && ok.scenario.stack.security.tls === 'off');
  const bad = validateScenario({ ...base, stack: { security: { authorization: 'yes', rootPassword: 'hunter2', tls: 'two-way' } }, steps: [{ action: 'security' }], slos: [{ kind: 'security', threshold: 1 }] });
  assert.ok(!bad.ok);
  const paths = bad.errors.map((e) => e.path).sort();
  assert.deepEqual(paths, ['slos[0]', 'slos[0].threshold', 'stack.security.authorization', 'stack.security.rootPassword', 'stack.security.tls', 'steps[0].action']);
  assert.match(bad.errors.find((e) => e.path === 'stack.security.rootPassword')!.fix, /generated/);
  const abort = validateScenario({ ...base, stack: { security: { tls: 'one-way' } }, slos: [{ kind: 'security', abortOnBreach: true }] });
  assert.ok(!abort.ok && abort.errors.some((e) => e.path === 'slos[0].abortOnBreach' && /gate/.test(e.fix)));
});

test('validate: the resolved scenario keeps only "generated", and probe steps are named by their step', () => {
  const r = validateScenario({ name: 's', dataset: { rows: 100 }, stack: { security: { authorization: true, rootPassword: 'generated' } }, steps: [{ phase: 'steady', duration: '1s' }, { action: 'security' }, { action: 'security', name: 'mine' }] });
  assert.ok(r.ok);
  assert.equal(r.scenario.stack.security?.rootPassword, 'generated');
  assert.deepEqual(points(r.scenario.steps), ['probe:before faults', 'steady', 'probe:steps[1]', 'probe:mine', 'probe:after recovery (end of steps)']);
});

test('redaction: secret settings, private keys and literal secrets', () => {
  const text = 'minio:\n  accessKeyID: drilladmin\n  secretAccessKey: drilladmin-secret\nkeep: me\n-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\nuser logged in with Dr1abcdefgh\n';
  const out = redactText(text, ['Dr1abcdefgh']);
  assert.ok(!/drilladmin|MIGH|Dr1abcdefgh/.test(out), out);
  assert.match(out, /keep: me/);
  assert.equal(out.split(REDACTED).length - 1, 4);
});
