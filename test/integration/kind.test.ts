// The kind platform end to end on this machine: a kind cluster made for these tests, the Chaos Mesh
// built here installed into it by the first run, Milvus deployed from our manifests, a PodChaos kill.
// Runs only when `npm run setup:kind` has built the parts (kept between runs: a cold build is far
// too long for CI), and otherwise skips naming that command.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drillHome } from '../../src/supervise/home.ts';
import { chaosMeshMissing, installedKind } from '../../src/platform/kind/installed.ts';
import { createCluster, deleteCluster, listClusters, type KindCluster } from '../../src/platform/kind/cluster.ts';
import { SETUP_KIND_COMMAND } from '../../src/platform/kind/build.ts';
import { Kube } from '../../src/platform/kind/kube.ts';
import { runCli, startCli, waitForOutput } from '../support/cli.ts';

const found = installedKind(drillHome());
const missing = 'missing' in found ? found.missing : chaosMeshMissing(found.build);
const skip = missing ? `the kind parts are not built (${missing}): run '${SETUP_KIND_COMMAND}'` : false;
const NAME = 'drill-kind-it';
const NAMESPACE = 'drill-it';
const log = (line: string): void => void process.stderr.write(`  [kind] ${line}\n`);

/**
 * A reduced smoke: 3,000 rows, 10 s phases, the same PodChaos kill of Milvus 5 s into its fault
 * phase. Its recovery bound (90 s) covers Milvus's own restart (56 and 70 s in full runs here);
 * a CI machine busy with the rest of the suite is slower still, so the test allows 120 s and
 * checks everything else as the scenario does.
 */
const REDUCED = [
  '--rows', '3000', '--set', 'dataset.queries=20',
  '--set', 'steps.0.duration=10s', '--set', 'steps.1.duration=10s', '--set', 'steps.2.duration=10s',
  '--set', 'slos.6.threshold=120000',
];

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe('kind platform', { skip }, () => {
  let cluster: KindCluster;
  let env: Record<string, string>;
  let kube: Kube;
  const state = mkdtempSync(join(tmpdir(), 'drill-kind-state-'));
  const runArgs = (out: string): string[] => ['run', 'scenarios/smoke.ts', '--platform', 'kind', '--kube-context', `kind-${NAME}`, '--namespace', NAMESPACE, ...REDUCED, '--out', out];
  const leftovers = async (runId: string): Promise<string[]> => {
    const selector = `milvus-drill/run-id=${runId}`;
    const chaos = await kube.list('chaos-mesh.org/v1alpha1', 'PodChaos', NAMESPACE, selector);
    const pods = await kube.list('v1', 'Pod', NAMESPACE, selector);
    const ns = await kube.read({ apiVersion: 'v1', kind: 'Namespace', name: NAMESPACE });
    return [...chaos.map((c) => `PodChaos ${c.metadata?.name}`), ...pods.map((p) => `Pod ${p.metadata?.name}`), ...(ns ? [`Namespace ${NAMESPACE}`] : [])];
  };

  before(async () => {
    const build = 'build' in found ? found.build : undefined;
    assert.ok(build);
    if (listClusters(build).includes(NAME)) await deleteCluster({ home: drillHome(), name: NAME, log });
    cluster = await createCluster({ home: drillHome(), name: NAME, log, waitSeconds: 240 });
    env = { KUBECONFIG: cluster.kubeconfig, MILVUS_DRILL_STATE_DIR: state };
    kube = new Kube({ kubeconfig: cluster.kubeconfig, context: cluster.context });
  });

  after(async () => {
    if (cluster) await deleteCluster({ home: drillHome(), name: NAME, log });
  });

  test('smoke on kind: Chaos Mesh (built here) kills the Milvus pod, Milvus recovers, every SLO met, nothing of the run left', { timeout: 900_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'drill-kind-out-'));
    const run = await runCli(runArgs(out), env);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /installing Chaos Mesh .* \(built here\)/);
    assert.match(run.output, /pod-kill 'kill-milvus' injected by Chaos Mesh into drill-it\/drill-milvus-standalone-0/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { platform: string; verdict: string; slos: { pass: boolean }[] };
    assert.equal(report.platform, 'kind');
    assert.equal(report.verdict, 'pass');
    assert.ok(report.slos.length >= 8 && report.slos.every((s) => s.pass));
    assert.ok(readdirSync(join(out, 'logs', 'kube')).includes('events.log'), 'events are kept with the report');
    const runId = /run (\S+): scenario/.exec(run.output)![1]!;
    assert.deepEqual(await leftovers(runId), []);
  });

  test('SIGKILL of the runner while a PodChaos is active, then heal --platform kind: no chaos object, pod, namespace or port-forward of the run remains', { timeout: 600_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'drill-kind-out-'));
    // The kill lasts 2 minutes here, so its PodChaos is certainly still there when the runner dies.
    const run = startCli([...runArgs(out), '--set', 'steps.1.faults.0.duration=120s', '--set', 'steps.1.duration=130s'], env);
    await waitForOutput(run, /injected by Chaos Mesh/, 'the PodChaos to be injected', 400_000);
    const runId = /run (\S+): scenario/.exec(run.output())![1]!;
    const port = Number(/Milvus reachable at 127\.0\.0\.1:(\d+)/.exec(run.output())![1]);
    const before = await leftovers(runId);
    assert.ok(before.some((o) => o.startsWith('PodChaos')) && before.includes(`Namespace ${NAMESPACE}`), before.join(', '));
    run.child.kill('SIGKILL');
    await run.exit;
    assert.ok(await refused(port), 'the port-forward died with the runner');
    assert.deepEqual(await leftovers(runId), before, 'the cluster keeps what the killed runner made');

    const healed = await runCli(['heal', '--platform', 'kind'], env);
    assert.equal(healed.code, 0, healed.output);
    assert.match(healed.output, /deleted 1 chaos object/);
    assert.deepEqual(await leftovers(runId), []);
    assert.deepEqual(readdirSync(state).filter((n) => n.endsWith('.json')), [], 'no journal is left');
  });
});
