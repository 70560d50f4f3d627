import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../../src/scenario/validate.ts';
import { coldSnapshotStepErrors, unsupportedActions } from '../../src/scenario/steps.ts';
import { describeAction } from '../../src/plan/plan.ts';
import type { StepSpec } from '../../src/core/types.ts';
import coldDrill from '../../scenarios/dr-cold-snapshot.ts';

const STACK = { topology: 'cluster', messageQueue: 'pulsar', objectStore: 'minio' };
const drill = (steps: unknown[]) => validateScenario({ name: 'cold', stack: STACK, steps: [{ phase: 'steady', duration: '5s' }, ...steps] });
const COLD_STEPS = [{ action: 'backup', name: 'c', method: 'cold-snapshot' }, { action: 'destroy' }, { action: 'up' }, { action: 'restore', name: 'c' }, { phase: 'restored', duration: '5s' }];

test('the backup method defaults to binlog (left implicit) and cold-snapshot is kept', () => {
  const r = drill([{ action: 'backup', name: 'b' }, { action: 'backup', name: 'm', method: 'binlog' }, ...COLD_STEPS]);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const backups = r.scenario.steps.flatMap((st) => (st.step === 'action' && st.spec.action === 'backup' ? [st.spec] : []));
  assert.deepEqual(backups.map((b) => b.method), [undefined, undefined, 'cold-snapshot']);
  assert.ok(validateScenario(coldDrill).ok, 'scenarios/dr-cold-snapshot.ts is valid');
});

test('an unknown backup method is refused naming the field and the methods', () => {
  const r = drill([{ action: 'backup', name: 'b', method: 'cold-snap' }]);
  assert.ok(!r.ok);
  const e = r.errors.find((x) => x.path === 'steps[1].method');
  assert.ok(e, JSON.stringify(r.errors));
  assert.match(`${e.message} ${e.fix}`, /binlog, cold-snapshot, milvus-backup/);
});

test('milvus-backup is a backup method; its backups take no dir and no damage-backup, and plan says what the tool does', () => {
  const ok = drill([{ action: 'backup', name: 'b', method: 'milvus-backup' }, { action: 'destroy' }, { action: 'up' }, { action: 'restore', name: 'b' }]);
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  const withDir = drill([{ action: 'backup', name: 'b', method: 'milvus-backup', dir: '/tmp/b' }]);
  assert.ok(!withDir.ok);
  const e = withDir.errors.find((x) => x.path === 'steps[1].dir')!;
  assert.match(e.message, /milvus-backup keeps its backups in its own store/);
  assert.match(e.fix, /remove dir, or use method: 'binlog'/);
  const damaged = drill([{ action: 'backup', name: 'b', method: 'milvus-backup' }, { action: 'damage-backup', name: 'b', mode: 'flip', object: 'insert' }]);
  assert.ok(!damaged.ok);
  assert.match(damaged.errors.map((x) => `${x.path}: ${x.message}`).join('\n'), /steps\[2\]\.action: 'damage-backup' works on binlog backups; 'b' is taken by milvus-backup/);
  const methods = new Map([['b', 'milvus-backup' as const], ['n', undefined]]);
  assert.match(describeAction({ action: 'backup', name: 'b', method: 'milvus-backup' }), /milvus-backup create/);
  assert.match(describeAction({ action: 'restore', name: 'b' }, methods), /milvus-backup restore \(collection and index\), then load and verify/);
  assert.match(describeAction({ action: 'restore', name: 'n' }, methods), /manifest checked first/);
});

test('a cold snapshot must be followed at once by destroy, up and restore of its name', () => {
  const phaseBetween = drill([{ action: 'backup', name: 'c', method: 'cold-snapshot' }, { phase: 'after', duration: '5s' }, { action: 'destroy' }, { action: 'up' }, { action: 'restore', name: 'c' }]);
  assert.ok(!phaseBetween.ok);
  const e = phaseBetween.errors.find((x) => x.path === 'steps[2]')!;
  assert.match(e.message, /must be followed at once by destroy, up .* and restore 'c'.*found phase 'after'/);
  assert.match(e.fix, /\{ action: 'destroy' \}, \{ action: 'up' \}, \{ action: 'restore', name: 'c' \} right after steps\[1\]/);

  const wrongName = drill([{ action: 'backup', name: 'c', method: 'cold-snapshot' }, { action: 'destroy' }, { action: 'up' }, { action: 'restore', name: 'other' }]);
  assert.ok(!wrongName.ok);
  assert.match(wrongName.errors.map((x) => `${x.path}: ${x.message}`).join('\n'), /steps\[4\]: .*found action 'restore' of 'other'/);

  const atEnd = coldSnapshotStepErrors([{ step: 'action', spec: { action: 'backup', name: 'c', method: 'cold-snapshot' }, timeout: 1000 }, { step: 'action', spec: { action: 'destroy' }, timeout: 1000 }]);
  assert.deepEqual(atEnd.map((x) => x.path), ['steps[2]'], 'one error per drill: the first step out of place');
  assert.match(atEnd[0]!.message, /found the end of the steps/);
});

test('damage-backup of a cold snapshot is refused; of a binlog backup it stays allowed', () => {
  const step = (spec: StepSpec & { step: 'action' }): StepSpec => spec;
  const steps: StepSpec[] = [
    step({ step: 'action', spec: { action: 'backup', name: 'b' }, timeout: 1000 }),
    step({ step: 'action', spec: { action: 'damage-backup', name: 'b', mode: 'flip', object: 'insert' }, timeout: 1000 }),
    step({ step: 'action', spec: { action: 'backup', name: 'c', method: 'cold-snapshot' }, timeout: 1000 }),
    step({ step: 'action', spec: { action: 'destroy' }, timeout: 1000 }),
    step({ step: 'action', spec: { action: 'up', config: {} }, timeout: 1000 }),
    step({ step: 'action', spec: { action: 'restore', name: 'c' }, timeout: 1000 }),
    step({ step: 'action', spec: { action: 'damage-backup', name: 'c', mode: 'remove', object: 'delta' }, timeout: 1000 }),
  ];
  const errors = coldSnapshotStepErrors(steps);
  assert.deepEqual(errors.map((e) => e.path), ['steps[6].action']);
  assert.match(errors[0]!.message, /works on binlog backups; 'c' is a cold snapshot/);
});

test('a cold snapshot cannot be restored without its manifest check: the bring-up always checks it', () => {
  const r = drill([{ action: 'backup', name: 'c', method: 'cold-snapshot' }, { action: 'destroy' }, { action: 'up' }, { action: 'restore', name: 'c', verifyChecksums: false }]);
  assert.ok(!r.ok);
  const e = r.errors.find((x) => x.path === 'steps[4].verifyChecksums')!;
  assert.match(e.message, /the bring-up from it always checks/);
  assert.equal(e.fix, 'remove verifyChecksums from this step');
});

test('a cold snapshot needs the local platform; a binlog backup does not ask for it', () => {
  const r = drill(COLD_STEPS);
  assert.ok(r.ok);
  const actions = ['destroy', 'up', 'backup', 'restore'] as const;
  assert.deepEqual(unsupportedActions(r.scenario, { name: 'local', actions }), []);
  const errors = unsupportedActions(r.scenario, { name: 'kind', actions });
  assert.deepEqual(errors.map((e) => e.path), ['steps[1].method']);
  assert.match(errors[0]!.message, /only the local platform can do \(not kind\)/);
  assert.match(errors[0]!.fix, /local platform, or set method: 'binlog'/);
});

test('the plan says what a cold-snapshot backup does and that the stack stays down', () => {
  assert.match(describeAction({ action: 'backup', name: 'c', method: 'cold-snapshot' }), /cold snapshot .*etcd snapshot.*the stack stays down/);
  assert.match(describeAction({ action: 'backup', name: 'b' }), /binlogs, GC paused/);
});
