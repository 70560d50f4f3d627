// Small network probes that run inside a namespace (`ip netns exec NS node -e SCRIPT args`):
// a TCP/UDP echo server, and clients that report what they measured as one JSON line.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NetnsNetwork } from '../../../src/platform/local/netns.ts';

const execFileAsync = promisify(execFile);

const SERVER = String.raw`
const net = require('node:net'); const dgram = require('node:dgram');
const [ip, port] = process.argv.slice(1);
const tcp = net.createServer((s) => { s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
const udp = dgram.createSocket('udp4');
udp.on('message', (m, r) => udp.send(m, r.port, r.address));
tcp.listen(Number(port), ip, () => udp.bind(Number(port), ip, () => console.log('listening')));
`;

const CLIENT = String.raw`
const net = require('node:net'); const dgram = require('node:dgram');
const [mode, ip, port, count, size] = process.argv.slice(1);
const n = Number(count);
const out = (o) => { console.log(JSON.stringify(o)); process.exit(0); };
function connect() {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: ip, port: Number(port), timeout: 1500 });
    s.once('connect', () => { s.setTimeout(0); resolve(s); });
    s.once('timeout', () => { s.destroy(); reject(new Error('connect timeout')); });
    s.once('error', reject);
  });
}
async function tcpRtt() {
  let s; try { s = await connect(); } catch (e) { return out({ connected: false, error: e.message }); }
  s.setNoDelay(true);
  const rtts = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await new Promise((r) => { s.once('data', r); s.write('x'); });
    rtts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  s.destroy();
  rtts.sort((a, b) => a - b);
  out({ connected: true, medianMs: rtts[Math.floor(rtts.length / 2)], minMs: rtts[0], maxMs: rtts[rtts.length - 1] });
}
async function tcpBulk() {
  let s; try { s = await connect(); } catch (e) { return out({ connected: false, error: e.message }); }
  const bytes = Number(size); let got = 0; const t = process.hrtime.bigint();
  s.on('data', (d) => { got += d.length; if (got >= bytes) { const ms = Number(process.hrtime.bigint() - t) / 1e6; s.destroy(); out({ connected: true, ms, kbitPerS: (bytes * 8) / ms }); } });
  s.write(Buffer.alloc(bytes, 0x61));
}
function udpCount() {
  const sock = dgram.createSocket('udp4');
  const replies = new Map();
  let corrupted = 0;
  sock.on('message', (m) => {
    const text = m.toString();
    const match = /^seq=(\d+);pad=(a*)$/.exec(text);
    if (!match || match[2].length !== 200) { corrupted++; return; }
    replies.set(match[1], (replies.get(match[1]) ?? 0) + 1);
  });
  let i = 0;
  const timer = setInterval(() => {
    if (i >= n) { clearInterval(timer); setTimeout(() => { let total = 0; for (const v of replies.values()) total += v; out({ sent: n, distinct: replies.size, total, corrupted }); }, 1000); return; }
    sock.send('seq=' + i++ + ';pad=' + 'a'.repeat(200), Number(port), ip);
  }, 2);
}
({ 'tcp-rtt': tcpRtt, 'tcp-bulk': tcpBulk, 'udp-count': udpCount })[mode]();
`;

export const echoServerArgv = (ip: string, port: number): string[] => [process.execPath, '-e', SERVER, ip, String(port)];

export interface RttResult { connected: boolean; medianMs?: number; minMs?: number; maxMs?: number; error?: string }
export interface BulkResult { connected: boolean; ms?: number; kbitPerS?: number }
export interface UdpResult { sent: number; distinct: number; total: number; corrupted: number }

async function client<T>(network: NetnsNetwork, from: string, args: string[]): Promise<T> {
  const argv = network.execArgv(from, [process.execPath, '-e', CLIENT, ...args]);
  const { stdout } = await execFileAsync(argv[0] ?? 'ip', argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(stdout.trim()) as T;
}

export const tcpRtt = (network: NetnsNetwork, from: string, to: string, port: number, samples = 20): Promise<RttResult> =>
  client(network, from, ['tcp-rtt', network.member(to).ip, String(port), String(samples)]);

export const tcpBulk = (network: NetnsNetwork, from: string, to: string, port: number, bytes: number): Promise<BulkResult> =>
  client(network, from, ['tcp-bulk', network.member(to).ip, String(port), '0', String(bytes)]);

export const udpCount = (network: NetnsNetwork, from: string, to: string, port: number, datagrams: number): Promise<UdpResult> =>
  client(network, from, ['udp-count', network.member(to).ip, String(port), String(datagrams)]);
