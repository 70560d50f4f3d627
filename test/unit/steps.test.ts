import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../../src/scenario/validate.ts';
import { fixedLength, fixedPhaseStarts, phaseNames, scenarioFaults, UNSCHEDULED_PHASE, unsupportedActions } from '../../src/scenario/steps.ts';
import { formatPlan, planRun } from '../../src/plan/plan.ts';
import { runSteps, type StepHost } from '../../src/plan/interpreter.ts';
import type { StepSpec } from '../../src/core/types.ts';
import smoke from '../../scenarios/smoke.ts';
import maintenance from '../../scenarios/flush-compact-restart.ts';

const valid = (input: unknown) => {
  const r = validateScenario(input);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors, null, 2));
  return r.scenario;
};

test('the three-phase form is sugar for steady, fault and recovered steps', () => {
  const s = valid({ name: 'three', phases: { steady: '45s', fault: '30s', recovered: '90s' }, faults: [{ name: 'k', kind: 'pod-kill', target: { role: 'standalone' }, at: '5s', duration: '5s' }] });
  assert.deepEqual(phaseNames(s), ['steady', 'fault', 'recovered']);
  assert.deepEqual(fixedPhaseStarts(s), [
    { phase: 'steady', at: 0 },
    { phase: 'fault', at: 45_000 },
    { phase: 'recovered', at: 75_000 },
  ]);
  assert.equal(fixedLength(s), 165_000);
  const fault = s.steps[1]!;
  assert.ok(fault.step === 'phase' && fault.faults[0]!.name === 'k' && fault.faults[0]!.at === 5_000);
});

test('smoke: its recovered phase starts after recovery', () => {
  const s = valid(smoke);
  assert.deepEqual(phaseNames(s), ['steady', 'fault', 'recovering', 'recovered']);
  assert.deepEqual(fixedPhaseStarts(s).map((p) => p.phase), ['steady', 'fault', UNSCHEDULED_PHASE]);
});

test('steps: after recovery inserts a recovering phase, and the schedule stops being known there', () => {
  const s = valid(maintenance);
  assert.deepEqual(phaseNames(s), ['steady', 'maintenance', 'restart', 'recovering', 'recovered']);
  assert.equal(fixedLength(s), null);
  assert.deepEqual(fixedPhaseStarts(s), [
    { phase: 'steady', at: 0 },
    { phase: 'maintenance', at: 30_000 },
    { phase: UNSCHEDULED_PHASE, at: 35_000 },
  ]);
  const recovering = s.steps.find((st) => st.step === 'phase' && st.name === 'recovering');
  assert.ok(recovering?.step === 'phase' && recovering.until === 'recovered' && recovering.duration === null);
});

test('every step error is reported at once, with its path and a fix', () => {
  const r = validateScenario({
    name: 'bad',
    phases: { steady: '10s' },
    steps: [
      { phase: 'steady' },
      { phase: 'x', duration: '5s', until: 'healed' },
      { action: 'reboot' },
      { action: 'restart' },
      { wait: 'forever' },
      { gate: 'nope' },
      { phase: 'a', duration: '1s', wait: 'healed' },
      { fault: { name: 'k', kind: 'pod-kill', target: { role: 'standalone' }, duration: '1s' } },
      { fault: { name: 'k', kind: 'pod-kill', target: { role: 'standalone' }, duration: '1s' } },
    ],
    slos: [{ kind: 'recall', phase: 'elsewhere', threshold: 0.9 }, { kind: 'latency', phase: 'steady', threshold: { phase: 'ghost', times: 2 } }],
    expect: { verdict: 'fail' },
  });
  assert.ok(!r.ok);
  const paths = r.errors.map((e) => e.path);
  for (const p of ['phases', 'steps[0]', 'steps[1]', 'steps[2].action', 'steps[3].target', 'steps[4].wait', 'steps[5].gate', 'steps[6]', 'slos[0].phase', 'slos[1].threshold.phase', 'expect.slos']) {
    assert.ok(paths.includes(p), `expected an error at ${p}; got ${paths.join(', ')}`);
  }
  assert.ok(r.errors.every((e) => e.fix.length > 0));
  assert.match(r.errors.find((e) => e.path === 'steps[2].action')!.message, /must be one of flush, compact, restart/);
});

test('actions the platform cannot perform are refused by name, flush and compact are always possible', () => {
  const s = valid({ name: 'dr', steps: [{ phase: 'steady', duration: '5s' }, { action: 'flush' }, { action: 'backup', name: 'b1' }, { action: 'upgrade', version: '2.3.5' }] });
  const errors = unsupportedActions(s, { name: 'local', actions: ['restart', 'destroy', 'up'] });
  assert.deepEqual(errors.map((e) => e.path), ['steps[2].action', 'steps[3].action']);
  assert.match(errors[0]!.message, /'backup' is not something the local platform can do/);
});

test('a fault step and nested faults are both faults of the scenario; instance targets are kept', () => {
  const s = valid({
    name: 'f',
    stack: { topology: 'cluster', messageQueue: 'kafka', etcd: { members: 3 } },
    steps: [
      { phase: 'p', duration: '20s', faults: [{ name: 'a', kind: 'pause', target: { role: 'querynode', instance: 'querynode-2' }, at: '1s', duration: '2s' }] },
      { fault: { name: 'b', kind: 'pod-kill', target: { role: 'proxy' }, duration: '3s' } },
    ],
  });
  assert.deepEqual(scenarioFaults(s).map((f) => [f.name, f.target.instance]), [['a', 'querynode-2'], ['b', undefined]]);
});

/** A host that runs on a virtual clock and writes down the calls, to test the interpreter's order. */
class TraceHost implements StepHost {
  readonly trace: string[] = [];
  t = 0;
  now(): number {
    return this.t;
  }
  enterPhase(name: string): void {
    this.trace.push(`${this.t} phase ${name}`);
  }
  async holdUntil(at: number): Promise<void> {
    this.t = Math.max(this.t, at);
  }
  async until(c: string): Promise<void> {
    this.trace.push(`${this.t} until ${c}`);
    this.t += 7;
  }
  async fault(f: { name: string; duration: number }, at: number): Promise<number> {
    this.trace.push(`${at} inject ${f.name}`);
    return at + f.duration;
  }
  async act(a: { action: string }): Promise<void> {
    this.trace.push(`${this.t} act ${a.action}`);
    this.t += 3;
  }
  gate(slos: readonly string[]): void {
    this.trace.push(`${this.t} gate ${slos.join(',')}`);
  }
  phaseEnded(name: string): void {
    this.trace.push(`${this.t} end ${name}`);
  }
}

test('the interpreter runs steps in order; a phase lasts at least until its faults have healed', async () => {
  const s = valid({
    name: 'order',
    steps: [
      { phase: 'a', duration: '10ms', faults: [{ name: 'k', kind: 'pod-kill', target: { role: 'standalone' }, at: '2ms', duration: '5ms' }] },
      { action: 'flush' },
      { gate: 'r' },
      { phase: 'b', until: 'recovered' },
      { fault: { name: 'j', kind: 'pod-kill', target: { role: 'standalone' }, at: '1ms', duration: '4ms' } },
    ],
    slos: [{ name: 'r', kind: 'recall', phase: 'a', threshold: 0.5 }],
  });
  const host = new TraceHost();
  await runSteps(s.steps as StepSpec[], host);
  assert.deepEqual(host.trace, ['0 phase a', '2 inject k', '10 end a', '10 act flush', '13 gate r', '13 phase b', '13 until recovered', '20 end b', '21 inject j']);
  assert.equal(host.t, 25, 'a fault step waits until its fault has healed');
});

test('plan is the interpreter on a virtual clock: steps, waits and the gate, with no side effects', async () => {
  const text = formatPlan(await planRun(valid(maintenance), 'local'));
  assert.match(text, / \+30s {2}phase 'maintenance' \(5s\)/);
  assert.match(text, /after flush \+0s {2}compact the collection and wait until compaction completes \(at most 3m\)/);
  assert.match(text, /gate: steady recall, maintenance recall must be met so far, else stop \(exit 4\)/);
  assert.match(text, /after restart \+0s {2}phase 'recovering' \(until recovered, at most 5m\)/);
  assert.match(text, /after recovered \+0s {2}phase 'recovered' \(40s\)/);
});
