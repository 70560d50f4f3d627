import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArgs, getArgs, listArgs, restoreArgs } from '../../src/workload/milvus-backup/cli.ts';
import { findMilvusBackup, MILVUS_BACKUP_MISSING, MilvusBackupTool } from '../../src/workload/milvus-backup/tool.ts';
import { runCli } from '../support/cli.ts';
import type { RunReport } from '../../src/core/types.ts';

// The official milvus-backup is on no registry reachable here, so on this machine this test is
// skipped (visibly, with the reason). Where a user has the binary (--milvus-backup, $MILVUS_BACKUP
// or PATH), it checks that the binary takes every flag we pass and writes its config privately.
const binary = findMilvusBackup(undefined);

test('the milvus-backup binary takes every flag milvus-drill passes it', { skip: binary ? false : MILVUS_BACKUP_MISSING }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-mb-'));
  try {
    const tool = new MilvusBackupTool(binary!, {
      milvusAddress: '127.0.0.1:1',
      credentials: { user: 'root', password: 'secret' },
      tls: null,
      objectStore: { endpoint: '127.0.0.1:2', accessKey: 'a', secretKey: 's', bucket: 'b', rootPath: 'files' },
      backupStore: { bucket: 'b', rootPath: 'backup' },
      httpUrl: null,
    }, dir, 20_000);
    assert.equal(statSync(tool.configPath).mode & 0o777, 0o600, 'the config holds credentials: owner only');
    assert.match(readFileSync(tool.configPath, 'utf8'), /password: "secret"/);
    const uses: [string, string[]][] = [
      ['create', createArgs(tool.configPath, 'drill_1', { collections: ['c'], rbac: true })],
      ['restore', restoreArgs(tool.configPath, 'drill_1', { collections: ['c'], suffix: '_r', restoreIndex: true, dropExisting: true, rbac: true })],
      ['list', listArgs(tool.configPath)],
      ['get', getArgs(tool.configPath, 'drill_1')],
    ];
    for (const [sub, args] of uses) {
      const help = await tool.run([sub, '--help']);
      const text = help.stdout + help.stderr;
      for (const flag of args.slice(3).filter((a) => a.startsWith('--'))) assert.ok(text.includes(flag), `milvus-backup ${sub} --help does not list ${flag}:\n${text}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a milvus-backup drill without the binary stops before anything starts: exit 2, the fix named, no report', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'drill-mb-run-')), 'report');
  try {
    const env = { PATH: '/usr/bin:/bin', MILVUS_BACKUP: '' };
    const missing = await runCli(['run', 'scenarios/dr-milvus-backup.ts', '--out', out], env);
    assert.equal(missing.code, 2, missing.output);
    assert.match(missing.output, /milvus-backup is not installed: pass --milvus-backup PATH/);
    const wrong = await runCli(['run', 'scenarios/dr-milvus-backup.ts', '--out', out, '--milvus-backup', '/nonexistent/milvus-backup'], env);
    assert.equal(wrong.code, 2, wrong.output);
    assert.match(wrong.output, /--milvus-backup '\/nonexistent\/milvus-backup' is not an executable file/);
    assert.ok(!existsSync(out), 'nothing was started, so there is no report directory');
  } finally {
    rmSync(join(out, '..'), { recursive: true, force: true });
  }
});

// The whole drill with the official tool, where a user has it: backup, destroy, restore, verify.
test('scenarios/dr-milvus-backup.ts passes with the milvus-backup binary', { skip: binary ? false : MILVUS_BACKUP_MISSING, timeout: 20 * 60_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'drill-mb-drill-'));
  try {
    const run = await runCli(['run', 'scenarios/dr-milvus-backup.ts', '--out', out, '--milvus-backup', binary!]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    assert.equal(report.verdict, 'pass', run.output);
    assert.equal(run.code, 0);
    assert.equal(report.dr?.method, 'milvus-backup');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
