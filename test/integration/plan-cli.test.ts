import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { runCli } from '../support/cli.ts';

const namespaces = (): string[] => {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  } catch {
    return [];
  }
};
const workDirs = (): string[] => readdirSync('/tmp').filter((n) => n.startsWith('milvus-drill-')).sort();

test('plan prints every step of a cluster scenario and leaves nothing behind: no namespace, process or work directory', async () => {
  const before = { ns: namespaces(), dirs: workDirs() };
  const { code, output } = await runCli(['plan', 'scenarios/partition-querynode-coord.ts']);
  assert.equal(code, 0, output);
  assert.match(output, /phase 'steady'/);
  assert.match(output, /inject network-partition/);
  assert.match(output, /verify durability/);
  // Other runs on the machine may add their own; plan must add none.
  const added = namespaces().filter((n) => !before.ns.includes(n) && /drill/.test(n));
  assert.deepEqual(added, []);
  assert.deepEqual(workDirs().filter((d) => !before.dirs.includes(d)), []);
});
