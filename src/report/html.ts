import type { RunReport } from '../core/types.ts';
import { esc } from './junit.ts';
import { drSection } from './dr.ts';
import { bytes } from '../checks/sizing.ts';

/** A self-contained HTML report: inline CSS and SVG, no scripts, no external resources. */
export function renderHtml(r: RunReport): string {
  const end = Math.max(1, ...r.phaseWindows.map((p) => p.end), ...r.series.searchLatency.map((s) => s[0]));
  const start = r.phaseWindows.find((p) => p.phase !== 'setup')?.start ?? 0;
  const domain: [number, number] = [start, end];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>milvus-drill: ${esc(r.scenario)} (${esc(r.verdict)})</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:14px;margin:16px 0 6px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:600;color:#fff}
.pass{background:#1a7f37}.fail,.error,.interrupted,.invalid{background:#c62828}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid #dde1e8;padding:5px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f4f6f9;font-weight:600}
td.ok{color:#1a7f37;font-weight:600}td.bad{color:#c62828;font-weight:600}
.meta{color:#586072}svg{background:#fbfcfd;border:1px solid #e3e6eb}
.legend span{margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
</style></head><body>
<h1>${esc(r.scenario)} <span class="verdict ${esc(r.verdict)}">${esc(r.verdict.toUpperCase())}</span></h1>
<div class="meta">run ${esc(r.runId)} · Milvus ${esc(r.versions?.server ?? r.milvusVersion)} on ${esc(r.platform)}${r.versions ? ` · Node SDK ${esc(r.versions.sdk)}` : ''} · seed ${r.seed} · ${esc(r.startedAt)} → ${esc(r.finishedAt)}${
    r.bringUpMs === null ? '' : ` · stack up in ${(r.bringUpMs / 1000).toFixed(1)} s`
  } · exit code ${r.exitCode}</div>
${r.error ? `<p class="bad"><b>Harness error:</b> ${esc(r.error)}</p>` : ''}
${r.abortedOnBreach ? `<p class="bad"><b>Stopped early on an SLO breach:</b> ${esc(r.abortedOnBreach)}</p>` : ''}
${r.incomplete ? '<p class="bad"><b>Incomplete:</b> the history ends before the run did (the runner was killed); this report scores what it recorded.</p>' : ''}
${r.stepFailure ? `<p class="bad"><b>A step could not complete:</b> ${esc(r.stepFailure)}</p>` : ''}
${r.checkErrors.map((e) => `<p class="bad"><b>Check '${esc(e.check)}' failed</b> (verdict unknown): ${esc(e.error)}</p>`).join('')}
${r.expectation ? `<p class="${r.expectation.met ? 'ok' : 'bad'}"><b>Expected verdict ${r.expectation.met ? 'met' : 'NOT met'}:</b> ${esc(r.expectation.reason)}</p>` : ''}
${r.load ? `<p>k6 open-model load: ${r.load.searches} searches, ${r.load.dropped} dropped iterations.</p>` : ''}
<h2>Service-level objectives</h2>
${sloTable(r)}
<h2>Phases</h2>
${phaseTable(r)}
<h2>Client and server, side by side</h2>
${serverTable(r)}
<h2>Latency by operation</h2>
${opTable(r)}
<h2>Faults and recovery</h2>
${faultTable(r)}
<h2>Findings</h2>
${findingsText(r)}
${r.security ? `<h2>Security probes</h2>\n${securityTable(r.security)}` : ''}
<h2>Durability</h2>
${durabilityText(r)}
${upgradeSection(r)}
${drSection(r)}
${rebalanceSection(r)}
${sizingSection(r)}
<h2>Search latency over time</h2>
<div class="legend"><span><i class="sw" style="background:#3465a4"></i>ok</span><span><i class="sw" style="background:#e8a33d"></i>unknown (timed out / connection lost)</span><span><i class="sw" style="background:#c62828"></i>failed</span><span><i class="sw" style="background:#f6c9c9"></i>fault window</span><span><i class="sw" style="background:#fbe7d3"></i>until recovered</span></div>
${latencyChart(r, domain)}
<h2>Availability over time</h2>
<div class="legend"><span><i class="sw" style="background:#3465a4"></i>share of searches that succeeded, per 2 s</span>${r.upgrades.some((u) => u.roles?.length) ? '<span><i class="sw" style="background:#d6e4f5"></i>upgrade steps, one process each (numbered)</span>' : ''}</div>
${availabilityChart(r, domain)}
<h2>Recall@${r.recallK} over time</h2>
<div class="legend"><span><i class="sw" style="background:#1a7f37"></i>mean per 2 s (dots: single searches; gaps: no successful search)</span><span><i class="sw" style="background:#f6c9c9"></i>fault window</span><span><i class="sw" style="background:#d9c8f0"></i>partial results (finding)</span></div>
${recallChart(r, domain)}
</body></html>
`;
}

/** Each upgrade step on the run's clock (the charts' x axis below), with what was measured around it. */
function upgradeSection(r: RunReport): string {
  if (r.upgrades.length === 0) return '';
  const s = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
  const rows = r.upgrades.map(
    (u) =>
      `<tr><td>${esc(u.from ?? '?')} → ${esc(u.to)}</td><td>${s(u.start)}</td><td>${s(u.durationMs)}</td><td>${s(u.searchableAt)}</td><td>${s(u.downtimeMs)}</td><td>${u.searches}</td><td>${u.availability === null ? '—' : `${(u.availability * 100).toFixed(1)}%`}</td><td>${num(u.p99Ms, 0)}</td><td>${esc(u.serverAfter ?? '—')}</td><td class="${u.problems.length ? 'bad' : 'ok'}" style="text-align:left">${u.problems.length ? u.problems.map(esc).join('<br>') : 'index unchanged'}</td></tr>`,
  );
  return `<h2>Upgrade</h2>
<p class="meta">Times on the run's clock, as the charts below. Downtime: the longest time without a successful search from before the step until searchable again; availability and p99 over the probe searches meanwhile.</p>
<table><tr><th>step</th><th>started</th><th>took</th><th>searchable at</th><th>downtime</th><th>searches</th><th>availability</th><th>p99 ms</th><th>server after</th><th style="text-align:left">index and version</th></tr>${rows.join('')}</table>
${r.upgrades.map(rollTable).join('')}`;
}

/** A rolling upgrade's role steps: one process replaced each, with the service meanwhile. */
function rollTable(u: RunReport['upgrades'][number]): string {
  if (!u.roles || u.roles.length === 0) return '';
  const s = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
  const rows = u.roles.map(
    (st) =>
      `<tr><td>${esc(st.instance)}</td><td>${esc(st.role)}</td><td>${s(st.start)}</td><td>${st.end === null ? '—' : s(st.end - st.start)}</td><td>${s(st.stopMs)}${st.killed ? ' (SIGKILL at the deadline)' : ''}</td><td>${st.searches}</td><td class="${st.availability !== null && st.availability >= 0.99 ? 'ok' : 'bad'}">${st.availability === null ? '—' : `${(st.availability * 100).toFixed(1)}%`}</td><td>${num(st.p99Ms, 0)}</td><td style="text-align:left">${esc(st.outcome)}${st.note ? ` (${esc(st.note)})` : ''}</td></tr>`,
  );
  return `<h3>${esc(u.from ?? '?')} → ${esc(u.to)}, process by process</h3>
<p class="meta">One process replaced at a time (a cluster rolls in Milvus Operator's order); each step from its start until the next one's (the last until searchable again), drawn as numbered bands on the charts below.</p>
<table><tr><th>process</th><th>role</th><th>started</th><th>healthy after</th><th>old process stopped in</th><th>searches</th><th>availability</th><th>p99 ms</th><th style="text-align:left">outcome</th></tr>${rows.join('')}</table>`;
}

/** Each scale step: when the nodes were up (or gone), rebalance time, and the searches meanwhile. */
function rebalanceSection(r: RunReport): string {
  const steps = r.rebalances ?? [];
  if (steps.length === 0) return '';
  const s = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
  const nodes = (b: NonNullable<RunReport['rebalances']>[number]['before']): string =>
    b ? `${b.nodes} nodes, ${b.segments} segments: ${Object.entries(b.rowsByNode).map(([n, rows]) => `${rows} rows / ${b.segmentsByNode[n]} seg`).join(', ')}` : '—';
  const rows = steps.map(
    (st) =>
      `<tr><td>${esc(st.role)} ${st.from} → ${st.to}</td><td style="text-align:left">${esc([...st.added.map((n) => `+${n}`), ...st.removed.map((n) => `−${n}`)].join(' '))}</td><td>${s(st.start)}</td><td>${s(st.nodesReadyAt)}</td><td>${s(st.balancedAt)}</td><td>${s(st.rebalanceMs)}</td><td>${st.searches}</td><td>${st.availability === null ? '—' : `${(st.availability * 100).toFixed(2)}%`}</td><td>${num(st.p99Ms, 0)}</td><td style="text-align:left">${esc(nodes(st.before))}</td><td style="text-align:left">${esc(nodes(st.after))}</td><td class="${st.problems.length ? 'bad' : 'ok'}" style="text-align:left">${st.problems.length ? st.problems.map(esc).join('<br>') : 'balanced, no failed search'}</td></tr>`,
  );
  return `<h2>Scale and rebalance</h2>
<p class="meta">Times on the run's clock. Balanced: each query node serves within 20% of the mean row count of the sealed segments (the query coordinator's view, sampled every second). Rebalance time runs from the new nodes being up (scale out) or from the step's start, where the drain begins (scale in). Availability and p99 over every search (probes and k6) from the step's start until balanced.</p>
<table><tr><th>step</th><th style="text-align:left">nodes</th><th>started</th><th>nodes up / gone</th><th>balanced at</th><th>rebalance time</th><th>searches</th><th>availability</th><th>p99 ms</th><th style="text-align:left">before</th><th style="text-align:left">after</th><th style="text-align:left">result</th></tr>${rows.join('')}</table>`;
}

/** The sizing projection: what was measured, the fitted line, and the projection with its formula. */
function sizingSection(r: RunReport): string {
  const z = r.sizing;
  if (!z) return '';
  const b = (n: number | null): string => (n === null ? '—' : bytes(n));
  const samples = z.samples.map(
    (s) => `<tr><td>${esc(s.index)}</td><td>${s.rows}</td><td style="text-align:left">${esc(s.queryNodes.map((q) => `${q.name} ${bytes(q.rssBytes)}`).join(', '))}</td><td>${b(s.queryNodes.reduce((a, q) => a + q.rssBytes, 0))}</td><td>${b(s.segmentMemBytes || null)}</td><td>${b(s.objectStoreBytes)}</td></tr>`,
  );
  const m = z.memory;
  const fit = m ? `<p>Fitted over the sizes: query-node RSS = ${m.nodes} × ${bytes(m.fixedPerNodeBytes)} (fixed per process) + rows × ${m.perRowBytes.toFixed(1)} B${m.r2 === null ? '' : ` (r² ${m.r2.toFixed(3)})`}.${z.storage ? ` Object store = ${bytes(z.storage.fixedBytes)} + rows × ${z.storage.perRowBytes.toFixed(1)} B.` : ''}</p>` : '';
  const proj = z.projections.map(
    (p) => `<tr><td>${esc(p.index)}</td><td>${esc(p.basis)}</td><td>${p.perRowBytes.toFixed(1)}</td><td>${p.perRowBytesAtTarget.toFixed(1)}</td><td>${p.segmentBytesPerRow === null ? '—' : p.segmentBytesPerRow.toFixed(1)}</td><td>${p.queryNodes ?? '—'}</td><td>${bytes(p.memoryBytes)}</td><td style="text-align:left">${esc(p.formula)}</td></tr>`,
  );
  return `<h2>Sizing projection</h2>
<p class="meta">Target: ${z.target.rows.toLocaleString('en')} rows of ${z.target.dim}-d, measured at ${z.measuredDim}-d; query nodes of ${z.nodeMemoryGiB} GiB, filled to 90% (the query coordinator's overload threshold). A row's cost is scaled by target dim / measured dim (vectors dominate a row).</p>
<table><tr><th>index</th><th>rows served</th><th style="text-align:left">query-node RSS</th><th>RSS total</th><th>segment memory</th><th>object store</th></tr>${samples.join('')}</table>
${fit}
<table><tr><th>index</th><th>basis</th><th>B/row measured</th><th>B/row at target dim</th><th>segment B/row</th><th>query nodes</th><th>memory</th><th style="text-align:left">formula</th></tr>${proj.join('')}</table>
${z.storage ? `<p>Object storage at the target: ${esc(z.storage.formula)}.</p>` : ''}
${z.problems.length ? `<p class="bad">${z.problems.map(esc).join('<br>')}</p>` : ''}`;
}

function num(v: number | null, digits = 1): string {
  return v === null ? '—' : v.toFixed(digits);
}

function sloTable(r: RunReport): string {
  if (r.slos.length === 0) return '<p>No SLOs declared.</p>';
  const rows = r.slos.map(
    (v) =>
      `<tr><td>${esc(v.slo)}</td><td>${v.measured === null ? '—' : esc(formatMeasured(v.kind, v.measured))}</td><td>${v.threshold === null ? '—' : `${esc(v.op)} ${esc(formatMeasured(v.kind, v.threshold))}`}</td><td>${v.samples}</td><td class="${v.pass ? 'ok' : 'bad'}">${v.pass ? 'met' : 'MISSED'}</td><td style="text-align:left">${esc(v.reason)}</td></tr>`,
  );
  return `<table><tr><th>SLO</th><th>measured</th><th>objective</th><th>samples</th><th>result</th><th style="text-align:left">why</th></tr>${rows.join('')}</table>`;
}

function securityTable(sec: NonNullable<RunReport['security']>): string {
  const rows = sec.probes.map(
    (p) =>
      `<tr><td style="text-align:left">${esc(p.point)}</td><td style="text-align:left">${esc(p.name)}</td><td>${esc(p.expect)}</td><td class="${p.status === 'held' ? 'ok' : 'bad'}">${p.status === 'held' ? 'held' : p.status === 'breached' ? (p.severity === 'finding' ? 'FINDING' : 'BREACHED') : 'UNKNOWN'}</td><td style="text-align:left">${esc(p.evidence)}</td></tr>`,
  );
  return `<table><tr><th style="text-align:left">where</th><th style="text-align:left">probe</th><th>must be</th><th>result</th><th style="text-align:left">evidence</th></tr>${rows.join('')}</table>`;
}

function formatMeasured(kind: string, v: number): string {
  if (kind === 'recall') return v.toFixed(4);
  if (kind === 'errorRate') return `${(v * 100).toFixed(2)}%`;
  if (kind === 'latency') return `${v.toFixed(1)} ms`;
  if (kind === 'recoveryTime' || kind === 'downtime' || kind === 'rebalanceTime' || kind === 'takeoverTime') return `${(v / 1000).toFixed(1)} s`;
  if (kind === 'rollingAvailability') return `${(v * 100).toFixed(2)}%`;
  return String(v);
}

function phaseTable(r: RunReport): string {
  const rows = r.phases.map(
    (p) =>
      `<tr><td>${esc(p.phase)}</td><td>${p.searches}</td><td>${p.ok}</td><td>${p.fail}</td><td>${p.unknown}</td><td>${p.availability === null ? '—' : `${(p.availability * 100).toFixed(2)}%`}</td><td>${p.recall === null ? '—' : p.recall.toFixed(4)}</td><td>${num(p.latency.p50)}</td><td>${num(p.latency.p95)}</td><td>${num(p.latency.p99)}</td><td>${num(p.latency.p999)}</td></tr>`,
  );
  return `<table><tr><th>phase</th><th>searches</th><th>ok</th><th>failed</th><th>unknown</th><th>availability</th><th>recall@${r.recallK}</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>p99.9 ms</th></tr>${rows.join('')}</table>`;
}

function serverTable(r: RunReport): string {
  if (r.server.length === 0) return '<p>No server metrics were scraped.</p>';
  const rows = r.server.map((v) => {
    const c = r.phases.find((p) => p.phase === v.phase);
    return `<tr><td>${esc(v.phase)}</td><td>${c?.searches ?? '—'}</td><td>${v.searches ?? '—'}</td><td>${c ? c.fail + c.unknown : '—'}</td><td>${v.searchFailures ?? '—'}</td><td>${num(c?.latency.p50 ?? null)}</td><td>${num(v.p50)}</td><td>${num(c?.latency.p99 ?? null)}</td><td>${num(v.p99)}</td><td>${v.storedRows ?? '—'}</td><td>${v.scrapes - v.failedScrapes}/${v.scrapes}</td></tr>`;
  });
  return `<table><tr><th>phase</th><th>searches (client)</th><th>searches (proxy)</th><th>errors (client)</th><th>errors (proxy)</th><th>p50 client</th><th>p50 proxy</th><th>p99 client</th><th>p99 proxy</th><th>rows stored</th><th>scrapes ok</th></tr>${rows.join('')}</table>
<p class="meta">Proxy figures come from Milvus's own Prometheus metrics (milvus_proxy_sq_latency, milvus_proxy_req_count), differenced between the first and last good scrape of each phase; its histogram has power-of-two buckets, so its percentiles are interpolated. Client figures include time on the wire and in the SDK.</p>`;
}

function opTable(r: RunReport): string {
  if (r.latencyByOp.length === 0) return '<p>No operations in the scored phases.</p>';
  const rows = r.latencyByOp.map(
    (o) => `<tr><td>${esc(o.phase)}</td><td>${o.op}</td><td>${o.source}</td><td>${o.count}</td><td>${o.ok}</td><td>${num(o.p50)}</td><td>${num(o.p95)}</td><td>${num(o.p99)}</td><td>${num(o.p999)}</td></tr>`,
  );
  return `<table><tr><th>phase</th><th>op</th><th>driver</th><th>count</th><th>ok</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>p99.9 ms</th></tr>${rows.join('')}</table>`;
}

function findingsText(r: RunReport): string {
  if (r.findings.length === 0) return '<p>None of the known failure modes was seen (empty results, partial results, missing or unloaded collections, failing after heal).</p>';
  return `<ul>${r.findings.map((f) => `<li><b>${esc(f.detector)}</b> (${esc(f.phase ?? "run")}, first at ${(f.firstAt / 1000).toFixed(1)} s): ${esc(f.detail)}</li>`).join('')}</ul>`;
}

function faultTable(r: RunReport): string {
  if (r.faults.length === 0) return '<p>No faults ran.</p>';
  const rows = r.faults.map(
    (f) =>
      `<tr><td>${esc(f.name)}</td><td>${esc(f.kind)}</td><td>${(f.start / 1000).toFixed(1)} s</td><td>${Number.isNaN(f.end) ? 'not healed' : `${(f.end / 1000).toFixed(1)} s`}</td><td>${f.recoveryMs === null ? 'not recovered' : `${(f.recoveryMs / 1000).toFixed(1)} s`}</td><td>${f.failoverMs === undefined ? '—' : f.failoverMs === null ? 'never' : `${(f.failoverMs / 1000).toFixed(1)} s`}</td><td>${f.failedDuringFailover ?? '—'}</td><td>${takeoverCell(f.takeover)}</td></tr>`,
  );
  return `<table><tr><th>fault</th><th>kind</th><th>injected at</th><th>healed at</th><th>recovery time (from heal)</th><th>failover (from injection)</th><th>searches not ok meanwhile</th><th>takeover: all operations ok again (not ok of all meanwhile)</th></tr>${rows.join('')}</table>
<p class="meta">Failover: from the fault's injection to the start of the first recovery window in which every probe search succeeded, heal or not; with replicas it shows how long the service took to route around the lost node.${r.replicas && r.replicas > 1 ? ` The collection was loaded as ${r.replicas} replicas.` : ''} Takeover: the same for every operation (searches and writes), with the window opening after the last failure while the fault held.</p>`;
}

function takeoverCell(t: RunReport['faults'][number]['takeover']): string {
  if (!t) return '—';
  return `${t.ms === null ? 'never' : `${(t.ms / 1000).toFixed(1)} s`} (${t.failed} of ${t.ops})`;
}

function durabilityText(r: RunReport): string {
  const d = r.durability;
  if (!d) return '<p>Durability was not verified (the run did not reach verification).</p>';
  const ids = (label: string, list: readonly number[]): string => (list.length > 0 ? ` ${label} (first ${list.length}): ${list.join(', ')}.` : '');
  const count = d.count ? ` The server counts ${d.count.reported} rows (expected ${d.count.min === d.count.max ? d.count.min : `${d.count.min} to ${d.count.max}`}).` : '';
  return `<p>${d.acknowledged} rows must exist; ${d.found} found. <b>${d.missing}</b> missing, <b>${d.resurrected}</b> deleted rows back, <b>${d.stale}</b> not at their latest upsert; ${d.uncertain} uncertain (last write of unknown outcome); ${d.unverified} could not be verified.${esc(count)}${esc(ids('Missing', d.samples.missing) + ids('Back', d.samples.resurrected) + ids('Stale', d.samples.stale))}</p>`;
}

const W = 1060;
const H = 260;
const PAD = { l: 56, r: 12, t: 12, b: 28 };

function frame(r: RunReport, domain: [number, number], yTicks: { y: number; label: string }[], body: string): string {
  const x = scaleX(domain);
  const shading = r.faults
    .map((f) => {
      const x0 = x(f.start);
      const x1 = x(Number.isNaN(f.end) ? domain[1] : f.end);
      const band = (a: number, b: number, fill: string, title: string): string =>
        `<rect x="${a.toFixed(1)}" y="${PAD.t}" width="${Math.max(1, b - a).toFixed(1)}" height="${H - PAD.t - PAD.b}" fill="${fill}" opacity="0.7"><title>${esc(title)}</title></rect>`;
      const recovering =
        f.recoveryMs === null || Number.isNaN(f.end) ? '' : band(x1, x(f.end + f.recoveryMs), '#fbe7d3', `${f.name}: recovering`);
      return band(x0, x1, '#f6c9c9', f.name) + recovering;
    })
    .join('');
  const roll = rollBands(r, x);
  const shown = r.phaseWindows.filter((p) => p.phase !== 'setup' && p.phase !== 'verify' && p.start >= domain[0]);
  const phases = shown
    .map((p, i) => {
      const px = x(p.start).toFixed(1);
      // A phase too short for its name (a 2 s pause) keeps its line and says its name on hover, so labels never overlap.
      const room = i + 1 < shown.length ? x(shown[i + 1]!.start) - x(p.start) : Number.POSITIVE_INFINITY;
      const label = room >= 6 * p.phase.length + 8 ? `<text x="${Number(px) + 4}" y="${PAD.t + 12}" font-size="11" fill="#586072">${esc(p.phase)}</text>` : '';
      return `<line x1="${px}" x2="${px}" y1="${PAD.t}" y2="${H - PAD.b}" stroke="#8a93a6" stroke-dasharray="4 3"><title>${esc(p.phase)}</title></line>${label}`;
    })
    .join('');
  const ticks = yTicks
    .map((t) => `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${t.y}" y2="${t.y}" stroke="#eceef2"/><text x="${PAD.l - 6}" y="${t.y + 4}" font-size="11" text-anchor="end" fill="#586072">${t.label}</text>`)
    .join('');
  const span = domain[1] - domain[0];
  const step = niceStep(span / 10);
  const xTicks: string[] = [];
  for (let t = 0; t <= span; t += step) {
    xTicks.push(`<text x="${x(domain[0] + t).toFixed(1)}" y="${H - 8}" font-size="11" text-anchor="middle" fill="#586072">${(t / 1000).toFixed(0)} s</text>`);
  }
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img">${shading}${roll}${ticks}${phases}${body}${xTicks.join('')}</svg>`;
}

/** Each rolling-upgrade role step as a band along the top of a chart, numbered as in the Upgrade table. */
function rollBands(r: RunReport, x: (t: number) => number): string {
  return r.upgrades
    .flatMap((u) => {
      const steps = u.roles ?? [];
      return steps.map((st, i) => {
        const until = steps[i + 1]?.start ?? st.end ?? u.end ?? st.start;
        const a = x(st.start);
        const w = Math.max(1, x(until) - a);
        const fill = i % 2 === 0 ? '#d6e4f5' : '#e9f0f9';
        return `<rect x="${a.toFixed(1)}" y="${PAD.t}" width="${w.toFixed(1)}" height="${H - PAD.t - PAD.b}" fill="${fill}" opacity="0.6"><title>${esc(`${i + 1}. ${st.instance} (${st.role}): ${st.outcome}`)}</title></rect><text x="${(a + w / 2).toFixed(1)}" y="${H - PAD.b - 4}" font-size="10" text-anchor="middle" fill="#3465a4">${i + 1}</text>`;
      });
    })
    .join('');
}

function scaleX([a, b]: [number, number]): (t: number) => number {
  return (t) => PAD.l + ((t - a) / Math.max(1, b - a)) * (W - PAD.l - PAD.r);
}

function niceStep(raw: number): number {
  const steps = [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  return steps.find((s) => s >= raw) ?? 600_000;
}

function latencyChart(r: RunReport, domain: [number, number]): string {
  const pts = r.series.searchLatency.filter((s) => s[0] >= domain[0]);
  const max = Math.max(10, ...pts.map((p) => p[1]));
  const lo = Math.log10(0.5);
  const hi = Math.log10(max * 1.2);
  const y = (v: number): number => H - PAD.b - ((Math.log10(Math.max(0.5, v)) - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  const x = scaleX(domain);
  const color = { ok: '#3465a4', unknown: '#e8a33d', fail: '#c62828' } as const;
  const dots = pts.map((p) => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="1.8" fill="${color[p[2]]}"/>`).join('');
  const ticks = [1, 10, 100, 1000, 10_000].filter((v) => v <= max * 1.2).map((v) => ({ y: y(v), label: `${v} ms` }));
  return frame(r, domain, ticks, dots);
}

function availabilityChart(r: RunReport, domain: [number, number]): string {
  const pts = r.series.searchLatency.filter((s) => s[0] >= domain[0]).map((s) => [s[0], s[2] === 'ok' ? 1 : 0] as const);
  const y = (v: number): number => H - PAD.b - v * (H - PAD.t - PAD.b);
  const x = scaleX(domain);
  const line = bucketMeans(pts, 2000)
    .map((b, i) => `${i === 0 ? 'M' : 'L'}${x(b.t).toFixed(1)},${y(b.mean).toFixed(1)}`)
    .join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 0.99].map((v) => ({ y: y(v), label: `${Math.round(v * 100)}%` }));
  return frame(r, domain, ticks, `<path d="${line}" fill="none" stroke="#3465a4" stroke-width="1.8"/>`);
}

function recallChart(r: RunReport, domain: [number, number]): string {
  const pts = r.series.recall.filter((s) => s[0] >= domain[0]);
  const y = (v: number): number => H - PAD.b - v * (H - PAD.t - PAD.b);
  const x = scaleX(domain);
  const dots = pts.map((p) => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="1.5" fill="#1a7f37" opacity="0.25"/>`).join('');
  const line = bucketMeans(pts, 2000)
    .map((b, i) => `${i === 0 ? 'M' : 'L'}${x(b.t).toFixed(1)},${y(b.mean).toFixed(1)}`)
    .join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((v) => ({ y: y(v), label: v.toFixed(2) }));
  return frame(r, domain, ticks, `${partialBands(r, x)}${dots}<path d="${line}" fill="none" stroke="#1a7f37" stroke-width="1.8"/>`);
}

/** The partial-results findings' spans, shaded, with their magnitude in the tooltip. */
function partialBands(r: RunReport, x: (t: number) => number): string {
  return r.findings
    .filter((f) => f.detector === 'partial-results' && f.window)
    .map((f) => {
      const a = x(f.window!.start);
      const b = x(f.window!.end);
      const title = f.recall ? `partial results: mean recall ${f.recall.mean} (worst window ${f.recall.worst}) against ${f.recall.baseline} steady` : 'partial results';
      return `<rect x="${a.toFixed(1)}" y="${PAD.t}" width="${Math.max(1, b - a).toFixed(1)}" height="${H - PAD.t - PAD.b}" fill="#d9c8f0" opacity="0.8"><title>${esc(title)}</title></rect>`;
    })
    .join('');
}

/** Means of consecutive buckets of `width` ms; buckets with no searches are skipped, so gaps show as straight segments. */
function bucketMeans(points: readonly (readonly [number, number])[], width: number): { t: number; mean: number }[] {
  const buckets = new Map<number, { sum: number; n: number }>();
  for (const [t, v] of points) {
    const key = Math.floor(t / width);
    const b = buckets.get(key) ?? { sum: 0, n: 0 };
    b.sum += v;
    b.n++;
    buckets.set(key, b);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([key, b]) => ({ t: (key + 0.5) * width, mean: b.sum / b.n }));
}
