import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultSpec, StackSpec } from '../../src/core/types.ts';
import { SDK_FOR_SERVER, sdkForServer, serverLine } from '../../src/core/sdk-versions.ts';
import { containersCheck, type ContainersCapabilities } from '../../src/platform/containers/check.ts';
import { milvusEnv, etcdSpecs } from '../../src/platform/containers/components.ts';
import { defaultImage, renderImageMilvusConfig } from '../../src/platform/containers/images.ts';
import { localCheck } from '../../src/platform/local/capabilities.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';

const CAPS: ContainersCapabilities = { engine: true, netns: true, netemQueue: true, volumes: true, localMilvusVersions: (v) => v === '2.3.5' };
const STANDALONE: StackSpec = { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio', images: {} };
const CLUSTER: StackSpec = { ...STANDALONE, topology: 'cluster', etcd: { members: 3 }, messageQueue: 'kafka' };

function faults(stack: StackSpec, ...inputs: Record<string, unknown>[]): FaultSpec[] {
  const result = validateScenario({ name: 't', stack, phases: { fault: '60s' }, faults: inputs.map((f) => ({ duration: '10s', ...f })) });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return scenarioFaults(result.scenario);
}

describe('SDK by server version', () => {
  it('maps 2.2.x and 2.3.x servers to SDK 2.3.5 and each later line to its own SDK', () => {
    assert.equal(sdkForServer('2.3.5')?.version, '2.3.5');
    assert.equal(sdkForServer('v2.3.5-lite')?.version, '2.3.5');
    assert.equal(sdkForServer('2.2.16')?.version, '2.3.5');
    assert.equal(sdkForServer('v2.5.4')?.package, 'milvus2-sdk-node-2.5');
    assert.equal(sdkForServer('2.6.15')?.package, 'milvus2-sdk-node-2.6');
    assert.equal(serverLine('v2.10.1'), '2.10');
    assert.equal(serverLine('v2.2-testing-20230824-68-ga34a9d6-lite'), '2.2', 'what the 2.3.0 PyPI build reports');
  });

  it('has no line for an unknown server, and validate refuses it naming the field', () => {
    assert.equal(sdkForServer('2.7.0'), undefined);
    assert.equal(sdkForServer('latest'), undefined);
    const r = validateScenario({ name: 't', stack: { milvusVersion: '2.7.0' } });
    assert.ok(!r.ok);
    const e = r.errors.find((x) => x.path === 'stack.milvusVersion');
    assert.ok(e, JSON.stringify(r.errors));
    assert.match(e.fix, /2\.3\.x/);
  });

  it('every SDK in the table is installed at the version the table pins', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    for (const line of SDK_FOR_SERVER) assert.equal((require(`${line.package}/package.json`) as { version: string }).version, line.version, line.package);
  });
});

describe('stack.images', () => {
  it('accepts an image per component and refuses unknown components and bad references', () => {
    const ok = validateScenario({ name: 't', stack: { images: { milvus: 'milvusdb/milvus:v2.3.5', etcd: 'quay.io/coreos/etcd:v3.5.5' } } });
    assert.ok(ok.ok);
    assert.deepEqual(ok.scenario.stack.images, { milvus: 'milvusdb/milvus:v2.3.5', etcd: 'quay.io/coreos/etcd:v3.5.5' });
    const bad = validateScenario({ name: 't', stack: { images: { milvis: 'x', minio: 'has space' } } });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.errors.map((e) => e.path).sort(), ['stack.images.milvis', 'stack.images.minio']);
  });

  it('the local platform refuses images', () => {
    const errors = localCheck({ ...STANDALONE, images: { milvus: 'milvusdb/milvus:v2.3.5' } }, [], { netns: true, netemQueue: true, stressNg: true, volumes: true });
    assert.deepEqual(errors.map((e) => e.path), ['stack.images.milvus']);
  });
});

describe('containers platform check', () => {
  it('takes kills and pause on standalone, and network faults on a cluster', () => {
    assert.deepEqual(containersCheck(STANDALONE, faults(STANDALONE, { kind: 'pod-kill', target: { role: 'standalone' } }, { kind: 'pause', target: { role: 'etcd' } }), CAPS), []);
    const fs = faults(
      CLUSTER,
      { kind: 'pod-kill', target: { role: 'querynode' } },
      { kind: 'network-partition', target: { role: 'querynode' }, params: { peers: ['coordinator'] } },
      { kind: 'network-delay', target: { role: 'etcd' }, params: { latency: '50ms' } },
    );
    assert.deepEqual(containersCheck(CLUSTER, fs, CAPS), []);
  });

  it('refuses, each with its path, what the engine cannot do', () => {
    const fs = faults(
      STANDALONE,
      { kind: 'network-loss', target: { role: 'standalone' }, params: { percent: 10 } },
      { kind: 'stress-cpu', target: { role: 'standalone' } },
      { kind: 'disk-latency', target: { role: 'standalone' }, params: { delay: '10ms' } },
    );
    assert.deepEqual(containersCheck(STANDALONE, fs, CAPS).map((e) => e.path), ['faults[0].kind', 'faults[1].kind', 'faults[2].kind']);
    const net = faults(CLUSTER, { kind: 'network-partition', target: { role: 'proxy' } });
    assert.match(containersCheck(CLUSTER, net, { ...CAPS, netns: false })[0]!.message, /network namespaces/);
    assert.match(containersCheck(STANDALONE, [], { ...CAPS, engine: false })[0]!.message, /no container engine/);
  });

  it('fills a data-holding role\'s own bounded volume on a cluster, and nothing else', () => {
    const fill = (stack: StackSpec, role: string, caps = CAPS) => containersCheck(stack, faults(stack, { kind: 'disk-fill', target: { role } }), caps);
    assert.deepEqual(fill(CLUSTER, 'querynode'), []);
    assert.deepEqual(fill(CLUSTER, 'proxy').map((e) => e.path), ['faults[0].target.role']);
    assert.match(fill(CLUSTER, 'etcd', { ...CAPS, volumes: false })[0]!.message, /loop-mounted/);
    assert.deepEqual(fill(STANDALONE, 'etcd').map((e) => e.path), ['faults[0].kind']);
  });

  it('needs an image for a Milvus version that has no server binary here', () => {
    const v25: StackSpec = { ...STANDALONE, milvusVersion: '2.5.4' };
    const errors = containersCheck(v25, [], CAPS);
    assert.deepEqual(errors.map((e) => e.path), ['stack.images.milvus']);
    assert.match(errors[0]!.fix, /--image milvus=milvusdb\/milvus:v2\.5\.4/);
    assert.deepEqual(containersCheck({ ...v25, images: { milvus: 'milvusdb/milvus:v2.5.4' } }, [], CAPS), []);
  });

  it('refuses a queue the topology does not run', () => {
    assert.deepEqual(containersCheck({ ...CLUSTER, messageQueue: 'pulsar' }, [], CAPS).map((e) => e.path), ['stack.messageQueue']);
    assert.deepEqual(containersCheck({ ...STANDALONE, messageQueue: 'kafka' }, [], CAPS).map((e) => e.path), ['stack.messageQueue']);
  });
});

describe('container specs', () => {
  it('configures Milvus through environment variables, as the official images take them', () => {
    const env = milvusEnv(CLUSTER, { etcd: ['etcd-0:2379', 'etcd-1:2379'], kafka: 'kafka:9092' });
    assert.equal(env.ETCD_ENDPOINTS, 'etcd-0:2379,etcd-1:2379');
    assert.equal(env.MINIO_ADDRESS, 'minio');
    assert.equal(env.MQ_TYPE, 'kafka');
    assert.equal(env.KAFKA_BROKER_LIST, 'kafka:9092');
    assert.equal(milvusEnv({ ...STANDALONE, objectStore: 'local' }, { etcd: ['etcd-0:2379'] }).COMMON_STORAGETYPE, 'local');
  });

  it('etcd members know each other by their container names', () => {
    const specs = etcdSpecs('img', 3, 'tok');
    assert.deepEqual(specs.map((s) => s.name), ['etcd-0', 'etcd-1', 'etcd-2']);
    const cmd = specs[1]!.command!;
    assert.equal(cmd[cmd.indexOf('--initial-cluster') + 1], 'etcd-0=http://etcd-0:2380,etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380');
    assert.equal(cmd[cmd.indexOf('--advertise-client-urls') + 1], 'http://etcd-1:2379');
  });

  it("our Milvus image's config listens on the official image's ports", () => {
    const yaml = renderImageMilvusConfig();
    assert.match(yaml, /proxy:\n(\s+\w+: .+\n)*\s+port: 19530/);
    assert.match(yaml, /rootCoord:\n\s+port: 53100/);
  });
});

describe('images are content-addressed', () => {
  it('the Milvus image tag changes when the server binary changes, and only then', () => {
    const home = mkdtempSync(join(tmpdir(), 'drill-images-'));
    const bin = join(home, 'milvus', '2.3.5', 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'milvus'), 'server v1');
    writeFileSync(join(bin, 'libknowhere.so'), 'lib');
    const before = process.env.MILVUS_DRILL_HOME;
    process.env.MILVUS_DRILL_HOME = home;
    try {
      const first = defaultImage('milvus', '2.3.5');
      assert.match(first, /^localhost\/milvus-drill\/milvus:[0-9a-f]{16}$/);
      assert.equal(defaultImage('milvus', '2.3.5'), first, 'same inputs, same tag');
      writeFileSync(join(bin, 'milvus'), 'server v2');
      const second = defaultImage('milvus', '2.3.5');
      assert.notEqual(second, first, 'a changed binary makes a new tag');
      writeFileSync(join(bin, 'libknowhere.so'), 'lib2');
      assert.notEqual(defaultImage('milvus', '2.3.5'), second, 'a changed library makes a new tag');
      assert.equal(defaultImage('etcd', '2.3.5'), defaultImage('etcd', '2.6.0'), 'etcd does not depend on the Milvus version');
    } finally {
      if (before === undefined) delete process.env.MILVUS_DRILL_HOME;
      else process.env.MILVUS_DRILL_HOME = before;
    }
  });
});
