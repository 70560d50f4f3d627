// A real Kafka client round trip: a single-file Java program (run from source by `java`) that
// produces records with the broker's own kafka-clients jar and reads them back.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const SOURCE = String.raw`
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.*;

public class RoundTrip {
  public static void main(String[] a) throws Exception {
    String brokers = a[0], topic = a[1];
    int n = Integer.parseInt(a[2]);
    Properties p = new Properties();
    p.put("bootstrap.servers", brokers);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("acks", "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < n; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
    }
    Properties c = new Properties();
    c.put("bootstrap.servers", brokers);
    c.put("group.id", "drill-probe");
    c.put("auto.offset.reset", "earliest");
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    Set<String> seen = new TreeSet<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30000;
      while (seen.size() < n && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) seen.add(r.value());
      }
    }
    System.out.println("consumed=" + seen.size());
  }
}
`;

/** Produces `count` records to a fresh topic and returns how many distinct ones were read back. */
export async function kafkaRoundTrip(libs: string, workDir: string, brokerList: string, topic: string, count: number): Promise<number> {
  const file = join(workDir, 'RoundTrip.java');
  writeFileSync(file, SOURCE);
  const { stdout } = await execFileAsync('java', ['-Xmx128m', '-cp', `${libs}/*`, file, brokerList, topic, String(count)], { timeout: 120_000, encoding: 'utf8' });
  const match = /consumed=(\d+)/.exec(stdout);
  if (!match) throw new Error(`unexpected probe output: ${stdout}`);
  return Number(match[1]);
}
