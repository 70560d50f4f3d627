import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../support/cli.ts';

const SCENARIOS = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.ts')).sort();

describe('the scenario library', () => {
  it('has the cluster scenarios next to smoke', () => {
    for (const name of ['querynode-kill', 'querynode-kill-replicas', 'etcd-leader-kill', 'etcd-latency', 'mq-broker-kill', 'minio-outage', 'proxy-kill', 'datanode-kill', 'full-restart', 'partition-querynode-coord', 'rolling-restart', 'smoke', 'pulsar-broker-kill', 'pulsar-bookie-kill', 'pulsar-zookeeper-kill', 'pulsar-bookie-disk-full', 'partition-pulsar-broker-bookies', 'scale-out-querynodes', 'scale-in-querynodes', 'dr-cold-snapshot', 'dr-cross-cluster']) {
      assert.ok(SCENARIOS.includes(`${name}.ts`), `scenarios/${name}.ts is missing`);
    }
  });

  for (const file of SCENARIOS) {
    it(`milvus-drill validate scenarios/${file} passes, platform check included`, async () => {
      const { code, output } = await runCli(['validate', `scenarios/${file}`]);
      assert.equal(code, 0, output);
      assert.match(output, /valid scenario/);
    });
  }
});
