import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { FaultSpec } from '../../src/core/types.ts';
import { localCapabilities } from '../../src/platform/local/capabilities.ts';
import { activeCoordinator, clusterFaultContext, startCluster } from '../../src/platform/local/cluster.ts';
import { faultTargets } from '../../src/platform/local/faults.ts';
import { Journal } from '../../src/supervise/journal.ts';
import { KAFKA_VERSION } from '../../src/platform/local/kafka.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';
import { waitFor } from '../../src/util/poll.ts';

const drillHome = process.env.MILVUS_DRILL_HOME ?? resolve(import.meta.dirname, '../../.drill');
const missing = [join(drillHome, 'milvus', '2.3.5', 'bin', 'milvus'), join(drillHome, 'kafka', KAFKA_VERSION, 'libs'), join(drillHome, 'bin', 'minio')].filter((p) => !existsSync(p));
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}: run scripts/setup.sh` : false;

const STACK = { topology: 'cluster', etcd: { members: 1 }, messageQueue: 'kafka', coordinators: 'active-standby' } as const;

function activeQueryCoordKill(): FaultSpec {
  const result = validateScenario({ name: 'f', stack: STACK, phases: { fault: '10m' }, faults: [{ kind: 'pod-kill', target: { role: 'coordinator', member: 'active', coordinator: 'querycoord' }, duration: '5m' }] });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return scenarioFaults(result.scenario)[0]!;
}

describe('coordinators in active-standby on the local cluster', { skip, timeout: 300_000 }, () => {
  it('runs each coordinator role twice, targets the instance etcd names active, and the standby takes over when it dies', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-active-standby-'));
    const journal = new Journal(join(dir, 'state'), 'active-standby-test');
    const run = new AbortController();
    // Loopback: the election does not need namespaces, and the test stays cheap.
    const caps = { ...localCapabilities(), netns: false, volumes: false };
    try {
      // A short etcd session lease (Milvus's default is 30 s): a killed coordinator's lease, which the
      // standby waits out, expires sooner, and the test spends less time waiting on it.
      const config = { common: { session: { ttl: 10 } } };
      const cluster = await startCluster({ milvusVersion: '2.3.5', objectStore: 'minio', ...STACK, config }, { runId: 'active-standby-test', workDir: join(dir, 'work'), signal: run.signal, log: (m) => t.diagnostic(m), seed: 7 }, journal, caps);
      await using _resources = cluster.resources;
      const coordinators = cluster.components.filter((c) => c.role === 'coordinator').map((c) => c.name);
      assert.deepEqual(coordinators, ['rootcoord-1', 'rootcoord-2', 'datacoord-1', 'datacoord-2', 'querycoord-1', 'querycoord-2']);

      const ctx = clusterFaultContext(cluster, journal, dir, 7);
      const [target] = await faultTargets(ctx, activeQueryCoordKill());
      assert.ok(target && /^querycoord-[12]$/.test(target.name), `the active query coordinator: ${target?.name}`);
      const standby = target.name === 'querycoord-1' ? 'querycoord-2' : 'querycoord-1';
      for (const role of ['rootcoord', 'datacoord'] as const) assert.match(await activeCoordinator(cluster, role), new RegExp(`^${role}-[12]$`));

      const killedAt = Date.now();
      await target.process.kill();
      await waitFor(async () => (await activeCoordinator(cluster, 'querycoord').catch(() => null)) === standby, { what: `${standby} to become the active query coordinator`, timeoutMs: 120_000, intervalMs: 500 });
      t.diagnostic(`${standby} active ${((Date.now() - killedAt) / 1000).toFixed(1)} s after ${target.name} was killed`);
      const [next] = await faultTargets(ctx, activeQueryCoordKill());
      assert.equal(next?.name, standby);

      const client = new MilvusClient({ address: cluster.proxyAddress, timeout: 5_000 });
      try {
        await waitFor(async () => (await client.checkHealth()).isHealthy, { what: 'the proxy to report the cluster healthy after the takeover', timeoutMs: 60_000, intervalMs: 500 });
      } finally {
        await client.closeConnection();
      }
    } finally {
      run.abort();
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
