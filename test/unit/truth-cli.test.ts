import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genCommand } from '../../src/cli/gen.ts';
import { truthCommand } from '../../src/cli/truth.ts';
import { createDataset, readBinHeader, readBinRows, readGroundTruth } from '../../src/dataset/index.ts';
import { referenceTopK } from '../../src/truth/reference.ts';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-cli-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Runs a command with stderr captured. */
async function run(command: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; stderr: string }> {
  const original = console.error;
  let stderr = '';
  console.error = (...parts: unknown[]) => void (stderr += parts.join(' ') + '\n');
  try {
    return { code: await command(argv), stderr };
  } finally {
    console.error = original;
  }
}

test('gen writes the generator\'s rows and queries as .fbin and .u8bin', withDir(async (dir) => {
  const out = join(dir, 'base.fbin');
  const r = await run(genCommand, ['--profile', 'text-768', '--dim', '24', '--rows', '40000', '--offset', '5', '--queries', '7', '--seed', '9', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const ds = createDataset({ profile: 'text-768', dim: 24, metric: 'COSINE', seed: 9 });
  assert.deepEqual(readBinHeader(out), { rows: 40000, dim: 24 });
  assert.deepEqual(readBinRows(out, 39990, 10).values, ds.vectors(39995, 10));
  assert.deepEqual(readBinRows(join(dir, 'base.queries.fbin')).values, ds.queries(7));
  const u8 = join(dir, 'sift.u8bin');
  assert.equal((await run(genCommand, ['--profile', 'sift-128', '--rows', '100', '--out', u8])).code, 0);
  assert.deepEqual(readBinRows(u8).values, createDataset({ profile: 'sift-128', dim: 128, metric: 'L2', seed: 0 }).vectors(0, 100));
}));

test('gen reports usage and I/O errors with exit code 2', withDir(async (dir) => {
  const unknown = await run(genCommand, ['--profile', 'nope', '--rows', '1', '--out', join(dir, 'x.fbin')]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown --profile 'nope'; known: sift-128/);
  assert.match((await run(genCommand, ['--profile', 'sift-128', '--out', join(dir, 'x.fbin')])).stderr, /--rows is required/);
  assert.match((await run(genCommand, ['--profile', 'sift-128', '--rows', '1', '--out', join(dir, 'x.txt')])).stderr, /expected a \.fbin, \.u8bin or \.ibin/);
  const text = await run(genCommand, ['--profile', 'text-768', '--rows', '1', '--out', join(dir, 'x.u8bin')]);
  assert.equal(text.code, 2);
  assert.match(text.stderr, /cannot be stored in a \.u8bin/);
  assert.match((await run(genCommand, ['--profile', 'sift-128', '--rows', '1', '--out', join(dir, 'missing', 'x.fbin')])).stderr, /ENOENT/);
}));

test('truth over a file and over the generator give the reference answer as a ground-truth ibin', withDir(async (dir) => {
  const base = join(dir, 'base.fbin');
  assert.equal((await run(genCommand, ['--profile', 'sift-128', '--dim', '20', '--rows', '3000', '--queries', '6', '--seed', '4', '--out', base])).code, 0);
  const fromFile = join(dir, 'file.ibin');
  const r = await run(truthCommand, ['--base', base, '--queries', join(dir, 'base.queries.fbin'), '--k', '10', '--metric', 'l2', '--threads', '2', '--out', fromFile]);
  assert.equal(r.code, 0, r.stderr);
  const ds = createDataset({ profile: 'sift-128', dim: 20, metric: 'L2', seed: 4 });
  const want = referenceTopK(ds.vectors(0, 3000), ds.queries(6), 20, 10, 'L2');
  const got = readGroundTruth(fromFile);
  assert.equal(got.queries, 6);
  assert.equal(got.k, 10);
  assert.deepEqual(got.distances, want.distances);
  const fromProfile = join(dir, 'profile.ibin');
  const p = await run(truthCommand, ['--profile', 'sift-128', '--dim', '20', '--seed', '4', '--rows', '3000', '--queries', '6', '--k', '10', '--metric', 'l2', '--out', fromProfile]);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(readGroundTruth(fromProfile), got);
}));

test('truth names what is wrong', withDir(async (dir) => {
  const q = join(dir, 'q.fbin');
  writeFileSync(q, Buffer.from([1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]));
  assert.match((await run(truthCommand, ['--base', q, '--queries', q, '--k', '1', '--metric', 'l2', '--out', join(dir, 'gt.ibin')])).stderr, /header says 1×4 fbin \(24 bytes\) but the file has 12 bytes/);
  assert.match((await run(truthCommand, ['--queries', q, '--k', '1', '--metric', 'l2', '--out', 'x'])).stderr, /one of --base FILE or --profile P is required/);
  assert.match((await run(truthCommand, ['--profile', 'sift-128', '--rows', '5', '--queries', '2', '--k', '1', '--metric', 'hamming', '--out', 'x'])).stderr, /--metric must be l2, ip or cosine/);
}));
