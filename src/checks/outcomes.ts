// Which errors mean an operation did not take effect. Both drivers classify with these tables: the
// Node SDK driver and the k6 script (which loads this file as is, so it imports nothing).
//
// 'fail' only when the operation is known not to have taken effect: the server answered that it
// rejected it, or the request never left (connection refused). Anything else that went wrong is
// 'unknown': it may or may not have been applied, so the visibility model neither credits nor
// drops it, and it is never counted as a success.

export type ErrorOutcome = 'fail' | 'unknown';

export interface ErrorClass {
  errorClass: string;
  outcome: ErrorOutcome;
}

interface ServerErrorRule extends ErrorClass {
  pattern: RegExp;
}

/** Milvus error text → class, first match wins. Each 'fail' class is a refusal before any effect. */
export const SERVER_ERROR_RULES: readonly ServerErrorRule[] = [
  { errorClass: 'collection-not-loaded', outcome: 'fail', pattern: /collection not loaded|not loaded/i },
  { errorClass: 'collection-missing', outcome: 'fail', pattern: /can't find collection|collection not found|CollectionNotExists|collection .* does not exist/i },
  { errorClass: 'rate-limited', outcome: 'fail', pattern: /rate limit|RateLimit|quota|force deny|ForceDeny|memory limit exceeded|disk limit exceeded/i },
  // The server ran out of the call's deadline itself, possibly after applying it. Milvus 2.3's
  // proxy reports its own deadline as 'context Done'.
  { errorClass: 'server-timeout', outcome: 'unknown', pattern: /timeout|deadline|context Done|context canceled/i },
  { errorClass: 'not-ready', outcome: 'fail', pattern: /no available|not ready|unhealthy|NotReady|service unavailable/i },
  { errorClass: 'invalid-request', outcome: 'fail', pattern: /invalid parameter|ParameterInvalid|IllegalArgument|illegal argument|cannot parse expression/i },
];

/** A server error nothing above recognises: it may have been applied. */
export const UNCLASSIFIED_SERVER_ERROR: ErrorClass = { errorClass: 'server-error', outcome: 'unknown' };

/** A Milvus error message → its class and what it tells of the operation. */
export function classifyServerError(message: string): ErrorClass {
  const rule = SERVER_ERROR_RULES.find((r) => r.pattern.test(message));
  return rule ? { errorClass: rule.errorClass, outcome: rule.outcome } : UNCLASSIFIED_SERVER_ERROR;
}

/** gRPC status codes (grpc/status.proto) and what each says of a call that ended with it. */
export const GRPC_CODES: Readonly<Record<number, { name: string; outcome: ErrorOutcome }>> = {
  1: { name: 'CANCELLED', outcome: 'unknown' },
  2: { name: 'UNKNOWN', outcome: 'unknown' },
  3: { name: 'INVALID_ARGUMENT', outcome: 'fail' },
  4: { name: 'DEADLINE_EXCEEDED', outcome: 'unknown' },
  5: { name: 'NOT_FOUND', outcome: 'fail' },
  6: { name: 'ALREADY_EXISTS', outcome: 'fail' },
  7: { name: 'PERMISSION_DENIED', outcome: 'fail' },
  // Also what a client says of a message over its size limit, which it never sent.
  8: { name: 'RESOURCE_EXHAUSTED', outcome: 'fail' },
  9: { name: 'FAILED_PRECONDITION', outcome: 'fail' },
  10: { name: 'ABORTED', outcome: 'unknown' },
  11: { name: 'OUT_OF_RANGE', outcome: 'fail' },
  12: { name: 'UNIMPLEMENTED', outcome: 'fail' },
  13: { name: 'INTERNAL', outcome: 'unknown' },
  // UNAVAILABLE is refused or lost depending on whether the request left: see classifyTransport.
  14: { name: 'UNAVAILABLE', outcome: 'unknown' },
  15: { name: 'DATA_LOSS', outcome: 'unknown' },
  16: { name: 'UNAUTHENTICATED', outcome: 'fail' },
};

const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;
/** Text of a failure to connect at all: the request never left this machine's client. */
const NEVER_SENT = /ECONNREFUSED|connection refused|Error while dialing|No connection established|connect ECONN|no such host|EHOSTUNREACH|ENETUNREACH/i;

/**
 * A call that ended with a non-OK gRPC status (`code` when known) or a client-side error message:
 * a timeout or cancellation, a connection refused (never sent), a connection lost mid-call, a
 * status that means the server refused the call, or otherwise unknown.
 */
export function classifyTransport(code: number | undefined, message: string): ErrorClass {
  if (code === GRPC_DEADLINE_EXCEEDED || (code === undefined && /DEADLINE_EXCEEDED|deadline exceeded/i.test(message))) {
    return { errorClass: 'timeout', outcome: 'unknown' };
  }
  if (code === GRPC_CANCELLED) return { errorClass: 'cancelled', outcome: 'unknown' };
  if (NEVER_SENT.test(message) && (code === undefined || code === GRPC_UNAVAILABLE)) return { errorClass: 'connection-refused', outcome: 'fail' };
  if (code === GRPC_UNAVAILABLE || (code === undefined && /UNAVAILABLE|ECONNRESET|Connection dropped|socket hang up|RST_STREAM|EPIPE/i.test(message))) {
    return { errorClass: 'connection-lost', outcome: 'unknown' };
  }
  const known = code === undefined ? undefined : GRPC_CODES[code];
  if (known) return { errorClass: `grpc:${known.name}`, outcome: known.outcome };
  return { errorClass: 'client-error', outcome: 'unknown' };
}
