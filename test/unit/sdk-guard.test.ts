import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const GUARD = fileURLToPath(new URL('../../src/cli/sdk-guard.ts', import.meta.url));

/** Runs a Node process with the guard installed that throws `thrown` from a callback, as grpc-js does. */
function throwFromCallback(thrown: string): { status: number | null; stderr: string } {
  const script = `
    const { survivesSdkRetryOnClosedChannel } = await import(${JSON.stringify(GUARD)});
    survivesSdkRetryOnClosedChannel();
    setImmediate(() => { ${thrown} });
    setTimeout(() => console.log('still running'), 50);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr + r.stdout };
}

test("the SDK's retry on a closed channel is reported and the process goes on", () => {
  const r = throwFromCallback(`const e = new Error('Channel has been shut down'); e.stack = 'Error: Channel has been shut down\\n    at retry (/x/node_modules/@zilliz/milvus2-sdk-node/milvus/utils/Grpc.ts:201:29)'; throw e;`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /ignored an SDK retry on a client already closed/);
  assert.match(r.stderr, /still running/);
});

test('any other uncaught error still ends the process, exit 2, with its stack', () => {
  const other = throwFromCallback(`throw new Error('boom');`);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /Error: boom/);
  assert.doesNotMatch(other.stderr, /still running/);
  const sameMessageElsewhere = throwFromCallback(`throw new Error('Channel has been shut down');`);
  assert.equal(sameMessageElsewhere.status, 2, 'the message alone, not thrown by the SDK, is not ignored');
});
