import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaClusterId } from '../../src/platform/local/kafka.ts';

test('a Kafka cluster id never begins with a dash (read as an option) whatever the random bytes', () => {
  for (let first = 0; first < 256; first++) {
    const bytes = Buffer.alloc(16, 0xfb); // 0xfb bytes encode to '-' and '_' all along
    bytes[0] = first;
    const id = kafkaClusterId(bytes);
    assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/, `first byte ${first}: ${id}`);
    assert.equal(Buffer.from(id, 'base64url').length, 16, 'still a 16-byte UUID');
  }
  const ids = new Set(Array.from({ length: 1000 }, () => kafkaClusterId()));
  assert.equal(ids.size, 1000, 'random, not fixed');
});
