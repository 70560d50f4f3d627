import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, type RecordedRun } from '../core/types.ts';
import { analyzeHistory } from '../runner/run.ts';
import { parseValue, setPath } from './scenario-file.ts';
import { parseArgs, UsageError } from './args.ts';

/** What an analysis may change: how the run is judged, never what it recorded. */
const EDITABLE = /^(slos|recovery|expect)(\.|$)/;

/**
 * Scores a run's history again and rewrites report.json, junit.xml and report.html beside it.
 * With --set, judges it against edited SLOs; a history cut short by a kill gives an incomplete report.
 */
export async function analyzeCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { set: 'value' });
  const dir = args.positionals[0];
  if (!dir) throw new UsageError('needs a report directory, e.g. reports/<run-id>');
  const historyPath = join(resolve(dir), 'history.jsonl');
  if (!existsSync(historyPath) || !statSync(historyPath).isFile()) throw new UsageError(`no history.jsonl in ${dir}: is it a milvus-drill report directory?`);
  const edits = (args.flags.get('set') ?? []).map((item) => {
    const eq = item.indexOf('=');
    const path = item.slice(0, eq);
    if (eq <= 0 || !EDITABLE.test(path)) throw new UsageError(`--set ${item}: analyze can change slos, recovery and expect (how a run is judged), e.g. --set slos.0.threshold=0.95`);
    return [path, parseValue(item.slice(eq + 1))] as const;
  });
  const edit = (run: RecordedRun): RecordedRun => {
    const scenario = structuredClone(run.header.scenario) as unknown as Record<string, unknown>;
    for (const [path, value] of edits) setPath(scenario, path, value);
    return { ...run, header: { ...run.header, scenario: scenario as unknown as RecordedRun['header']['scenario'] } };
  };
  const log = (m: string): void => console.error(`[milvus-drill analyze] ${m}`);
  const report = await analyzeHistory(historyPath, resolve(dir), null, log, edit);
  for (const v of report.slos) console.log(`${v.pass ? 'met   ' : 'MISSED'} ${v.slo}: ${v.reason} (${v.samples} samples)`);
  for (const e of report.checkErrors) console.log(`check ${e.check} failed: ${e.error}`);
  if (report.incomplete) console.log('the history ends before the run did (the runner was killed): this report is incomplete');
  console.log(`verdict ${report.verdict.toUpperCase()} (exit ${report.exitCode}); reports rewritten in ${dir}`);
  return report.exitCode === EXIT.pass ? EXIT.pass : report.exitCode;
}
