import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFollower } from '../../../src/util/follow.ts';
import { waitFor } from '../../../src/util/poll.ts';

function tempFile(): { file: string; [Symbol.dispose]: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'drill-follow-'));
  const file = join(dir, 'out.jsonl');
  writeFileSync(file, '');
  return { file, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test('text appended while following arrives before end(), and end() reads what was written last', async () => {
  using tmp = tempFile();
  let seen = '';
  const follower = await FileFollower.start(tmp.file, (text) => (seen += text), { pollMs: 50 });
  appendFileSync(tmp.file, 'first line\nsecond li');
  await waitFor(() => seen === 'first line\nsecond li', { what: 'the appended text to be followed', timeoutMs: 5000, intervalMs: 10 });
  appendFileSync(tmp.file, 'ne\n');
  appendFileSync(tmp.file, 'last, no newline');
  await follower.end();
  assert.equal(seen, 'first line\nsecond line\nlast, no newline');
});

test('a UTF-8 character split across two writes arrives whole', async () => {
  using tmp = tempFile();
  const chunks: string[] = [];
  const follower = await FileFollower.start(tmp.file, (text) => chunks.push(text), { pollMs: 50 });
  const euro = Buffer.from('€', 'utf8');
  appendFileSync(tmp.file, Buffer.concat([Buffer.from('price '), euro.subarray(0, 1)]));
  await waitFor(() => chunks.join('') === 'price ', { what: 'the first write to be followed', timeoutMs: 5000, intervalMs: 10 });
  appendFileSync(tmp.file, euro.subarray(1));
  await follower.end();
  assert.equal(chunks.join(''), 'price €');
  assert.ok(chunks.every((c) => !c.includes('\uFFFD')), 'no replacement characters');
});

test('an error thrown by the consumer stops following: done rejects at once, end() rejects with it', async () => {
  using tmp = tempFile();
  let calls = 0;
  const follower = await FileFollower.start(tmp.file, () => {
    calls++;
    throw new Error('bad line');
  }, { pollMs: 50 });
  appendFileSync(tmp.file, 'x\n');
  await assert.rejects(follower.done, /bad line/);
  appendFileSync(tmp.file, 'y\n');
  await assert.rejects(follower.end(), /bad line/);
  assert.equal(calls, 1, 'nothing is read after the error');
});
