import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upgradeSteps, UPGRADE_AFTER, UPGRADE_BEFORE } from '../../src/checks/upgrade.ts';
import { evaluateSlos } from '../../src/slo/verdicts.ts';
import { compareVersions, supportsUpsert, versionPathErrors } from '../../src/scenario/versions.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { certificationScenario } from '../../src/scenario/certify.ts';
import { matrixJunit, type MatrixRow } from '../../src/cli/certify.ts';
import { versionConfig } from '../../src/platform/local/milvus-versions.ts';
import { renderStandaloneConfig, type MilvusPorts } from '../../src/platform/local/milvus.ts';
import type { HistoryEvent, SloSpec, StepSpec } from '../../src/core/types.ts';
import { history, search } from '../support/history.ts';

const upgradeStep = (version: string, rollback = false): StepSpec => ({ step: 'action', spec: { action: 'upgrade', version, config: {}, rollback }, timeout: 60_000 });
const state = (server: string, index: string | null): string => JSON.stringify({ server, index });
const HNSW = 'vector: {"M":"16","metric_type":"L2"}';

test('versions compare numerically and upsert starts at 2.3', () => {
  assert.ok(compareVersions('2.2.16', '2.3.0') < 0);
  assert.ok(compareVersions('2.3.10', '2.3.5') > 0);
  assert.equal(compareVersions('v2.3.5-lite', '2.3.5'), 0);
  assert.equal(supportsUpsert('v2.2.16-lite'), false);
  assert.equal(supportsUpsert('v2.3.0-lite'), true);
});

test('a downgrade is refused unless the step says rollback, and a version without an SDK is named', () => {
  assert.deepEqual(versionPathErrors('2.2.16', [upgradeStep('2.3.0'), upgradeStep('2.3.5')]), []);
  const down = versionPathErrors('2.3.5', [upgradeStep('2.2.16')]);
  assert.equal(down.length, 1);
  assert.equal(down[0]!.path, 'steps[0].version');
  assert.match(down[0]!.message, /2\.3\.5 → 2\.2\.16 is a downgrade/);
  assert.match(down[0]!.fix, /rollback: true/);
  assert.deepEqual(versionPathErrors('2.3.5', [upgradeStep('2.2.16', true)]), []);
  const noSdk = versionPathErrors('1.9.0', [upgradeStep('2.3.5')]);
  assert.equal(noSdk[0]!.path, 'stack.milvusVersion');
  assert.match(noSdk[0]!.message, /no Node SDK/);
  assert.match(versionPathErrors('2.3.5', [upgradeStep('latest')])[0]!.message, /not a Milvus version/);
});

test('the certification scenario is valid; a downgrade through it is refused up front', () => {
  const ok = validateScenario(certificationScenario({ from: '2.2.16', path: ['2.3.5'], topology: 'standalone', objectStore: 'local', rows: 2000 }));
  assert.ok(ok.ok, ok.ok ? '' : JSON.stringify(ok.errors));
  assert.ok(ok.scenario.slos.some((s) => s.kind === 'downtime' && s.threshold === 60_000));
  const down = validateScenario(certificationScenario({ from: '2.3.5', path: ['2.3.0'], topology: 'standalone', objectStore: 'minio', rows: 2000 }));
  assert.equal(down.ok, false);
  assert.ok(!down.ok && down.errors.some((e) => /downgrade/.test(e.message)));
  const chain = validateScenario(certificationScenario({ from: '2.2.16', path: ['2.3.0', '2.3.5'], topology: 'standalone', objectStore: 'local', rows: 2000 }));
  assert.ok(chain.ok, chain.ok ? '' : JSON.stringify(chain.errors));
  // The second upgrade waits for a recovered service first.
  assert.deepEqual(chain.scenario.steps.map((st) => (st.step === 'action' ? `upgrade ${st.spec.action === 'upgrade' ? st.spec.version : ''}` : st.step === 'wait' ? `wait ${st.until}` : st.step === 'phase' ? st.name : st.step)), ['before', 'upgrade-1', 'upgrade 2.3.0', 'wait recovered', 'upgrade-2', 'upgrade 2.3.5', 'recovering', 'after']);
  const rollback = validateScenario(certificationScenario({ from: '2.3.5', path: ['2.3.0'], topology: 'standalone', objectStore: 'minio', rows: 2000, rollback: true }));
  assert.ok(rollback.ok);
});

function upgradeEvents(opts: { start: number; end: number; detail?: string; after: string | null }): HistoryEvent[] {
  return [
    { at: opts.start, kind: 'action-start', name: 'upgrade', detail: 'upgrade to Milvus 2.3.5' },
    { at: opts.start + 1, kind: 'note', name: UPGRADE_BEFORE, detail: state('v2.2.16-lite', HNSW) },
    { at: opts.end, kind: 'action-end', name: 'upgrade', detail: opts.detail ?? 'ok' },
    ...(opts.after === null ? [] : [{ at: opts.end + 500, kind: 'note' as const, name: UPGRADE_AFTER, detail: opts.after }]),
  ];
}

test('downtime is the longest gap without a successful search from before the step until searchable again', () => {
  // ok every second until 10 s, the step from 10.5 s to 30 s, failures meanwhile, ok again at 48 s
  const ops = [
    ...[1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000].map((t) => search(t, 'ok')),
    ...[12_000, 20_000, 31_000, 40_000].map((t) => search(t, 'fail')),
    search(48_000, 'ok'),
    search(49_000, 'ok'),
  ];
  const [step] = upgradeSteps(history(ops, upgradeEvents({ start: 10_500, end: 30_000, after: state('v2.3.5-lite', HNSW) })), '2.2.16');
  assert.ok(step);
  assert.equal(step.from, '2.2.16');
  assert.equal(step.to, '2.3.5');
  assert.equal(step.durationMs, 19_500);
  assert.equal(step.searchableAt, 48_005);
  assert.equal(step.downtimeMs, 48_005 - 10_005);
  assert.equal(step.searches, 5); // 4 failures and the first success
  assert.equal(step.availability, 1 / 5);
  assert.deepEqual(step.problems, []);
  const slo: SloSpec = { name: 'downtime', kind: 'downtime', phase: null, op: '<=', threshold: 60_000 };
  const [met] = evaluateSlos([slo], { phases: [], faults: [], durability: null, upgrades: [step] });
  assert.equal(met!.pass, true);
  const [missed] = evaluateSlos([{ ...slo, threshold: 30_000 }], { phases: [], faults: [], durability: null, upgrades: [step] });
  assert.equal(missed!.pass, false);
});

test('never searchable again, an index changed or gone, or another server version are named', () => {
  const ops = [search(1000, 'ok'), search(20_000, 'fail')];
  const lost = upgradeSteps(history(ops, upgradeEvents({ start: 10_000, end: 15_000, after: state('v2.3.5-lite', null) })), '2.2.16')[0]!;
  assert.equal(lost.downtimeMs, null);
  assert.match(lost.problems.join(), /no index \(before: vector/);
  const changed = upgradeSteps(history(ops, upgradeEvents({ start: 10_000, end: 15_000, after: state('v2.3.0-lite', 'vector: {"M":"8"}') })), '2.2.16')[0]!;
  assert.equal(changed.problems.length, 2);
  assert.match(changed.problems[0]!, /reports v2\.3\.0-lite after the upgrade to 2\.3\.5/);
  assert.match(changed.problems[1]!, /index is vector: \{"M":"8"\}/);
  const failed = upgradeSteps(history(ops, upgradeEvents({ start: 10_000, end: 15_000, detail: 'failed: exited', after: null })), '2.2.16')[0]!;
  assert.deepEqual(failed.problems, ['upgrade to 2.3.5 failed: exited']);
  const unrecorded = history(ops, upgradeEvents({ start: 10_000, end: 15_000, after: state('v2.3.5-lite', HNSW) }).filter((e) => e.name !== UPGRADE_BEFORE));
  assert.match(upgradeSteps(unrecorded, '2.2.16')[0]!.problems.join(), /nothing recorded about the server before/);
  const slos: SloSpec[] = [
    { name: 'downtime', kind: 'downtime', phase: null, op: '<=', threshold: 60_000 },
    { name: 'upgrade', kind: 'upgrade', phase: null, op: '<=', threshold: 0 },
  ];
  const verdicts = evaluateSlos(slos, { phases: [], faults: [], durability: null, upgrades: [changed] });
  assert.deepEqual(verdicts.map((v) => v.pass), [false, false]);
  assert.match(verdicts[0]!.reason, /never searchable again after: upgrade to 2\.3\.5/);
  assert.match(verdicts[1]!.reason, /reports v2\.3\.0-lite/);
  // No upgrade step: no samples, and a threshold with no samples fails.
  assert.deepEqual(evaluateSlos(slos, { phases: [], faults: [], durability: null, upgrades: [] }).map((v) => [v.pass, v.samples]), [[false, 0], [false, 0]]);
});

test('every version gets the same channel names; 2.2 gets the keys it has no defaults for', () => {
  const ports: MilvusPorts = { grpc: 1, metrics: 2, internal: {} };
  const render = (version: string): string => renderStandaloneConfig({ version, dir: '/d', etcdEndpoints: ['127.0.0.1:1'], minioAddress: '127.0.0.1:9000', ports });
  for (const v of ['2.2.16', '2.3.0', '2.3.5']) assert.match(render(v), /chanNamePrefix:\n\s+cluster: by-dev\n(.*\n)*?\s+rootCoordDml: rootcoord-dml/);
  assert.match(render('2.2.16'), /autoHandoff: true/);
  assert.doesNotMatch(render('2.3.5'), /autoHandoff/);
  // The harness's MinIO wins over the 2.2 placeholders.
  assert.match(render('2.2.16'), /address: "127\.0\.0\.1"\n\s+port: 9000/);
  assert.deepEqual(versionConfig('2.3.5'), { common: { session: { ttl: 30 } } });
});

test("each version's rendered milvus.yaml keeps the session TTL its own milvus.yaml ships with; a scenario's override wins", () => {
  const ports: MilvusPorts = { grpc: 1, metrics: 2, internal: {} };
  const render = (version: string, overrides?: Record<string, unknown>): string =>
    renderStandaloneConfig({ version, dir: '/d', etcdEndpoints: ['127.0.0.1:1'], minioAddress: '127.0.0.1:9000', ports, ...(overrides ? { overrides } : {}) });
  const ttl = (yaml: string): string | undefined => /\n\s+session:\n\s+ttl: (\d+)/.exec(yaml)?.[1];
  assert.equal(ttl(render('2.3.5')), '30');
  assert.equal(ttl(render('2.3.0')), '60');
  assert.equal(ttl(render('2.2.16')), '20');
  assert.equal(ttl(render('2.3.5', { common: { session: { ttl: 12 } } })), '12');
  assert.match(render('2.3.5'), /chanNamePrefix:/, 'the TTL sits beside the channel names, not instead of them');
});

test('the matrix is one JUnit test case per path, failures carry their reasons', () => {
  const row = (path: string, verdict: MatrixRow['verdict'], reasons: string[] = []): MatrixRow => ({ path, verdict, reasons, downtimeMs: 1000, steps: [{ to: '2.3.5', durationMs: 2000, downtimeMs: 1000, availability: 1, p99Ms: 5, serverAfter: 'v2.3.5' }], reportDir: '/x' });
  const xml = matrixJunit([row('2.2.16 → 2.3.5', 'pass'), row('2.3.0 → 2.3.5', 'fail', ['downtime: 90 s <not> 60 s'])]);
  assert.match(xml, /tests="2" failures="1"/);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 2);
  assert.match(xml, /name="2\.3\.0 → 2\.3\.5" time="2\.000">\s*<failure message="fail">downtime: 90 s &lt;not&gt; 60 s<\/failure>/);
});
