import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackSpec } from '../../src/core/types.ts';
import { ContainersPlatform } from '../../src/platform/containers/platform.ts';
import { containersCapabilities } from '../../src/platform/containers/check.ts';
import { imageCli } from '../../src/platform/containers/images.ts';
import { listLabelled } from '../../src/platform/containers/labels.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';
import { waitFor } from '../../src/util/poll.ts';
import { processesMatching, runCli, startCli } from '../support/cli.ts';

const engine = containersCapabilities().engine;
const skip = engine ? false : 'no container engine can be started here (no DOCKER_HOST, no Docker or Podman socket, podman not installed)';

const STANDALONE: StackSpec = { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio', images: {} };

function leftOf(runId: string): string[] {
  return listLabelled(imageCli())
    .filter((o) => o.runId === runId)
    .map((o) => `${o.kind} ${o.name}`);
}

const SESSION_TTL = 17;

/** The distinct TTLs etcd granted its leases, read through etcd's JSON gateway on the container network. */
async function grantedLeaseTtls(etcd: string): Promise<number[]> {
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> =>
    (await (await fetch(`http://${etcd}:2379${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) })).json()) as Record<string, unknown>;
  const leases = ((await post('/v3/lease/leases', {})).leases ?? []) as { ID: string }[];
  const ttls = await Promise.all(leases.map(async ({ ID }) => Number((await post('/v3/lease/timetolive', { ID })).grantedTTL)));
  return [...new Set(ttls)];
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return (await res.text()).trim() === 'OK';
  } catch {
    return false;
  }
}

function fault(input: Record<string, unknown>, stack: Record<string, unknown> = {}) {
  const r = validateScenario({ name: 't', stack, phases: { fault: '60s' }, faults: [input] });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return scenarioFaults(r.scenario)[0]!;
}

test('images build: every image is already built, and a second build only checks hashes', { skip, timeout: 120_000 }, async () => {
  const { code, output } = await runCli(['images', 'build']);
  assert.equal(code, 0, output);
  for (const c of ['base', 'milvus', 'etcd', 'minio', 'kafka']) assert.match(output, new RegExp(`^${c}\\s+localhost/milvus-drill/${c}:[0-9a-f]{16}\\s+cached$`, 'm'));
});

test('containers: standalone up through testcontainers with stack.config, pause and kill heal, teardown leaves nothing labelled', { skip, timeout: 300_000 }, async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'drill-containers-'));
  const dockerHostBefore = process.env.DOCKER_HOST;
  const runId = `containers-it-${Date.now()}`;
  const ctx = { runId, workDir, signal: new AbortController().signal, log: () => undefined, seed: 1 };
  const platform = new ContainersPlatform();
  {
    // stack.config reaches Milvus as environment variables: its etcd session leases are granted the configured TTL.
    await using stack = await platform.up({ ...STANDALONE, config: { common: { session: { ttl: SESSION_TTL } } } }, ctx);
    assert.deepEqual(stack.components().map((c) => `${c.name}:${c.role}`).sort(), ['etcd-0:etcd', 'milvus-standalone:standalone', 'minio:minio']);
    const left = leftOf(runId);
    assert.equal(left.filter((o) => o.startsWith('container')).length, 3, left.join(', '));
    assert.equal(left.filter((o) => o.startsWith('network')).length, 1, left.join(', '));
    const health = stack.metricsUrl!.replace('/metrics', '/healthz');
    assert.ok(await healthy(health));
    const { spawnSync } = await import('node:child_process');
    const prefix = (await import('../../src/platform/containers/labels.ts')).runPrefix(runId);
    const addressOf = (component: string): string => spawnSync(imageCli(), ['inspect', `${prefix}-${component}`, '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'], { encoding: 'utf8' }).stdout.trim();
    assert.deepEqual(await grantedLeaseTtls(addressOf('etcd-0')), [SESSION_TTL], "every etcd lease of Milvus's sessions has stack.config's common.session.ttl");

    const signal = new AbortController().signal;
    const paused = await stack.inject(fault({ kind: 'pause', target: { role: 'standalone' }, duration: '3s' }), signal);
    assert.equal(await healthy(health), false, 'a paused Milvus does not answer');
    await paused.healed;
    await waitFor(() => healthy(health), { what: 'Milvus to answer after unpause', timeoutMs: 10_000 });

    const address = (): string => addressOf('milvus-standalone');
    const before = address();
    assert.match(before, /^\d+\.\d+\.\d+\.\d+$/);
    const killed = await stack.inject(fault({ kind: 'pod-kill', target: { role: 'standalone' }, duration: '2s' }), signal);
    assert.equal(await healthy(health), false, 'a killed Milvus does not answer');
    await killed.healed;
    await waitFor(() => healthy(health), { what: 'Milvus to be healthy again on its volume, same port', timeoutMs: 120_000 });
    assert.equal(address(), before, 'started again on the same address');
  }
  assert.deepEqual(leftOf(runId), [], 'teardown removed every container, volume and network of the run');
  assert.deepEqual(processesMatching(`harness-${process.pid}.sock`), [], "the run's Podman API service stopped");
  assert.equal(process.env.DOCKER_HOST, dockerHostBefore, 'DOCKER_HOST is restored');
  assert.ok(readdirSync(workDir).includes('milvus-standalone.log'), 'container logs are kept');
});

test('SIGKILL of the runner mid-run, then heal: nothing labelled with the run is left', { skip, timeout: 600_000 }, async () => {
  const state = mkdtempSync(join(tmpdir(), 'drill-containers-state-'));
  const out = mkdtempSync(join(tmpdir(), 'drill-containers-out-'));
  const run = startCli(['run', 'scenarios/smoke.ts', '--platform', 'containers', '--rows', '2000', '--set', 'dataset.queries=20', '--out', out], { MILVUS_DRILL_STATE_DIR: state });
  // Stop waiting at once if the run exits early (its output says why).
  const exited = new AbortController();
  void run.exit.then((code) => exited.abort(new Error(`the run exited (${code}) before its steady phase:\n${run.output()}`)));
  await waitFor(() => /phase 'steady'/.test(run.output()), { what: 'the steady phase to start', timeoutMs: 300_000, signal: exited.signal });
  const runId = /run (\S+): scenario/.exec(run.output())![1]!;
  const before = leftOf(runId);
  assert.equal(before.filter((o) => o.startsWith('container')).length, 3, before.join(', '));
  assert.ok(before.some((o) => o.startsWith('volume')) && before.some((o) => o.startsWith('network')), before.join(', '));
  run.child.kill('SIGKILL');
  await run.exit;
  // The Podman service dies with the runner (pdeathsig); its containers do not.
  await waitFor(() => processesMatching(`harness-${run.child.pid}.sock`).length === 0, { what: "the run's Podman service to die with the runner", timeoutMs: 10_000 });
  assert.deepEqual(leftOf(runId), before, 'the containers outlive the killed runner');

  const healed = await runCli(['heal'], { MILVUS_DRILL_STATE_DIR: state });
  assert.equal(healed.code, 0, healed.output);
  assert.match(healed.output, /removed container/);
  assert.deepEqual(leftOf(runId), [], 'heal removed every container, volume and network of the run');
  assert.deepEqual(readdirSync(state).filter((n) => n.endsWith('.json')), [], 'no journal is left');
});

const CLUSTER: StackSpec = { ...STANDALONE, topology: 'cluster', etcd: { members: 3 }, messageQueue: 'kafka' };
const CLUSTER_INPUT = { topology: 'cluster', etcd: { members: 3 }, messageQueue: 'kafka' };

test('containers cluster: a partition cuts a query node off inside its own namespace; disk-fill exhausts only its bounded volume', { skip: skip || (!containersCapabilities().netns && 'network faults need root and an engine on this host'), timeout: 400_000 }, async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'drill-containers-cluster-'));
  const runId = `containers-cluster-it-${Date.now()}`;
  const platform = new ContainersPlatform();
  const signal = new AbortController().signal;
  const exec = async (container: string, script: string): Promise<number> => {
    const { spawnSync } = await import('node:child_process');
    return spawnSync(imageCli(), ['exec', container, 'sh', '-c', script], { stdio: 'ignore', timeout: 30_000 }).status ?? -1;
  };
  const prefix = (await import('../../src/platform/containers/labels.ts')).runPrefix(runId);
  {
    await using stack = await platform.up(CLUSTER, { runId, workDir, signal, log: () => undefined, seed: 1 });
    assert.deepEqual(
      stack.components().map((c) => c.name).sort(),
      ['coordinators', 'datanode-1', 'etcd-0', 'etcd-1', 'etcd-2', 'indexnode-1', 'kafka', 'minio', 'proxy-1', 'querynode-1', 'querynode-2'],
    );
    // bash's /dev/tcp: can a container open a TCP connection to another's port (Milvus metrics 9091, etcd 2379)?
    const reach = (from: string, to: string, port = 9091): Promise<number> => exec(`${prefix}-${from}`, `timeout 3 bash -c 'exec 3<>/dev/tcp/${to}/${port}'`);
    assert.equal(await reach('querynode-1', 'coordinators'), 0, 'connected before the fault');
    const cut = await stack.inject(fault({ kind: 'network-partition', target: { role: 'querynode', instance: 'querynode-1' }, duration: '20s', params: { peers: ['coordinator'] } }, CLUSTER_INPUT), signal);
    assert.notEqual(await reach('querynode-1', 'coordinators'), 0, 'cut off from the coordinators');
    assert.equal(await reach('querynode-1', 'etcd-0', 2379), 0, 'but not from etcd');
    assert.equal(await reach('querynode-2', 'coordinators'), 0, 'and the other query node is untouched');
    await cut[Symbol.asyncDispose]();
    assert.equal(await reach('querynode-1', 'coordinators'), 0, 'connected again after the heal');

    const write = (): Promise<number> => exec(`${prefix}-datanode-1`, 'head -c 1048576 /dev/zero > /var/lib/milvus/drill-probe && rm -f /var/lib/milvus/drill-probe');
    if (containersCapabilities().volumes) {
      assert.equal(await write(), 0, 'the data node can write before the fault');
      const fill = await stack.inject(fault({ kind: 'disk-fill', target: { role: 'datanode' }, duration: '20s' }, CLUSTER_INPUT), signal);
      assert.notEqual(await write(), 0, 'its volume is full');
      await fill[Symbol.asyncDispose]();
      assert.equal(await write(), 0, 'space is back after the heal');
    }
  }
  assert.deepEqual(leftOf(runId), [], 'teardown removed every container, volume and network of the run');
});
