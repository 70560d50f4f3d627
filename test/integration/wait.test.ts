import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/supervise/journal.ts';
import { ManagedProcess } from '../../src/supervise/process.ts';
import { FatalProbeError, WaitError, waitFor } from '../../src/util/poll.ts';
import { EtcdCluster } from '../../src/platform/local/etcd.ts';
import { existsSync } from 'node:fs';

/** A real process that writes a few log lines, then exits (or keeps running) as told. */
function nodeProcess(dir: string, journal: Journal, script: string): ManagedProcess {
  return new ManagedProcess({ name: 'probe-target', command: process.execPath, args: ['-e', script], logFile: join(dir, 'target.log') }, journal);
}

const LONG = 120_000;

async function rejection(promise: Promise<unknown>): Promise<WaitError> {
  const err = await promise.then(
    () => assert.fail('the wait should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WaitError, `a WaitError, got ${String(err)}`);
  return err;
}

describe('waitFor', () => {
  it('returns the first value the probe yields, retrying through errors and false', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls++;
        if (calls === 1) throw new Error('not yet');
        return calls === 2 ? false : `ready after ${calls}`;
      },
      { what: 'the third call', timeoutMs: LONG, intervalMs: 1 },
    );
    assert.equal(value, 'ready after 3');
  });

  it('stops at once when the awaited process exits, with the last lines of its log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-wait-'));
    const journal = new Journal(dir, 'wait-exit');
    try {
      await using target = nodeProcess(dir, journal, "for (let i = 1; i <= 30; i++) console.log('line ' + i); console.error('fatal: cannot bind'); process.exit(3)");
      const started = Date.now();
      const err = await rejection(waitFor(() => false, { what: 'a server that never comes up', timeoutMs: LONG, intervalMs: 10_000, process: target }));
      assert.equal(err.reason, 'exited');
      assert.ok(Date.now() - started < LONG / 2, `failed after ${Date.now() - started} ms, not at the deadline`);
      assert.match(err.message, /probe-target exited \(code 3\) while waiting for a server that never comes up/);
      assert.match(err.message, /fatal: cannot bind/);
      assert.match(err.message, /line 30/);
      assert.doesNotMatch(err.message, /line 5\n/, 'only the tail of the log');
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops when one of several watched processes exits, even while a probe hangs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-wait-'));
    const journal = new Journal(dir, 'wait-many');
    try {
      await using alive = nodeProcess(dir, journal, 'setInterval(() => {}, 1000)');
      await using dying = new ManagedProcess({ name: 'dying', command: process.execPath, args: ['-e', "console.log('bye'); process.exit(1)"], logFile: join(dir, 'dying.log') }, journal);
      const hanging = (): Promise<never> => new Promise(() => undefined);
      const err = await rejection(waitFor(hanging, { what: 'a probe that never answers', timeoutMs: LONG, process: [alive, dying] }));
      assert.equal(err.reason, 'exited');
      assert.match(err.message, /^dying exited \(code 1\)/);
      assert.match(err.message, /bye/);
      assert.equal(alive.running, true);
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops at once on a FatalProbeError or an error the caller calls fatal', async () => {
    let calls = 0;
    const fatal = await rejection(
      waitFor(
        () => {
          calls++;
          throw new FatalProbeError('index build failed: out of disk');
        },
        { what: 'the index build', timeoutMs: LONG, intervalMs: 10_000 },
      ),
    );
    assert.equal(fatal.reason, 'fatal');
    assert.equal(calls, 1);
    assert.match(fatal.message, /gave up waiting for the index build: index build failed: out of disk/);

    const classified = await rejection(
      waitFor(
        () => {
          throw new Error('collection not found');
        },
        { what: 'the load', timeoutMs: LONG, intervalMs: 10_000, fatal: (e) => /not found/.test((e as Error).message) },
      ),
    );
    assert.equal(classified.reason, 'fatal');
    assert.match(classified.message, /collection not found/);
  });

  it('a timeout names what was awaited and the last error', async () => {
    let calls = 0;
    const err = await rejection(
      waitFor(
        () => {
          calls++;
          throw new Error(`connection refused #${calls}`);
        },
        { what: 'etcd health at http://127.0.0.1:1/health', timeoutMs: 100, intervalMs: 10 },
      ),
    );
    assert.equal(err.reason, 'timeout');
    assert.match(err.message, /^timed out after 100 ms waiting for etcd health at http:\/\/127\.0\.0\.1:1\/health; last error: connection refused #\d+$/);
    assert.ok(calls >= 2, 'it retried');
  });

  it('stops when the caller aborts', async () => {
    const abort = new AbortController();
    const waiting = waitFor(() => false, { what: 'nothing', timeoutMs: LONG, intervalMs: 10_000, signal: abort.signal });
    abort.abort(new Error('run stopped'));
    await assert.rejects(waiting, /run stopped/);
  });

  it('a component that dies at start fails the bring-up at once, with its log', { skip: existsSync('/usr/bin/etcd') || existsSync('/usr/local/bin/etcd') ? false : 'etcd not installed: run scripts/setup.sh' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-wait-etcd-'));
    const journal = new Journal(dir, 'wait-etcd');
    try {
      const started = Date.now();
      const err = await EtcdCluster.start({
        members: 1,
        dir,
        journal,
        timeoutMs: LONG,
        wrap: (_, spec) => ({ ...spec, args: [...spec.args, '--no-such-flag'] }),
      }).then(
        () => assert.fail('etcd with a bad flag must not come up'),
        (e: unknown) => e as WaitError,
      );
      assert.ok(err instanceof WaitError && err.reason === 'exited', String(err));
      assert.ok(Date.now() - started < 30_000, `failed after ${Date.now() - started} ms`);
      assert.match(err.message, /etcd-0 exited \(code \d+\) while waiting for etcd-0 health/);
      assert.match(err.message, /no-such-flag/, "etcd's own complaint is in the message");
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
