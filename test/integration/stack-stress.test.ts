import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Journal } from '../../src/supervise/journal.ts';
import { ManagedProcess, processGroupStates } from '../../src/supervise/process.ts';
import { PausedProcess, startStress, stressNgArgs, validateStress } from '../../src/platform/local/stress.ts';
import { delay, waitFor } from '../../src/util/poll.ts';
import { freePort } from '../../src/util/ports.ts';

const skipStress = spawnSync('stress-ng', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'stress-ng not installed: run scripts/setup.sh';

interface GroupUsage { processes: number; cpuSeconds: number; rssBytes: number }

/** CPU time and resident memory of every process in a process group, from /proc. */
function groupUsage(pgid: number): GroupUsage {
  const ticks = 100; // USER_HZ on Linux
  const usage = { processes: 0, cpuSeconds: 0, rssBytes: 0 };
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid || fields[0] === 'Z') continue;
      usage.processes++;
      usage.cpuSeconds += (Number(fields[11]) + Number(fields[12])) / ticks;
      usage.rssBytes += Number(fields[21]) * 4096;
    } catch {
      // the process ended while we looked
    }
  }
  return usage;
}

describe('stress and pause', () => {
  it('validates stress specs, naming every bad field', () => {
    assert.deepEqual(validateStress({ cpu: { workers: 1, load: 50 }, duration: 5_000 }, 2, 8e9), []);
    const problems = validateStress({ cpu: { workers: 9, load: 0 }, memory: { workers: 1, size: 6e9 }, duration: 10 }, 2, 8e9);
    assert.deepEqual(problems.map((p) => p.split(':')[0]), ['duration', 'cpu.workers', 'cpu.load', 'memory']);
    assert.deepEqual(stressNgArgs({ memory: { workers: 1, size: 1 << 20 }, duration: 1500 }), ['--vm', '1', '--vm-bytes', '1048576', '--vm-keep', '--timeout', '2s', '--metrics-brief']);
  });

  it('puts bounded CPU and memory pressure on the machine and stops it on dispose', { skip: skipStress }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-stress-'));
    const journal = new Journal(dir, 'stress-test');
    const size = 64 * 1024 * 1024;
    let pgid = 0;
    try {
      {
        await using stress = startStress({ cpu: { workers: 1, load: 100 }, memory: { workers: 1, size }, duration: 20_000 }, { journal, logFile: join(dir, 'stress.log') });
        pgid = stress.pid ?? 0;
        const loaded = await waitFor(() => {
          const usage = groupUsage(pgid);
          return usage.cpuSeconds >= 1 && usage.rssBytes >= size ? usage : undefined;
        }, { what: 'stress-ng to burn 1 CPU second and hold 64 MiB', timeoutMs: 15_000, intervalMs: 200 });
        t.diagnostic(`stress-ng: ${loaded.processes} processes, ${loaded.cpuSeconds.toFixed(2)} CPU s, ${(loaded.rssBytes / 2 ** 20).toFixed(0)} MiB resident`);
      }
      assert.equal(groupUsage(pgid).processes, 0, 'no stressor is left after dispose');
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pause makes a process stop answering, and resume makes it answer again', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-pause-'));
    const journal = new Journal(dir, 'pause-test');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const answers = async (): Promise<boolean> => {
      try {
        return (await fetch(url, { signal: AbortSignal.timeout(500) })).ok;
      } catch {
        return false;
      }
    };
    try {
      await using server = new ManagedProcess({
        name: 'http',
        command: process.execPath,
        args: ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`],
        logFile: join(dir, 'http.log'),
      }, journal);
      await waitFor(answers, { what: 'http server', timeoutMs: 10_000, intervalMs: 50 });
      {
        await using _paused = await PausedProcess.pause(server, journal);
        assert.deepEqual(new Set(processGroupStates(server.pid!)), new Set(['T']), 'every process of the group is stopped when pause returns');
        const undo = (JSON.parse(readFileSync(journal.file, 'utf8')) as { entries: { kind: string; undo?: string[][] }[] }).entries.find((e) => e.kind === 'fault')?.undo;
        assert.deepEqual(undo, [['kill', '-CONT', '--', `-${server.pid}`]]);
        // A paused process cannot answer; there is no event to wait for, so sample for a while.
        for (let i = 0; i < 3; i++) {
          assert.equal(await answers(), false, 'a paused process must not answer');
          await delay(100);
        }
        assert.equal(server.running, true);
      }
      assert.ok(!processGroupStates(server.pid!).includes('T'), 'no process of the group is stopped once resume returns');
      const resumedAt = Date.now();
      await waitFor(answers, { what: 'http server after SIGCONT', timeoutMs: 5_000, intervalMs: 20 });
      t.diagnostic(`answers again ${Date.now() - resumedAt} ms after SIGCONT`);
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
