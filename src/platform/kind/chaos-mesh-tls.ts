// The certificate Chaos Mesh's admission webhooks are served with: a CA of its own and a server
// certificate for the webhook service, made with openssl at install time (Node has no API that
// writes X.509 certificates). What upstream's chart does with Helm's genCA/genSignedCert.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAOS_MESH_NAMESPACE, webhookDnsNames, type ChaosMeshTls } from './chaos-mesh-install.ts';

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`openssl is not installed (apt-get install openssl): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

/** A fresh CA and webhook-server certificate (RSA 2048, `days` valid) for the webhook service in `namespace`. */
export function makeWebhookTls(namespace = CHAOS_MESH_NAMESPACE, days = 3650): ChaosMeshTls {
  const dir = mkdtempSync(join(tmpdir(), 'drill-chaos-tls-'));
  try {
    const names = webhookDnsNames(namespace);
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', String(days), '-subj', '/CN=milvus-drill chaos-mesh webhook CA'], dir);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', `/CN=${names[2]}`], dir);
    openssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', String(days), '-extfile', 'ext.cnf'], dir);
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return { caCert: read('ca.crt'), cert: read('tls.crt'), key: read('tls.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
