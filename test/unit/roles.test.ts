import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterProcessSpecs, portsNeeded, renderMilvusConfig, type ClusterLayout } from '../../src/platform/local/roles.ts';

const layout: ClusterLayout = { coordinators: 'mixture', proxies: 1, queryNodes: 2, dataNodes: 1, indexNodes: 1 };
const options = (l: ClusterLayout) => ({
  layout: l,
  binDir: '/m/bin',
  confDir: '/w/conf',
  workDir: '/w',
  host: '127.0.0.1',
  ports: Array.from({ length: portsNeeded(l) }, (_, i) => 20_000 + i),
});

describe('clusterProcessSpecs', () => {
  it('starts coordinators first and proxies last, each with a unique alias', () => {
    const specs = clusterProcessSpecs(options(layout));
    assert.deepEqual(specs.map((s) => s.name), ['coordinators', 'datanode-1', 'indexnode-1', 'querynode-1', 'querynode-2', 'proxy-1']);
    assert.deepEqual(specs[0]?.args, ['run', 'mixture', '-rootcoord=true', '-datacoord=true', '-querycoord=true', '-alias=coordinators']);
    assert.deepEqual(specs[3]?.args, ['run', 'querynode', '-alias=querynode-1']);
  });

  it('runs one process per coordinator in the separate layout', () => {
    const specs = clusterProcessSpecs(options({ ...layout, coordinators: 'separate' }));
    assert.deepEqual(specs.slice(0, 3).map((s) => s.args[1]), ['rootcoord', 'datacoord', 'querycoord']);
  });

  it('gives every process its own ports through env overrides, never sharing one', () => {
    const specs = clusterProcessSpecs(options(layout));
    const [q1, q2] = specs.filter((s) => s.roles.includes('querynode'));
    assert.notEqual(q1?.env.QUERYNODE_PORT, q2?.env.QUERYNODE_PORT);
    const coordinators = specs[0];
    assert.ok(coordinators?.env.ROOTCOORD_PORT && coordinators.env.DATACOORD_PORT && coordinators.env.QUERYCOORD_PORT);
    const proxy = specs.at(-1);
    assert.equal(proxy?.env.PROXY_PORT, String(proxy?.sdkPort));
    assert.ok(proxy?.env.PROXY_INTERNALPORT);
    const all = specs.flatMap((s) => Object.entries(s.env).filter(([k]) => k.endsWith('PORT')).map(([, v]) => v));
    assert.equal(new Set(all).size, all.length);
    assert.equal(all.length, portsNeeded(layout));
  });

  it('sets the cluster env and a per-process run dir and health URL', () => {
    const [spec] = clusterProcessSpecs(options(layout));
    assert.equal(spec?.env.DEPLOY_MODE, 'CLUSTER');
    assert.equal(spec?.env.MILVUSCONF, '/w/conf/');
    assert.equal(spec?.env.LD_LIBRARY_PATH, '/m/bin');
    assert.equal(spec?.runDir, '/w/run-coordinators');
    assert.equal(spec?.healthUrl, `http://127.0.0.1:${spec?.metricsPort}/healthz`);
  });

  it('refuses too few ports', () => {
    assert.throws(() => clusterProcessSpecs({ ...options(layout), ports: [1, 2, 3] }), /need \d+ distinct ports, got 3/);
  });
});

describe('renderMilvusConfig', () => {
  it('points Milvus at the external etcd, MinIO and Kafka', () => {
    const yaml = renderMilvusConfig({
      host: '10.1.2.3',
      etcdEndpoints: ['10.1.2.4:2379', '10.1.2.5:2379'],
      etcdRootPath: 'drill-x',
      minio: { address: '10.1.2.6', port: 9000, accessKey: 'ak', secretKey: 'sk', bucket: 'b', rootPath: 'files' },
      kafkaBrokerList: '10.1.2.7:9092',
      localStoragePath: '/var/lib/drill',
    });
    assert.match(yaml, /^etcd:\n {2}endpoints:\n {4}- "10.1.2.4:2379"\n {4}- "10.1.2.5:2379"\n {2}rootPath: "drill-x"\n/);
    assert.match(yaml, /^ {2}use:\n {4}embed: false$/m);
    assert.match(yaml, /^mq:\n {2}type: "kafka"\nkafka:\n {2}brokerList: "10.1.2.7:9092"$/m);
    assert.match(yaml, /^ {2}storageType: "minio"$/m);
    assert.match(yaml, /^ {2}gracefulStopTimeout: 30$/m);
    assert.match(yaml, /^queryNode:\n {2}ip: "10.1.2.3"$/m);
  });
});
