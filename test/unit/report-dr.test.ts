import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/report/html.ts';
import { renderDrDrillDocument, lineChart } from '../../src/report/dr.ts';
import { drViewOf, verificationVerdict } from '../../src/report/dr-view.ts';
import { drillReport, plainReport, threeDrills, VERIFICATION_CHECKS } from '../support/dr-reports.ts';

const clean = drillReport('dr-1', '2026-03-02T09:00:00.000Z', { rtoMs: 42_000, restoreMs: 18_000, indexMs: 9000, loadMs: 4000, rpoRows: 1200, rpoSeconds: 24, restoredRows: 20_000 });

/** The rows of the table with this class, each as its cells' text. */
function tableRows(html: string, cls: string): string[][] {
  const table = html.match(new RegExp(`<table class="${cls}"[^>]*>(.*?)</table>`, 's'))?.[1];
  assert.ok(table, `no table.${cls}`);
  return [...table.matchAll(/<tr>(.*?)<\/tr>/gs)].slice(1).map((m) => [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, '')));
}

test('report.html has no DR section when the run was no drill', () => {
  const html = renderHtml(plainReport('r1', '2026-03-02T09:00:00.000Z'));
  assert.doesNotMatch(html, /Disaster recovery/);
  assert.doesNotMatch(html, /dr-timeline|dr-verification/);
});

test("report.html's DR section: timeline of every step, RPO, RTO with its breakdown, verification table", () => {
  const html = renderHtml(clean);
  assert.match(html, /<h2>Disaster recovery<\/h2>/);
  const timeline = html.match(/<svg class="dr-timeline".*?<\/svg>/s)?.[0] ?? '';
  for (const step of ['backup', 'destroy', 'restore', 'import', 'index', 'load', 'verify']) assert.match(timeline, new RegExp(`>${step}[:<]`), `timeline lacks ${step}`);
  assert.match(timeline, /import: 20000 rows: 18\.0 s \(ok\)/);
  assert.match(timeline, /verify: searches at recall: 10\.0 s \(ok\)/);
  assert.match(timeline, /destroy: source stack: at 60\.0 s \(ok\)/, 'an instant shows when, not a zero length');
  assert.deepEqual(tableRows(html, 'dr-events').map((r) => r[1]), ['backup started', 'backup done', 'destroy', 'restore started', 'first good search window']);
  const cells = html.match(/<table class="dr-summary">(.*?)<\/table>/s)![1]!;
  assert.match(cells, /RPO \(rows\)<\/th><td>1200</);
  assert.match(cells, /RPO \(time\)<\/th><td>24\.0 s</);
  assert.match(cells, /RTO<\/th><td>42\.0 s<\/td><td[^>]*>[^<]*\(every search ok with recall ≥ 0\.9 for 10\.0 s\)/);
  assert.match(cells, /up \/ restore \/ index \/ load<\/th><td>2\.5 s \/ 18\.0 s \/ 9\.0 s \/ 4\.0 s</);
  assert.match(cells, /restored rows<\/th><td>20000<\/td><td[^>]*>1111 rows\/s/);
  assert.match(cells, /verification<\/th><td class="ok">VERIFIED</);
  assert.match(html, /<svg class="dr-rto".*?up: 2\.5 s.*?restore 18\.0 s.*?index 9\.0 s.*?until searchable at recall: 8\.5 s/s);
  const rows = tableRows(html, 'dr-verification');
  assert.deepEqual(rows.map((r) => r[0]), [...VERIFICATION_CHECKS]);
  assert.ok(rows.every((r) => r[3] === 'pass'));
});

test('a failed verification check is never shown as a pass, a damaged backup names its objects, and no verification is "not verified"', () => {
  const bad = drillReport('dr-2', '2026-06-01T09:00:00.000Z', { rtoMs: null, restoreMs: 1000, indexMs: 1000, loadMs: 1000, rpoRows: 0, rpoSeconds: 0, restoredRows: 10, failing: ['deletes absent', 'partition key'], corrupted: ['insert_log/44/45/46/101/7'] });
  const html = renderHtml(bad);
  const rows = tableRows(html, 'dr-verification');
  assert.deepEqual(rows.filter((r) => r[3] !== 'pass').map((r) => [r[0], r[3]]), [['deletes absent', 'FAIL'], ['partition key', 'FAIL']]);
  assert.match(html, /verification<\/th><td class="bad">FAILED/);
  assert.match(html, /RTO<\/th><td>not reached/);
  assert.match(html, /lost before backup<\/th><td class="bad">200/);
  assert.match(html, /corrupted objects<\/th><td class="bad">1<\/td><td[^>]*>insert_log\/44\/45\/46\/101\/7</);
  assert.match(html, /restore: dr-2-backup: 3\.5 s \(fail\)/, 'the restore of a damaged backup is a failed step');
  assert.match(html, /verify: never searchable at recall: did not finish \(fail\)/);
  assert.doesNotMatch(html, /class="dr-rto"/, 'no RTO bar without an RTO');

  const dr = clean.dr!;
  const unverified = { ...clean, dr: { ...dr, verification: null } };
  assert.equal(verificationVerdict(drViewOf(unverified)!), 'not verified');
  assert.match(renderHtml(unverified), /Not verified:<\/b> the drill recorded no verification checks/);
  assert.match(renderHtml(unverified), /verify: searches at recall: 10\.0 s \(unknown\)/);
  // The drill's own verdict counts even where every item passed.
  assert.equal(verificationVerdict(drViewOf({ ...clean, dr: { ...dr, verification: { pass: false, items: dr.verification!.items } } })!), 'failed');
  assert.equal(verificationVerdict(drViewOf({ ...clean, dr: { ...dr, restore: { ...dr.restore!, manifestChecked: false } } })!), 'verified');
  assert.match(renderHtml({ ...clean, dr: { ...dr, restore: { ...dr.restore!, manifestChecked: false } } }), /manifest checksums<\/th><td class="bad">NOT CHECKED/);
});

test('a drill destroyed and never restored shows the restore as not completed', () => {
  const dr = clean.dr!;
  const html = renderHtml({ ...clean, dr: { ...dr, restore: null, rto: { ...dr.rto!, ms: null, firstGoodWindow: null } } });
  assert.match(html, /restore: did not complete: did not finish \(fail\)/);
  assert.match(html, /restored rows<\/th><td>—/);
  // A report written before the restore recorded damaged objects reads as having none.
  const older = renderHtml({ ...clean, dr: { ...dr, restore: { ...dr.restore!, corrupted: undefined as never, missing: undefined as never } } });
  assert.doesNotMatch(older, /corrupted objects|missing objects/);
  assert.match(older, /restore: dr-1-backup: [\d.]+ s \(ok\)/);
});

test('DR text from the report is escaped', () => {
  const hostile = { ...clean, dr: { ...clean.dr!, verification: { pass: false, items: [{ check: '<script>x</script>', expected: '1', found: '0', pass: false, detail: 'a & b' }] } } };
  const html = renderHtml(hostile);
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/);
  assert.match(html, /a &amp; b/);
});

test('a dr section that is not an object is an error naming the run', () => {
  assert.throws(() => drViewOf({ ...clean, dr: 'yes' as never }), /report dr-1: 'dr' must be an object/);
});

test('the PDF document: the newest drill is the drill of record, the trend lists every drill oldest first', () => {
  const [a, b, c] = threeDrills();
  const doc = renderDrDrillDocument([c!, a!, b!]);
  assert.match(doc, /<title>DR drill report: dr-restore dr-2026q3-e5f6<\/title>/);
  assert.deepEqual(tableRows(doc, 'dr-trend').map((r) => r[0]), ['dr-2026q1-a1b2', 'dr-2026q2-c3d4', 'dr-2026q3-e5f6']);
  const trend = tableRows(doc, 'dr-trend');
  assert.deepEqual(trend.map((r) => r[3]), ['42.0 s', '51.0 s', 'not reached']);
  assert.deepEqual(trend.map((r) => r[7]), ['6/6 verified', '4/6 failed', '6/6 verified']);
  assert.deepEqual(trend.map((r) => r[6]), ['1111', '900', '1250'], 'restore throughput, rows/s');
  for (const heading of ['RTO (s)', 'RPO (rows acknowledged after the backup point)', 'RPO (s)', 'Restore throughput (rows/s)', 'Verification results']) assert.ok(doc.includes(`<h3>${heading.replace(/&/g, '&amp;')}</h3>`), heading);
  assert.doesNotMatch(doc, /https?:\/\/|<script|<link|@import/, 'the document loads nothing');
});

test('the PDF document of a single drill, and of drills that measured nothing, still renders', () => {
  const one = renderDrDrillDocument([clean]);
  assert.match(one, /Trend over 1 drill</);
  assert.match(one, /<circle cx="[\d.]+" cy="[\d.]+" r="3"/);
  const dr = clean.dr!;
  const bare = renderDrDrillDocument([{ ...clean, dr: { method: 'cold-snapshot', backup: null, destroyAt: null, restore: null, rpo: null, rto: null, verification: null, timeline: [] } }, { ...clean, runId: 'dr-0', startedAt: '2026-01-01T00:00:00.000Z', dr }]);
  assert.deepEqual(tableRows(bare, 'dr-trend').map((r) => [r[0], r[3], r[7]]), [['dr-0', '42.0 s', '6/6 verified'], ['dr-1', 'not reached', '0/0 not verified']]);
  assert.match(bare, /No DR steps were recorded/);
});

test('the PDF document refuses a report that is no drill, naming it', () => {
  assert.throws(() => renderDrDrillDocument([clean, plainReport('plain-9', '2026-01-01T00:00:00.000Z')]), /report plain-9 has no 'dr' section/);
  assert.throws(() => renderDrDrillDocument([]), /at least one/);
});

test('a trend chart leaves a gap with a red cross where a drill has no value', () => {
  const svg = lineChart(['a', 'b', 'c'], [{ name: 'total', color: '#000', values: [10, null, 30] }]);
  const path = svg.match(/<path d="([^"]*)"/)![1]!;
  assert.equal(path.match(/M/g)?.length, 2, 'two separate segments around the gap');
  assert.match(svg, /<title>b total: none<\/title>×/);
  assert.equal(svg.match(/<circle/g)?.length, 2);
});
