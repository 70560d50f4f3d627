import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thresholdResults } from '../../../src/workload/k6/summary.ts';

test('thresholds k6 found crossed fail, held ones pass, each with its sample count', () => {
  const summary = {
    metrics: {
      'grpc_req_duration{op:search}': { count: 100, 'p(99)': 12, thresholds: { 'p(99)<=100': false, 'p(50)<=1': true } },
      'drill_op_failed{op:search,phase:fault}': { passes: 3, fails: 97, value: 0.03, thresholds: { 'rate<=0.01': true } },
      drill_op: { count: 100 },
    },
  };
  assert.deepEqual(thresholdResults(summary), [
    { metric: 'grpc_req_duration{op:search}', expression: 'p(99)<=100', samples: 100, pass: true, reason: 'held (100 samples)' },
    { metric: 'grpc_req_duration{op:search}', expression: 'p(50)<=1', samples: 100, pass: false, reason: 'crossed (100 samples)' },
    { metric: 'drill_op_failed{op:search,phase:fault}', expression: 'rate<=0.01', samples: 100, pass: false, reason: 'crossed (100 samples)' },
  ]);
});

test('a threshold k6 passed without samples fails here', () => {
  const summary = { metrics: { 'grpc_req_duration{op:search,phase:fault}': { count: 0, 'p(99)': 0, thresholds: { 'p(99)<=100': false } } } };
  const [result] = thresholdResults(summary);
  assert.equal(result!.pass, false);
  assert.equal(result!.reason, 'no samples');
});

test('a summary without metrics is refused', () => {
  assert.throws(() => thresholdResults({}), /no metrics object/);
  assert.throws(() => thresholdResults(null), /no metrics object/);
});
