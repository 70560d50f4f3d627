import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FatalProbeError, waitFor } from '../../src/util/poll.ts';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const BIN = join(ROOT, 'bin', 'milvus-drill.js');

export interface CliRun {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

/** Runs the real CLI as a user would; collects stdout and stderr together. */
export function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, output: () => out, exit };
}

/** Waits for the CLI to print `pattern`; stops at once, with its output, if it exits first. */
export async function waitForOutput(run: CliRun, pattern: RegExp, what: string, timeoutMs: number): Promise<void> {
  await waitFor(
    () => {
      if (pattern.test(run.output())) return true;
      if (run.child.exitCode !== null || run.child.signalCode !== null) {
        throw new FatalProbeError(`the CLI exited (${run.child.exitCode ?? run.child.signalCode}) without printing ${pattern}:\n${run.output()}`);
      }
      return false;
    },
    { what, timeoutMs },
  );
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const run = startCli(args, env);
  const code = await run.exit;
  return { code, output: run.output() };
}

/** Pids of live processes whose command line or working directory contains `needle`. */
export function processesMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') + ' ' + readlinkSync(`/proc/${entry}/cwd`);
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmd.includes(needle) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

