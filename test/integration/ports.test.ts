import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORT_RESERVATIONS, freePorts, reserve } from '../../src/util/ports.ts';
import { processStartTicks } from '../../src/supervise/journal.ts';
import { waitFor } from '../../src/util/poll.ts';
import { ROOT, runCli } from '../support/cli.ts';

test('ports handed out concurrently in one process are all distinct and reserved to it', async () => {
  const batches = await Promise.all(Array.from({ length: 20 }, () => freePorts(10)));
  const all = batches.flat();
  assert.equal(new Set(all).size, all.length, 'no port handed out twice');
  for (const port of all) {
    assert.equal(readFileSync(join(PORT_RESERVATIONS, String(port)), 'utf8'), `${process.pid} ${processStartTicks(process.pid)}`);
    assert.equal(reserve(port), false, 'a port already handed out is not handed out again');
  }
});

test("another live process's ports are never handed out; once it exits they are free again", async () => {
  const script = `import { freePorts } from ${JSON.stringify(join(ROOT, 'src/util/ports.ts'))};
console.log((await freePorts(3)).join(','));
process.stdin.once('data', () => process.exit(0));
`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ports = await waitFor(() => (/^[\d,]+\n/.test(out) ? out.trim().split(',').map(Number) : undefined), { what: 'the other process to reserve 3 ports', timeoutMs: 30_000 });
  for (const port of ports) assert.equal(reserve(port), false, `port ${port} is held by a live process`);
  child.stdin!.write('x');
  await exited;
  for (const port of ports) assert.equal(existsSync(join(PORT_RESERVATIONS, String(port))), false, 'released when its owner exits');
  for (const port of ports) assert.equal(reserve(port), true, 'free again');
});

test('a reservation left by a process that died without releasing it is taken over', async () => {
  const [port] = await freePorts(1);
  const file = join(PORT_RESERVATIONS, String(port!));
  writeFileSync(file, '4194305 1'); // above pid_max: the owner cannot be alive
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { reserve } from ${JSON.stringify(join(ROOT, 'src/util/ports.ts'))}; console.log(reserve(${port}))`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(out.trim(), 'true', 'another process takes over the dead owner\'s reservation');
  assert.equal(existsSync(file), false, 'and releases it when it exits');
});

test('heal releases the reservations of harnesses that were killed, and only those', async () => {
  const [live, dead] = await freePorts(2);
  writeFileSync(join(PORT_RESERVATIONS, String(dead!)), '4194305 1'); // above pid_max: its owner cannot be alive
  const { code, output } = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: mkdtempSync(join(tmpdir(), 'drill-heal-ports-')) });
  assert.equal(code, 0, output);
  assert.match(output, /released \d+ port reservations of harnesses that were killed/);
  assert.equal(existsSync(join(PORT_RESERVATIONS, String(dead!))), false);
  assert.equal(existsSync(join(PORT_RESERVATIONS, String(live!))), true, 'a live owner keeps its reservation');
});
