import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Journal } from '../../src/supervise/journal.ts';
import { NetnsNetwork, listNamespaces } from '../../src/platform/local/netns.ts';
import { applyNetworkFault, type NetworkFaultContext } from '../../src/platform/local/netfault.ts';
import { ManagedProcess } from '../../src/supervise/process.ts';
import { waitFor } from '../../src/util/poll.ts';
import { echoServerArgv, tcpBulk, tcpRtt, udpCount } from './support/stack-netprobe.ts';

const drillHome = process.env.MILVUS_DRILL_HOME ?? resolve(import.meta.dirname, '../../.drill');
const netemQueue = join(drillHome, 'bin', 'netem-queue');
const skip = process.getuid?.() !== 0
  ? 'needs root for network namespaces'
  : !existsSync(netemQueue) ? `netem-queue not built at ${netemQueue}: run scripts/setup.sh` : false;
const PORT = 7000;

describe('network faults between namespaces', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-netfault-'));
  const journal = new Journal(join(dir, 'state'), 'netfault-test');
  let network: NetnsNetwork;
  let server: ManagedProcess;
  let ctx: NetworkFaultContext;

  before(async () => {
    network = await NetnsNetwork.create(journal, { components: ['client', 'server', 'bystander'], hostAccess: true });
    const logFile = join(dir, 'echo.log');
    server = new ManagedProcess(network.wrap('server', { name: 'echo', command: echoServerArgv('', 0)[0] ?? 'node', args: echoServerArgv(network.member('server').ip, PORT).slice(1), logFile }), journal);
    await waitFor(() => readFileSync(logFile, 'utf8').includes('listening'), { what: 'echo server', timeoutMs: 10_000, intervalMs: 50, process: server });
    ctx = { network, journal, netemQueueBinary: netemQueue, logDir: dir };
  });

  after(async () => {
    await server?.stop(2_000);
    await network?.[Symbol.asyncDispose]();
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delay adds the latency one way and heals', async (t) => {
    const baseline = await tcpRtt(network, 'client', 'server', PORT);
    {
      await using _fault = await applyNetworkFault(ctx, { action: 'delay', latency: 100, jitter: 10, source: 'client', targets: ['server'] });
      const delayed = await tcpRtt(network, 'client', 'server', PORT);
      const bystander = await tcpRtt(network, 'bystander', 'server', PORT);
      t.diagnostic(`rtt median baseline ${baseline.medianMs?.toFixed(2)} ms, delayed ${delayed.medianMs?.toFixed(2)} ms (min ${delayed.minMs?.toFixed(1)}, max ${delayed.maxMs?.toFixed(1)}), bystander ${bystander.medianMs?.toFixed(2)} ms`);
      assert.ok(delayed.medianMs! > 90 && delayed.medianMs! < 130, `median rtt ${delayed.medianMs} not ~100 ms`);
      assert.ok(delayed.maxMs! - delayed.minMs! > 2, 'jitter should spread the samples');
      assert.ok(bystander.medianMs! < 20, 'a component outside the fault keeps its latency');
    }
    const healed = await tcpRtt(network, 'client', 'server', PORT);
    t.diagnostic(`rtt median after heal ${healed.medianMs?.toFixed(2)} ms`);
    assert.ok(healed.medianMs! < 20, `after heal the median rtt ${healed.medianMs} ms should be back near baseline`);
  });

  it('partition blocks traffic both ways, spares others, and heals', async () => {
    {
      await using _fault = await applyNetworkFault(ctx, { action: 'partition', source: 'server', targets: ['client'], direction: 'both' });
      assert.equal((await tcpRtt(network, 'client', 'server', PORT, 3)).connected, false);
      assert.equal((await tcpRtt(network, 'bystander', 'server', PORT, 3)).connected, true);
    }
    assert.equal((await tcpRtt(network, 'client', 'server', PORT, 3)).connected, true);
  });

  it('loss drops about the given share of packets and heals', async (t) => {
    const sent = 300;
    let lossy;
    {
      await using _fault = await applyNetworkFault(ctx, { action: 'loss', loss: 50, source: 'client', targets: ['server'] });
      lossy = await udpCount(network, 'client', 'server', PORT, sent);
    }
    const healed = await udpCount(network, 'client', 'server', PORT, sent);
    t.diagnostic(`loss 50%: ${lossy.distinct}/${sent} answered; after heal ${healed.distinct}/${sent}`);
    assert.ok(lossy.distinct > sent * 0.3 && lossy.distinct < sent * 0.7, `${lossy.distinct}/${sent} answered`);
    assert.equal(healed.distinct, sent);
  });

  it('duplicate delivers packets twice and heals', async (t) => {
    const sent = 100;
    let doubled;
    {
      await using _fault = await applyNetworkFault(ctx, { action: 'duplicate', duplicate: 100, source: 'client', targets: ['server'] });
      doubled = await udpCount(network, 'client', 'server', PORT, sent);
    }
    const healed = await udpCount(network, 'client', 'server', PORT, sent);
    t.diagnostic(`duplicate 100%: ${doubled.total} replies to ${sent} datagrams; after heal ${healed.total}`);
    assert.equal(doubled.distinct, sent);
    assert.equal(doubled.total, 2 * sent);
    assert.equal(healed.total, sent);
  });

  it('corrupt damages packets so none arrives intact, and heals', async (t) => {
    const sent = 50;
    let damaged;
    {
      await using _fault = await applyNetworkFault(ctx, { action: 'corrupt', corrupt: 100, source: 'client', targets: ['server'] });
      damaged = await udpCount(network, 'client', 'server', PORT, sent);
    }
    const healed = await udpCount(network, 'client', 'server', PORT, sent);
    t.diagnostic(`corrupt 100%: ${damaged.distinct} intact, ${damaged.corrupted} damaged replies of ${sent}; after heal ${healed.distinct} intact`);
    assert.equal(damaged.distinct, 0);
    assert.equal(healed.distinct, sent);
  });

  it('bandwidth caps throughput and heals', async (t) => {
    const bytes = 256 * 1024;
    const baseline = await tcpBulk(network, 'client', 'server', PORT, bytes);
    let limited;
    {
      await using _fault = await applyNetworkFault(ctx, { action: 'bandwidth', rate: '4mbit', limit: 64 * 1024, buffer: 16 * 1024, source: 'client' });
      limited = await tcpBulk(network, 'client', 'server', PORT, bytes);
    }
    const healed = await tcpBulk(network, 'client', 'server', PORT, bytes);
    t.diagnostic(`bulk 256 KiB: baseline ${baseline.kbitPerS?.toFixed(0)} kbit/s, limited to 4mbit ${limited.kbitPerS?.toFixed(0)} kbit/s, healed ${healed.kbitPerS?.toFixed(0)} kbit/s`);
    assert.ok(limited.kbitPerS! < 4_600, `limited throughput ${limited.kbitPerS} kbit/s`);
    assert.ok(limited.kbitPerS! > 2_000, `limited throughput ${limited.kbitPerS} kbit/s is far below the rate`);
    assert.ok(healed.kbitPerS! > 4 * limited.kbitPerS!);
  });

  it('journals the undo commands while a fault is active and removes them after heal', async () => {
    const faultEntries = (): { kind: string; undo?: string[][] }[] =>
      (JSON.parse(readFileSync(journal.file, 'utf8')) as { entries: { kind: string; undo?: string[][] }[] }).entries.filter((e) => e.kind === 'fault');
    {
      await using _fault = await applyNetworkFault(ctx, { action: 'delay', latency: 10, source: 'client' });
      const [entry] = faultEntries();
      assert.ok(entry?.undo?.some((argv) => argv.includes('-D') && argv.includes('OUTPUT')));
    }
    assert.deepEqual(faultEntries(), []);
  });

  it('the host reaches components over the bridge', async () => {
    const { createConnection } = await import('node:net');
    const socket = createConnection({ host: network.member('server').ip, port: PORT });
    await new Promise<void>((ok, fail) => socket.once('connect', ok).once('error', fail));
    socket.destroy();
  });
});

describe('netns network lifecycle', { skip }, () => {
  it('deletes every namespace it created on dispose, and rejects bad names at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-netns-'));
    const journal = new Journal(dir, 'lifecycle');
    let names: string[];
    {
      await using network = await NetnsNetwork.create(journal, { components: ['a', 'b'] });
      names = [network.member('a').namespace, network.member('b').namespace];
      assert.ok(names.every((n) => listNamespaces().includes(n)));
    }
    assert.ok(names.every((n) => !listNamespaces().includes(n)));
    await assert.rejects(NetnsNetwork.create(journal, { components: ['Bad_Name', 'a', 'a'] }), /Bad_Name[\s\S]*duplicate names a/);
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
