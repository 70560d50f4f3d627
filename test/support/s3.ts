import { createHash, createHmac } from 'node:crypto';

/** A bare S3 request (path-style, Signature V4) against a test's own MinIO: enough to make a bucket and put and get objects. */
export async function s3(endpoint: string, creds: { accessKey: string; secretKey: string }, method: 'GET' | 'PUT', path: string, body: Buffer = Buffer.alloc(0)): Promise<Response> {
  const now = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = now.slice(0, 8);
  const payload = createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = { host: endpoint, 'x-amz-content-sha256': payload, 'x-amz-date': now };
  const signed = Object.keys(headers).sort();
  const canonical = [method, path.split('/').map(encodeURIComponent).join('/'), '', ...signed.map((h) => `${h}:${headers[h]}`), '', signed.join(';'), payload].join('\n');
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', now, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  const key = ['us-east-1', 's3', 'aws4_request'].reduce((k, part) => hmac(k, part), hmac(`AWS4${creds.secretKey}`, day));
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKey}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return fetch(`http://${endpoint}${path}`, { method, headers: { ...headers, authorization }, body: method === 'PUT' ? body : undefined, signal: AbortSignal.timeout(10_000) });
}
