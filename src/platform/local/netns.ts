import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Journal } from '../../supervise/journal.ts';
import type { ProcessSpec } from '../../supervise/process.ts';

const execFileAsync = promisify(execFile);

/** Runs one argv without a shell; a failure names the command and carries its stderr. */
export async function runCommand(argv: readonly string[]): Promise<string> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('runCommand: empty argv');
  try {
    const { stdout } = await execFileAsync(command, args, { encoding: 'utf8' });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`command failed: ${argv.join(' ')}${stderr ? `: ${stderr}` : ''}`, { cause: err });
  }
}

/** Runs undo argv lists in order, all of them even if some fail; returns the failures. */
export async function runUndo(undo: readonly (readonly string[])[]): Promise<Error[]> {
  const failures: Error[] = [];
  for (const argv of undo) {
    try {
      await runCommand(argv);
    } catch (err) {
      failures.push(err as Error);
    }
  }
  return failures;
}

export interface NetnsMember {
  component: string;
  namespace: string;
  /** The member's address on the shared bridge. */
  ip: string;
  /** Its interface inside the namespace. */
  device: 'eth0';
}

export interface NetnsNetworkOptions {
  /** Component names, e.g. ['etcd', 'proxy', 'querynode-1']: one namespace each. */
  components: readonly string[];
  /**
   * Also give this (the host) namespace an address on the bridge, so the harness can reach the
   * components directly (SDK calls, health checks). Traffic still stays on our private subnet.
   */
  hostAccess?: boolean;
}

const COMPONENT_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const MAX_MEMBERS = 250;

/**
 * A private layer-2 network of network namespaces: one namespace per component, each with an
 * `eth0` plugged into a bridge that lives in a hub namespace of its own. The addresses come
 * from a 10.x.y.0/24 subnet no route on this machine uses. Disposing deletes every namespace
 * (which takes the bridge and the veth pairs with it); the undo commands are journalled before
 * anything is created, so `milvus-drill heal` can clean up after a crash.
 */
export class NetnsNetwork implements AsyncDisposable {
  private disposed = false;
  private readonly memberJournalIds: string[] = [];

  private constructor(
    readonly id: string,
    readonly subnet: string,
    readonly hostIp: string | null,
    private readonly members: Map<string, NetnsMember>,
    private readonly undo: string[][],
    private readonly journal: Journal,
    private readonly journalId: string,
  ) {}

  static async create(journal: Journal, options: NetnsNetworkOptions): Promise<NetnsNetwork> {
    validateComponents(options.components);
    const id = randomBytes(3).toString('hex');
    const base = pickFreeSubnet();
    const hub = `drill-${id}-hub`;
    const members = new Map(
      options.components.map((component, i) => [
        component,
        { component, namespace: `drill-${id}-${component}`, ip: `${base}.${i + 2}`, device: 'eth0' as const },
      ]),
    );
    const hostDevice = `drill-${id}`;
    const undo = [
      ...(options.hostAccess ? [['ip', 'link', 'del', hostDevice]] : []),
      ...[...members.values()].map((m) => ['ip', 'netns', 'del', m.namespace]),
      ['ip', 'netns', 'del', hub],
    ];
    const journalId = randomUUID();
    journal.add({ id: journalId, kind: 'netns', name: `netns network ${id}`, undo });
    const network = new NetnsNetwork(id, `${base}.0/24`, options.hostAccess ? `${base}.1` : null, members, undo, journal, journalId);
    try {
      await createHub(hub);
      let port = 0;
      for (const member of members.values()) await attachMember(hub, `p${port++}`, member);
      if (options.hostAccess) await attachHost(hub, hostDevice, `${base}.1`);
    } catch (err) {
      await network[Symbol.asyncDispose]();
      throw err;
    }
    return network;
  }

  get components(): string[] {
    return [...this.members.keys()];
  }

  /**
   * Plugs one more component into the network (a node added by a scale step): its own namespace
   * on the same bridge, at the next free address. Its undo is journalled before it is created and
   * runs with the network's; removing a scaled-in node keeps its (idle) namespace until then.
   */
  async addMember(component: string): Promise<NetnsMember> {
    validateComponents([...this.members.keys(), component]);
    const base = this.subnet.replace(/\.0\/24$/, '');
    const index = this.members.size;
    const member: NetnsMember = { component, namespace: `drill-${this.id}-${component}`, ip: `${base}.${index + 2}`, device: 'eth0' };
    const undo = ['ip', 'netns', 'del', member.namespace];
    const journalId = randomUUID();
    this.journal.add({ id: journalId, kind: 'netns', name: `netns member ${member.namespace}`, undo: [undo] });
    this.members.set(component, member);
    // Deleted before the hub, like the members created with the network.
    this.undo.splice(this.undo.length - 1, 0, undo);
    this.memberJournalIds.push(journalId);
    await attachMember(`drill-${this.id}-hub`, `p${index}`, member);
    return member;
  }

  member(component: string): NetnsMember {
    const member = this.members.get(component);
    if (!member) {
      throw new Error(`no component '${component}' in netns network ${this.id}; it has: ${this.components.join(', ')}`);
    }
    return member;
  }

  /** The argv that runs `argv` inside the component's namespace. */
  execArgv(component: string, argv: readonly string[]): string[] {
    return ['ip', 'netns', 'exec', this.member(component).namespace, ...argv];
  }

  /** Wraps a process spec so the process runs inside the component's namespace. */
  wrap(component: string, spec: ProcessSpec): ProcessSpec {
    return { ...spec, command: 'ip', args: ['netns', 'exec', this.member(component).namespace, spec.command, ...spec.args] };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const failures = await runUndo(this.undo);
    const stillThere = new Set(listNamespaces());
    const leftover = [...this.members.values()].map((m) => m.namespace).filter((ns) => stillThere.has(ns));
    if (leftover.length > 0) {
      throw new AggregateError(failures, `netns network ${this.id}: could not delete ${leftover.join(', ')}`);
    }
    for (const id of this.memberJournalIds) this.journal.remove(id);
    this.journal.remove(this.journalId);
  }
}

function validateComponents(components: readonly string[]): void {
  const problems: string[] = [];
  if (components.length === 0) problems.push('components: give at least one component name');
  if (components.length > MAX_MEMBERS) problems.push(`components: at most ${MAX_MEMBERS}, got ${components.length}`);
  for (const name of components) {
    if (!COMPONENT_NAME.test(name)) problems.push(`components: '${name}' must match ${COMPONENT_NAME} (used in namespace names)`);
  }
  const duplicates = components.filter((name, i) => components.indexOf(name) !== i);
  if (duplicates.length > 0) problems.push(`components: duplicate names ${[...new Set(duplicates)].join(', ')}`);
  if (problems.length > 0) throw new Error(`invalid netns network options:\n  ${problems.join('\n  ')}`);
}

async function createHub(hub: string): Promise<void> {
  await runCommand(['ip', 'netns', 'add', hub]);
  await runCommand(['ip', '-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
  await runCommand(['ip', '-n', hub, 'link', 'set', 'br0', 'up']);
}

async function attachMember(hub: string, hubPort: string, member: NetnsMember): Promise<void> {
  const ns = member.namespace;
  await runCommand(['ip', 'netns', 'add', ns]);
  await runCommand(['ip', '-n', hub, 'link', 'add', hubPort, 'type', 'veth', 'peer', 'name', member.device, 'netns', ns]);
  await runCommand(['ip', '-n', hub, 'link', 'set', hubPort, 'master', 'br0', 'up']);
  await runCommand(['ip', '-n', ns, 'addr', 'add', `${member.ip}/24`, 'dev', member.device]);
  await runCommand(['ip', '-n', ns, 'link', 'set', member.device, 'up']);
  await runCommand(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
}

async function attachHost(hub: string, hostDevice: string, hostIp: string): Promise<void> {
  await runCommand(['ip', 'link', 'add', hostDevice, 'type', 'veth', 'peer', 'name', 'host', 'netns', hub]);
  await runCommand(['ip', '-n', hub, 'link', 'set', 'host', 'master', 'br0', 'up']);
  await runCommand(['ip', 'addr', 'add', `${hostIp}/24`, 'dev', hostDevice]);
  await runCommand(['ip', 'link', 'set', hostDevice, 'up']);
}

export function listNamespaces(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/** A 10.x.y (first three octets) whose /24 overlaps no IPv4 route or address on this machine. */
function pickFreeSubnet(): string {
  const taken = execFileSync('ip', ['-4', '-o', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })
    .split('\n')
    .map(routeDestination)
    .filter((dest) => dest !== null);
  for (let attempt = 0; attempt < 100; attempt++) {
    const [x = 0, y = 0] = randomBytes(2);
    const candidate = `10.${100 + (x % 100)}.${y}`;
    if (!taken.some((cidr) => overlaps(cidr, `${candidate}.0/24`))) return candidate;
  }
  throw new Error('no free 10.x.y.0/24 subnet found for the netns network');
}

/** '10.0.0.0/24 dev eth0 ...' or 'local 10.0.0.1 dev ...' → the destination; null for default. */
function routeDestination(line: string): string | null {
  const words = line.trim().split(/\s+/);
  const dest = ['local', 'broadcast', 'unicast'].includes(words[0] ?? '') ? words[1] : words[0];
  return dest && dest !== 'default' ? dest : null;
}

export function overlaps(a: string, b: string): boolean {
  const [aBase, aBits] = parseCidr(a);
  const [bBase, bBits] = parseCidr(b);
  const bits = Math.min(aBits, bBits);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((aBase & mask) >>> 0) === ((bBase & mask) >>> 0);
}

function parseCidr(cidr: string): [number, number] {
  const [address = '', bits] = cidr.split('/');
  const octets = address.split('.').map(Number);
  while (octets.length < 4) octets.push(0);
  const value = octets.reduce((acc, o) => ((acc << 8) | o) >>> 0, 0);
  return [value, bits === undefined ? 32 : Number(bits)];
}
