import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { Journal, processStartTicks, readLeftoverJournals, type JournalEntry } from '../../src/supervise/journal.ts';
import { ManagedProcess } from '../../src/supervise/process.ts';
import { waitFor } from '../../src/util/poll.ts';
import type { RunReport } from '../../src/core/types.ts';
import { processesMatching, ROOT, runCli, startCli, waitForOutput } from '../support/cli.ts';

/** A journal as a harness that was SIGKILLed leaves it: its owner pid no longer runs. */
function writeCrashedJournal(state: string, runId: string, entries: JournalEntry[]): string {
  const file = join(state, `${runId}.json`);
  writeFileSync(file, JSON.stringify({ runId, owner: { pid: 2 ** 22 + 1, startTicks: 1 }, entries }));
  return file;
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

test('a process started by a harness that is SIGKILLed dies with it (pdeathsig)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-pdeath-'));
  const script = join(dir, 'harness.mts');
  writeFileSync(
    script,
    `import { ManagedProcess } from ${JSON.stringify(join(ROOT, 'src/supervise/process.ts'))};
import { Journal } from ${JSON.stringify(join(ROOT, 'src/supervise/journal.ts'))};
const p = new ManagedProcess({ name: 'sleeper', command: 'sleep', args: ['300'], logFile: ${JSON.stringify(join(dir, 'sleep.log'))} }, new Journal(${JSON.stringify(dir)}, 'pdeath'));
console.log(p.pid);
setInterval(() => {}, 1000);
`,
  );
  const harness = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  harness.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const pid = await waitFor(() => (/^\d+$/m.test(out) ? Number(out.trim()) : undefined), { what: 'the harness to start its child', timeoutMs: 20_000 });
  assert.ok(alive(pid), 'child runs while the harness lives');
  harness.kill('SIGKILL');
  await waitFor(() => !alive(pid), { what: `child ${pid} to die after the harness was killed`, timeoutMs: 10_000 });
});

test('heal kills what a crashed run journalled, removes its work directory and the journal', async () => {
  const state = mkdtempSync(join(tmpdir(), 'drill-heal-'));
  const workDir = mkdtempSync(join(tmpdir(), 'milvus-drill-heal-test-'));
  writeFileSync(join(workDir, 'segment.bin'), 'data');
  // A process that outlives its run: no pdeathsig, as if started by an older harness.
  const orphan = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  orphan.unref();
  writeCrashedJournal(state, 'crashed-run', [
    { id: 'w', kind: 'workdir', name: 'work directory', path: workDir },
    { id: 'a', kind: 'process', name: 'orphan', pid: orphan.pid!, startTicks: processStartTicks(orphan.pid!)! },
  ]);
  const { code, output } = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: state });
  assert.equal(code, 0, output);
  assert.match(output, /killed orphan/);
  assert.match(output, /removed work directory/);
  assert.ok(output.indexOf('killed orphan') < output.indexOf('removed work directory'), 'processes are stopped before their directory goes');
  assert.equal(existsSync(workDir), false);
  await waitFor(() => !alive(orphan.pid!), { what: 'the orphan to die', timeoutMs: 5000 });
  assert.deepEqual(readdirSync(state), []);
  const again = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: state });
  assert.match(again.output, /nothing to heal/);
});

test('heal removes no directory but a run work directory under the temp dir', async () => {
  const state = mkdtempSync(join(tmpdir(), 'drill-heal-'));
  const notOurs = mkdtempSync(join(tmpdir(), 'drill-precious-'));
  const parent = mkdtempSync(join(tmpdir(), 'drill-parent-'));
  const nested = join(parent, 'milvus-drill-nested');
  mkdirSync(nested);
  try {
    writeCrashedJournal(state, 'tampered-run', [
      { id: 'x', kind: 'workdir', name: 'work directory', path: notOurs },
      { id: 'y', kind: 'workdir', name: 'work directory', path: nested },
      { id: 'z', kind: 'workdir', name: 'work directory', path: `${tmpdir()}/milvus-drill-x/../${basename(notOurs)}` },
    ]);
    const { code, output } = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: state });
    assert.equal(code, 2, output);
    assert.equal(output.match(/REFUSED to remove/g)?.length, 3, output);
    assert.ok(existsSync(notOurs) && existsSync(nested), 'both directories are still there');
    assert.deepEqual(readdirSync(state), [], 'the journal is handled all the same');
  } finally {
    rmSync(notOurs, { recursive: true, force: true });
    rmSync(parent, { recursive: true, force: true });
  }
});

test('a run SIGKILLed mid-run: its processes die with it, its history holds the run so far, and heal removes its work directory', { timeout: 300_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'drill-int-'));
  const state = mkdtempSync(join(tmpdir(), 'drill-int-state-'));
  const run = startCli(['run', 'scenarios/smoke.ts', '--rows', '2000', '--set', 'dataset.queries=20', '--out', out], { MILVUS_DRILL_STATE_DIR: state });
  let killed = false;
  try {
    await waitForOutput(run, /stack ready/, 'the stack to come up', 240_000);
    const runId = /run (\S+): scenario/.exec(run.output())![1]!;
    const workDir = readLeftoverJournals(state).flatMap((j) => j.entries).find((e) => e.kind === 'workdir')?.path;
    assert.equal(workDir, join(tmpdir(), `milvus-drill-${runId}`), 'the runner journals its work directory');
    assert.ok(existsSync(workDir!));
    // Killed once searches are under way, so the history has something to score.
    const history = join(out, 'history.jsonl');
    // Complete lines only: a line still being written when the kill lands is dropped by analyze.
    const searchesRecorded = (): number =>
      existsSync(history) ? readFileSync(history, 'utf8').split('\n').slice(0, -1).filter((l) => l.includes('"op":"search"')).length : 0;
    await waitFor(() => searchesRecorded() >= 5, { what: 'five searches in the history', timeoutMs: 240_000, intervalMs: 500 });
    run.child.kill('SIGKILL');
    killed = true;
    await run.exit;
    await waitFor(() => processesMatching(`milvus-drill-${runId}`).length === 0, { what: "the run's processes to die with it", timeoutMs: 15_000 });
    assert.ok(existsSync(workDir!), 'a SIGKILLed run leaves its work directory');

    const { code, output } = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: state });
    assert.equal(code, 0, output);
    assert.ok(output.includes(`removed work directory ${workDir}`), output);
    assert.equal(existsSync(workDir!), false, 'heal removed the work directory');
    assert.deepEqual(readdirSync(state), [], 'and every journal');

    const analysed = await runCli(['analyze', out]);
    assert.equal(analysed.code, 2, analysed.output);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    assert.equal(report.verdict, 'incomplete');
    assert.ok(report.phases.find((p) => p.phase === 'steady')!.searches > 0, 'the searches before the kill are scored');
  } finally {
    if (!killed) run.child.kill('SIGKILL');
    rmSync(out, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
});

test('heal never kills a reused pid: the start time must match', async () => {
  const state = mkdtempSync(join(tmpdir(), 'drill-heal-'));
  const bystander = new ManagedProcess({ name: 'bystander', command: 'sleep', args: ['300'], logFile: join(state, 'b.log') }, new Journal(join(state, 'own'), 'own'));
  const journal = writeCrashedJournal(state, 'stale-run', [{ id: 'b', kind: 'process', name: 'stale', pid: bystander.pid!, startTicks: 1 }]);
  const { code, output } = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: state });
  assert.equal(code, 0, output);
  assert.match(output, /already gone/);
  assert.ok(bystander.running && alive(bystander.pid!));
  await bystander.stop();
  assert.equal(existsSync(journal), false);
});

test('heal counts a network namespace that is already gone as undone, not as a failure', async () => {
  const state = mkdtempSync(join(tmpdir(), 'drill-heal-'));
  const name = `drill-gone-${process.pid}`;
  const journal = writeCrashedJournal(state, 'netns-run', [{ id: 'n', kind: 'netns', name: `namespace ${name}`, undo: [['ip', 'netns', 'del', name]] }]);
  const { code, output } = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: state });
  assert.equal(code, 0, output);
  assert.match(output, new RegExp(`already gone: ip netns del ${name}`));
  assert.doesNotMatch(output, /FAILED/);
  assert.equal(existsSync(journal), false);
});

test('heal leaves the journal of a run still in progress alone', async () => {
  const state = mkdtempSync(join(tmpdir(), 'drill-heal-'));
  const live = new ManagedProcess({ name: 'live', command: 'sleep', args: ['300'], logFile: join(state, 'l.log') }, new Journal(state, 'live-run'));
  const { code, output } = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: state });
  assert.equal(code, 0, output);
  assert.match(output, /live-run is still in progress/);
  assert.ok(live.running && alive(live.pid!), 'the live run keeps its process');
  await live.stop();
});

test('an invalid scenario exits 3 and lists every error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-bad-'));
  const file = join(dir, 'bad.ts');
  writeFileSync(
    file,
    `export default {
  name: 'bad',
  dataset: { rows: -5, metric: 'L1' },
  phases: { steady: 'forever' },
  faults: [{ kind: 'pod-kil', target: { role: 'standalone' }, duration: '5s' }],
};
`,
  );
  for (const command of ['validate', 'plan', 'run']) {
    const { code, output } = await runCli([command, file]);
    assert.equal(code, 3, `${command}: ${output}`);
    for (const path of ['dataset.rows', 'dataset.metric', 'phases.steady', 'faults[0].kind']) assert.match(output, new RegExp(path.replace(/[[\]]/g, '\\$&')));
    assert.match(output, /4 errors/);
    assert.match(output, /fix: did you mean 'pod-kill'\?/);
  }
});

test('usage errors exit 2 and name the problem', async () => {
  const r = await runCli(['run', 'scenarios/smoke.ts', '--sed', '1']);
  assert.equal(r.code, 2);
  assert.match(r.output, /unknown option --sed/);
  const missing = await runCli(['run', 'scenarios/nope.ts']);
  assert.equal(missing.code, 2);
  assert.match(missing.output, /scenario file not found/);
});
