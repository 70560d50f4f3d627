import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultSpec } from '../../src/core/types.ts';
import { pulsarBrokerForMq } from '../../src/platform/local/platform.ts';
import { PULSAR_COMPONENTS, pulsarJavaArgs, renderBookieConfig, renderBrokerConfig, renderStandaloneConfig, renderZookeeperConfig } from '../../src/platform/local/pulsar.ts';
import { renderMilvusConfig } from '../../src/platform/local/roles.ts';
import { renderStandaloneConfig as renderMilvusStandalone } from '../../src/platform/local/milvus.ts';
import { rolesIn } from '../../src/faults/spec.ts';

const props = (text: string): Map<string, string> => new Map(text.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));

test("the broker writes each entry to 2 of the 3 bookies and waits for both, as the Milvus chart sets it", () => {
  const broker = props(renderBrokerConfig({ host: '10.0.0.6', brokerPort: 6650, webPort: 8080, zookeeper: '10.0.0.2:2181', ensemble: 2, write: 2, ack: 2 }));
  assert.equal(broker.get('managedLedgerDefaultEnsembleSize'), '2');
  assert.equal(broker.get('managedLedgerDefaultWriteQuorum'), '2');
  assert.equal(broker.get('managedLedgerDefaultAckQuorum'), '2');
  assert.equal(broker.get('metadataStoreUrl'), 'zk:10.0.0.2:2181');
  assert.equal(broker.get('advertisedAddress'), '10.0.0.6');
  assert.ok(broker.has('loadBalancerOverrideBrokerNicSpeedGbps'), 'without it the broker refuses to start on a VM');
  assert.equal(broker.get('zookeeperSessionExpiredPolicy'), 'reconnect');
  assert.equal(props(renderStandaloneConfig({ host: '127.0.0.1', brokerPort: 1, webPort: 2, zookeeperPort: 3 })).get('managedLedgerDefaultEnsembleSize'), '1', 'standalone has one bookie');
});

test('bookies keep journal and ledgers on their data dir and register under /ledgers of ZooKeeper', () => {
  const bookie = props(renderBookieConfig({ host: '10.0.0.3', port: 3181, zookeeper: '10.0.0.2:2181', journalDir: '/v/b1/journal', ledgersDir: '/v/b1/ledgers' }));
  assert.equal(bookie.get('metadataServiceUri'), 'zk+null://10.0.0.2:2181/ledgers');
  assert.equal(bookie.get('journalDirectories'), '/v/b1/journal');
  assert.equal(bookie.get('ledgerDirectories'), '/v/b1/ledgers');
  assert.equal(bookie.get('advertisedAddress'), '10.0.0.3');
  const zk = props(renderZookeeperConfig({ host: '10.0.0.2', port: 2181, dataDir: '/v/zk' }));
  assert.equal(zk.get('clientPortAddress'), '10.0.0.2');
  assert.match(zk.get('4lw.commands.whitelist') ?? '', /ruok/);
});

test('the cluster has ZooKeeper, three bookies and a broker; the JVM opens what Pulsar reads on Java 17', () => {
  assert.deepEqual(PULSAR_COMPONENTS, ['pulsar-zookeeper', 'pulsar-bookie-1', 'pulsar-bookie-2', 'pulsar-bookie-3', 'pulsar-broker']);
  const args = pulsarJavaArgs('/libs', '/log4j2.properties', 256, 'org.apache.pulsar.PulsarBrokerStarter', ['--broker-conf', 'b.conf']);
  assert.deepEqual(args.slice(-4), ['/libs/*', 'org.apache.pulsar.PulsarBrokerStarter', '--broker-conf', 'b.conf']);
  assert.ok(args.includes('java.base/sun.net=ALL-UNNAMED'));
  assert.ok(args.includes('-Xmx256m'));
});

test('Milvus is pointed at the Pulsar broker, in a cluster and in standalone', () => {
  const cluster = renderMilvusConfig({
    host: '127.0.0.1',
    etcdEndpoints: ['10.0.0.1:2379'],
    etcdRootPath: 'r',
    minio: { address: '10.0.0.4', port: 9000, accessKey: 'a', secretKey: 's', bucket: 'b', rootPath: 'f' },
    pulsar: { host: '10.0.0.6', port: 6650, webPort: 8080 },
    localStoragePath: '/l',
  });
  assert.match(cluster, /^mq:\n {2}type: "pulsar"$/m);
  assert.match(cluster, /^pulsar:\n {2}address: "10.0.0.6"\n {2}port: 6650\n {2}webport: 8080\n/m);
  assert.doesNotMatch(cluster, /kafka/);
  const standalone = renderMilvusStandalone({ version: '2.3.5', dir: '/d', etcdEndpoints: ['127.0.0.1:2379'], minioAddress: null, pulsar: { host: '127.0.0.1', port: 6650, webPort: 8080 }, ports: { grpc: 1, metrics: 2, internal: {} } });
  assert.match(standalone, /type: pulsar|type: "pulsar"/);
  assert.match(standalone, /webport: 8080/);
});

test("with Pulsar, 'mq' means the broker on the local cluster, as a target and as a peer", () => {
  const fault = { name: 'f', kind: 'network-partition', target: { role: 'mq', mode: 'one' }, at: 0, duration: 1000, params: { peers: ['mq', 'etcd'], direction: 'both' } } as FaultSpec;
  const mapped = pulsarBrokerForMq(fault, 'pulsar');
  assert.equal(mapped.target.role, 'pulsar-broker');
  assert.deepEqual((mapped.params as unknown as { peers: string[] }).peers, ['pulsar-broker', 'etcd']);
  assert.equal(pulsarBrokerForMq(fault, 'kafka'), fault);
  const stack = { milvusVersion: '2.3.5', topology: 'cluster', etcd: { members: 3 }, messageQueue: 'pulsar', objectStore: 'minio' } as const;
  assert.ok(rolesIn(stack).has('pulsar-bookie'));
  assert.ok(!rolesIn({ ...stack, messageQueue: 'kafka' }).has('pulsar-bookie'));
});
