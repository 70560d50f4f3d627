import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLine, sizingProjection, SIZING_SAMPLE } from '../../src/checks/sizing.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import type { HistoryEvent, SizingSample, SizingSpec } from '../../src/core/types.ts';
import { history } from '../support/history.ts';

const MIB = 2 ** 20;
const GIB = 2 ** 30;
const sample = (rows: number, perNodeBytes: number[], index: SizingSample['index'] = 'HNSW', store: number | null = 1000 + rows * 300): HistoryEvent => ({
  at: rows,
  kind: 'note',
  name: SIZING_SAMPLE,
  detail: JSON.stringify({ at: rows, index, rows, queryNodes: perNodeBytes.map((b, i) => ({ name: `querynode-${i + 1}`, rssBytes: b })), segmentMemBytes: rows * 550, objectStoreBytes: store } satisfies SizingSample),
});
const spec: SizingSpec = { target: { rows: 2_000_000_000, dim: 768 }, sizes: [10_000, 20_000, 40_000], indexes: ['IVF_SQ8'], nodeMemoryGiB: 64 };

test('a line through the sizes separates the fixed cost from the cost per row', () => {
  const fit = fitLine([{ x: 10, y: 130 }, { x: 20, y: 230 }, { x: 40, y: 430 }])!;
  assert.ok(Math.abs(fit.a - 30) < 1e-9);
  assert.ok(Math.abs(fit.b - 10) < 1e-9);
  assert.equal(fit.r2, 1);
  assert.equal(fitLine([{ x: 10, y: 1 }, { x: 10, y: 2 }]), null, 'one size cannot separate them');
});

test('memory, query nodes and object storage are projected to the target with the formula shown', () => {
  // Two query nodes, 300 MiB fixed each, 1000 B per row at 128-d shared between them.
  const node = (rows: number): number => 300 * MIB + (rows * 1000) / 2;
  const h = history([], [sample(10_000, [node(10_000), node(10_000)]), sample(20_000, [node(20_000), node(20_000)]), sample(40_000, [node(40_000), node(40_000)]), { ...sample(40_000, [320 * MIB + 40_000 * 200 / 2, 320 * MIB + 40_000 * 200 / 2], 'IVF_SQ8', null), detail: JSON.stringify({ ...JSON.parse(sample(40_000, [320 * MIB + 40_000 * 200 / 2, 320 * MIB + 40_000 * 200 / 2], 'IVF_SQ8', null).detail!), releasedRssBytes: 640 * MIB }) }]);
  const r = sizingProjection(h, spec, 128, 'HNSW');
  assert.deepEqual(r.problems, []);
  assert.equal(r.memory!.nodes, 2);
  assert.ok(Math.abs(r.memory!.fixedPerNodeBytes - 300 * MIB) < 1);
  assert.ok(Math.abs(r.memory!.perRowBytes - 1000) < 1e-6);
  const [hnsw, sq8] = r.projections;
  assert.equal(hnsw!.index, 'HNSW');
  assert.equal(hnsw!.basis, 'fit');
  assert.ok(Math.abs(hnsw!.perRowBytesAtTarget - 6000) < 1e-6, '768/128 × 1000 B');
  // 2e9 × 6000 B = 11,175.9 GiB over nodes that hold 64 × 0.9 GiB − 300 MiB each.
  const expected = Math.ceil((2e9 * 6000) / (64 * GIB * 0.9 - 300 * MIB));
  assert.equal(hnsw!.queryNodes, expected);
  assert.match(hnsw!.formula, /nodes = ⌈.*⌉ = \d+/);
  assert.equal(sq8!.basis, 'full size');
  assert.ok(Math.abs(sq8!.perRowBytes - 200) < 1e-6, 'what loading it added to the released nodes, per row');
  assert.ok(sq8!.queryNodes! < hnsw!.queryNodes!);
  assert.ok(Math.abs(r.storage!.perRowBytes - 300) < 1e-6);
  assert.ok(Math.abs(r.storage!.targetBytes - (1000 + 2e9 * 300 * 6)) < 1e3);
});

test('one size, no growth, missing index or storage: each is named and nothing is made up', () => {
  const one = sizingProjection(history([], [sample(40_000, [400 * MIB, 400 * MIB], 'HNSW', null)]), spec, 128, 'HNSW');
  assert.equal(one.memory, null);
  assert.deepEqual(one.projections, []);
  assert.match(one.problems.join('\n'), /two or more dataset sizes/);
  assert.match(one.problems.join('\n'), /IVF_SQ8 was named in sizing.indexes but not measured/);
  const skipped = sizingProjection(history([], [{ at: 1, kind: 'note', name: 'sizing-skipped', detail: 'IVF_SQ8: build index failed (index type not supported)' }]), spec, 128, 'HNSW');
  assert.match(skipped.problems.join('\n'), /IVF_SQ8: build index failed \(index type not supported\); not measured/);
  assert.match(one.problems.join('\n'), /object storage was not measured/);
  const flat = sizingProjection(history([], [sample(10_000, [500 * MIB]), sample(20_000, [490 * MIB])]), spec, 128, 'HNSW');
  assert.match(flat.problems.join('\n'), /did not grow with the rows/);
  assert.equal(flat.projections.length, 1);
  assert.equal(flat.projections[0]!.basis, 'segment size', 'RSS noise: Milvus\'s own segment memory per row instead, said so');
  assert.equal(flat.projections[0]!.perRowBytes, 550);
});

test('sizing is validated with the field and a fix', () => {
  const base = { name: 'x', dataset: { rows: 40_000 }, phases: { steady: '10s', fault: '1s', recovered: '20s' } };
  const bad = validateScenario({ ...base, sizing: { target: { rows: 2e9 }, sizes: [40_000], indexes: ['ANNOY'] } });
  assert.ok(!bad.ok);
  const paths = bad.errors.map((e) => e.path);
  assert.ok(paths.includes('sizing.target.dim'), paths.join());
  assert.ok(paths.includes('sizing.sizes'));
  assert.ok(paths.includes('sizing.indexes[0]'));
  assert.match(bad.errors.find((e) => e.path === 'sizing.sizes')!.fix, /\[10000, 20000, 40000\]/);
  const ok = validateScenario({ ...base, sizing: { target: { rows: 2e9, dim: 768 }, sizes: [10_000, 40_000], indexes: ['IVF_SQ8', 'DISKANN'] } });
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  assert.deepEqual(ok.scenario.sizing, { target: { rows: 2e9, dim: 768 }, sizes: [10_000, 40_000], indexes: ['IVF_SQ8', 'DISKANN'], nodeMemoryGiB: 32 });
  const plain = validateScenario(base);
  assert.ok(plain.ok && !('sizing' in plain.scenario), 'no sizing unless asked');
});
