// What does recording the history cost? The same closed-loop search load against one local Milvus,
// alternately through the bare Node SDK and through milvus-drill's SDK driver (which times,
// classifies and records every call in the history), in interleaved rounds so drift on a shared
// machine hits both alike. Prints the driver's sustained rate and the ratio of the two rates.
// Run: node --import tsx bench/harness/recording-cost.ts [--seconds-per-round N] [--rounds N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { HistoryRecorder } from '../../src/history/recorder.ts';
import { SdkDriver } from '../../src/workload/sdk.ts';
import type { CollectionSpec, SearchProbeSpec } from '../../src/core/types.ts';
import { createFlatCollection, startTestMilvus, testVectors } from '../../test/integration/support/k6-milvus.ts';

const DIM = 16;
const ROWS = 2_000;
const QUERIES = 100;
const CONCURRENCY = 4;
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const ROUND_MS = arg('seconds-per-round', 5) * 1000;
const ROUNDS = arg('rounds', 3);

const collection: CollectionSpec = {
  name: 'bench_recording',
  shards: 1,
  partitionKey: null,
  scalarFields: [],
  index: { type: 'FLAT', params: {}, searchParams: {} },
  consistency: 'Bounded',
};
const probe: SearchProbeSpec = { every: 0, concurrency: CONCURRENCY, topK: 10, timeout: 5000, filtered: { share: 0, categories: [] } };

async function bareRate(address: string, queries: Float32Array): Promise<number> {
  const clients = Array.from({ length: CONCURRENCY }, () => new MilvusClient({ address, maxRetries: 0 }));
  let done = 0;
  const deadline = Date.now() + ROUND_MS;
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = c; Date.now() < deadline; i += CONCURRENCY) {
        const q = i % QUERIES;
        await client.search({ collection_name: collection.name, vector: Array.from(queries.subarray(q * DIM, (q + 1) * DIM)), limit: 10 });
        done++;
      }
    }),
  );
  await Promise.all(clients.map((c) => c.closeConnection()));
  return done / (ROUND_MS / 1000);
}

async function recordedRate(address: string, queries: Float32Array): Promise<{ rate: number; recorded: number }> {
  const history = new HistoryRecorder(Date.now());
  const drivers = await Promise.all(Array.from({ length: CONCURRENCY }, () => SdkDriver.connect(address, history, collection)));
  let done = 0;
  const deadline = Date.now() + ROUND_MS;
  await Promise.all(
    drivers.map(async (driver, c) => {
      for (let i = c; Date.now() < deadline; i += CONCURRENCY) {
        await driver.search(queries, DIM, i % QUERIES, probe);
        done++;
      }
    }),
  );
  await Promise.all(drivers.map((d) => d[Symbol.asyncDispose]()));
  return { rate: done / (ROUND_MS / 1000), recorded: history.snapshot().ops.length };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'drill-bench-rec-'));
  try {
    await using milvus = await startTestMilvus(join(dir, 'milvus'));
    const sdk = new MilvusClient({ address: milvus.address });
    await createFlatCollection(sdk, collection.name, testVectors(ROWS, DIM, 1), DIM);
    await sdk.closeConnection();
    const queries = testVectors(QUERIES, DIM, 2, 0.01);
    await bareRate(milvus.address, queries); // warm both paths before measuring
    await recordedRate(milvus.address, queries);
    const bare: number[] = [];
    const recorded: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      bare.push(await bareRate(milvus.address, queries));
      const rec = await recordedRate(milvus.address, queries);
      if (rec.recorded < rec.rate) throw new Error('the driver did not record its searches');
      recorded.push(rec.rate);
      console.log(`round ${r + 1}: bare SDK ${bare.at(-1)!.toFixed(0)}/s, recording driver ${rec.rate.toFixed(0)}/s`);
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`SDK driver sustains ${mean(recorded).toFixed(0)} searches/s with ${CONCURRENCY} workers (closed loop)`);
    console.log(`recording cost: recorded/bare throughput ratio = ${(mean(recorded) / mean(bare)).toFixed(3)} (1.000 = free)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
