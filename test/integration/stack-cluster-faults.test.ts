import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { FaultSpec } from '../../src/core/types.ts';
import { localCapabilities } from '../../src/platform/local/capabilities.ts';
import { clusterFaultContext, startCluster, type LocalCluster } from '../../src/platform/local/cluster.ts';
import { startFault, type FaultContext, type LocalComponent } from '../../src/platform/local/faults.ts';
import { Journal } from '../../src/supervise/journal.ts';
import { KAFKA_VERSION } from '../../src/platform/local/kafka.ts';
import { listNamespaces } from '../../src/platform/local/netns.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';
import { waitFor } from '../../src/util/poll.ts';

const drillHome = process.env.MILVUS_DRILL_HOME ?? resolve(import.meta.dirname, '../../.drill');
const missing = [join(drillHome, 'milvus', '2.3.5', 'bin', 'milvus'), join(drillHome, 'kafka', KAFKA_VERSION, 'libs'), join(drillHome, 'bin', 'minio')].filter((p) => !existsSync(p));
const caps = localCapabilities();
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}: run scripts/setup.sh` : !caps.netns ? 'needs root for network namespaces' : false;

const COLLECTION = 'drill_faults';
const DIM = 8;
const ROWS = 2_000;

/** A fault as a scenario would declare it (validated, defaults filled in). */
function fault(input: Record<string, unknown>): FaultSpec {
  const result = validateScenario({ name: 'f', stack: { topology: 'cluster', etcd: { members: 3 }, messageQueue: 'kafka' }, phases: { fault: '10m' }, faults: [{ duration: '5m', ...input }] });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return scenarioFaults(result.scenario)[0]!;
}

describe('faults on the running local cluster', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-cluster-faults-'));
  const journal = new Journal(join(dir, 'state'), 'cluster-faults-test');
  const run = new AbortController();
  let cluster: LocalCluster;
  let faults: FaultContext;
  let client: MilvusClient;
  let namespaces: string[] = [];

  const byName = (name: string): LocalComponent => faults.components.find((c) => c.name === name)!;
  const search = async (timeoutMs = 2_000): Promise<'ok' | string> => {
    try {
      const res = await client.search({ collection_name: COLLECTION, vector: vectorOf(7), limit: 5, params: { nprobe: 16 }, timeout: timeoutMs });
      return res.status.error_code === 'Success' && String(res.results[0]?.id) === '7' ? 'ok' : `${res.status.error_code}: ${res.status.reason}`;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const searchesRecover = (what: string): Promise<unknown> => waitFor(async () => (await search()) === 'ok', { what, timeoutMs: 90_000, intervalMs: 500 });

  before(async () => {
    const t0 = Date.now();
    const workDir = join(dir, 'work');
    cluster = await startCluster(
      { milvusVersion: '2.3.5', topology: 'cluster', etcd: { members: 3 }, messageQueue: 'kafka', objectStore: 'minio' },
      { runId: 'cluster-faults-test', workDir, signal: run.signal, log: () => undefined, seed: 7 },
      journal,
      caps,
    );
    console.log(`# cluster up in ${Date.now() - t0} ms`);
    faults = clusterFaultContext(cluster, journal, workDir, 7);
    namespaces = listNamespaces().filter((ns) => ns.startsWith(`drill-${cluster.network!.id}-`));
    assert.ok(namespaces.length > 0, 'the cluster runs in network namespaces');
    client = new MilvusClient({ address: cluster.proxyAddress });
    await loadCollection(client);
    assert.equal(await search(), 'ok');
  }, { timeout: 300_000 });

  after(async () => {
    run.abort();
    await client?.closeConnection();
    const t0 = Date.now();
    await cluster?.resources.disposeAsync();
    console.log(`# cluster down in ${Date.now() - t0} ms`);
    journal.close();
    assert.deepEqual(listNamespaces().filter((ns) => namespaces.includes(ns)), [], 'every namespace deleted');
    assert.equal(existsSync(journal.file), false, 'nothing left in the journal');
    rmSync(dir, { recursive: true, force: true });
  }, { timeout: 120_000 });

  it('pause: a SIGSTOPped query node stops answering; SIGCONT brings searches back', { timeout: 300_000 }, async (t) => {
    const queryNodes = faults.components.filter((c) => c.role === 'querynode');
    const stopped = (): string[] => queryNodes.filter((q) => processState(q.process.pid!) === 'T').map((q) => q.name);
    {
      await using _paused = await startFault(faults, fault({ kind: 'pause', target: { role: 'querynode', mode: 'one' } }), run.signal);
      assert.equal(stopped().length, 1, 'one query node (drawn from the seed) is stopped when the fault is applied');
      const during = await search();
      t.diagnostic(`search while ${stopped()[0]} is paused: ${during.slice(0, 120)}`);
      assert.notEqual(during, 'ok');
    }
    assert.deepEqual(stopped(), [], 'no query node is stopped once the fault is healed');
    await searchesRecover('searches after the query node resumes');
  });

  it('etcd leader kill: the killed leader goes, the others elect a new one; the heal restarts it', { timeout: 300_000 }, async (t) => {
    const before = await cluster.etcd.leader();
    const t0 = Date.now();
    {
      await using _kill = await startFault(faults, fault({ kind: 'pod-kill', target: { role: 'etcd', member: 'leader' } }), run.signal);
      assert.equal(byName(before.name).process.running, false, `${before.name} was killed`);
      const next = await waitFor(async () => {
        const leader = await cluster.etcd.leader();
        return leader.name !== before.name && leader;
      }, { what: 'a new etcd leader', timeoutMs: 20_000, intervalMs: 200 });
      t.diagnostic(`leader ${before.name} killed; ${next.name} elected in ${Date.now() - t0} ms`);
      assert.equal(await search(), 'ok', 'Milvus keeps serving with 2 of 3 etcd members');
    }
    assert.equal(byName(before.name).process.running, true, 'the heal started it again');
    await cluster.etcd.waitHealthy(30_000);
  });

  it('partition proxy | query nodes: searches fail, then recover after the heal', { timeout: 300_000 }, async (t) => {
    {
      await using _cut = await startFault(faults, fault({ kind: 'network-partition', target: { role: 'proxy' }, params: { peers: ['querynode'] } }), run.signal);
      const during = await search();
      t.diagnostic(`search across the partition: ${during.slice(0, 120)}`);
      assert.notEqual(during, 'ok');
    }
    const t0 = Date.now();
    await searchesRecover('searches after the partition heals');
    t.diagnostic(`searches recovered ${Date.now() - t0} ms after the heal`);
  });

  it('disk-fill: the MinIO volume is full until the heal', { timeout: 300_000 }, async () => {
    const minio = byName('minio');
    {
      await using _fill = await startFault(faults, fault({ kind: 'disk-fill', target: { role: 'minio' } }), run.signal);
      assert.ok(minio.volume!.freeBytes() < 4096, `${minio.volume!.freeBytes()} bytes still free`);
      assert.throws(() => writeFileSync(join(minio.volume!.dataDir, 'probe'), Buffer.alloc(64 * 1024)), /ENOSPC/);
    }
    assert.ok(minio.volume!.freeBytes() > 1e9);
  });

  it('stress-cpu runs stress-ng for the fault and stops it on heal', { timeout: 300_000 }, async () => {
    let pid: number | undefined;
    {
      await using _stress = await startFault(faults, fault({ kind: 'stress-cpu', target: { role: 'querynode' }, params: { workers: 1, load: 20 } }), run.signal);
      const running = (): number | undefined => journalPids().find((p) => cmdline(p).includes('stress-ng'));
      pid = await waitFor(running, { what: 'stress-ng to be running', timeoutMs: 5_000, intervalMs: 50 }).catch(() => undefined);
      assert.ok(pid, `stress-ng is running; its log:\n${stressLogs()}`);
    }
    assert.equal(existsSync(`/proc/${pid}`) && processState(pid!) !== 'Z', false, 'stress-ng stopped');
  });

  it('pod-kill on a query node: killed, then started again as a new process that serves', { timeout: 300_000 }, async () => {
    const qn = byName('querynode-2');
    const pid = qn.process.pid;
    {
      await using _kill = await startFault(faults, fault({ kind: 'pod-kill', target: { role: 'querynode', mode: { count: 2 } }, duration: '2s' }), run.signal);
      assert.equal(qn.process.running, false);
    }
    assert.notEqual(qn.process.pid, pid);
    assert.equal(qn.process.running, true);
    await searchesRecover('searches after both query nodes restart');
  });

  it('scale: a third query node starts in its own namespace and serves with the others; scaling in stops it gracefully; a data node likewise', async () => {
    const added = await cluster.scaler.scale('querynode', 3, run.signal);
    assert.deepEqual(added.added, ['querynode-3']);
    const qn3 = byName('querynode-3');
    assert.ok(qn3.inNetns && qn3.process.running, 'the new node runs, in the network, and faults can target it');
    namespaces.push(`drill-${cluster.network!.id}-querynode-3`);
    assert.ok(listNamespaces().includes(`drill-${cluster.network!.id}-querynode-3`));
    assert.equal(cluster.scaler.nodes('querynode').length, 3);
    await searchesRecover('searches with three query nodes');
    const proc = qn3.process;
    const removed = await cluster.scaler.scale('querynode', 2, run.signal);
    assert.deepEqual(removed.removed, ['querynode-3']);
    assert.deepEqual(proc.status, { code: 0, signal: null }, 'it drained and exited on SIGTERM, not SIGKILL');
    assert.equal(faults.components.some((c) => c.name === 'querynode-3'), false);
    await searchesRecover('searches after scaling back to two query nodes');
    const dataNodes = await cluster.scaler.scale('datanode', 2, run.signal);
    assert.deepEqual(dataNodes.added, ['datanode-2']);
    assert.ok(byName('datanode-2').process.running);
    assert.deepEqual((await cluster.scaler.scale('datanode', 1, run.signal)).removed, ['datanode-2']);
    namespaces.push(`drill-${cluster.network!.id}-datanode-2`);
  });

  function stressLogs(): string {
    return readdirSync(faults.logDir)
      .filter((f) => f.startsWith('stress-ng'))
      .map((f) => `${f}: ${readFileSync(join(faults.logDir, f), 'utf8')}`)
      .join('\n');
  }

  function journalPids(): number[] {
    const entries = (JSON.parse(readFileSync(journal.file, 'utf8')) as { entries: { pid?: number }[] }).entries;
    return entries.flatMap((e) => (e.pid === undefined ? [] : [e.pid]));
  }
});

/** A process's command line, or '' once it is gone. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function processState(pid: number): string | undefined {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
}

function vectorOf(i: number): number[] {
  return Array.from({ length: DIM }, (_, d) => Math.sin(i * (d + 1)));
}

async function loadCollection(client: MilvusClient): Promise<void> {
  const ok = (what: string, status: { error_code: string | number; reason: string }): void => assert.equal(status.error_code, 'Success', `${what}: ${status.reason}`);
  ok('create', await client.createCollection({
    collection_name: COLLECTION,
    shards_num: 2,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    ],
  }));
  const rows = Array.from({ length: ROWS }, (_, i) => ({ id: i, v: vectorOf(i) }));
  ok('insert', (await client.insert({ collection_name: COLLECTION, data: rows })).status);
  await client.flushSync({ collection_names: [COLLECTION] });
  ok('index', await client.createIndex({ collection_name: COLLECTION, field_name: 'v', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 16 } }));
  ok('load', await client.loadCollectionSync({ collection_name: COLLECTION }));
}
