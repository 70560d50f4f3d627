import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recallAtK } from '../../src/truth/recall.ts';

test('recall counts results within the k-th true distance, so boundary ties are not misses', () => {
  // True top-3 distances 1, 2, 3; the system returned a different id tied with the 3rd.
  assert.equal(recallAtK([7, 8, 99], [1, 2, 3], 3, 3, 'L2'), 1);
  assert.equal(recallAtK([7, 8, 99], [1, 2, 3.0005], 3, 3, 'L2'), 1, 'within epsilon');
  assert.equal(recallAtK([7, 8, 99], [1, 2, 3.1], 3, 3, 'L2'), 2 / 3);
});

test('for similarities larger is nearer', () => {
  assert.equal(recallAtK([1, 2], [0.9, 0.5], 0.8, 2, 'IP'), 0.5);
  assert.equal(recallAtK([1, 2], [0.9, 0.8], 0.8, 2, 'COSINE'), 1);
});

test('missing (-1) and repeated ids never count, and short answers are divided by k', () => {
  assert.equal(recallAtK([4, 4, -1], [1, 1, 0], 5, 3, 'L2'), 1 / 3);
  assert.equal(recallAtK([4], [1], 5, 10, 'L2'), 0.1);
  assert.throws(() => recallAtK([], [], 0, 0, 'L2'), /k must be a positive integer/);
});
