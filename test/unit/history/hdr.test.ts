import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../../src/history/hdr.ts';

function exactPercentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Deterministic samples spread over five decades, shaped like a latency tail. */
function latencySamples(n: number, seed: number): number[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: n }, () => 0.05 * Math.exp(next() * 11.5));
}

function assertWithin(actual: number | null, exact: number, relativeError: number, label: string): void {
  assert.ok(actual !== null, `${label}: expected a value`);
  const tolerance = exact * relativeError + 1e-9;
  assert.ok(Math.abs(actual - exact) <= tolerance, `${label}: ${actual} vs exact ${exact} (tolerance ${tolerance})`);
}

const PERCENTILES = [50, 95, 99, 99.9];

test('percentiles match exact nearest-rank values within the relative error', () => {
  for (const relativeError of [0.01, 0.001]) {
    const samples = latencySamples(20_000, 7);
    const h = new LatencyHistogram(relativeError);
    for (const v of samples) h.record(v);
    const sorted = [...samples].sort((a, b) => a - b);
    for (const p of PERCENTILES) assertWithin(h.percentile(p), exactPercentile(sorted, p), relativeError, `p${p} @${relativeError}`);
    assert.equal(h.count, samples.length);
  }
});

test('p100 is the exact maximum and a tiny percentile the exact minimum', () => {
  const h = new LatencyHistogram();
  for (const v of [3.7, 12.25, 0.4, 250.5]) h.record(v);
  assert.equal(h.percentile(100), 250.5);
  assert.equal(h.percentile(0.1), 0.4);
});

test('a single sample is every percentile exactly', () => {
  const h = new LatencyHistogram();
  h.record(42.125);
  for (const p of PERCENTILES) assert.equal(h.percentile(p), 42.125);
});

test('sub-microsecond and zero latencies are kept and stay below one microsecond', () => {
  const h = new LatencyHistogram();
  h.record(0);
  h.record(0.0002);
  h.record(5);
  assert.ok(h.percentile(50)! < 0.001);
  assert.equal(h.percentile(100), 5);
});

test('an empty histogram has no percentile, min or max', () => {
  const h = new LatencyHistogram();
  assert.equal(h.percentile(99), null);
  assert.equal(h.min, null);
  assert.equal(h.max, null);
  assert.equal(h.count, 0);
});

test('merging equals recording everything into one histogram', () => {
  const a = latencySamples(5_000, 1);
  const b = latencySamples(3_000, 2).map((v) => v * 4);
  const merged = new LatencyHistogram();
  const left = new LatencyHistogram();
  const right = new LatencyHistogram();
  for (const v of a) left.record(v);
  for (const v of b) right.record(v);
  merged.merge(left).merge(right);
  const whole = new LatencyHistogram();
  for (const v of [...a, ...b]) whole.record(v);
  assert.equal(merged.count, 8_000);
  for (const p of [...PERCENTILES, 100]) assert.equal(merged.percentile(p), whole.percentile(p));
  assert.equal(merged.min, whole.min);
});

test('merging an empty histogram changes nothing', () => {
  const h = new LatencyHistogram();
  h.record(7);
  h.merge(new LatencyHistogram());
  assert.equal(h.count, 1);
  assert.equal(h.min, 7);
  assert.equal(h.percentile(99), 7);
});

test('record with a repeat count weighs the value', () => {
  const h = new LatencyHistogram();
  h.record(1, 99);
  h.record(1000);
  assert.equal(h.count, 100);
  assertWithin(h.percentile(99), 1, 0.01, 'p99');
  assert.equal(h.percentile(99.9), 1000);
});

test('bad input is refused with the value named', () => {
  const h = new LatencyHistogram();
  assert.throws(() => h.record(-1), /latency must be .* got -1/);
  assert.throws(() => h.record(Number.NaN), /got NaN/);
  assert.throws(() => h.record(1, 0), /times must be a positive integer/);
  assert.throws(() => h.percentile(0), /percentile must be in \(0, 100\]/);
  assert.throws(() => h.merge(new LatencyHistogram(0.001)), /cannot merge/);
  assert.throws(() => new LatencyHistogram(0), /relativeError/);
});
