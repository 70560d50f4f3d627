import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan, planRun } from '../../src/plan/plan.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import churn from '../../scenarios/workload-churn.ts';

test('the plan lays out setup, the timeline of load, churn and faults, and the end', async () => {
  const r = validateScenario(churn);
  assert.ok(r.ok);
  const text = formatPlan(await planRun(r.scenario, 'local'));
  const lines = text.split('\n');
  assert.match(lines[0]!, /setup {2}platform local: start etcd/);
  assert.ok(lines.some((l) => /^ {5}\+0s {2}churn through all phases \(170s\): 5 deletes\/s and 5 upserts\/s/.test(l)), text);
  assert.ok(lines.some((l) => /k6 open-model load \(170s\): 30 searches\/s; writes: insert 2×20 rows\/s/.test(l)), text);
  assert.ok(lines.some((l) => /^ {4}\+35s {2}inject pod-kill 'kill-milvus' on standalone/.test(l)), text);
  assert.ok(lines.some((l) => /^ {4}\+38s {2}heal 'kill-milvus'/.test(l)), text);
  assert.match(lines.at(-1)!, /^ {5}end {2}score 7 SLO/);
});
