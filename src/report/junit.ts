import type { RunReport } from '../core/types.ts';

/** One test case per SLO, so CI systems show which objective failed and by how much. */
export function renderJunit(r: RunReport): string {
  const cases = r.slos.map((v) => {
    const name = `${v.slo} (${v.op} ${v.threshold === null ? "?" : Number(v.threshold.toPrecision(6))})`;
    const body = v.pass
      ? ''
      : `\n      <failure message="${esc(v.reason)}">measured=${v.measured ?? 'none'} samples=${v.samples}</failure>\n    `;
    return `    <testcase classname="${esc(r.scenario)}" name="${esc(name)}">${body}</testcase>`;
  });
  if (r.error) {
    cases.push(`    <testcase classname="${esc(r.scenario)}" name="run"><error message="${esc(r.error)}"/></testcase>`);
  }
  if (r.verdict === 'interrupted') {
    cases.push(`    <testcase classname="${esc(r.scenario)}" name="run"><error message="interrupted before the run finished"/></testcase>`);
  }
  const failures = r.slos.filter((v) => !v.pass).length;
  const errors = r.error || r.verdict === 'interrupted' ? 1 : 0;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="milvus-drill" tests="${cases.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="${esc(r.scenario)}" tests="${cases.length}" failures="${failures}" errors="${errors}" timestamp="${r.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
