import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localCapabilities } from '../../src/platform/local/capabilities.ts';
import { NetnsNetwork, listNamespaces } from '../../src/platform/local/netns.ts';
import { PULSAR_BOOKIES, PULSAR_COMPONENTS, PULSAR_VERSION, PulsarCluster, PulsarStandalone, brokerHealth, pulsarHome } from '../../src/platform/local/pulsar.ts';
import { DataVolume } from '../../src/platform/local/volumes.ts';
import { Journal } from '../../src/supervise/journal.ts';
import { DisposalStack } from '../../src/util/disposal.ts';
import { waitFor } from '../../src/util/poll.ts';
import { processesMatching, runCli, startCli } from '../support/cli.ts';

const skip = existsSync(join(pulsarHome(), 'libs', '.complete')) ? false : `Pulsar ${PULSAR_VERSION} not installed in ${pulsarHome()}: run scripts/setup.sh`;
const caps = localCapabilities();

function journalEntries(journal: Journal): unknown[] {
  return existsSync(journal.file) ? (JSON.parse(readFileSync(journal.file, 'utf8')) as { entries: unknown[] }).entries : [];
}

function mounts(under: string): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').filter((line) => line.split(' ')[1]?.startsWith(under));
}

describe(`Pulsar ${PULSAR_VERSION} on the local platform`, { skip }, () => {
  it('cluster: ZooKeeper, 3 bookies and a broker in their own namespaces and volumes; writes go on with a bookie down; nothing left after', { timeout: 300_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-pulsar-'));
    const journal = new Journal(join(dir, 'state'), 'pulsar-test');
    let networkId: string | null = null;
    let pids: number[] = [];
    try {
      {
        await using resources = new DisposalStack();
        const network = caps.netns ? resources.use(await NetnsNetwork.create(journal, { components: [...PULSAR_COMPONENTS], hostAccess: true })) : null;
        networkId = network?.id ?? null;
        const volumes = new Map<string, DataVolume>();
        if (caps.volumes) {
          for (const name of PULSAR_COMPONENTS.filter((n) => n !== 'pulsar-broker')) {
            volumes.set(name, resources.use(await DataVolume.create({ name, dir: join(dir, 'volumes'), sizeBytes: 2 ** 30, journal })));
          }
        }
        t.diagnostic(`namespaces: ${network ? 'yes' : 'no (loopback)'}; volumes: ${volumes.size}`);
        const started = Date.now();
        const pulsar = resources.use(
          await PulsarCluster.start({
            dir: join(dir, 'pulsar'),
            journal,
            ...(network ? { hostOf: (name: string) => network.member(name).ip, wrap: (name: string, spec) => network.wrap(name, spec) } : {}),
            dataDirOf: (name) => volumes.get(name)?.dataDir ?? join(dir, 'data', name),
          }),
        );
        t.diagnostic(`ZooKeeper + ${PULSAR_BOOKIES} bookies + broker healthy in ${Date.now() - started} ms at ${pulsar.endpoint.host}:${pulsar.endpoint.port}`);
        pids = pulsar.nodes.map((n) => n.process.pid!);
        assert.equal(pulsar.bookies.length, 3);
        if (network) assert.notEqual(pulsar.endpoint.host, '127.0.0.1', 'the broker listens on its namespace address');
        if (caps.volumes) assert.ok(existsSync(join(volumes.get('pulsar-bookie-1')!.dataDir, 'ledgers', 'current')), 'bookie-1 keeps its ledgers on its own volume');

        // Ensemble, write and ack quorum 2 of 3 bookies: one bookie down, the broker still writes.
        const bookie = pulsar.bookies[0]!;
        await bookie.process.kill();
        const t0 = Date.now();
        assert.equal(await brokerHealth(pulsar.endpoint, 30_000), 'ok');
        t.diagnostic(`with ${bookie.name} killed the broker's health round trip passed in ${Date.now() - t0} ms`);
        bookie.restart();
        pids.push(bookie.process.pid!);
        assert.equal(await brokerHealth(pulsar.endpoint, 30_000), 'ok');
      }
      assert.deepEqual(pids.filter((pid) => existsSync(`/proc/${pid}`)), [], 'every Pulsar process stopped');
      assert.deepEqual(processesMatching(dir), [], 'nothing of the run is left running');
      assert.deepEqual(mounts(dir), [], 'every volume unmounted');
      // Other runs on the machine may create namespaces meanwhile: look at ours only.
      if (networkId) assert.deepEqual(listNamespaces().filter((ns) => ns.startsWith(`drill-${networkId}-`)), [], 'every namespace deleted');
      assert.deepEqual(journalEntries(journal), [], 'the journal is empty');
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cluster run SIGKILLed once Pulsar is up, then heal: no Pulsar process, namespace or volume left', { timeout: 300_000, skip: caps.netns ? false : 'needs root for network namespaces' }, async (t) => {
    const state = mkdtempSync(join(tmpdir(), 'drill-pulsar-state-'));
    const out = mkdtempSync(join(tmpdir(), 'drill-pulsar-run-'));
    try {
      const run = startCli(['run', 'scenarios/pulsar-bookie-kill.ts', '--rows', '2000', '--out', out], { MILVUS_DRILL_STATE_DIR: state });
      await waitFor(() => /starting Milvus .* cluster/.test(run.output()) || run.child.exitCode !== null, { what: 'the run to bring Pulsar up', timeoutMs: 180_000, intervalMs: 250 });
      const runId = /run (\S+): scenario/.exec(run.output())?.[1];
      assert.ok(runId, run.output());
      assert.ok(processesMatching(runId).length >= 5, 'Pulsar is running');
      run.child.kill('SIGKILL');
      await run.exit;
      const healed = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: state });
      t.diagnostic(healed.output.trim().split('\n').slice(-3).join(' | '));
      assert.equal(healed.code, 0, healed.output);
      await waitFor(() => processesMatching(runId).length === 0, { what: `every process of ${runId} to be gone`, timeoutMs: 20_000, intervalMs: 250 });
      const prefix = /network namespaces (drill-[0-9a-f]+)-\*/.exec(run.output())?.[1];
      assert.ok(prefix, `the run names its namespaces:\n${run.output()}`);
      assert.deepEqual(listNamespaces().filter((ns) => ns.startsWith(`${prefix}-`)), [], 'every namespace deleted');
      assert.deepEqual(readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(runId)), [], 'every volume unmounted');
      assert.deepEqual(readdirSync(state), [], 'the journal is gone');
    } finally {
      rmSync(state, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('Ctrl-C while the bookies start: exit 130, nothing left', { timeout: 300_000, skip: caps.netns ? false : 'needs root for network namespaces' }, async () => {
    const state = mkdtempSync(join(tmpdir(), 'drill-pulsar-state-'));
    const out = mkdtempSync(join(tmpdir(), 'drill-pulsar-run-'));
    try {
      const run = startCli(['run', 'scenarios/pulsar-bookie-kill.ts', '--rows', '2000', '--out', out], { MILVUS_DRILL_STATE_DIR: state });
      await waitFor(() => /starting \d bookies/.test(run.output()) || run.child.exitCode !== null, { what: 'the run to start the bookies', timeoutMs: 120_000, intervalMs: 100 });
      const runId = /run (\S+): scenario/.exec(run.output())?.[1];
      assert.ok(runId, run.output());
      run.child.kill('SIGINT');
      assert.equal(await run.exit, 130, run.output());
      assert.deepEqual(processesMatching(runId), [], 'nothing of the run is left running');
      assert.deepEqual(readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(runId)), [], 'every volume unmounted');
      assert.deepEqual(readdirSync(state), [], 'the journal is gone');
    } finally {
      rmSync(state, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('standalone: one JVM, healthy, restarted on its data after a kill, stopped on dispose', { timeout: 300_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-pulsar-standalone-'));
    const journal = new Journal(join(dir, 'state'), 'pulsar-standalone-test');
    let pid: number | undefined;
    try {
      {
        const started = Date.now();
        await using pulsar = await PulsarStandalone.start({ dir, journal });
        t.diagnostic(`Pulsar standalone healthy in ${Date.now() - started} ms`);
        pid = pulsar.node.process.pid;
        await pulsar.node.process.kill();
        pulsar.node.restart();
        const t0 = Date.now();
        await waitHealthy(pulsar.endpoint);
        t.diagnostic(`healthy again ${Date.now() - t0} ms after the restart`);
        assert.notEqual(pulsar.node.process.pid, pid);
        pid = pulsar.node.process.pid;
      }
      assert.equal(existsSync(`/proc/${pid}`), false, 'the standalone process stopped');
      assert.deepEqual(journalEntries(journal), [], 'the journal is empty');
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A restarted broker refuses connections until it is up: poll its health with a deadline. */
async function waitHealthy(endpoint: PulsarCluster['endpoint']): Promise<void> {
  await waitFor(async () => (await brokerHealth(endpoint, 5_000)) === 'ok', { what: 'Pulsar standalone health after the restart', timeoutMs: 90_000, intervalMs: 500 });
}
