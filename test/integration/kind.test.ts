// The kind platform on this machine: runs only when `npm run setup:kind` has built its parts
// (kept between runs: a cold build is far too long for CI), and otherwise skips naming that command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { drillHome } from '../../src/supervise/home.ts';
import { installedKind } from '../../src/platform/kind/installed.ts';
import { createCluster, deleteCluster, listClusters, type KindCluster } from '../../src/platform/kind/cluster.ts';
import { SETUP_KIND_COMMAND } from '../../src/platform/kind/build.ts';

const found = installedKind(drillHome());
const skip = 'missing' in found ? `the kind parts are not built (${found.missing}): run '${SETUP_KIND_COMMAND}'` : false;
const NAME = 'drill-kind-it';

function kubectl(c: KindCluster, ...args: string[]): { status: number; out: string } {
  const r = spawnSync(c.build.kubectl, ['--kubeconfig', c.kubeconfig, '--context', c.context, ...args], { encoding: 'utf8' });
  return { status: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

test('a one-node kind cluster on the node image built here comes up Ready on Kubernetes 1.34 and is deleted', { skip, timeout: 600_000 }, async () => {
  const log = (line: string): void => void process.stderr.write(`  [kind] ${line}\n`);
  const build = 'build' in found ? found.build : undefined;
  assert.ok(build);
  if (listClusters(build).includes(NAME)) await deleteCluster({ home: drillHome(), name: NAME, log });
  try {
    const cluster = await createCluster({ home: drillHome(), name: NAME, log, waitSeconds: 240 });
    const nodes = kubectl(cluster, 'get', 'nodes', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}');
    assert.equal(nodes.out.trim(), 'True', nodes.out);
    const version = kubectl(cluster, 'version', '-o', 'json');
    assert.match(version.out, new RegExp(`"gitVersion": "${build.kubernetesVersion}"`));
    // CoreDNS and pod-to-pod traffic across nodes were checked by hand (docs/kind.md): waiting for
    // them here would take this test past its 60 s budget on a loaded machine.
  } finally {
    await deleteCluster({ home: drillHome(), name: NAME, log });
    assert.ok(!listClusters(build).includes(NAME), 'the cluster is gone');
  }
});
