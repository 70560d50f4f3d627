import { createHash, createHmac } from 'node:crypto';
import type { ObjectStoreAccess } from '../core/platform.ts';

/** One object a listing returned. */
export interface S3Object {
  key: string;
  size: number;
}

const REGION = 'us-east-1';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/**
 * A minimal S3 client (path-style, Signature V4) for the object store a stack runs (MinIO): list,
 * get, put, delete, make a bucket. Enough to copy a collection's binlogs to a backup and back,
 * without a client library.
 */
export class S3Client {
  constructor(private readonly access: ObjectStoreAccess) {}

  get endpoint(): string {
    return this.access.endpoint;
  }

  async list(bucket: string, prefix: string, signal?: AbortSignal): Promise<S3Object[]> {
    const out: S3Object[] = [];
    let token: string | null = null;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix, 'max-keys': '1000' };
      if (token) query['continuation-token'] = token;
      const res = await this.request('GET', bucket, '', query, null, signal);
      const xml = await res.text();
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = xmlText(/<Key>([\s\S]*?)<\/Key>/.exec(m[1]!)?.[1] ?? '');
        const size = Number(/<Size>(\d+)<\/Size>/.exec(m[1]!)?.[1] ?? NaN);
        out.push({ key, size });
      }
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? xmlText(/<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '') || null : null;
    } while (token);
    return out;
  }

  async get(bucket: string, key: string, signal?: AbortSignal): Promise<Buffer> {
    const res = await this.request('GET', bucket, key, {}, null, signal);
    return Buffer.from(await res.arrayBuffer());
  }

  async put(bucket: string, key: string, body: Buffer, signal?: AbortSignal): Promise<void> {
    await this.request('PUT', bucket, key, {}, body, signal);
  }

  async delete(bucket: string, key: string, signal?: AbortSignal): Promise<void> {
    await this.request('DELETE', bucket, key, {}, null, signal);
  }

  /** Creates the bucket; one that exists already (owned by us) is fine. */
  async ensureBucket(bucket: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.request('PUT', bucket, '', {}, null, signal);
    } catch (err) {
      if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(String(err))) throw err;
    }
  }

  private async request(method: string, bucket: string, key: string, query: Record<string, string>, body: Buffer | null, signal?: AbortSignal): Promise<Response> {
    const path = `/${encodePath(bucket)}${key ? `/${encodePath(key)}` : ''}`;
    const canonicalQuery = Object.keys(query)
      .sort()
      .map((k) => `${rfc3986(k)}=${rfc3986(query[k]!)}`)
      .join('&');
    const payloadHash = body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256;
    const headers = signV4({ method, host: this.access.endpoint, path, canonicalQuery, payloadHash, accessKey: this.access.accessKey, secretKey: this.access.secretKey, now: new Date() });
    const url = `http://${this.access.endpoint}${path}${canonicalQuery ? `?${canonicalQuery}` : ''}`;
    const res = await fetch(url, { method, headers, ...(body ? { body } : {}), signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(60_000)]) : AbortSignal.timeout(60_000) });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '';
      throw new Error(`S3 ${method} ${bucket}/${key}: HTTP ${res.status} ${code}`.trim());
    }
    return res;
  }
}

/** Signature V4 headers for one request (exported for its unit test against AWS's documented example). */
export function signV4(r: { method: string; host: string; path: string; canonicalQuery: string; payloadHash: string; accessKey: string; secretKey: string; now: Date; region?: string }): Record<string, string> {
  const region = r.region ?? REGION;
  const amzDate = r.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const signed = { host: r.host, 'x-amz-content-sha256': r.payloadHash, 'x-amz-date': amzDate };
  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map((n) => `${n}:${signed[n as keyof typeof signed]}\n`).join('');
  const signedHeaders = names.join(';');
  const canonical = [r.method, r.path, r.canonicalQuery, canonicalHeaders, signedHeaders, r.payloadHash].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const kDate = hmac(`AWS4${r.secretKey}`, day);
  const kSigning = hmac(hmac(hmac(kDate, region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(toSign).digest('hex');
  return {
    'x-amz-content-sha256': r.payloadHash,
    'x-amz-date': amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=${r.accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function encodePath(p: string): string {
  return p.split('/').map(rfc3986).join('/');
}

function xmlText(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
