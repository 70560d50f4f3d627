import { esc } from './junit.ts';
import type { RunReport } from '../core/types.ts';
import { drViewOf, verificationCounts, verificationVerdict, type DrView } from './dr-view.ts';

// The DR drill's renderings: report.html's DR section and the PDF drill report with its trend over
// earlier drills. Inline SVG only: no scripts, no fonts or files from anywhere.

const STEP_COLOR: Record<string, string> = {
  backup: '#3465a4',
  destroy: '#c62828',
  up: '#8a93a6',
  restore: '#e8a33d',
  import: '#f0c674',
  index: '#75507b',
  load: '#2aa198',
  verify: '#1a7f37',
};
const RESULT_COLOR = { pass: '#1a7f37', fail: '#c62828', unknown: '#e8a33d' } as const;

/** report.html's DR section; empty when the run was no drill. */
export function drSection(report: RunReport): string {
  const view = drViewOf(report);
  if (!view) return '';
  return `<h2>Disaster recovery</h2>
${drSummary(view)}
<h3>Timeline</h3>
${timelineSvg(view)}
${eventList(view)}
<h3>Verification</h3>
${verificationTable(view)}`;
}

/** RPO, RTO and the restore in one table, with the RTO's breakdown as a bar. */
export function drSummary(view: DrView): string {
  const verdict = verificationVerdict(view);
  const rows: [string, string, string][] = [
    ['method', esc(view.method), view.backupName ? `backup ${esc(view.backupName)}` : ''],
    ...(view.gcPause ? [['garbage collection', esc(view.gcPause), 'during the copy: collected segments would be missing from the backup'] as [string, string, string]] : []),
    ['RPO (rows)', count(view.rpo.rowsAfterBackup), 'writes acknowledged after the backup point: the expected loss'],
    ['RPO (time)', seconds(view.rpo.secondsAfterBackup === null ? null : view.rpo.secondsAfterBackup * 1000), 'from the backup point to the last acknowledged write before the destroy'],
    ['lost before backup', count(view.rpo.missingBeforeBackup), 'acknowledged before the backup point, missing after the restore (must be 0)'],
    ['RTO', view.rto.totalMs === null ? 'not reached' : seconds(view.rto.totalMs), `from the destroy to the first window of searches at recall threshold on the restored stack${rtoWindow(view)}`],
    ['up / restore / index / load', `${seconds(view.rto.upMs)} / ${seconds(view.rto.restoreMs)} / ${seconds(view.rto.indexMs)} / ${seconds(view.rto.loadMs)}`, 'the RTO\'s parts: a new stack up, the restore\'s import, index build, load'],
    ['restored rows', count(view.restoredRows), view.restoreRowsPerSecond === null ? '' : `${rate(view.restoreRowsPerSecond)} rows/s`],
    ['verification', verdict.toUpperCase(), verificationCountsText(view)],
    ...backupObjectRows(view),
  ];
  const bad = new Set(['corrupted objects', 'missing objects', 'manifest checksums']);
  const cls = (label: string): string =>
    label === 'verification' ? (verdict === 'verified' ? ' class="ok"' : ' class="bad"') : (label === 'lost before backup' && (view.rpo.missingBeforeBackup ?? 1) > 0) || bad.has(label) ? ' class="bad"' : '';
  return `<table class="dr-summary">${rows.map(([k, v, why]) => `<tr><th style="text-align:left">${k}</th><td${cls(k)}>${v}</td><td style="text-align:left" class="meta">${why}</td></tr>`).join('')}</table>
${rtoBreakdownSvg(view)}`;
}

/** What the restore found wrong with the backup itself, naming each object; nothing when all was well. */
function backupObjectRows(view: DrView): [string, string, string][] {
  const b = view.backupObjects;
  if (!b) return [];
  const rows: [string, string, string][] = [];
  const keys = (list: readonly string[]): string => list.slice(0, 10).map(esc).join('<br>') + (list.length > 10 ? `<br>… and ${list.length - 10} more` : '');
  if (b.corrupted.length > 0) rows.push(['corrupted objects', String(b.corrupted.length), keys(b.corrupted)]);
  if (b.missing.length > 0) rows.push(['missing objects', String(b.missing.length), keys(b.missing)]);
  if (!b.manifestChecked) rows.push(['manifest checksums', 'NOT CHECKED', 'switched off by the scenario: only the restored data itself was verified']);
  return rows;
}

export function verificationTable(view: DrView): string {
  if (view.verification.length === 0) return '<p class="bad"><b>Not verified:</b> the drill recorded no verification checks, so the restore is not shown to be right.</p>';
  // Expected and found values can be long (index parameters, id lists): left-aligned, wrapped anywhere.
  const cell = (text: string): string => `<td style="text-align:left;vertical-align:top;overflow-wrap:anywhere">${esc(text)}</td>`;
  const rows = view.verification.map(
    (v) =>
      `<tr>${cell(v.check)}${cell(v.expected)}${cell(v.actual)}<td class="${v.result === 'pass' ? 'ok' : 'bad'}" style="vertical-align:top">${v.result === 'pass' ? 'pass' : v.result.toUpperCase()}</td>${cell(v.detail)}</tr>`,
  );
  const head = ['check', 'expected', 'restored', 'result', 'detail'].map((h) => `<th style="text-align:${h === 'result' ? 'right' : 'left'}">${h}</th>`).join('');
  return `<table class="dr-verification" style="table-layout:fixed"><colgroup><col style="width:19%"><col style="width:24%"><col style="width:20%"><col style="width:8%"><col style="width:29%"></colgroup><tr>${head}</tr>${rows.join('')}</table>`;
}

/** The drill's recorded instants, on the run's clock. */
function eventList(view: DrView): string {
  if (view.events.length === 0) return '';
  return `<table class="dr-events"><tr><th>at</th><th style="text-align:left">what</th></tr>${view.events.map((e) => `<tr><td>${seconds(e.at)}</td><td style="text-align:left">${esc(e.what)}</td></tr>`).join('')}</table>`;
}

const TW = 1000;
const LABEL_W = 210;

/** The drill's steps as bars on the run's clock. */
export function timelineSvg(view: DrView): string {
  if (view.timeline.length === 0) return '<p class="meta">No DR steps were recorded.</p>';
  const t0 = Math.min(...view.timeline.map((e) => e.start));
  const t1 = Math.max(t0 + 1000, ...view.timeline.map((e) => e.end ?? e.start));
  const x = (t: number): number => LABEL_W + ((t - t0) / (t1 - t0)) * (TW - LABEL_W - 20);
  const rowH = 22;
  const h = view.timeline.length * rowH + 30;
  const bars = view.timeline.map((e, i) => {
    const y = 6 + i * rowH;
    const x0 = x(e.start);
    const x1 = e.end === null ? x(t1) : x(e.end);
    const fill = e.outcome === 'ok' ? (STEP_COLOR[e.step] ?? '#586072') : RESULT_COLOR[e.outcome];
    const took = e.end === null ? 'did not finish' : e.end === e.start ? `at ${seconds(e.start)}` : seconds(e.end - e.start);
    const label = `${e.step}${e.label ? `: ${e.label}` : ''}`;
    const note = `${took}${e.outcome === 'ok' ? '' : ` ${e.outcome.toUpperCase()}`}`;
    // The figure goes after the bar, or before it where the bar runs to the right edge.
    const after = x1 + 130 < TW;
    const noteAt = after ? `x="${(x1 + 4).toFixed(1)}"` : `x="${(x0 - 4).toFixed(1)}" text-anchor="end"`;
    return `<text x="4" y="${y + 14}" font-size="11" fill="#1d2330">${esc(truncate(label, 34))}</text><rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${rowH - 6}" fill="${fill}"${e.end === null ? ' fill-opacity="0.4"' : ''}><title>${esc(`${label}: ${took} (${e.outcome})`)}</title></rect><text ${noteAt} y="${y + 14}" font-size="11" fill="${e.outcome === 'ok' ? '#586072' : '#c62828'}">${esc(note)}</text>`;
  });
  const axisY = h - 8;
  const step = niceStep((t1 - t0) / 8);
  const ticks: string[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(`<text x="${x(t).toFixed(1)}" y="${axisY}" font-size="10" text-anchor="middle" fill="#586072">${(t / 1000).toFixed(0)} s</text>`);
  return `<svg class="dr-timeline" viewBox="0 0 ${TW} ${h}" width="100%" role="img"><title>DR timeline</title>${bars.join('')}${ticks.join('')}</svg>`;
}

/** RTO as one bar split into restore, index build, load and the rest (waiting for searches at recall). */
export function rtoBreakdownSvg(view: DrView): string {
  const { totalMs, restoreMs, indexMs, loadMs } = view.rto;
  if (totalMs === null || totalMs <= 0) return '';
  const parts = [
    ['up', view.rto.upMs],
    ['restore', restoreMs],
    ['index', indexMs],
    ['load', loadMs],
  ] as const;
  const known = parts.reduce((s, [, v]) => s + (v ?? 0), 0);
  const segments: [string, number, string][] = [
    ...parts.filter(([, v]) => v !== null && v > 0).map(([k, v]) => [k, v!, STEP_COLOR[k]!] as [string, number, string]),
    ['until searchable at recall', Math.max(0, totalMs - known), '#c9ced8'],
  ];
  const scale = (TW - 20) / Math.max(totalMs, known);
  let at = 10;
  const rects = segments
    .filter(([, v]) => v > 0)
    .map(([k, v, fill]) => {
      const w = v * scale;
      const r = `<rect x="${at.toFixed(1)}" y="4" width="${w.toFixed(1)}" height="20" fill="${fill}"><title>${esc(`${k}: ${seconds(v)}`)}</title></rect>${w > 70 ? `<text x="${(at + 4).toFixed(1)}" y="18" font-size="11" fill="#fff">${esc(`${k} ${seconds(v)}`)}</text>` : ''}`;
      at += w;
      return r;
    });
  return `<svg class="dr-rto" viewBox="0 0 ${TW} 28" width="100%" role="img"><title>RTO breakdown</title>${rects.join('')}</svg>`;
}

/** One drill of a trend: its id, when it ran, and its DR view. */
export interface TrendPoint {
  runId: string;
  startedAt: string;
  view: DrView;
}

/**
 * The PDF drill report as an HTML document: the drill of record (the newest), then the trend over
 * every drill given, oldest first. Every report must have a `dr` section.
 */
export function renderDrDrillDocument(reports: readonly RunReport[]): string {
  if (reports.length === 0) throw new Error('renderDrDrillDocument needs at least one drill report');
  const drills = reports
    .map((r) => {
      const view = drViewOf(r);
      if (!view) throw new Error(`report ${r.runId} has no 'dr' section: it is not a DR drill`);
      return { report: r, point: { runId: r.runId, startedAt: r.startedAt, view } };
    })
    .sort((a, b) => a.report.startedAt.localeCompare(b.report.startedAt) || a.report.runId.localeCompare(b.report.runId));
  const latest = drills.at(-1)!;
  const r = latest.report;
  const points = drills.map((d) => d.point);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DR drill report: ${esc(r.scenario)} ${esc(r.runId)}</title>
<style>
@page{size:A4;margin:14mm}
body{font:11px/1.4 sans-serif;color:#1d2330;margin:0}
h1{font-size:18px;margin:0 0 4px}h2{font-size:14px;margin:18px 0 6px;break-after:avoid}h3{font-size:12px;margin:12px 0 4px;break-after:avoid}
table{border-collapse:collapse;width:100%;margin:4px 0;break-inside:avoid}th,td{border-bottom:1px solid #dde1e8;padding:3px 6px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f4f6f9}
table.dr-trend td{white-space:nowrap}
td.ok{color:#1a7f37;font-weight:600}td.bad,p.bad,.bad{color:#c62828;font-weight:600}.meta{color:#586072;font-weight:normal}
svg{background:#fbfcfd;border:1px solid #e3e6eb;break-inside:avoid}.chart{break-inside:avoid;margin-bottom:8px}
.verdict{display:inline-block;padding:1px 8px;border-radius:3px;color:#fff;font-weight:600}.pass{background:#1a7f37}.fail,.error,.unknown,.aborted,.incomplete,.interrupted,.invalid{background:#c62828}
.trend-page{break-before:page}
</style></head><body>
<h1>DR drill: ${esc(r.scenario)} <span class="verdict ${esc(r.verdict)}">${esc(r.verdict.toUpperCase())}</span></h1>
<div class="meta">run ${esc(r.runId)} · Milvus ${esc(r.versions?.server ?? r.milvusVersion)} on ${esc(r.platform)} · ${esc(r.startedAt)} → ${esc(r.finishedAt)} · method ${esc(latest.point.view.method)}</div>
${r.error ? `<p class="bad">Harness error: ${esc(r.error)}</p>` : ''}
<h2>RPO and RTO</h2>
${drSummary(latest.point.view)}
<h2>Timeline of backup, destroy, restore, verify</h2>
${timelineSvg(latest.point.view)}
${eventList(latest.point.view)}
<h2>Verification</h2>
${verificationTable(latest.point.view)}
<div class="trend-page">
<h2>Trend over ${points.length} drill${points.length === 1 ? '' : 's'}</h2>
${trendTable(points)}
${trendCharts(points)}
</div>
</body></html>
`;
}

export function trendTable(points: readonly TrendPoint[]): string {
  const rows = points.map((p) => {
    const c = verificationCounts(p.view);
    const verdict = verificationVerdict(p.view);
    return `<tr><td>${esc(p.runId)}</td><td>${esc(p.startedAt.slice(0, 16).replace('T', ' '))}</td><td>${esc(p.view.method)}</td><td>${p.view.rto.totalMs === null ? 'not reached' : seconds(p.view.rto.totalMs)}</td><td>${count(p.view.rpo.rowsAfterBackup)}</td><td>${p.view.rpo.secondsAfterBackup === null ? '—' : seconds(p.view.rpo.secondsAfterBackup * 1000)}</td><td>${p.view.restoreRowsPerSecond === null ? '—' : rate(p.view.restoreRowsPerSecond)}</td><td class="${verdict === 'verified' ? 'ok' : 'bad'}">${c.pass}/${c.pass + c.fail + c.unknown} ${verdict}</td></tr>`;
  });
  return `<table class="dr-trend"><tr><th>run</th><th>started (UTC)</th><th>method</th><th>RTO</th><th>RPO rows</th><th>RPO time</th><th>restore rows/s</th><th>checks passed</th></tr>${rows.join('')}</table>`;
}

export function trendCharts(points: readonly TrendPoint[]): string {
  const labels = points.map((p) => p.runId);
  const s = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
  return [
    chart('RTO (s)', lineChart(labels, [
      { name: 'total', color: '#1d2330', values: points.map((p) => s(p.view.rto.totalMs)) },
      { name: 'restore', color: STEP_COLOR.restore!, values: points.map((p) => s(p.view.rto.restoreMs)) },
      { name: 'index', color: STEP_COLOR.index!, values: points.map((p) => s(p.view.rto.indexMs)) },
      { name: 'load', color: STEP_COLOR.load!, values: points.map((p) => s(p.view.rto.loadMs)) },
    ])),
    chart('RPO (rows acknowledged after the backup point)', lineChart(labels, [{ name: 'rows', color: STEP_COLOR.backup!, values: points.map((p) => p.view.rpo.rowsAfterBackup) }])),
    chart('RPO (s)', lineChart(labels, [{ name: 'seconds', color: STEP_COLOR.backup!, values: points.map((p) => p.view.rpo.secondsAfterBackup) }])),
    chart('Restore throughput (rows/s)', lineChart(labels, [{ name: 'rows/s', color: STEP_COLOR.restore!, values: points.map((p) => p.view.restoreRowsPerSecond) }])),
    chart('Verification results', verificationBars(points)),
  ].join('\n');
}

function chart(title: string, svg: string): string {
  return `<div class="chart"><h3>${esc(title)}</h3>${svg}</div>`;
}

const CW = 1000;
const CH = 180;
const CP = { l: 60, r: 16, t: 14, b: 34 };

interface Series {
  name: string;
  color: string;
  values: readonly (number | null)[];
}

/** A value per drill, joined by lines; a missing value is a gap with a red cross on the axis. */
export function lineChart(labels: readonly string[], series: readonly Series[]): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = niceMax(Math.max(0, ...all));
  const inset = 80;
  const x = (i: number): number => CP.l + inset + (labels.length === 1 ? 0.5 : i / (labels.length - 1)) * (CW - CP.l - CP.r - 2 * inset);
  const y = (v: number): number => CH - CP.b - (v / max) * (CH - CP.t - CP.b);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => `<line x1="${CP.l}" x2="${CW - CP.r}" y1="${y(f * max).toFixed(1)}" y2="${y(f * max).toFixed(1)}" stroke="#eceef2"/><text x="${CP.l - 6}" y="${(y(f * max) + 4).toFixed(1)}" font-size="10" text-anchor="end" fill="#586072">${tick(f * max)}</text>`);
  const xLabels = labels.map((l, i) => `<text x="${x(i).toFixed(1)}" y="${CH - CP.b + 14}" font-size="10" text-anchor="middle" fill="#586072">${esc(truncate(l, 28))}</text>`);
  const lines = series.map((s) => {
    const pts = s.values.map((v, i) => (v === null ? null : [x(i), y(v)] as const));
    let d = '';
    let pen = false;
    for (const p of pts) {
      if (!p) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)} `;
      pen = true;
    }
    const dots = pts.map((p, i) => (p ? `<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="3" fill="${s.color}"><title>${esc(`${labels[i]} ${s.name}: ${tick(s.values[i]!)}`)}</title></circle>` : `<text x="${x(i).toFixed(1)}" y="${CH - CP.b - 2}" font-size="12" text-anchor="middle" fill="#c62828"><title>${esc(`${labels[i]} ${s.name}: none`)}</title>×</text>`));
    return `<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="1.6"/>${dots.join('')}`;
  });
  const legend = series.length > 1 ? series.map((s, i) => `<rect x="${CP.l + i * 110}" y="${CH - 12}" width="10" height="10" fill="${s.color}"/><text x="${CP.l + i * 110 + 14}" y="${CH - 3}" font-size="10" fill="#1d2330">${esc(s.name)}</text>`).join('') : '';
  return `<svg viewBox="0 0 ${CW} ${CH}" width="100%" role="img">${grid.join('')}${xLabels.join('')}${lines.join('')}${legend}</svg>`;
}

/** Per drill, its verification checks stacked as passed, failed and unknown. */
export function verificationBars(points: readonly TrendPoint[]): string {
  const counts = points.map((p) => verificationCounts(p.view));
  const max = Math.max(1, ...counts.map((c) => c.pass + c.fail + c.unknown));
  const slot = (CW - CP.l - CP.r) / points.length;
  const barW = Math.min(60, slot * 0.6);
  const y = (v: number): number => CH - CP.b - (v / max) * (CH - CP.t - CP.b);
  const bars = counts.map((c, i) => {
    const cx = CP.l + slot * (i + 0.5);
    let base = 0;
    const stack = (['pass', 'fail', 'unknown'] as const)
      .filter((k) => c[k] > 0)
      .map((k) => {
        const r = `<rect x="${(cx - barW / 2).toFixed(1)}" y="${y(base + c[k]).toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(base) - y(base + c[k])).toFixed(1)}" fill="${RESULT_COLOR[k]}"><title>${esc(`${points[i]!.runId}: ${c[k]} ${k}`)}</title></rect>`;
        base += c[k];
        return r;
      });
    const total = c.pass + c.fail + c.unknown;
    const label = total === 0 ? 'none' : `${c.pass}/${total}`;
    return `${stack.join('')}<text x="${cx.toFixed(1)}" y="${(y(base) - 3).toFixed(1)}" font-size="10" text-anchor="middle" fill="${total === 0 || c.pass < total ? '#c62828' : '#1d2330'}">${label}</text><text x="${cx.toFixed(1)}" y="${CH - CP.b + 14}" font-size="10" text-anchor="middle" fill="#586072">${esc(truncate(points[i]!.runId, 28))}</text>`;
  });
  const legend = (['pass', 'fail', 'unknown'] as const).map((k, i) => `<rect x="${CP.l + i * 90}" y="${CH - 12}" width="10" height="10" fill="${RESULT_COLOR[k]}"/><text x="${CP.l + i * 90 + 14}" y="${CH - 3}" font-size="10">${k}</text>`).join('');
  return `<svg viewBox="0 0 ${CW} ${CH}" width="100%" role="img"><line x1="${CP.l}" x2="${CW - CP.r}" y1="${y(0)}" y2="${y(0)}" stroke="#8a93a6"/>${bars.join('')}${legend}</svg>`;
}

function rtoWindow(view: DrView): string {
  const { recallThreshold, windowMs } = view.rto;
  if (recallThreshold === null || windowMs === null) return '';
  return ` (every search ok with recall ≥ ${recallThreshold} for ${seconds(windowMs)})`;
}

function verificationCountsText(view: DrView): string {
  const c = verificationCounts(view);
  return `${c.pass} passed, ${c.fail} failed, ${c.unknown} unknown`;
}

function seconds(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`;
}
function count(n: number | null): string {
  return n === null ? '—' : String(n);
}
function rate(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}
function tick(v: number): string {
  return Number.isInteger(v) ? String(v) : v >= 10 ? v.toFixed(0) : v.toFixed(1);
}
function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * mag >= v) ?? 10) * mag;
}
function niceStep(raw: number): number {
  const steps = [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000];
  return steps.find((s) => s >= raw) ?? 1_800_000;
}
