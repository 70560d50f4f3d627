import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBalanced, nodeBalance, rebalances, SCALE_NODES, SEGMENT_DISTRIBUTION, segmentCount, unbalanceable, type DistributionSample } from '../../src/checks/rebalance.ts';
import { evaluateSlos } from '../../src/slo/verdicts.ts';
import { NodeScaler, nodeProcessSpec, type RoleProcess } from '../../src/platform/local/scale.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMilvusConfig } from '../../src/platform/local/roles.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import type { HistoryEvent, SloSpec } from '../../src/core/types.ts';
import { history, search } from '../support/history.ts';

/** `layout[i]` rows per segment on node i (one segment per entry). */
function sample(at: number, layout: Record<number, number[]>): DistributionSample {
  let id = 0;
  return { at, segments: Object.entries(layout).flatMap(([node, rows]) => rows.map((r) => ({ id: String(470803414416559900n + BigInt(id++)), nodes: [Number(node)], rows: r, memBytes: r * 600 }))) };
}
const note = (at: number, name: string, detail: unknown): HistoryEvent => ({ at, kind: 'note', name, detail: JSON.stringify(detail) });
const rebalanceTime: SloSpec = { name: 'rebalanceTime', kind: 'rebalanceTime', phase: null, op: '<=', threshold: 120_000 };

test('balanced means every expected node within 20% of the mean row count', () => {
  const even = sample(0, { 1: [1000, 1000, 1000, 1000], 2: [1000, 1000, 1000, 1000], 3: [1000, 1000, 1000, 1000], 4: [1000, 1000, 1000, 900] });
  assert.equal(isBalanced(even, 4), true);
  assert.equal(isBalanced(even, 2), false, 'four nodes serve, two were expected');
  const skewed = sample(0, { 1: [1000, 1000, 1000, 1000, 1000, 1000], 2: [1000, 1000, 1000, 1000, 1000, 1000], 3: [1000, 1000], 4: [1000, 1000] });
  assert.equal(isBalanced(skewed, 4), false);
  assert.equal(nodeBalance(skewed).maxDeviation, 0.5);
  assert.equal(nodeBalance(skewed).rows, 16_000);
  // A segment served by two replicas counts on both nodes.
  assert.deepEqual(nodeBalance({ at: 0, segments: [{ id: '1', nodes: [1, 2], rows: 10, memBytes: 1 }] }).rowsByNode, { 1: 10, 2: 10 });
  // Mid-move, a segment is listed on its old and its new node: rows once, and not balanced yet.
  const moving: DistributionSample = { at: 0, segments: [...even.segments, { ...even.segments[0]!, nodes: [4] }] };
  assert.equal(nodeBalance(moving).moving, 1);
  assert.equal(nodeBalance(moving).rows, nodeBalance(even).rows);
  assert.equal(nodeBalance(moving).segments, 16);
  assert.equal(isBalanced(moving, 4), false, 'a balance seen mid-move is not one');
});

test('scale out: rebalance time runs from the new nodes being up to the first balanced sample; searches in between are scored', () => {
  const h = history(
    [search(1_000, 'ok', { latencyMs: 10 }), search(5_000, 'ok', { latencyMs: 30 }), search(20_000, 'fail'), search(50_000, 'ok', { latencyMs: 8 }), search(70_000, 'ok')],
    [
      { at: 1_000, kind: 'action-start', name: 'scale' },
      note(1_000, SEGMENT_DISTRIBUTION, sample(1_000, { 1: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000], 2: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000] })),
      note(10_000, SCALE_NODES, { role: 'querynode', from: 2, to: 4, added: ['querynode-3', 'querynode-4'], removed: [] }),
      note(30_000, SEGMENT_DISTRIBUTION, sample(30_000, { 1: [1000, 1000, 1000, 1000, 1000, 1000], 2: [1000, 1000, 1000, 1000, 1000, 1000], 3: [1000, 1000], 4: [1000, 1000] })),
      note(60_000, SEGMENT_DISTRIBUTION, sample(60_000, { 1: [1000, 1000, 1000, 1000], 2: [1000, 1000, 1000, 1000], 3: [1000, 1000, 1000, 1000], 4: [1000, 1000, 1000, 1000] })),
      { at: 60_500, kind: 'action-end', name: 'scale', detail: 'ok' },
    ],
  );
  const [r] = rebalances(h);
  assert.ok(r);
  assert.equal(r.nodesReadyAt, 10_000);
  assert.equal(r.balancedAt, 60_000);
  assert.equal(r.rebalanceMs, 50_000);
  assert.equal(r.enoughSegments, true);
  assert.equal(r.searches, 4, 'the searches from the step start until balanced');
  assert.equal(r.failed, 1);
  assert.equal(r.availability, 0.75);
  assert.deepEqual(r.added, ['querynode-3', 'querynode-4']);
  assert.match(r.problems.join(';'), /1 of 4 searches during the rebalance did not succeed/);
  const [v] = evaluateSlos([rebalanceTime], { phases: [], faults: [], durability: null, rebalances: [r] });
  assert.equal(v!.pass, true);
  assert.equal(v!.measured, 50_000);
  assert.match(v!.reason, /2 → 4: 50 s, 4 searches, availability 75%/);
});

test('scale in: from the step start; rows lost from the served set, too few segments and never balancing are named', () => {
  const before = sample(0, { 1: [1000, 1000], 2: [1000, 1000], 3: [1000, 1000], 4: [1000, 1000] });
  const h = history([search(100, 'ok')], [
    { at: 0, kind: 'action-start', name: 'scale' },
    note(0, SEGMENT_DISTRIBUTION, before),
    note(40_000, SEGMENT_DISTRIBUTION, sample(40_000, { 1: [1000, 1000, 1000], 2: [1000, 1000, 1000] })),
    note(45_000, SCALE_NODES, { role: 'querynode', from: 4, to: 2, added: [], removed: ['querynode-4', 'querynode-3'] }),
    { at: 46_000, kind: 'action-end', name: 'scale', detail: 'failed: did not finish within 300 s' },
  ]);
  const [r] = rebalances(h);
  assert.equal(r!.balancedAt, 40_000, 'the drain starts at the step: balanced counts from there');
  assert.equal(r!.rebalanceMs, 40_000);
  assert.equal(r!.enoughSegments, false);
  const problems = r!.problems.join('\n');
  assert.match(problems, /only 8 sealed segments for 4 query nodes/);
  assert.match(problems, /rows served fell from 8000 to 6000/);
  assert.match(problems, /failed: did not finish/);
  const [v] = evaluateSlos([rebalanceTime], { phases: [], faults: [], durability: null, rebalances: [r!] });
  assert.equal(v!.pass, false, 'too few segments: the measurement means nothing and the SLO fails');

  const never = rebalances(history([], [{ at: 0, kind: 'action-start', name: 'scale' }, note(1, SCALE_NODES, { role: 'querynode', from: 2, to: 4, added: [], removed: [] })]))[0]!;
  assert.equal(never.rebalanceMs, null);
  assert.match(never.problems.join(), /no sample of the query coordinator/);
  assert.equal(evaluateSlos([rebalanceTime], { phases: [], faults: [], durability: null, rebalances: [] })[0]!.pass, false, 'no scale step: no samples, fails');
});

test('a new node copies its role template with its own name, ports, address, storage and a long drain', () => {
  const template = {
    name: 'querynode-1', roles: ['querynode' as const], args: ['run', 'querynode', '-alias=querynode-1'],
    env: { MILVUSCONF: '/c/', METRICS_PORT: '1', QUERYNODE_PORT: '2', QUERYNODE_IP: '10.0.0.5', LOCALSTORAGE_PATH: '/d/querynode-1', MILVUS_RUN_DIR: '/r/run-querynode-1', DEPLOY_MODE: 'CLUSTER' },
    ports: { querynode: 2 }, metricsPort: 1, host: '10.0.0.5', healthUrl: 'http://10.0.0.5:1/healthz', runDir: '/r/run-querynode-1',
  };
  const spec = nodeProcessSpec(template, 'querynode', { name: 'querynode-3', host: '10.0.0.14', metricsPort: 91, port: 92, runDir: '/r/run-querynode-3', localStorage: '/d/querynode-3', drainSeconds: 90 });
  assert.deepEqual(spec.args, ['run', 'querynode', '-alias=querynode-3']);
  assert.equal(spec.env.QUERYNODE_PORT, '92');
  assert.equal(spec.env.QUERYNODE_IP, '10.0.0.14');
  assert.equal(spec.env.METRICS_PORT, '91');
  assert.equal(spec.env.LOCALSTORAGE_PATH, '/d/querynode-3');
  assert.equal(spec.env.QUERYNODE_GRACEFULSTOPTIMEOUT, '90');
  assert.equal(spec.env.MILVUSCONF, '/c/');
  assert.equal(spec.healthUrl, 'http://10.0.0.14:91/healthz');
  assert.equal(template.env.QUERYNODE_PORT, '2', 'the template is not changed');
});

test('stack.config overrides merge into the cluster milvus.yaml; a rebalanceTime SLO needs a query-node scale step', () => {
  const yaml = renderMilvusConfig({
    host: '127.0.0.1', etcdEndpoints: ['127.0.0.1:2379'], etcdRootPath: 'r', localStoragePath: '/tmp/x', kafkaBrokerList: 'k:9092',
    minio: { address: 'm', port: 9000, accessKey: 'a', secretKey: 's', bucket: 'b', rootPath: 'f' },
    overrides: { dataCoord: { segment: { maxSize: 1 } }, queryNode: { gracefulStopTimeout: 7 } },
  });
  assert.match(yaml, /dataCoord:\n {2}ip: "127.0.0.1"\n {2}segment:\n {4}maxSize: 1\n/);
  assert.match(yaml, /queryNode:\n {2}ip: "127.0.0.1"\n {2}gracefulStopTimeout: 7\n/);
  const base = { name: 'x', stack: { topology: 'cluster', messageQueue: 'kafka', config: { dataCoord: { segment: { maxSize: 1 } } } }, phases: { steady: '10s', fault: '1s', recovered: '1s' } };
  const bad = validateScenario({ ...base, slos: [{ kind: 'rebalanceTime', threshold: 1000 }] });
  assert.ok(!bad.ok);
  assert.match(JSON.stringify(bad.errors), /needs a step that scales query nodes/);
  const ok = validateScenario({ ...base, phases: undefined, steps: [{ phase: 'a', duration: '1s' }, { action: 'scale', target: { role: 'querynode' }, replicas: 4 }], slos: [{ kind: 'rebalanceTime', threshold: 1000 }] });
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  assert.deepEqual(ok.scenario.stack.config, { dataCoord: { segment: { maxSize: 1 } } });
  const standalone = validateScenario({ name: 's', steps: [{ phase: 'a', duration: '1s' }, { action: 'scale', target: { role: 'proxy' }, replicas: 0 }] });
  assert.ok(!standalone.ok);
  assert.deepEqual(standalone.errors.map((e) => e.path).sort(), ['steps[1].action', 'steps[1].replicas', 'steps[1].target.role']);
  assert.match(standalone.errors.find((e) => e.path === 'steps[1].action')!.fix, /stack.topology to 'cluster'/);
});

test('a recorded run with a scale step and sizing samples scores and renders both sections, and plain runs carry neither', async () => {
  const { assemble } = await import('../../src/history/file.ts');
  const { scoreRun } = await import('../../src/runner/report.ts');
  const { renderHtml } = await import('../../src/report/html.ts');
  const v = validateScenario({
    name: 'h', stack: { topology: 'cluster', messageQueue: 'kafka' },
    steps: [{ phase: 'steady', duration: '10s' }, { phase: 'rebalance', duration: '1s' }, { action: 'scale', target: { role: 'querynode' }, replicas: 4 }],
    slos: [{ kind: 'rebalanceTime', threshold: 60_000 }],
    sizing: { target: { rows: 2e9, dim: 768 }, sizes: [500, 1000] }, dataset: { rows: 1000 },
  });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.errors));
  const four = sample(9_000, { 1: [1000, 1000, 1000, 1000], 2: [1000, 1000, 1000, 1000], 3: [1000, 1000, 1000, 1000], 4: [1000, 1000, 1000, 1000] });
  const sizingNote = (rows: number, rss: number): HistoryEvent => note(rows, 'sizing-sample', { at: rows, index: 'HNSW', rows, queryNodes: [{ name: 'querynode-1', rssBytes: rss }, { name: 'querynode-2', rssBytes: rss }], segmentMemBytes: 0, objectStoreBytes: rows * 700 });
  const run = assemble([
    { type: 'header', format: 1, runId: 'r', scenario: v.scenario, platform: 'local', project: { name: 'milvus-drill', version: '0' }, epochMs: 0, startedAt: new Date(0).toISOString() },
    { type: 'event', event: sizingNote(500, 200e6) },
    { type: 'event', event: sizingNote(1000, 200e6 + 500_000) },
    { type: 'event', event: { at: 5_000, kind: 'action-start', name: 'scale' } },
    { type: 'event', event: note(7_000, SCALE_NODES, { role: 'querynode', from: 2, to: 4, added: ['querynode-3', 'querynode-4'], removed: [] }) },
    { type: 'event', event: note(9_000, SEGMENT_DISTRIBUTION, four) },
    { type: 'event', event: { at: 9_100, kind: 'action-end', name: 'scale', detail: 'ok' } },
    { type: 'op', op: { ...search(6_000, 'ok'), seq: 0 } },
    { type: 'end', finishedAt: new Date(10_000).toISOString(), error: null, interrupted: false },
  ]);
  const report = scoreRun(run, null);
  assert.equal(report.rebalances!.length, 1);
  assert.equal(report.rebalances![0]!.rebalanceMs, 2_000);
  assert.equal(report.slos.find((s) => s.kind === 'rebalanceTime')!.pass, true);
  assert.equal(report.sizing!.projections[0]!.perRowBytes, 2000, '2 nodes × 500 kB more for 500 more rows');
  const html = renderHtml(report);
  assert.match(html, /<h2>Scale and rebalance<\/h2>/);
  assert.match(html, /\+querynode-3 \+querynode-4/);
  assert.match(html, /<h2>Sizing projection<\/h2>/);
  assert.match(html, /nodes = ⌈/);
  const plain = validateScenario({ name: 'p', phases: { steady: '10s', fault: '1s', recovered: '20s' } });
  assert.ok(plain.ok);
  const plainReport = scoreRun(assemble([{ type: 'header', format: 1, runId: 'p', scenario: plain.scenario, platform: 'local', project: { name: 'milvus-drill', version: '0' }, epochMs: 0, startedAt: new Date(0).toISOString() }, { type: 'end', finishedAt: new Date(1).toISOString(), error: null, interrupted: false }]), null);
  assert.equal('rebalances' in plainReport || 'sizing' in plainReport, false, 'reports of other runs do not change');
});

test('scaling query nodes below the collection\'s replicas is refused; to the replica count or a data node scale is not', () => {
  const drill = (replicas: number, role = 'querynode') => validateScenario({
    name: 'r',
    stack: { topology: 'cluster', messageQueue: 'kafka' },
    collection: { replicas: 2 },
    steps: [{ phase: 'a', duration: '1s' }, { action: 'scale', target: { role }, replicas }],
  });
  const below = drill(1);
  assert.ok(!below.ok);
  const e = below.errors.find((x) => x.path === 'steps[1].replicas')!;
  assert.match(e.message, /1 query node cannot hold the collection's 2 in-memory replicas/);
  assert.match(e.fix, /scale to at least 2, or lower collection.replicas/);
  assert.ok(drill(2).ok, 'as many nodes as replicas');
  assert.ok(drill(1, 'datanode').ok, 'data nodes hold no replica');
});

test("the scaler keeps the cluster's live list (what a rolling upgrade walks), and new nodes run the version their role runs now", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-scaler-'));
  const stopped: string[] = [];
  const node = (name: string, role: 'querynode' | 'datanode', version: string): RoleProcess => ({
    spec: { name, roles: [role], args: ['run', role, `-alias=${name}`], env: {}, ports: { [role]: 1 }, metricsPort: 2, host: '127.0.0.1', healthUrl: 'http://127.0.0.1:2/healthz', runDir: join(dir, name) },
    version,
    process: { stop: async () => void stopped.push(name) } as never,
    logFile: join(dir, `${name}.log`),
    restart: () => undefined,
    waitHealthy: async () => undefined,
  });
  // A cluster rolled to 2.3.5 already: its query node runs 2.3.5.
  const processes = [node('querynode-1', 'querynode', '2.3.5'), node('datanode-1', 'datanode', '2.3.5')];
  const started: { name: string; version: string }[] = [];
  const scaler = new NodeScaler({
    runRoot: dir,
    dataDir: (name) => join(dir, 'data', name),
    network: null,
    processes,
    components: [],
    start: (spec, version) => (started.push({ name: spec.name, version }), node(spec.name, 'querynode', version)),
    log: () => undefined,
  });
  try {
    await scaler.scale('querynode', 3, new AbortController().signal);
    assert.deepEqual(started, [{ name: 'querynode-2', version: '2.3.5' }, { name: 'querynode-3', version: '2.3.5' }]);
    assert.deepEqual(processes.map((p) => p.spec.name), ['querynode-1', 'datanode-1', 'querynode-2', 'querynode-3'], 'added nodes join the live list');
    await scaler.scale('querynode', 1, new AbortController().signal);
    assert.deepEqual(stopped, ['querynode-3', 'querynode-2'], 'newest first');
    assert.deepEqual(processes.map((p) => p.spec.name), ['querynode-1', 'datanode-1'], 'removed nodes leave it: a roll will not start them again');
    await scaler.scale('querynode', 2, new AbortController().signal);
    assert.equal(started.at(-1)?.name, 'querynode-4', "a removed node's name is not reused");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a collection with fewer sealed segments than query nodes can never balance, and says what to change', () => {
  const sample: DistributionSample = { at: 0, segments: [{ id: 's1', nodes: [1, 2], rows: 2000, memBytes: 0 }] };
  assert.equal(segmentCount(sample), 1, 'a segment held by two nodes mid-move is one segment');
  assert.match(unbalanceable(1, 3) ?? '', /1 sealed segment, so 3 query nodes cannot each serve a share: give it more rows .* or scale to at most 1 nodes/);
  assert.equal(unbalanceable(3, 3), null);
});
