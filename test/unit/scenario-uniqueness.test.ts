import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../../src/scenario/validate.ts';

const kill = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ kind: 'pod-kill', target: { role: 'standalone' }, duration: '5s', ...extra });

test('fault names are unique: the error names both faults', () => {
  const r = validateScenario({ name: 'twice', phases: { fault: '1m' }, faults: [kill(), kill({ at: '20s' }), kill({ name: 'second-kill', at: '40s' })] });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const errors = r.errors.filter((e) => e.path.startsWith('faults'));
  assert.deepEqual(errors.map((e) => e.path), ['faults[1].name']);
  assert.match(errors[0]!.message, /'pod-kill-standalone' is also the name of faults\[0\]/);
  assert.match(errors[0]!.fix, /faults\[0\] and faults\[1\]/);
});

test('distinctly named faults of one kind are valid', () => {
  const r = validateScenario({ name: 'ok', phases: { fault: '1m' }, faults: [kill({ name: 'first' }), kill({ name: 'second', at: '20s' })] });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
});

test('a latency SLO may name only a percentile the scorer computes', () => {
  for (const percentile of [50, 95, 99, 99.9]) {
    const r = validateScenario({ name: 'p', slos: [{ kind: 'latency', phase: 'steady', percentile, threshold: 100 }] });
    assert.ok(r.ok, `p${percentile}: ${JSON.stringify(!r.ok && r.errors)}`);
  }
  for (const percentile of [90, 99.99, 0, 100]) {
    const r = validateScenario({ name: 'p', slos: [{ kind: 'latency', phase: 'steady', percentile, threshold: 100 }] });
    assert.equal(r.ok, false, `p${percentile} must be refused`);
    if (r.ok) continue;
    const error = r.errors.find((e) => e.path === 'slos[0].percentile');
    assert.ok(error, `an error at slos[0].percentile for p${percentile}`);
    assert.match(error.message, /50, 95, 99, 99\.9/);
    assert.match(error.fix, /50, 95, 99, 99\.9/);
  }
});
