import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { COORDINATOR_LAYOUTS, EXIT, type CoordinatorLayout, type RunReport } from '../core/types.ts';
import { certificationScenario, CERTIFY_DEFAULTS, type CertifyOptions } from '../scenario/certify.ts';
import { validateScenario } from '../scenario/validate.ts';
import { scenarioFaults, unsupportedActions } from '../scenario/steps.ts';
import { loadPlatform } from '../platform/registry.ts';
import { PROJECT_ROOT } from '../supervise/home.ts';
import { runScenario } from '../runner/run.ts';
import { flag, intFlag, parseArgs, UsageError } from './args.ts';
import { formatErrors } from './run.ts';
import { platformFlag } from './scenario-file.ts';

const FLAGS = {
  from: 'value', to: 'value', chain: 'boolean', topology: 'value', rows: 'value', platform: 'value', out: 'value',
  'recall-tolerance': 'value', 'max-downtime': 'value', 'min-availability': 'value', rollback: 'boolean', 'object-store': 'value', coordinators: 'value',
} as const;

/** One certified path and what came of it. */
export interface MatrixRow {
  path: string;
  verdict: RunReport['verdict'] | 'invalid';
  reasons: string[];
  downtimeMs: number | null;
  steps: {
    to: string;
    durationMs: number | null;
    downtimeMs: number | null;
    availability: number | null;
    p99Ms: number | null;
    serverAfter: string | null;
    /** A rolling upgrade: its role steps, and the one with the lowest availability. */
    rolling?: { roleSteps: number; lowest: { instance: string; availability: number | null; p99Ms: number | null } | null };
  }[];
  reportDir: string;
}

export async function certifyCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  const from = flag(args, 'from');
  const tos = (args.flags.get('to') ?? []).flatMap((v) => v.split(',')).filter(Boolean);
  if (!from) throw new UsageError('--from is required: the version to certify an upgrade from, e.g. --from 2.2.16');
  if (tos.length === 0) throw new UsageError('--to is required: the version(s) to upgrade to, e.g. --to 2.3.5 (repeat it for a matrix)');
  const topology = flag(args, 'topology') ?? 'standalone';
  if (topology !== 'standalone' && topology !== 'cluster') throw new UsageError(`--topology must be standalone or cluster, got '${topology}'`);
  const objectStore = flag(args, 'object-store') ?? 'minio';
  if (objectStore !== 'minio' && objectStore !== 'local') throw new UsageError(`--object-store must be minio or local, got '${objectStore}'`);
  const coordinators = flag(args, 'coordinators');
  if (coordinators !== undefined && !(COORDINATOR_LAYOUTS as readonly string[]).includes(coordinators)) throw new UsageError(`--coordinators must be one of ${COORDINATOR_LAYOUTS.join(', ')}, got '${coordinators}'`);
  if (coordinators !== undefined && topology !== 'cluster') throw new UsageError('--coordinators applies to --topology cluster only');
  const paths = args.flags.has('chain') ? [tos] : tos.map((to) => [to]);
  const number = (name: string): number | undefined => {
    const v = flag(args, name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number, got '${v}'`);
    return n;
  };
  const base: Omit<CertifyOptions, 'path'> = {
    from, topology, objectStore, ...(coordinators ? { coordinators: coordinators as CoordinatorLayout } : {}), rows: intFlag(args, 'rows') ?? 2000, rollback: args.flags.has('rollback'),
    recallTolerance: number('recall-tolerance'), maxDowntimeMs: number('max-downtime') === undefined ? undefined : number('max-downtime')! * 1000, minAvailability: number('min-availability'),
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const outDir = resolve(flag(args, 'out') ?? join(PROJECT_ROOT, 'reports', `certify-${stamp}`));
  mkdirSync(outDir, { recursive: true });
  const platform = await loadPlatform(platformFlag(args));
  if (!platform) throw new Error(`platform '${platformFlag(args)}' did not load`);
  const started = Date.now();
  const log = (m: string): void => console.error(`[certify +${((Date.now() - started) / 1000).toFixed(1)}s] ${m}`);
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const rows: MatrixRow[] = [];
  try {
    for (const path of paths) {
      const label = [from, ...path].join(' → ');
      const reportDir = join(outDir, [from, ...path].join('-to-'));
      const result = validateScenario(certificationScenario({ ...base, path }));
      const errors = result.ok ? [...platform.check(result.scenario.stack, scenarioFaults(result.scenario)), ...unsupportedActions(result.scenario, platform)] : result.errors;
      if (!result.ok || errors.length > 0) {
        console.error(formatErrors(`certify ${label}`, errors));
        rows.push({ path: label, verdict: 'invalid', reasons: errors.map((e) => `${e.path}: ${e.message}`), downtimeMs: null, steps: [], reportDir });
        continue;
      }
      log(`certifying ${label} (${topology}, ${base.rows} rows)`);
      const report = await runScenario(result.scenario, { platform, runId: `certify-${[from, ...path].join('-')}-${stamp}`, outDir: reportDir, signal: interrupt.signal, log });
      rows.push(matrixRow(label, report, reportDir));
      log(`${label}: ${report.verdict.toUpperCase()}`);
      if (interrupt.signal.aborted) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  writeFileSync(join(outDir, 'matrix.json'), `${JSON.stringify({ from, topology, defaults: CERTIFY_DEFAULTS, rows }, null, 2)}\n`);
  writeFileSync(join(outDir, 'matrix.junit.xml'), matrixJunit(rows));
  writeFileSync(join(outDir, 'matrix.html'), matrixHtml(rows));
  console.log(formatMatrix(rows));
  console.log(`reports in ${outDir}`);
  if (interrupt.signal.aborted) return EXIT.interrupted;
  return rows.every((r) => r.verdict === 'pass') ? EXIT.pass : rows.some((r) => r.verdict === 'invalid') ? EXIT.invalidScenario : EXIT.sloMissed;
}

export function matrixRow(path: string, r: RunReport, reportDir: string): MatrixRow {
  const reasons = [...r.slos.filter((v) => !v.pass).map((v) => `${v.slo}: ${v.reason}`), ...(r.error ? [`error: ${r.error}`] : []), ...r.checkErrors.map((e) => `check ${e.check}: ${e.error}`)];
  const downtimes = r.upgrades.map((u) => u.downtimeMs);
  return {
    path,
    verdict: r.verdict,
    reasons,
    downtimeMs: downtimes.length === 0 || downtimes.includes(null) ? null : Math.max(...(downtimes as number[])),
    steps: r.upgrades.map((u) => ({ to: u.to, durationMs: u.durationMs, downtimeMs: u.downtimeMs, availability: u.availability, p99Ms: u.p99Ms, serverAfter: u.serverAfter, ...(u.roles ? { rolling: rolling(u.roles) } : {}) })),
    reportDir,
  };
}

function rolling(roles: NonNullable<RunReport['upgrades'][number]['roles']>): NonNullable<MatrixRow['steps'][number]['rolling']> {
  const measured = roles.filter((st) => st.availability !== null);
  const lowest = measured.length === 0 ? null : measured.reduce((a, b) => (b.availability! < a.availability! ? b : a));
  return { roleSteps: roles.length, lowest: lowest && { instance: lowest.instance, availability: lowest.availability, p99Ms: lowest.p99Ms } };
}

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

function rollingText(s: MatrixRow['steps'][number]): string {
  // An in-place upgrade is one process step: its figures are the step's own.
  if (!s.rolling || s.rolling.roleSteps < 2) return '';
  const low = s.rolling.lowest;
  return `, rolled ${s.rolling.roleSteps} processes, lowest availability ${low ? `${pct(low.availability)} (${low.instance})` : '—'}`;
}

const secs = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

export function formatMatrix(rows: readonly MatrixRow[]): string {
  const lines = rows.map((r) => {
    const steps = r.steps.map((s) => `${s.to} in ${secs(s.durationMs)}, down ${secs(s.downtimeMs)}${rollingText(s)}, server ${s.serverAfter ?? '?'}`).join('; ');
    return `${r.verdict.toUpperCase().padEnd(8)} ${r.path.padEnd(28)} ${steps}${r.reasons.length ? `\n         ${r.reasons.join('\n         ')}` : ''}`;
  });
  return ['certification matrix:', ...lines].join('\n');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One test case per certified path; a path that did not pass is a failure with its reasons. */
export function matrixJunit(rows: readonly MatrixRow[]): string {
  const failures = rows.filter((r) => r.verdict !== 'pass').length;
  const cases = rows.map((r) => {
    const time = (r.steps.reduce((t, s) => t + (s.durationMs ?? 0), 0) / 1000).toFixed(3);
    const body = r.verdict === 'pass' ? '' : `\n    <failure message="${esc(r.verdict)}">${esc(r.reasons.join('\n'))}</failure>\n  `;
    return `  <testcase classname="milvus-drill.certify" name="${esc(r.path)}" time="${time}">${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="certify" tests="${rows.length}" failures="${failures}">\n${cases.join('\n')}\n</testsuite>\n`;
}

export function matrixHtml(rows: readonly MatrixRow[]): string {
  const tr = rows.map((r) => {
    const steps = r.steps.map((s) => `${esc(s.to)}: ${secs(s.durationMs)}, downtime ${secs(s.downtimeMs)}, availability ${pct(s.availability)}, p99 ${s.p99Ms === null ? '—' : `${Math.round(s.p99Ms)} ms`}${esc(rollingText(s))}`).join('<br>');
    const report = `${encodeURI(basename(r.reportDir))}/report.html`;
    return `<tr><td><a href="${esc(report)}">${esc(r.path)}</a></td><td>${esc(r.verdict)}</td><td>${steps}</td><td>${r.reasons.map(esc).join('<br>')}</td></tr>`;
  });
  return `<!doctype html><meta charset="utf-8"><title>certification matrix</title><table border="1" cellpadding="4"><tr><th>path</th><th>verdict</th><th>steps</th><th>missed</th></tr>\n${tr.join('\n')}\n</table>\n`;
}
