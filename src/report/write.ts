import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { History, RunReport } from '../core/types.ts';
import { renderJunit } from './junit.ts';
import { renderHtml } from './html.ts';

/**
 * Writes every report beside the history (history.jsonl, written by the run as it happened). A
 * reporter that throws never loses the run's result: report.json is written first, and a failing
 * renderer leaves a note instead of its file.
 */
export function writeReports(outDir: string, report: RunReport, history: History): void {
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'events.json'), `${JSON.stringify(history.events, null, 2)}\n`);
  for (const [file, render] of [
    ['junit.xml', renderJunit],
    ['report.html', renderHtml],
  ] as const) {
    try {
      writeFileSync(join(outDir, file), render(report));
    } catch (err) {
      writeFileSync(join(outDir, `${file}.error.txt`), `rendering ${file} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
  }
}
