import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStartTicks } from '../supervise/journal.ts';

/**
 * Free loopback ports for components to bind later. A port is free when asked but is bound only
 * seconds later by the component (or again after a restart), and meanwhile the kernel may hand it
 * to anyone else who asks for a free port: another stack started in parallel by this process or
 * by another harness on the machine. So each port handed out is also reserved, machine-wide, for
 * as long as the process that took it lives: a file named after the port holding its owner.
 */
// Not under the run work-directory prefix ('milvus-drill-'): it outlives runs and is no run's leftover.
const RESERVATIONS = join(tmpdir(), 'drill-port-reservations');
const OWNER = `${process.pid} ${processStartTicks(process.pid)}`;
const ours = new Set<number>();

/** One free loopback port, reserved for this process. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** Distinct free ports, each reserved for this process so no one is handed it while we live. */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    // Held open until all are chosen, so the kernel cannot hand one of them out twice meanwhile.
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count * 50) throw new Error(`could not reserve ${count} free ports; see ${RESERVATIONS}`);
      const server = await listenAnywhere();
      held.push(server);
      const port = (server.address() as { port: number }).port;
      if (reserve(port)) ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function listenAnywhere(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Where reservations live: one file per port, holding its owner's pid and start time. */
export const PORT_RESERVATIONS = RESERVATIONS;

/** Takes the port's reservation unless a live process holds it; a dead owner's is taken over. */
export function reserve(port: number): boolean {
  if (ours.has(port)) return false;
  mkdirSync(RESERVATIONS, { recursive: true });
  const file = join(RESERVATIONS, String(port));
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(file, OWNER, { flag: 'wx' });
      if (ours.size === 0) process.once('exit', releaseAll);
      ours.add(port);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || ownerAlive(file)) return false;
      try {
        unlinkSync(file);
      } catch {
        // another process took it over first; the next try tells
      }
    }
  }
  return false;
}

function ownerAlive(file: string): boolean {
  try {
    const [pid, ticks] = readFileSync(file, 'utf8').split(' ');
    if (!pid || !ticks) return true; // being written right now: held
    return String(processStartTicks(Number(pid))) === ticks;
  } catch {
    return true; // cannot tell: treat as held
  }
}

/** Deletes the reservations of processes that died without releasing them (SIGKILL); returns how many. */
export function removeStaleReservations(): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(RESERVATIONS);
  } catch {
    return 0;
  }
  for (const name of names) {
    const file = join(RESERVATIONS, name);
    if (ownerAlive(file)) continue;
    try {
      unlinkSync(file);
      removed++;
    } catch {
      // taken over or removed meanwhile
    }
  }
  return removed;
}

function releaseAll(): void {
  for (const port of ours) {
    try {
      unlinkSync(join(RESERVATIONS, String(port)));
    } catch {
      // already gone
    }
  }
  ours.clear();
}
