import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.ts';
import { plainReport, threeDrills } from '../support/dr-reports.ts';
import { findBrowser } from '../../src/report/pdf.ts';
import { reportCommand } from '../../src/cli/report.ts';
import { UsageError } from '../../src/cli/args.ts';

const missingTool = ((): string | false => {
  try {
    findBrowser(undefined);
  } catch (err) {
    return (err as Error).message;
  }
  for (const tool of ['pdftotext', 'pdftoppm']) {
    try {
      execFileSync(tool, ['-v'], { stdio: 'ignore' });
    } catch {
      return `${tool} (Debian poppler-utils) is missing: run scripts/setup.sh`;
    }
  }
  return false;
})();

/** Writes each report as <root>/<runId>/report.json, as a run would, and returns the directories. */
function reportDirs(root: string, reports: readonly { runId: string }[]): string[] {
  return reports.map((r) => {
    const dir = join(root, r.runId);
    mkdirSync(dir);
    writeFileSync(join(dir, 'report.json'), `${JSON.stringify(r, null, 2)}\n`);
    return dir;
  });
}

/** A colour PPM (P6) page image: its size and a count of pixels by a predicate. */
function readPpm(file: string): { width: number; height: number; count: (pred: (r: number, g: number, b: number) => boolean) => number } {
  const buf = readFileSync(file);
  const header = buf.subarray(0, 64).toString('latin1').match(/^P6\s+(\d+)\s+(\d+)\s+255\s/);
  assert.ok(header, `${file} is not a binary PPM`);
  const [width, height] = [Number(header[1]), Number(header[2])];
  const data = buf.subarray(header[0].length);
  return {
    width,
    height,
    count: (pred) => {
      let n = 0;
      for (let i = 0; i + 2 < data.length; i += 3) if (pred(data[i]!, data[i + 1]!, data[i + 2]!)) n++;
      return n;
    },
  };
}

const near = (hex: string, tol = 40) => {
  const [R, G, B] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return (r: number, g: number, b: number): boolean => Math.abs(r - R!) + Math.abs(g - G!) + Math.abs(b - B!) <= tol;
};

test('report --pdf renders three drills into a PDF whose pages show the trend and the verification table', { skip: missingTool }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'drill-pdf-test-'));
  try {
    const dirs = reportDirs(root, threeDrills());
    const out = join(root, 'drill.pdf');
    // Given newest first: the drill of record is chosen by date, not by argument order.
    const { code, output } = await runCli(['report', '--pdf', dirs[2]!, dirs[0]!, dirs[1]!, '--out', out]);
    assert.equal(code, 0, output);
    assert.match(output, /DR drill report for dr-2026q3-e5f6 \(trend over 3\)/);

    const text = execFileSync('pdftotext', ['-layout', out, '-'], { encoding: 'utf8' });
    for (const heading of ['DR drill: dr-restore', 'RPO and RTO', 'Timeline of backup, destroy, restore, verify', 'Verification', 'Trend over 3 drills', 'RTO (s)', 'Restore throughput (rows/s)', 'Verification results']) {
      assert.ok(text.includes(heading), `the PDF text lacks '${heading}'`);
    }
    // A cell's text may wrap over lines: compare with whitespace collapsed.
    const flat = execFileSync('pdftotext', [out, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const check of ['rows present at latest version', 'deletes absent', 'counts per partition', 'recall@10 vs source']) assert.ok(flat.includes(check), `verification table lacks '${check}'`);
    const trendAt = text.indexOf('Trend over 3 drills');
    const ids = ['dr-2026q1-a1b2', 'dr-2026q2-c3d4', 'dr-2026q3-e5f6'].map((id) => text.indexOf(id, trendAt));
    assert.ok(ids.every((i) => i > trendAt), `every run id in the trend: ${ids}`);
    assert.ok(ids[0]! < ids[1]! && ids[1]! < ids[2]!, 'the trend is oldest first');
    assert.match(text, /4\/6 failed/);
    assert.match(text, /not reached/);

    execFileSync('pdftoppm', ['-r', '40', out, join(root, 'page')]);
    const pages = readdirSync(root).filter((f) => /^page-\d+\.ppm$/.test(f)).sort();
    assert.ok(pages.length >= 2, `the trend starts on a page of its own: ${pages.length} pages`);
    for (const page of pages) {
      const img = readPpm(join(root, page));
      const inked = img.count((r, g, b) => r + g + b < 600);
      assert.ok(inked > img.width * img.height * 0.005, `${page} is blank (${inked} dark pixels)`);
    }
    // The trend page's charts were drawn: the verification bars' green (passed) and red (failed) fill.
    const trendPage = pages.find((p) => execFileSync('pdftotext', ['-f', p.match(/\d+/)![0], '-l', p.match(/\d+/)![0], out, '-'], { encoding: 'utf8' }).includes('Verification results'));
    assert.ok(trendPage, 'a page shows the verification results chart');
    const img = readPpm(join(root, trendPage));
    assert.ok(img.count(near('#1a7f37')) > 200, 'green (passed) bars on the trend page');
    assert.ok(img.count(near('#c62828')) > 20, 'red (failed) bar on the trend page');
    assert.ok(img.count(near('#e8a33d')) > 20, 'amber (restore throughput line, unknown check) on the trend page');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('report --pdf names every directory that is not a DR drill, and writes nothing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'drill-pdf-test-'));
  try {
    const [drill] = reportDirs(root, threeDrills().slice(0, 1));
    const [plain] = reportDirs(root, [plainReport('plain-run', '2026-01-01T00:00:00.000Z')]);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await assert.rejects(reportCommand(['--pdf', drill!, plain!, empty, '--out', join(root, 'x.pdf')]), (err: Error) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /plain-run\) has no 'dr' section: it is not a DR drill/);
      assert.match(err.message, /empty: no report.json/);
      return true;
    });
    assert.deepEqual(readdirSync(root).filter((f) => f.endsWith('.pdf')), []);
    await assert.rejects(reportCommand([drill!]), /--pdf/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
