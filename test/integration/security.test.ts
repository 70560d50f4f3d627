import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { HistoryRecord } from '../../src/core/types.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { runScenario } from '../../src/runner/run.ts';
import { LocalPlatform } from '../../src/platform/local/platform.ts';
import { MINIO_CREDENTIALS } from '../../src/platform/local/minio.ts';
import { PROBE_USERS } from '../../src/security/secrets.ts';
import securityRestart from '../../scenarios/security-restart.ts';

/** scenarios/security-restart.ts at a size CI affords: the same stack, probes and kill, shorter phases. */
function reduced(): Parameters<typeof validateScenario>[0] {
  const steps = [
    { phase: 'steady', duration: '8s' },
    { phase: 'fault', duration: '10s', faults: [{ name: 'kill-milvus', kind: 'pod-kill', target: { role: 'standalone' }, at: '2s', duration: '3s' }] },
    { phase: 'recovered', after: 'recovery', duration: '5s' },
    { action: 'security', name: 'after recovery' },
  ];
  return { ...securityRestart, dataset: { ...securityRestart.dataset, rows: 2000, queries: 30 }, steps };
}

/** Scans every file under dir for the run's secrets, their auth-header forms, the MinIO key and private keys. */
function scan(dir: string, secrets: readonly string[]): string[] {
  const forbidden = [
    ...secrets,
    MINIO_CREDENTIALS.secretKey,
    ...secrets.slice(1).map((p, i) => Buffer.from(`${Object.values(PROBE_USERS)[i]}:${p}`).toString('base64')),
    Buffer.from(`root:${secrets[0]}`).toString('base64'),
    'PRIVATE KEY',
  ];
  const kept = files(dir);
  assert.ok(!kept.some((f) => /\.(pem|key|pk8|csr)$/.test(f)), `no certificate or key file is kept: ${kept.filter((f) => /\.(pem|key|pk8)$/.test(f)).join(', ')}`);
  for (const file of kept) {
    const text = readFileSync(file, 'latin1');
    for (const secret of forbidden) assert.ok(!text.includes(secret), `${file} holds a secret (${secret === 'PRIVATE KEY' ? secret : `${secret.slice(0, 3)}…`})`);
  }
  return kept;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('security-restart (reduced): mutual TLS, auth and RBAC probes hold before and after a kill, and no secret reaches the report folder', { timeout: 600_000 }, async () => {
  const validated = validateScenario(reduced());
  assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  const out = mkdtempSync(join(tmpdir(), 'drill-security-'));
  let secrets: readonly string[] = [];
  const report = await runScenario(validated.scenario, {
    platform: new LocalPlatform(),
    runId: `security-test-${Date.now()}`,
    outDir: out,
    signal: new AbortController().signal,
    log: () => undefined,
    onSecrets: (s) => (secrets = s),
  });
  const security = report.slos.find((v) => v.slo === 'security')!;
  assert.equal(security.pass, true, security.reason);
  assert.equal(report.verdict, 'pass', JSON.stringify(report.slos.filter((v) => !v.pass)));

  const records = readFileSync(join(out, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HistoryRecord);
  const probes = records.flatMap((r) => (r.type === 'op' && r.op.op === 'security' ? [r.op] : []));
  const points = [...new Set(probes.map((p) => p.probe!.point))];
  assert.deepEqual(points, ['before faults', 'after recovery', 'after recovery (end of steps)']);
  const names = new Set(probes.map((p) => p.probe!.name));
  for (const name of ['plaintext connection is refused', 'client without a certificate is refused', 'unauthenticated request is refused', 'wrong password is refused', 'default root password is refused', 'read-only user can search', 'read-only user cannot insert', 'user granted one collection cannot read another', 'revoking a privilege takes effect', 'users, roles and grants exist']) {
    assert.ok(names.has(name), `probe '${name}' ran`);
  }
  for (const p of probes) assert.equal(p.outcome, p.probe!.expect === 'refused' ? 'fail' : 'ok', `${p.probe!.name} at ${p.probe!.point}: ${p.error ?? ''}`);
  const header = records[0]!;
  assert.ok(header.type === 'header' && header.scenario.stack.security?.rootPassword === 'generated');

  // The secret scan: nothing the run used to authenticate, and no key, anywhere in its report folder.
  assert.equal(secrets.length, 3, 'root and two probe users have generated passwords');
  const kept = scan(out, secrets);
  assert.ok(kept.some((f) => f.endsWith('milvus.yaml')), 'the Milvus config is kept (redacted)');
});

test('k6 connects with credentials and mutual TLS when the stack has them, and its files keep no secret', { timeout: 600_000 }, async () => {
  const validated = validateScenario({
    ...securityRestart,
    name: 'security-k6',
    dataset: { ...securityRestart.dataset, rows: 2000, queries: 30 },
    workload: { ...securityRestart.workload, load: { rate: 5, timeout: '3s', writes: [{ op: 'insert', rate: 1, batchSize: 10 }] } },
    steps: [{ phase: 'steady', duration: '15s' }],
    slos: [{ kind: 'security', threshold: 0 }, { kind: 'durability', threshold: 0 }],
  });
  assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  const out = mkdtempSync(join(tmpdir(), 'drill-security-k6-'));
  let secrets: readonly string[] = [];
  const report = await runScenario(validated.scenario, { platform: new LocalPlatform(), runId: `security-k6-test-${Date.now()}`, outDir: out, signal: new AbortController().signal, log: () => undefined, onSecrets: (s) => (secrets = s) });
  assert.equal(report.verdict, 'pass', JSON.stringify([report.error, report.slos.filter((v) => !v.pass)]));
  const k6 = readFileSync(join(out, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HistoryRecord).flatMap((r) => (r.type === 'op' && r.op.source === 'k6' ? [r.op] : []));
  const searches = k6.filter((o) => o.op === 'search');
  const inserts = k6.filter((o) => o.op === 'insert');
  assert.ok(searches.length >= 20 && inserts.length >= 5, `k6 searched ${searches.length} and inserted ${inserts.length} times`);
  assert.deepEqual(k6.filter((o) => o.outcome !== 'ok').map((o) => o.error), [], 'every k6 call was served: authenticated over mutual TLS');
  scan(out, secrets);
});
