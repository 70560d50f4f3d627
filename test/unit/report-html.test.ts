import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/report/html.ts';
import type { RunReport } from '../../src/core/types.ts';

const report: RunReport = {
  runId: 'r1', scenario: 'querynode-kill', seed: 1, platform: 'local', milvusVersion: '2.3.5', versions: null,
  startedAt: 't0', finishedAt: 't1', bringUpMs: null, recallK: 10, replicas: 2, verdict: 'pass', exitCode: 0, error: null,
  phases: [], phaseWindows: [{ phase: 'steady', start: 0, end: 30_000 }, { phase: 'kill', start: 30_000, end: 90_000 }],
  faults: [{ name: 'kill-querynode', kind: 'pod-kill', start: 30_000, end: 40_000, recoveryMs: 5000, failoverMs: 1200, failedDuringFailover: 3 }],
  durability: null, slos: [], latencyByOp: [],
  findings: [{ detector: 'partial-results', phase: 'kill', count: 100, firstAt: 45_000, window: { start: 45_000, end: 55_000 }, recall: { baseline: 0.995, mean: 0.5, worst: 0.49 }, detail: '100 successful searches …' }],
  server: [], load: null, abortedOnBreach: null, stepFailure: null, checkErrors: [], incomplete: false, expectation: null, upgrades: [],
  series: { searchLatency: [[0, 5, 'ok'], [90_000, 5, 'ok']], recall: [[0, 1], [50_000, 0.5], [90_000, 1]] },
};

test('report.html shades partial results on the recall chart and shows failover per fault', () => {
  const html = renderHtml(report);
  const recall = html.slice(html.indexOf('<h2>Recall@10 over time</h2>'));
  assert.match(recall, /<rect [^>]*fill="#d9c8f0"[^>]*><title>partial results: mean recall 0\.5 \(worst window 0\.49\) against 0\.995 steady<\/title><\/rect>/);
  const latency = html.slice(html.indexOf('<h2>Search latency over time</h2>'), html.indexOf('<h2>Recall@10 over time</h2>'));
  assert.doesNotMatch(latency, /#d9c8f0"/, 'the latency chart is not shaded for recall');
  assert.match(html, /<td>1\.2 s<\/td><td>3<\/td><td>—<\/td><\/tr>/);
  assert.match(html, /loaded as 2 replicas/);
  assert.doesNotMatch(renderHtml({ ...report, findings: [] }), /<rect [^>]*#d9c8f0/);
});

test('report.html labels a phase only where its name fits, so a short pause does not overlap the next label', () => {
  const html = renderHtml({ ...report, phaseWindows: [{ phase: 'steady', start: 0, end: 30_000 }, { phase: 'pre-kill', start: 30_000, end: 30_500 }, { phase: 'kill', start: 30_500, end: 90_000 }] });
  const recall = html.slice(html.indexOf('<h2>Recall@10 over time</h2>'));
  assert.match(recall, />steady<\/text>/);
  assert.match(recall, />kill<\/text>/);
  assert.doesNotMatch(recall, />pre-kill<\/text>/);
  assert.match(recall, /<title>pre-kill<\/title><\/line>/);
});
