import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { takeover } from '../../src/checks/takeover.ts';
import { faultWindows } from '../../src/checks/phases.ts';
import { ROLL_END, ROLL_START, UPGRADE_AFTER, UPGRADE_BEFORE, upgradeSteps } from '../../src/checks/upgrade.ts';
import { evaluateSlos } from '../../src/slo/verdicts.ts';
import { certificationScenario } from '../../src/scenario/certify.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { clusterProcessSpecs, portsNeeded, rollOrder, type ClusterLayout } from '../../src/platform/local/roles.ts';
import type { FaultWindow, HistoryEvent, OpRecord, RollStep, RunReport, SloSpec, UpgradeStep } from '../../src/core/types.ts';
import { renderHtml } from '../../src/report/html.ts';
import { formatMatrix, matrixHtml, matrixRow } from '../../src/cli/certify.ts';
import { history, search } from '../support/history.ts';

/** Searches every 100 ms from `from` to `to`, ok except in [failFrom, failTo). */
function probes(from: number, to: number, failFrom = Infinity, failTo = Infinity, extra: Partial<OpRecord> = {}): OpRecord[] {
  const ops: OpRecord[] = [];
  for (let t = from; t < to; t += 100) ops.push(search(t, t >= failFrom && t < failTo ? 'fail' : 'ok', extra));
  return ops;
}

describe('takeover: from a fault\'s start until operations succeed again', () => {
  it('is the time to the first all-ok window after the last failure while the fault held, with the failures counted', () => {
    // Killed at 10 s, down 60 s; failures from 12 s to 40 s (the standby took over at 40 s).
    const t = takeover(probes(0, 90_000, 12_000, 40_000), 10_000, 70_000, 5_000);
    assert.equal(t.ms, 30_000);
    assert.equal(t.failed, 280);
    assert.equal(t.ops, 300);
  });

  it('is 0 when nothing failed, and past the heal when only the restart brought operations back', () => {
    assert.equal(takeover(probes(0, 90_000), 10_000, 70_000, 5_000).ms, 0);
    const noStandby = takeover(probes(0, 120_000, 12_000, 95_000), 10_000, 70_000, 5_000);
    assert.equal(noStandby.ms, 85_000);
  });

  it('is null when no full window of successes was seen after the failures', () => {
    assert.equal(takeover(probes(0, 42_000, 12_000, 40_000), 10_000, 70_000, 5_000).ms, null);
  });

  it('feeds the takeoverTime SLO through the fault windows; a fault with no takeover fails it', () => {
    const events: HistoryEvent[] = [{ at: 10_000, kind: 'fault-start', name: 'kill', detail: 'pod-kill' }, { at: 70_000, kind: 'fault-end', name: 'kill', detail: 'pod-kill' }];
    const faults = faultWindows(history(probes(0, 90_000, 12_000, 40_000), events), 5_000);
    assert.deepEqual(faults[0]?.takeover, { ms: 30_000, failed: 280, ops: 300 });
    const slo: SloSpec = { name: 'takeover', kind: 'takeoverTime', phase: null, op: '<=', threshold: 45_000 };
    const [met] = evaluateSlos([slo], { phases: [], faults, durability: null });
    assert.equal(met?.pass, true);
    assert.match(met!.reason, /^30 s <= 45 s: kill: operations succeeded again 30 s after the fault started; 280 of 300 failed meanwhile$/);
    const never: FaultWindow = { ...faults[0]!, takeover: { ms: null, failed: 10, ops: 10 } };
    const [missed] = evaluateSlos([slo], { phases: [], faults: [never], durability: null });
    assert.equal(missed?.pass, false);
    assert.match(missed!.reason, /never succeeded again after: kill/);
  });
});

describe('a rolling upgrade\'s role steps', () => {
  const note = (at: number, name: string, detail: object): HistoryEvent => ({ at, kind: 'note', name, detail: JSON.stringify(detail) });
  const state = JSON.stringify({ server: 'v2.3.5', index: 'vector: HNSW' });
  const events: HistoryEvent[] = [
    { at: 10_000, kind: 'action-start', name: 'upgrade', detail: 'upgrade to Milvus 2.3.5' },
    note(10_100, UPGRADE_BEFORE, JSON.parse(state)),
    note(11_000, ROLL_START, { at: 'start', role: 'rootcoord', instance: 'rootcoord-2' }),
    note(20_000, ROLL_END, { at: 'end', role: 'rootcoord', instance: 'rootcoord-2', outcome: 'ok', stopMs: 900, killed: false }),
    note(20_000, ROLL_START, { at: 'start', role: 'querynode', instance: 'querynode-1' }),
    note(40_000, ROLL_END, { at: 'end', role: 'querynode', instance: 'querynode-1', outcome: 'ok', stopMs: 15_000, killed: true, note: 'served rows not checked' }),
    { at: 40_000, kind: 'action-end', name: 'upgrade', detail: 'ok' },
    note(41_000, UPGRADE_AFTER, JSON.parse(state)),
  ];

  it('are timed from the history, each with the availability and p99 of its own window', () => {
    const ops = probes(0, 60_000, 25_000, 26_000);
    const [step] = upgradeSteps(history(ops, events), '2.3.0');
    assert.equal(step?.roles?.length, 2);
    const [root, qn] = step!.roles!;
    assert.deepEqual({ ...root, p99Ms: null }, { role: 'rootcoord', instance: 'rootcoord-2', start: 11_000, end: 20_000, stopMs: 900, killed: false, searches: 90, availability: 1, p99Ms: null, outcome: 'ok' });
    assert.equal(qn?.killed, true);
    assert.equal(qn?.note, 'served rows not checked');
    assert.equal(root?.note, undefined);
    // Its window runs until searchable again after the action: the probe at 40 s is in it.
    assert.equal(qn?.searches, 201);
    assert.equal(qn?.availability, 191 / 201);
    assert.deepEqual(step?.problems, []);
    const slo: SloSpec = { name: 'availability', kind: 'rollingAvailability', phase: null, op: '>=', threshold: 0.99 };
    const [v] = evaluateSlos([slo], { phases: [], faults: [], durability: null, upgrades: [step!] });
    assert.equal(v?.pass, false);
    assert.match(v!.reason, /^95.0249% not >= 99%: lowest during querynode-1 \(querynode\): 95.0249% of 201 searches; 2 role steps$/);
  });

  it('name a step that failed or never finished as an upgrade problem; none without progress notes', () => {
    const failed = [...events.slice(0, 5), note(30_000, ROLL_END, { at: 'end', role: 'querynode', instance: 'querynode-1', outcome: 'failed: health timed out' }), { ...events[6]!, detail: 'failed: x' }];
    const [step] = upgradeSteps(history(probes(0, 40_000), failed), '2.3.0');
    assert.equal(step?.roles?.[1]?.end, null);
    assert.ok(step?.problems.includes('querynode-1 failed: health timed out'));
    const inPlace = events.filter((e) => e.name !== ROLL_START && e.name !== ROLL_END);
    assert.equal(upgradeSteps(history(probes(0, 60_000), inPlace), '2.3.0')[0]?.roles, undefined);
  });
});

describe('the rolling order', () => {
  const layout: ClusterLayout = { coordinators: 'separate', coordinatorReplicas: 2, proxies: 1, queryNodes: 2, dataNodes: 1, indexNodes: 1 };
  const specs = clusterProcessSpecs({ layout, binDir: '/b', confDir: '/c', workDir: '/w', host: 'h', ports: Array.from({ length: portsNeeded(layout) }, (_, i) => 40_000 + i) });

  it("is Milvus Operator's: root, data, query coordinator, then index, query and data nodes, the proxy last", () => {
    assert.deepEqual(rollOrder([...specs].reverse()).map((s) => s.name), [
      'rootcoord-1', 'rootcoord-2', 'datacoord-1', 'datacoord-2', 'querycoord-1', 'querycoord-2', 'indexnode-1', 'querynode-1', 'querynode-2', 'datanode-1', 'proxy-1',
    ]);
  });

  it('certify --topology cluster runs active-standby coordinators and judges every role step', () => {
    const result = validateScenario(certificationScenario({ from: '2.3.0', path: ['2.3.5'], topology: 'cluster', objectStore: 'minio', rows: 2000 }));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.equal(result.scenario.stack.coordinators, 'active-standby');
    const availability = result.scenario.slos.find((s) => s.kind === 'rollingAvailability');
    assert.deepEqual({ op: availability?.op, threshold: availability?.threshold }, { op: '>=', threshold: 0.99 });
    assert.ok(!result.scenario.slos.some((s) => s.kind === 'downtime'));
  });
});

describe('the report of a rolling upgrade', () => {
  const roles: RollStep[] = [
    { role: 'rootcoord', instance: 'rootcoord-2', start: 11_000, end: 20_000, stopMs: 900, killed: false, searches: 90, availability: 1, p99Ms: 12, outcome: 'ok' },
    { role: 'querynode', instance: 'querynode-1', start: 20_000, end: 40_000, stopMs: 15_000, killed: true, searches: 201, availability: 0.95, p99Ms: 300, outcome: 'ok' },
  ];
  const upgrade: UpgradeStep = { from: '2.3.0', to: '2.3.5', start: 10_000, end: 40_000, durationMs: 30_000, searchableAt: 40_005, downtimeMs: 1_000, searches: 291, availability: 0.96, p99Ms: 200, serverAfter: 'v2.3.5', indexBefore: 'x', indexAfter: 'x', problems: [], roles };
  const report: RunReport = {
    runId: 'r', scenario: 'certify', seed: 1, platform: 'local', milvusVersion: '2.3.0', versions: null, startedAt: 'a', finishedAt: 'b', bringUpMs: null, recallK: 10, verdict: 'fail', exitCode: 1,
    error: null, phases: [], phaseWindows: [{ phase: 'before', start: 0, end: 10_000 }, { phase: 'upgrade-1', start: 10_000, end: 41_000 }], faults: [], durability: null, slos: [], latencyByOp: [], findings: [], server: [],
    load: null, abortedOnBreach: null, stepFailure: null, checkErrors: [], incomplete: false, expectation: null, upgrades: [upgrade],
    series: { searchLatency: [[1000, 5, 'ok'], [25_000, 5, 'fail'], [45_000, 5, 'ok']], recall: [] },
  };

  it('lists each role step with its availability and the SIGKILL, and draws the steps over the charts', () => {
    const html = renderHtml(report);
    assert.match(html, /<h3>2\.3\.0 → 2\.3\.5, process by process<\/h3>/);
    assert.match(html, /<tr><td>querynode-1<\/td><td>querynode<\/td><td>20\.0 s<\/td><td>20\.0 s<\/td><td>15\.0 s \(SIGKILL at the deadline\)<\/td><td>201<\/td><td class="bad">95\.0%<\/td>/);
    assert.match(html, /<h2>Availability over time<\/h2>/);
    // Two numbered bands on each of the three charts.
    assert.equal(html.match(/<title>2\. querynode-1 \(querynode\): ok<\/title>/g)?.length, 3);
  });

  it('puts the rolling figures in the certification matrix, linked to each path\'s report', () => {
    const row = matrixRow('2.3.0 → 2.3.5', report, '/out/2.3.0-to-2.3.5');
    assert.deepEqual(row.steps[0]?.rolling, { roleSteps: 2, lowest: { instance: 'querynode-1', availability: 0.95, p99Ms: 300 } });
    assert.match(matrixHtml([row]), /<a href="2\.3\.0-to-2\.3\.5\/report\.html">2\.3\.0 → 2\.3\.5<\/a>.*rolled 2 processes, lowest availability 95\.0% \(querynode-1\)/);
    assert.match(formatMatrix([row]), /rolled 2 processes, lowest availability 95\.0% \(querynode-1\)/);
  });
});
