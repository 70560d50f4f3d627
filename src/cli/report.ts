import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, type RunReport } from '../core/types.ts';
import { renderDrDrillDocument } from '../report/dr.ts';
import { drViewOf } from '../report/dr-view.ts';
import { findBrowser, printPdf } from '../report/pdf.ts';
import { flag, parseArgs, UsageError } from './args.ts';

/**
 * `report --pdf <report-dir>...`: the DR drill report as a PDF, for the newest of the drills given,
 * with a trend across all of them. Written to <newest dir>/dr-report.pdf unless --out names a file.
 */
export async function reportCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { pdf: 'boolean', out: 'value', browser: 'value' });
  if (!args.flags.has('pdf')) throw new UsageError('say which report to make: --pdf (the DR drill report), e.g. report --pdf reports/<run-id> reports/<earlier-run-id>');
  if (args.positionals.length === 0) throw new UsageError('needs one or more report directories of DR drills, e.g. report --pdf reports/<run-id> [reports/<earlier-run-id> ...]');
  const drills = readDrills(args.positionals);
  const newest = drills.reduce((a, b) => (b.report.startedAt.localeCompare(a.report.startedAt) >= 0 ? b : a));
  const out = resolve(flag(args, 'out') ?? join(newest.dir, 'dr-report.pdf'));
  const browser = findBrowser(flag(args, 'browser'));
  const log = (m: string): void => console.error(`[milvus-drill report] ${m}`);
  log(`rendering ${drills.length} drill${drills.length === 1 ? '' : 's'} with ${browser}`);
  await printPdf(renderDrDrillDocument(drills.map((d) => d.report)), out, browser);
  console.log(`DR drill report for ${newest.report.runId} (trend over ${drills.length}): ${out}`);
  return EXIT.pass;
}

/** Every directory's report.json, each checked to be a DR drill; every problem reported at once. */
function readDrills(dirs: readonly string[]): { dir: string; report: RunReport }[] {
  const problems: string[] = [];
  const drills: { dir: string; report: RunReport }[] = [];
  for (const given of dirs) {
    const dir = resolve(given);
    const file = join(dir, 'report.json');
    if (!existsSync(file)) {
      problems.push(`${given}: no report.json; give the directory a run wrote its reports to (reports/<run-id>)`);
      continue;
    }
    let report: RunReport;
    try {
      report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
    } catch (err) {
      problems.push(`${given}/report.json is not JSON (${err instanceof Error ? err.message : String(err)}); run 'milvus-drill analyze ${given}' to write it again`);
      continue;
    }
    if (typeof report.runId !== 'string' || typeof report.startedAt !== 'string') {
      problems.push(`${given}/report.json has no runId/startedAt: it is not a milvus-drill report`);
      continue;
    }
    try {
      if (!drViewOf(report)) {
        problems.push(`${given} (run ${report.runId}) has no 'dr' section: it is not a DR drill (a scenario with backup and restore steps writes one)`);
        continue;
      }
    } catch (err) {
      problems.push(`${given}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    drills.push({ dir, report });
  }
  if (problems.length > 0) throw new UsageError(`cannot make the DR drill report:\n  ${problems.join('\n  ')}`);
  return drills;
}
