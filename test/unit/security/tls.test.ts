import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { clientTls, generateCertificates, securityConfig } from '../../../src/platform/local/tls.ts';
import { mergeConfig, renderStandaloneConfig } from '../../../src/platform/local/milvus.ts';

test('per-run certificates: the server and client certificates verify against the run CA, for 127.0.0.1; keys are private', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certs = await generateCertificates(join(dir, 'tls'));
  for (const pem of [certs.serverPem, certs.clientPem]) assert.match(execFileSync('openssl', ['verify', '-CAfile', certs.caPem, pem], { encoding: 'utf8' }), /: OK/);
  assert.match(execFileSync('openssl', ['x509', '-in', certs.serverPem, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' }), /IP Address:127\.0\.0\.1/);
  for (const key of [certs.serverKey, certs.clientKey]) assert.equal(statSync(key).mode & 0o077, 0, `${key} is readable by others`);
  assert.deepEqual(clientTls('one-way', certs), { mode: 'one-way', caPath: certs.caPem, certPath: null, keyPath: null, serverName: 'localhost' });
  assert.equal(clientTls('mutual', certs)?.keyPath, certs.clientKey);
});

test('milvus.yaml: TLS and authorization settings, and a restart override switches authorization off but keeps TLS', () => {
  const certs = { dir: '/w/tls', caPem: '/w/tls/ca.pem', serverPem: '/w/tls/server.pem', serverKey: '/w/tls/server.pk8', clientPem: '/w/tls/client.pem', clientKey: '/w/tls/client.pk8' };
  const base = securityConfig({ authorization: true, tls: 'mutual', certs });
  assert.deepEqual(base, { common: { security: { authorizationEnabled: true, tlsMode: 2 } }, tls: { serverPemPath: '/w/tls/server.pem', serverKeyPath: '/w/tls/server.pk8', caPemPath: '/w/tls/ca.pem' } });
  assert.deepEqual(securityConfig({ authorization: true, tls: 'one-way', certs }).common, { security: { authorizationEnabled: true, tlsMode: 1 } });
  const overrides = mergeConfig(mergeConfig({}, base), { common: { security: { authorizationEnabled: false } } });
  const yaml = renderStandaloneConfig({ version: '2.3.5', dir: '/w/milvus', etcdEndpoints: ['127.0.0.1:1'], minioAddress: null, ports: { grpc: 2, metrics: 3, internal: {} }, overrides });
  assert.match(yaml, /authorizationEnabled: false/);
  assert.match(yaml, /tlsMode: 2/);
  assert.match(yaml, /serverPemPath: \/w\/tls\/server\.pem/);
});
