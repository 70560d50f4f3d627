import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GRPC_CODES, SERVER_ERROR_RULES, UNCLASSIFIED_SERVER_ERROR, classifyServerError, classifyTransport } from '../../src/checks/outcomes.ts';
import { serverErrorClass } from '../../src/checks/detectors.ts';
import { classifyError } from '../../src/workload/sdk.ts';

/** Milvus 2.3.5 error texts seen on this machine or in its source, one per class. */
const SERVER_ERRORS: [string, string, 'fail' | 'unknown'][] = [
  ['UnexpectedError: failed to search: collection not loaded[collection=4]', 'collection-not-loaded', 'fail'],
  ["UnexpectedError: can't find collection: drill_smoke", 'collection-missing', 'fail'],
  ['CollectionNotExists: collection not found[collection=drill]', 'collection-missing', 'fail'],
  ['RateLimit: rate limit exceeded[rate=10]', 'rate-limited', 'fail'],
  ['ForceDeny: deny to write, reason: memory quota exhausted', 'rate-limited', 'fail'],
  ['UnexpectedError: proxy TaskCondition context Done', 'server-timeout', 'unknown'],
  ['UnexpectedError: context deadline exceeded', 'server-timeout', 'unknown'],
  ['UnexpectedError: fail to search on all shard leaders, err=no available shard delegator', 'not-ready', 'fail'],
  ['UnexpectedError: service not ready[state=Abnormal]', 'not-ready', 'fail'],
  ['IllegalArgument: invalid parameter[expected=1][actual=2]', 'invalid-request', 'fail'],
  ['UnexpectedError: cannot parse expression: id in [', 'invalid-request', 'fail'],
];

describe('outcome of a server error', () => {
  it('classes every known Milvus error, and each class says whether the operation took effect', () => {
    for (const [message, errorClass, outcome] of SERVER_ERRORS) {
      assert.deepEqual(classifyServerError(message), { errorClass, outcome }, message);
      assert.equal(serverErrorClass(message), errorClass, 'the detectors group by the same class');
    }
    const covered = new Set(SERVER_ERRORS.map(([, c]) => c));
    assert.deepEqual(SERVER_ERROR_RULES.map((r) => r.errorClass).filter((c) => !covered.has(c)), [], 'every rule has an example above');
  });

  it('an error nobody recognises is unknown, never a failure', () => {
    assert.deepEqual(UNCLASSIFIED_SERVER_ERROR, { errorClass: 'server-error', outcome: 'unknown' });
    assert.deepEqual(classifyServerError('UnexpectedError: failed to insert: segment lost'), UNCLASSIFIED_SERVER_ERROR);
    assert.deepEqual(classifyServerError(''), UNCLASSIFIED_SERVER_ERROR);
  });
});

describe('outcome of a transport or client error', () => {
  it('maps every gRPC status code', () => {
    const refused = new Set([3, 5, 6, 7, 8, 9, 11, 12, 16]);
    for (let code = 1; code <= 16; code++) {
      const c = classifyTransport(code, 'some detail');
      assert.equal(c.outcome, refused.has(code) ? 'fail' : 'unknown', `gRPC ${code} ${GRPC_CODES[code]!.name}`);
    }
    assert.equal(classifyTransport(4, '').errorClass, 'timeout');
    assert.equal(classifyTransport(1, '').errorClass, 'cancelled');
    assert.equal(classifyTransport(14, 'read ECONNRESET').errorClass, 'connection-lost');
    assert.equal(classifyTransport(3, '').errorClass, 'grpc:INVALID_ARGUMENT');
  });

  it('a refused connection failed (never sent); a lost one, a timeout or anything else is unknown', () => {
    const cases: [number | undefined, string, string][] = [
      [14, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:19530', 'fail/connection-refused'],
      [14, 'connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"', 'fail/connection-refused'],
      [undefined, 'connect ECONNREFUSED 127.0.0.1:19530', 'fail/connection-refused'],
      [14, 'Connection dropped', 'unknown/connection-lost'],
      [undefined, 'read ECONNRESET', 'unknown/connection-lost'],
      [undefined, '4 DEADLINE_EXCEEDED: Deadline exceeded', 'unknown/timeout'],
      [13, 'Received RST_STREAM with code 2', 'unknown/grpc:INTERNAL'],
      [undefined, 'TypeError: Cannot read properties of undefined', 'unknown/client-error'],
    ];
    for (const [code, message, expected] of cases) {
      const c = classifyTransport(code, message);
      assert.equal(`${c.outcome}/${c.errorClass}`, expected, `${code} ${message}`);
    }
  });

  it('the SDK driver classifies what the SDK throws with the same tables', () => {
    const grpcError = (code: number, details: string): Error => Object.assign(new Error(`${code} ${GRPC_CODES[code]!.name}: ${details}`), { code, details });
    const of = (err: unknown): string => {
      const c = classifyError(err);
      return `${c.outcome}/${c.errorClass}`;
    };
    assert.equal(of(grpcError(14, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1')), 'fail/connection-refused');
    assert.equal(of(grpcError(14, 'Connection dropped')), 'unknown/connection-lost');
    assert.equal(of(grpcError(4, 'Deadline exceeded')), 'unknown/timeout');
    assert.equal(of(grpcError(3, 'bad field')), 'fail/grpc:INVALID_ARGUMENT');
    assert.equal(of(new Error('ErrorCode: UnexpectedError. Reason: collection not loaded')), 'fail/collection-not-loaded');
    assert.equal(of(new Error('ErrorCode: UnexpectedError. Reason: something odd')), 'unknown/server-error');
    assert.equal(of(new Error('something the SDK threw')), 'unknown/client-error', 'unclassified: unknown, not fail');
    assert.equal(of('a string'), 'unknown/client-error');
  });
});
