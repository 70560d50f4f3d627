import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Journal } from '../../src/supervise/journal.ts';
import { KAFKA_VERSION, kafkaMetadataBrokers, renderKafkaProperties, startKafka } from '../../src/platform/local/kafka.ts';
import { kafkaRoundTrip } from './support/stack-kafka-probe.ts';

const drillHome = process.env.MILVUS_DRILL_HOME ?? resolve(import.meta.dirname, '../../.drill');
const kafkaHome = join(drillHome, 'kafka', KAFKA_VERSION);
const skip = existsSync(join(kafkaHome, 'libs')) ? false : `Kafka not installed in ${kafkaHome}: run scripts/setup.sh`;

describe('Kafka in KRaft mode', { skip }, () => {
  it('renders a single-node KRaft config', () => {
    const props = renderKafkaProperties({ nodeId: 1, host: '127.0.0.1', brokerPort: 1, controllerPort: 2, dataDir: '/d' });
    assert.match(props, /^process.roles=broker,controller$/m);
    assert.match(props, /^controller.quorum.voters=1@127.0.0.1:2$/m);
    assert.match(props, /^advertised.listeners=PLAINTEXT:\/\/127.0.0.1:1$/m);
  });

  it('starts, serves metadata, round-trips records, and stops', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-kafka-'));
    const journal = new Journal(join(dir, 'state'), 'kafka-test');
    try {
      const started = Date.now();
      let pid: number | undefined;
      {
        await using kafka = await startKafka({ kafkaHome, dir, journal });
        pid = kafka.process.pid;
        t.diagnostic(`kafka ${KAFKA_VERSION} ready in ${Date.now() - started} ms (format + start) at ${kafka.brokerList}`);
        assert.deepEqual(await kafkaMetadataBrokers(kafka.host, kafka.port), [{ nodeId: 1, host: kafka.host, port: kafka.port }]);
        const roundTripStart = Date.now();
        const consumed = await kafkaRoundTrip(join(kafkaHome, 'libs'), dir, kafka.brokerList, 'drill-probe', 50);
        t.diagnostic(`produced and consumed 50 records in ${Date.now() - roundTripStart} ms (includes the JVM start)`);
        assert.equal(consumed, 50);
      }
      assert.equal(existsSync(`/proc/${pid}`), false, 'the broker process is gone after dispose');
      assert.deepEqual(JSON.parse(readFileSync(journal.file, 'utf8')).entries, []);
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
