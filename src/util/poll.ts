import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

/**
 * Waiting for a real condition, with a deadline. Never a blind sleep, and never longer than it has
 * to be: the wait stops at once when the awaited process exits or the probe reports a fatal error.
 */

/** A probe throws this when waiting longer cannot help (e.g. the index build reported 'Failed'). */
export class FatalProbeError extends Error {}

/** What a wait needs of a process it watches; ManagedProcess has it. */
export interface WatchedProcess {
  readonly running: boolean;
  readonly status: { code: number | null; signal: NodeJS.Signals | null } | null;
  readonly exited: Promise<unknown>;
  readonly spec: { readonly name: string; readonly logFile: string };
}

export interface WaitOptions {
  /** What is awaited, as the error message should name it. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Stop at once, with the last lines of its log, when this process (any of these) exits. */
  process?: WatchedProcess | readonly WatchedProcess[];
  /** Errors of the probe that mean waiting cannot help; FatalProbeError always does. */
  fatal?: (err: unknown) => boolean;
}

/** Thrown by waitFor; `reason` tells a timeout from an exit or a fatal probe error. */
export class WaitError extends Error {
  constructor(message: string, readonly reason: 'timeout' | 'exited' | 'fatal', options?: ErrorOptions) {
    super(message, options);
  }
}

const EXITED = Symbol('exited');

/** Polls `probe` until it returns something other than undefined or false, and returns that. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { what, timeoutMs, intervalMs = 200, signal, process, fatal }: WaitOptions,
): Promise<T> {
  const watched = process === undefined ? [] : Array.isArray(process) ? (process as readonly WatchedProcess[]) : [process as WatchedProcess];
  const anyExit = watched.length === 0 ? null : Promise.race(watched.map((p) => p.exited.then(() => EXITED)));
  const checkExited = (): void => {
    const gone = watched.find((p) => !p.running);
    if (gone) throw new WaitError(`${gone.spec.name} exited (${exitText(gone)}) while waiting for ${what}${logTail(gone)}`, 'exited');
  };
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    checkExited();
    try {
      const attempt = Promise.resolve().then(probe);
      // The process may exit first; a probe failing after that must not go unhandled.
      attempt.catch(() => undefined);
      const value = anyExit ? await Promise.race([attempt, anyExit]) : await attempt;
      if (value === EXITED) checkExited();
      else if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      if (err instanceof WaitError) throw err;
      if (err instanceof FatalProbeError || fatal?.(err)) {
        throw new WaitError(`gave up waiting for ${what}: ${messageOf(err)}${watched.map(logTail).join('')}`, 'fatal', { cause: err });
      }
      lastError = err;
    }
    checkExited();
    const left = deadline - Date.now();
    if (left <= 0) {
      const cause = lastError === undefined ? '' : `; last error: ${messageOf(lastError)}`;
      throw new WaitError(`timed out after ${timeoutMs} ms waiting for ${what}${cause}${watched.map(logTail).join('')}`, 'timeout');
    }
    const pause = delay(Math.min(intervalMs, left), signal);
    await (anyExit ? Promise.race([pause, anyExit]) : pause);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function exitText(p: WatchedProcess): string {
  const s = p.status;
  if (!s) return 'did not start';
  return s.signal ? `signal ${s.signal}` : `code ${s.code}`;
}

const TAIL_BYTES = 4096;
const TAIL_LINES = 20;

/** The last lines of a process's log, as a message suffix. */
export function logTail(p: WatchedProcess): string {
  const file = p.spec.logFile;
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      text = buffer.toString('utf8');
      if (length < size) text = text.slice(text.indexOf('\n') + 1); // drop the cut first line
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return `\n  (no log of ${p.spec.name} at ${file}: ${messageOf(err)})`;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '').slice(-TAIL_LINES);
  if (lines.length === 0) return `\n  (${p.spec.name}'s log ${file} is empty)`;
  return `\n  last lines of ${file}:\n    ${lines.join('\n    ')}`;
}

/** Waits for time to pass; for pacing load and fault durations, not for readiness. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
