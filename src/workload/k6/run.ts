// Runs k6 against a Milvus gRPC endpoint as a managed process and ingests what it records as it
// records it.
import type { Connection } from '../sdk.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpRecord, SloSpec } from '../../core/types.ts';
import type { Journal } from '../../supervise/journal.ts';
import { ManagedProcess } from '../../supervise/process.ts';
import { FileFollower } from '../../util/follow.ts';
import { K6Ingester, type K6Dropped } from './ingest.ts';
import { renderK6Workload, type K6ScriptConfig } from './render.ts';
import type { K6WorkloadSpec } from './spec.ts';
import { thresholdResults, type K6ThresholdResult } from './summary.ts';

export const K6_SCRIPT = fileURLToPath(new URL('./script/drill.js', import.meta.url));

/** k6's exit code when a threshold failed (errext/exitcodes in k6). */
export const K6_THRESHOLDS_FAILED = 99;

export interface K6RunOptions {
  spec: K6WorkloadSpec;
  slos: readonly SloSpec[];
  /** host:port of Milvus's gRPC endpoint (the proxy). */
  address: string;
  /** Config, k6 output and log go here. */
  runDir: string;
  journal: Journal;
  /** History.epochMs: op times are recorded relative to it. */
  epochMs: number;
  firstSeq?: number;
  k6Binary?: string;
  protoDir?: string;
  signal?: AbortSignal;
  /**
   * Called with each op as soon as k6 has written it (k6 flushes its output every 200 ms), in
   * output order, seq numbered from firstSeq: every op of the result, once each. An error thrown
   * here stops k6, and runK6 rejects with it.
   */
  onOp?: (op: OpRecord) => void;
  /** Credentials (passed to k6 in its environment, never in a file) and TLS files, when the stack has them. */
  connection?: Connection;
}

export interface K6RunResult {
  exitCode: number | null;
  /** k6 failed a threshold, or a threshold had no samples (which k6 itself lets pass). */
  thresholdsFailed: boolean;
  thresholds: K6ThresholdResult[];
  /** Every op, in the order k6 wrote them (the order onOp saw them). */
  ops: OpRecord[];
  dropped: K6Dropped;
  /** k6's end-of-test summary (--summary-export), as k6 wrote it; null if k6 was stopped first. */
  summary: unknown;
  files: { options: string; config: string; output: string; summary: string; log: string };
}

export function defaultK6Binary(): string {
  return join(process.env.MILVUS_DRILL_HOME ?? join(process.cwd(), '.drill'), 'bin', 'k6');
}

/** Milvus's .proto files as shipped by the Node SDK we depend on (its version matches the server's API). */
export function sdkProtoDir(): string {
  const pkg = createRequire(import.meta.url).resolve('@zilliz/milvus2-sdk-node/package.json');
  return join(dirname(pkg), 'dist', 'proto', 'proto');
}

function requireFile(path: string, what: string, fix: string): void {
  if (!existsSync(path)) throw new Error(`${what} not found at ${path}: ${fix}`);
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function k6Args(files: K6RunResult['files']): string[] {
  return [
    'run', '--quiet', '--no-color', '--no-usage-report',
    '--address', '', // no REST API server: nothing listens, nothing collides
    '--config', files.options,
    '--out', `json=${files.output}`,
    '--summary-export', files.summary,
    K6_SCRIPT,
  ];
}

/**
 * Renders the workload, runs k6 to completion (or until `signal` aborts it) and returns the
 * ingested history, streaming each op to `onOp` while k6 runs. A threshold failure is a result
 * (thresholdsFailed), not an error; k6 failing to run at all is an error carrying the end of its log.
 */
export async function runK6(o: K6RunOptions): Promise<K6RunResult> {
  const k6 = o.k6Binary ?? defaultK6Binary();
  const protoDir = o.protoDir ?? sdkProtoDir();
  requireFile(k6, 'k6', 'run scripts/setup.sh (it builds k6 into $MILVUS_DRILL_HOME/bin)');
  requireFile(join(protoDir, 'milvus.proto'), 'milvus.proto', 'run npm ci (it ships with @zilliz/milvus2-sdk-node)');
  const rendered = renderK6Workload(o.spec, o.slos);
  mkdirSync(o.runDir, { recursive: true });
  const files = {
    options: join(o.runDir, 'k6-options.json'),
    config: join(o.runDir, 'k6-workload.json'),
    output: join(o.runDir, 'k6-output.jsonl'),
    summary: join(o.runDir, 'k6-summary.json'),
    log: join(o.runDir, 'k6.log'),
  };
  const tls = o.connection?.tls ? { ca: o.connection.tls.caPath, cert: o.connection.tls.certPath, key: o.connection.tls.keyPath } : null;
  const config: K6ScriptConfig & { address: string; protoDir: string; tls: typeof tls } = { ...rendered.script, address: o.address, protoDir, tls };
  const auth: Record<string, string> = o.connection?.username ? { DRILL_K6_AUTH: Buffer.from(`${o.connection.username}:${o.connection.password ?? ''}`).toString('base64') } : {};
  writeFileSync(files.options, `${JSON.stringify(rendered.options, null, 2)}\n`);
  writeFileSync(files.config, `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(files.output, ''); // k6 truncates and appends to this same file, which we follow

  const ingester = new K6Ingester(o.epochMs, o.firstSeq);
  const ops: OpRecord[] = [];
  const deliver = (batch: OpRecord[]): void => {
    for (const op of batch) {
      ops.push(op);
      o.onOp?.(op);
    }
  };
  const output = await FileFollower.start(files.output, (text) => deliver(ingester.push(text)));
  let status: Awaited<ManagedProcess['exited']>;
  let followed: unknown = null;
  try {
    const proc = new ManagedProcess(
      {
        name: 'k6',
        command: k6,
        args: k6Args(files),
        env: { DRILL_K6_CONFIG: files.config, K6_AUTO_EXTENSION_RESOLUTION: 'false', K6_NO_USAGE_REPORT: 'true', ...auth },
        cwd: o.runDir,
        logFile: files.log,
      },
      o.journal,
    );
    const onAbort = (): void => void proc.stop();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) onAbort(); // aborted while k6 was being set up: no event will come
    output.done.catch(() => void proc.stop()); // ops that cannot be ingested are not worth more load
    status = await proc.exited.finally(() => o.signal?.removeEventListener('abort', onAbort));
  } finally {
    // k6 has exited (or never started): all it wrote is in the file; read the rest.
    followed = await output.end().then(() => null, (err: unknown) => err);
  }

  if (followed !== null) throw followed; // the cause, when it made us stop k6
  const aborted = o.signal?.aborted ?? false;
  if (!aborted && status.code !== 0 && status.code !== K6_THRESHOLDS_FAILED) {
    throw new Error(`k6 exited with ${JSON.stringify(status)}; end of ${files.log}:\n${tail(files.log)}`);
  }
  deliver(ingester.finish());
  const summary: unknown = existsSync(files.summary) ? JSON.parse(readFileSync(files.summary, 'utf8')) : null;
  const thresholds = summary === null ? [] : thresholdResults(summary);
  return {
    exitCode: status.code,
    thresholdsFailed: status.code === K6_THRESHOLDS_FAILED || thresholds.some((t) => !t.pass),
    thresholds,
    ops,
    dropped: ingester.dropped,
    summary,
    files,
  };
}
