import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClientTls } from '../../core/platform.ts';
import type { TlsMode } from '../../core/types.ts';

const run = promisify(execFile);

/** The name the server certificate is issued to (with IP 127.0.0.1), and the one clients check. */
export const SERVER_NAME = 'localhost';

export interface RunCertificates {
  dir: string;
  caPem: string;
  serverPem: string;
  serverKey: string;
  clientPem: string;
  clientKey: string;
}

/**
 * A CA, a server and a client certificate for one run, made with openssl in the run's work
 * directory (removed with it; never kept with the logs). EC P-256 keys: quick to make.
 */
export async function generateCertificates(dir: string, signal?: AbortSignal): Promise<RunCertificates> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (name: string): string => join(dir, name);
  const openssl = async (...args: string[]): Promise<void> => {
    try {
      await run('openssl', args, { cwd: dir, signal });
    } catch (err) {
      const e = err as { code?: string; stderr?: string; message: string };
      if (e.code === 'ENOENT') throw new Error("openssl is not installed; it makes the run's TLS certificates (Debian package 'openssl')");
      throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
    }
  };
  const key = (name: string): Promise<void> => openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f(name));
  await key('ca.key');
  await openssl('req', '-x509', '-new', '-key', f('ca.key'), '-sha256', '-days', '2', '-subj', '/CN=milvus-drill run CA', '-out', f('ca.pem'));
  const issue = async (name: string, subject: string, ext: string): Promise<void> => {
    await key(`${name}.key`);
    // PKCS#8, which both Go (Milvus) and Node read.
    await openssl('pkcs8', '-topk8', '-nocrypt', '-in', f(`${name}.key`), '-out', f(`${name}.pk8`));
    await openssl('req', '-new', '-key', f(`${name}.pk8`), '-subj', subject, '-out', f(`${name}.csr`));
    const extFile = f(`${name}.ext`);
    writeFileSync(extFile, ext);
    await openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-sha256', '-extfile', extFile, '-out', f(`${name}.pem`));
  };
  await issue('server', `/CN=${SERVER_NAME}`, `subjectAltName=DNS:${SERVER_NAME},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
  await issue('client', '/CN=milvus-drill client', 'extendedKeyUsage=clientAuth\n');
  for (const k of ['ca.key', 'server.key', 'server.pk8', 'client.key', 'client.pk8']) chmodSync(f(k), 0o600);
  return { dir, caPem: f('ca.pem'), serverPem: f('server.pem'), serverKey: f('server.pk8'), clientPem: f('client.pem'), clientKey: f('client.pk8') };
}

/** Milvus 2.3's settings for TLS (tls.*, common.security.tlsMode: 1 one-way, 2 mutual) and authorization. */
export function securityConfig(o: { authorization: boolean; tls: TlsMode; certs: RunCertificates | null }): Record<string, unknown> {
  const common: Record<string, unknown> = { security: { authorizationEnabled: o.authorization } };
  if (o.tls === 'off' || !o.certs) return { common };
  (common.security as Record<string, unknown>).tlsMode = o.tls === 'mutual' ? 2 : 1;
  return { common, tls: { serverPemPath: o.certs.serverPem, serverKeyPath: o.certs.serverKey, caPemPath: o.certs.caPem } };
}

/** What a client needs to connect: the CA, and for mutual TLS its own certificate and key. */
export function clientTls(mode: TlsMode, certs: RunCertificates): ClientTls | null {
  if (mode === 'off') return null;
  const own = mode === 'mutual';
  return { mode, caPath: certs.caPem, certPath: own ? certs.clientPem : null, keyPath: own ? certs.clientKey : null, serverName: SERVER_NAME };
}
