import { CollectionPrivileges, DataType, GlobalPrivileges, MilvusClient, RbacObjects, type RowData } from '@zilliz/milvus2-sdk-node';
import type { ClientTls } from '../core/platform.ts';
import type { CollectionSpec, OpRecord, Outcome, SecurityProbe, SecuritySpec } from '../core/types.ts';
import type { HistoryRecorder } from '../history/recorder.ts';
import { classifyRefusal, type RefusalKind } from '../checks/security.ts';
import { connectionOptions, type Connection } from '../workload/sdk.ts';
import { DEFAULT_ROOT_PASSWORD, PROBE_ROLES, PROBE_USERS, type RunSecrets } from './secrets.ts';
import { waitFor } from '../util/poll.ts';

/** A second collection the reader is granted nothing on. */
const OTHER_COLLECTION = 'drill_security_other';
const CREATED_BY_PROBE = 'drill_security_created';
const CALL_MS = 10_000;

export interface SecurityTarget {
  address: string;
  tls: ClientTls | null;
  spec: SecuritySpec;
  secrets: RunSecrets;
  collection: CollectionSpec;
  dim: number;
}

/** The connection root uses once the stack is secured (the driver's too). */
export function adminConnection(t: Pick<SecurityTarget, 'tls' | 'spec' | 'secrets'>): Connection {
  return t.spec.authorization ? { username: 'root', password: t.secrets.rootPassword, tls: t.tls } : { tls: t.tls };
}

function client(address: string, connection: Connection): MilvusClient {
  const c = new MilvusClient({ address, ...connectionOptions(connection), maxRetries: 0, timeout: CALL_MS, logLevel: 'error' });
  // Refused clients fail their first call; the probes read that, not this.
  c.connectPromise.catch(() => undefined);
  return c;
}

async function withClient<T>(address: string, connection: Connection, fn: (c: MilvusClient) => Promise<T>): Promise<T> {
  const c = client(address, connection);
  try {
    return await fn(c);
  } finally {
    await c.closeConnection();
  }
}

const ROTATE_MS = 60_000;
const isUnauthenticated = (err: unknown): boolean => /UNAUTHENTICATED|auth check fail/i.test(err instanceof Error ? err.message : String(err));

/** Whether root can list collections with this password now. */
async function rootAccepted(t: Pick<SecurityTarget, 'address' | 'tls'>, password: string): Promise<boolean> {
  try {
    return await withClient(t.address, { username: 'root', password, tls: t.tls }, async (c) => (await c.showCollections()).status.error_code === 'Success');
  } catch (err) {
    if (isUnauthenticated(err)) return false;
    throw err;
  }
}

/**
 * Changes root's password from its default, once per stack, at bring-up. A Milvus 2.3 proxy that has
 * just started was seen refusing the default password on the call right after accepting it on
 * connect (its credential cache filling under load), so a refused attempt is retried, bounded; a
 * password already changed by an attempt whose answer was lost counts as done. It returns only
 * once the new password is accepted.
 */
export async function rotateRootPassword(t: Pick<SecurityTarget, 'address' | 'tls' | 'spec' | 'secrets'>): Promise<void> {
  if (!t.spec.authorization || t.spec.rootPassword !== 'generated') return;
  // Refusals of the default password (by the interceptor, or as 'old password not correct') are retried; anything else is fatal.
  const fatal = (err: unknown): boolean => !(isUnauthenticated(err) || /password not correct|not ?authenticated/i.test(String(err)));
  await waitFor(
    async () => {
      if (await rootAccepted(t, t.secrets.rootPassword)) return true;
      return withClient(t.address, { username: 'root', password: DEFAULT_ROOT_PASSWORD, tls: t.tls }, async (c) => {
        expectOk(await c.updateUser({ username: 'root', oldPassword: DEFAULT_ROOT_PASSWORD, newPassword: t.secrets.rootPassword }), 'change the root password');
        return false; // checked by the next round: the new password must be accepted
      });
    },
    { what: "root's password to change from its default and the new one to be accepted", timeoutMs: ROTATE_MS, intervalMs: 500, fatal },
  );
}

/**
 * Users, roles and grants the probes act through, made once after the collection is loaded:
 * a reader (search and query on the drill collection only) and a user whose grant the revoke probe
 * takes away; and a second, loaded collection the reader has no grant on.
 */
export async function setUpRbac(t: SecurityTarget): Promise<void> {
  if (!t.spec.authorization) return;
  await withClient(t.address, adminConnection(t), async (c) => {
    await ensureOtherCollection(c);
    const users = (await c.listUsers()).usernames ?? [];
    for (const [key, user] of Object.entries(PROBE_USERS) as [keyof typeof PROBE_USERS, string][]) {
      if (!users.includes(user)) expectOk(await c.createUser({ username: user, password: t.secrets.passwords[key] }), `create user ${user}`);
      const role = PROBE_ROLES[key];
      if (!(await c.hasRole({ roleName: role })).hasRole) expectOk(await c.createRole({ roleName: role }), `create role ${role}`);
      expectOk(await c.addUserToRole({ username: user, roleName: role }), `add ${user} to ${role}`);
      // Describing a collection is a Global privilege in Milvus 2.3; the SDK describes before it writes or searches.
      expectOk(await c.grantRolePrivilege({ roleName: role, object: RbacObjects.Global, objectName: '*', privilegeName: GlobalPrivileges.DescribeCollection }), `grant DescribeCollection to ${role}`);
    }
    for (const privilege of [CollectionPrivileges.Search, CollectionPrivileges.Query]) {
      expectOk(await c.grantRolePrivilege({ roleName: PROBE_ROLES.reader, object: RbacObjects.Collection, objectName: t.collection.name, privilegeName: privilege }), `grant ${privilege} to ${PROBE_ROLES.reader}`);
    }
  });
}

async function ensureOtherCollection(c: MilvusClient): Promise<void> {
  if (!(await c.hasCollection({ collection_name: OTHER_COLLECTION })).value) {
    expectOk(await c.createCollection({ collection_name: OTHER_COLLECTION, fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false }, { name: 'vector', data_type: DataType.FloatVector, dim: 2 }] }), `create ${OTHER_COLLECTION}`);
    expectOk(await c.insert({ collection_name: OTHER_COLLECTION, fields_data: [{ id: 1, vector: [0, 1] }] }), `insert into ${OTHER_COLLECTION}`);
    expectOk(await c.createIndex({ collection_name: OTHER_COLLECTION, field_name: 'vector', index_type: 'FLAT', metric_type: 'L2', params: {} }), `index ${OTHER_COLLECTION}`);
  }
  expectOk(await c.loadCollectionSync({ collection_name: OTHER_COLLECTION }), `load ${OTHER_COLLECTION}`);
}

type Attempt = { outcome: Outcome; error?: string };

/**
 * Runs the probe set now and records each probe as an op with its outcome. Never throws for what
 * the server does; each probe says what happened.
 */
export async function runProbes(t: SecurityTarget, point: string, history: HistoryRecorder, log: (m: string) => void): Promise<OpRecord[]> {
  const records: OpRecord[] = [];
  const admin = adminConnection(t);
  const list = (c: MilvusClient): Promise<unknown> => c.showCollections();
  const probe = async (name: string, expect: SecurityProbe['expect'], kind: RefusalKind, connection: Connection, fn: (c: MilvusClient) => Promise<unknown>, severity: SecurityProbe['severity'] = 'violation', serverUp = true): Promise<OpRecord> => {
    const start = history.now();
    const attempt = await attemptCall(t.address, connection, fn);
    // A TLS refusal means something only if the server served a secured client before and after it.
    const up = kind === 'tls' && attempt.outcome !== 'ok' ? serverUp && (await attemptCall(t.address, admin, list)).outcome === 'ok' : serverUp;
    const r = judge(attempt, expect, kind, up);
    const rec: Parameters<HistoryRecorder['record']>[0] = { op: 'security', start, end: history.now(), outcome: r.outcome, probe: { name, expect, point, severity } };
    if (r.error !== undefined) Object.assign(rec, { error: r.error, errorClass: r.outcome === 'fail' ? `refused-${kind}` : 'probe-undecided' });
    const record = history.record(rec);
    records.push(record);
    return record;
  };
  const control = await probe('secured client is served', 'allowed', 'auth', admin, list);
  const serverUp = control.outcome === 'ok';

  if (t.spec.tls !== 'off') {
    await probe('plaintext connection is refused', 'refused', 'tls', { username: admin.username, password: admin.password, tls: null }, list, 'violation', serverUp);
    if (t.spec.tls === 'mutual' && t.tls) {
      await probe('client without a certificate is refused', 'refused', 'tls', { ...admin, tls: { ...t.tls, certPath: null, keyPath: null } }, list, 'violation', serverUp);
    }
  }
  if (t.spec.authorization) {
    await probe('unauthenticated request is refused', 'refused', 'auth', { tls: t.tls }, list);
    await probe('wrong password is refused', 'refused', 'auth', { username: 'root', password: `${t.secrets.rootPassword}-wrong`, tls: t.tls }, list);
    if (t.spec.rootPassword === 'generated') await probe('default root password is refused', 'refused', 'auth', { username: 'root', password: DEFAULT_ROOT_PASSWORD, tls: t.tls }, list);
    await rbacProbes(t, point, probe, admin, serverUp);
  }
  const held = records.filter((r) => (r.probe!.expect === 'refused' ? r.outcome === 'fail' : r.outcome === 'ok')).length;
  log(`security probes (${point}): ${held} of ${records.length} held`);
  return records;
}

type Probe = (name: string, expect: SecurityProbe['expect'], kind: RefusalKind, connection: Connection, fn: (c: MilvusClient) => Promise<unknown>, severity?: SecurityProbe['severity'], serverUp?: boolean) => Promise<OpRecord>;

async function rbacProbes(t: SecurityTarget, point: string, probe: Probe, admin: Connection, serverUp: boolean): Promise<void> {
  const afterRestore = /restore/.test(point);
  const rbacSeverity = afterRestore && !t.spec.rbacSurvivesRestore ? 'finding' : 'violation';
  const intact = await probe('users, roles and grants exist', 'allowed', 'auth', admin, (c) => rbacPresent(c, t.collection.name), rbacSeverity);
  // Whatever went missing is made again, so the probes below still test enforcement.
  if (intact.outcome !== 'ok' && serverUp) await setUpRbac(t).catch(() => undefined);
  else await withClient(t.address, admin, ensureOtherCollection).catch(() => undefined);

  const reader: Connection = { username: PROBE_USERS.reader, password: t.secrets.passwords.reader, tls: t.tls };
  const name = t.collection.name;
  await probe('read-only user can search', 'allowed', 'permission', reader, (c) => c.search({ collection_name: name, vector: Array.from({ length: t.dim }, () => 0.5), limit: 1 }));
  await probe('read-only user can query', 'allowed', 'permission', reader, (c) => c.query({ collection_name: name, expr: 'id in [0]', output_fields: ['id'] }));
  const inserted = await probe('read-only user cannot insert', 'refused', 'permission', reader, (c) => c.insert({ collection_name: name, fields_data: [probeRow(t)] }));
  // A breach must not leave a row the durability check does not know of.
  if (inserted.outcome !== 'fail') await withClient(t.address, admin, (c) => c.delete({ collection_name: name, ids: [PROBE_ID] })).catch(() => undefined);
  await probe('read-only user cannot delete', 'refused', 'permission', reader, (c) => c.delete({ collection_name: name, ids: [PROBE_ID] }));
  const created = await probe('read-only user cannot create a collection', 'refused', 'permission', reader, (c) => c.createCollection({ collection_name: CREATED_BY_PROBE, fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false }, { name: 'vector', data_type: DataType.FloatVector, dim: 2 }] }));
  if (created.outcome !== 'fail') await withClient(t.address, admin, (c) => c.dropCollection({ collection_name: CREATED_BY_PROBE })).catch(() => undefined);
  await probe('user granted one collection cannot read another', 'refused', 'permission', reader, (c) => c.query({ collection_name: OTHER_COLLECTION, expr: 'id in [1]', output_fields: ['id'] }));
  // Last of the reader's probes: when it gets through, the other collection is gone until the next set makes it again.
  await probe('read-only user cannot drop a collection', 'refused', 'permission', reader, (c) => c.dropCollection({ collection_name: OTHER_COLLECTION }));
  await revokeProbe(t, probe, admin);
}

const PROBE_ID = 2 ** 50;

function probeRow(t: SecurityTarget): RowData {
  const row: RowData = { id: PROBE_ID, version: 0, vector: Array.from({ length: t.dim }, () => 0.5) };
  for (const f of t.collection.scalarFields) row[f] = 0;
  return row;
}

/** Grants Query, checks the user can query, revokes it, and checks the refusal within a bound (the proxy's privilege cache). */
async function revokeProbe(t: SecurityTarget, probe: Probe, admin: Connection): Promise<void> {
  const grant = { roleName: PROBE_ROLES.revoked, object: RbacObjects.Collection, objectName: t.collection.name, privilegeName: CollectionPrivileges.Query };
  const user: Connection = { username: PROBE_USERS.revoked, password: t.secrets.passwords.revoked, tls: t.tls };
  const query = (c: MilvusClient): Promise<unknown> => c.query({ collection_name: t.collection.name, expr: 'id in [0]', output_fields: ['id'] });
  const granted = await attemptCall(t.address, admin, (c) => c.grantRolePrivilege(grant));
  if (granted.outcome !== 'ok') {
    await probe('revoking a privilege takes effect', 'refused', 'permission', user, () => Promise.reject(new Error(`could not grant Query to set the probe up: ${granted.error}`)));
    return;
  }
  // A grant, like a revoke, reaches the proxy's privilege cache asynchronously (right after a
  // restart or an upgrade it took longer than an immediate retry): wait for it, bounded, then record it.
  await waitFor(async () => (await attemptCall(t.address, user, query)).outcome === 'ok', { what: 'the grant to take effect', timeoutMs: 10_000, intervalMs: 500 }).catch(() => undefined);
  await probe('granted privilege works before revoke', 'allowed', 'permission', user, query);
  const revoked = await attemptCall(t.address, admin, (c) => c.revokeRolePrivilege(grant));
  if (revoked.outcome !== 'ok') {
    await probe('revoking a privilege takes effect', 'refused', 'permission', user, () => Promise.reject(new Error(`revoke failed: ${revoked.error}`)));
    return;
  }
  // The revoke reaches the proxy's cache asynchronously: wait for the refusal (bounded), then record it.
  await waitFor(async () => (await attemptCall(t.address, user, query)).outcome !== 'ok', { what: 'the revoke to take effect', timeoutMs: 10_000, intervalMs: 500 }).catch(() => undefined);
  await probe('revoking a privilege takes effect', 'refused', 'permission', user, query);
}

async function rbacPresent(c: MilvusClient, collection: string): Promise<{ error_code: string; reason: string }> {
  const users = (await c.listUsers()).usernames ?? [];
  const missing = Object.values(PROBE_USERS).filter((u) => !users.includes(u));
  if (missing.length > 0) return { error_code: 'RbacMissing', reason: `users missing: ${missing.join(', ')}` };
  const grants = await c.listGrants({ roleName: PROBE_ROLES.reader });
  const privileges: string[] = (grants.entities ?? []).filter((g) => g.object_name === collection).map((g) => g.grantor.privilege.name);
  const lacking = ['Search', 'Query'].filter((p) => !privileges.includes(p));
  if (lacking.length > 0) return { error_code: 'RbacMissing', reason: `${PROBE_ROLES.reader} lacks ${lacking.join(', ')} on ${collection}` };
  return { error_code: 'Success', reason: '' };
}

async function attemptCall(address: string, connection: Connection, fn: (c: MilvusClient) => Promise<unknown>): Promise<Attempt> {
  try {
    const c = client(address, connection);
    const call = Promise.resolve().then(() => fn(c));
    // Closed only once the SDK's call has ended (its own deadline is CALL_MS too): a close under a
    // running call makes the SDK's retry open a call on a closed channel, which throws from a gRPC
    // callback and kills the process.
    const close = (): Promise<unknown> => Promise.resolve().then(() => c.closeConnection()).catch(() => undefined);
    void call.then(close, close);
    const res = await withTimeout(call, CALL_MS);
    const error = statusError(res);
    return error ? { outcome: 'fail', error } : { outcome: 'ok' };
  } catch (err) {
    return { outcome: 'fail', error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The probe's outcome: 'ok' when the server did it; 'fail' when it refused for the reason the probe
 * waits for (or, for a must-allow probe, refused at all); 'unknown' when another error hides the answer.
 */
function judge(a: Attempt, expect: SecurityProbe['expect'], kind: RefusalKind, serverUp: boolean): Attempt {
  if (a.outcome === 'ok' || a.error === undefined) return a;
  const refused = classifyRefusal(kind, a.error, serverUp) === 'refused';
  if (expect === 'refused') return refused ? a : { outcome: 'unknown', error: a.error };
  return refused || !/UNAVAILABLE|DEADLINE_EXCEEDED|no answer within|ECONN/i.test(a.error) ? a : { outcome: 'unknown', error: a.error };
}

function statusError(res: unknown): string | null {
  if (res === null || typeof res !== 'object') return null;
  const r = res as { status?: { error_code?: string | number; reason?: string }; error_code?: string | number; reason?: string };
  const status = r.status ?? r;
  if (status.error_code === undefined || status.error_code === 'Success' || status.error_code === 0) return null;
  return `${status.error_code}: ${status.reason ?? ''}`.trim();
}

function expectOk(res: unknown, what: string): void {
  const error = statusError(res);
  if (error) throw new Error(`${what}: ${error}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
