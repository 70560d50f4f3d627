import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StackSpec } from '../../src/core/types.ts';
import { configEnv, configEnvErrors } from '../../src/platform/config-env.ts';
import { containersCheck } from '../../src/platform/containers/check.ts';
import { milvusEnv } from '../../src/platform/containers/components.ts';
import { kindCheck } from '../../src/platform/kind/check.ts';
import { renderStackManifests } from '../../src/platform/kind/manifests.ts';

const STANDALONE: StackSpec = { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio', images: { milvus: 'milvusdb/milvus:v2.3.5' } };

test('stack.config becomes one environment variable per setting, named as Milvus matches them', () => {
  assert.deepEqual(configEnv({ common: { session: { ttl: 10 } }, queryNode: { gracefulStopTimeout: 5 }, 'log.level': 'debug', proxy: { http: { enabled: false } } }), {
    COMMON_SESSION_TTL: '10',
    QUERYNODE_GRACEFULSTOPTIMEOUT: '5',
    LOG_LEVEL: 'debug',
    PROXY_HTTP_ENABLED: 'false',
  });
  assert.deepEqual(configEnv(undefined), {});
});

test('a list, a null, or a setting the platform wires itself is refused, each by its path, all at once', () => {
  const errors = configEnvErrors({ etcd: { endpoints: 'x:2379' }, 'minio.bucketName': 'b', common: { security: { superUsers: ['root'] }, x: null }, dataCoord: { segment: { maxSize: 64 } } }, ['ETCD_ENDPOINTS', 'MINIO_BUCKET_NAME'], 'containers');
  assert.deepEqual(errors.map((e) => e.path), ['stack.config.etcd.endpoints', 'stack.config.minio.bucketName', 'stack.config.common.security.superUsers', 'stack.config.common.x']);
  assert.match(errors[0]!.message, /set by the containers platform itself \(ETCD_ENDPOINTS\)/);
  assert.match(errors[2]!.message, /cannot carry a list/);
  assert.match(errors[2]!.fix, /local platform/);
});

test('the containers platform passes stack.config to Milvus, and its own wiring wins a clash its check refuses', () => {
  const stack = { ...STANDALONE, config: { common: { session: { ttl: 10 } }, etcd: { rootPath: 'mine' } } };
  const env = milvusEnv(stack, { etcd: ['etcd-0:2379'] });
  assert.equal(env.COMMON_SESSION_TTL, '10');
  assert.equal(milvusEnv(STANDALONE, { etcd: ['etcd-0:2379'] }).COMMON_SESSION_TTL, '30', "without config: the TTL 2.3.5's own milvus.yaml ships");
  assert.notEqual(env.ETCD_ROOTPATH, 'mine');
  const caps = { engine: true, netns: true, netemQueue: true, volumes: true, localMilvusVersions: () => true };
  assert.deepEqual(containersCheck(stack, [], caps).map((e) => e.path), ['stack.config.etcd.rootPath']);
  assert.deepEqual(containersCheck({ ...stack, config: { common: { session: { ttl: 10 } } } }, [], caps), []);
  assert.deepEqual(containersCheck({ ...stack, config: { mq: { type: 'pulsar' } } }, [], caps).map((e) => e.path), ['stack.config.mq.type'], 'the message queue is wired by the platform');
});

test('the kind platform passes stack.config to every Milvus container, and refuses what it wires itself', () => {
  const deployment = { method: 'manifests' as const, name: 'drill' };
  const cluster: StackSpec = { ...STANDALONE, topology: 'cluster', etcd: { members: 1 }, messageQueue: 'kafka', config: { common: { session: { ttl: 10 } } } };
  const objects = renderStackManifests(cluster, { deployment, namespace: 'milvus-drill', runId: 'run-1', image: (c) => `localhost/${c}:test` });
  const milvus = objects.flatMap((o) => {
    const spec = (o.spec as { template?: { spec?: { containers?: { image: string; env?: { name: string; value?: string }[] }[] } } } | undefined)?.template?.spec;
    return (spec?.containers ?? []).filter((c) => c.image.includes('milvus:'));
  });
  assert.ok(milvus.length >= 5, `${milvus.length} Milvus containers`);
  for (const c of milvus) assert.ok(c.env?.some((e) => e.name === 'COMMON_SESSION_TTL' && e.value === '10'));
  const ctx = { namespace: 'milvus-drill', deployment, home: '/nonexistent', external: true };
  assert.deepEqual(kindCheck(cluster, [], ctx, { netem: () => true }), []);
  const clash = kindCheck({ ...cluster, config: { minio: { address: 'elsewhere' } } }, [], ctx, { netem: () => true });
  assert.deepEqual(clash.map((e) => e.path), ['stack.config.minio.address']);
});
