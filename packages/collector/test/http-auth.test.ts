// Password sign-in and sessions over HTTP (issue G item 1), through app.inject on a real collector:
// the cookie's flags, the session acting with the user's role, CSRF on state-changing requests, the
// same answer for a wrong name, a wrong password and a disabled account, the lock after repeated
// failures, the per-address budget, logout, and the records each of these leaves in the collector's
// own stream.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import { addUser, type ChangedBy, setUserDisabled, unlockUser } from '../src/auth/users.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { startTestCollector, type TestCollector } from './ingest-fixtures.js';

const COST = { ln: 10, r: 8, p: 1 }; // fast hashes: the tests exercise the flow, not the cost
const BY: ChangedBy = { user: 'cli', interface: 'cli' };
const PASSWORD = 'correct horse battery staple';

let t: TestCollector;
let frozenMs: number | undefined;
before(async () => {
  // The real clock, except while a test holds it still (the attempt budget refills with time).
  t = await startTestCollector({}, { signIn: { now: () => frozenMs ?? Date.now() } });
  for (const [name, role] of [
    ['alice', 'analyst'],
    ['audrey', 'auditor'],
    ['adam', 'admin'],
    ['lou', 'analyst'],
    ['dora', 'analyst'],
  ] as const) {
    await addUser(t.c.data.enrol, name, role, BY, { password: PASSWORD, cost: COST });
  }
});
after(() => t.cleanup());

type Json = Record<string, unknown>;
let nextIp = 1;
/** A fresh client address per test: the per-address budget must not leak between tests. */
const newIp = (): string => `192.0.2.${nextIp++}`;

async function call(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  o: { ip?: string; cookie?: string; csrf?: string; bearer?: string; body?: Json } = {},
) {
  const headers: Record<string, string> = {};
  if (o.cookie !== undefined) headers.cookie = `seclog_session=${o.cookie}`;
  if (o.csrf !== undefined) headers['x-csrf-token'] = o.csrf;
  if (o.bearer !== undefined) headers.authorization = `Bearer ${o.bearer}`;
  const res = await t.c.app.inject({
    method,
    url,
    headers,
    remoteAddress: o.ip ?? '127.0.0.1',
    ...(o.body === undefined ? {} : { payload: o.body }),
  });
  return { status: res.statusCode, body: res.body === '' ? {} : (res.json() as Json), headers: res.headers };
}

async function login(user: string, password: string, ip = newIp()) {
  const r = await call('POST', '/api/v1/auth/login', { ip, body: { user, password } });
  const set = String(r.headers['set-cookie'] ?? '');
  const cookie = /^seclog_session=([^;]*)/.exec(set)?.[1];
  return { ...r, set, cookie, csrf: r.body.csrfToken as string | undefined, ip };
}

function own(name: string): SecurityEvent[] {
  const s = t.c.data.store;
  return s
    .readEvents(0, s.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent)
    .filter((e) => e.name === name);
}

function expectError(r: { status: number; body: Json }, status: number, code: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal((r.body.error as Json).code, code);
}

describe('sign-in', () => {
  test('a good password sets an HttpOnly, SameSite=Strict session cookie and is recorded', async () => {
    const before = own('authn_login_success').length;
    const r = await login('alice', PASSWORD);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user, 'alice');
    assert.equal(r.body.role, 'analyst');
    assert.match(r.set, /; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/, 'no Secure over plain HTTP');
    assert.match(r.cookie ?? '', /^sls_[A-Za-z0-9_-]{43}$/);
    assert.equal(r.headers['cache-control'], 'no-store');
    // The database holds a hash of the session, never the cookie value.
    const raw = JSON.stringify(t.c.data.store.users().listUsers());
    assert.ok(!raw.includes(r.cookie ?? '?'));
    const rec = own('authn_login_success').slice(before);
    assert.equal(rec.length, 1);
    assert.equal(rec[0]?.actor?.user, 'alice');
    assert.equal(rec[0]?.actor?.ip, r.ip);
    assert.equal(rec[0]?.attrs.method, 'password');
    // The session says who it is and hands the same CSRF token again.
    const s = await call('GET', '/api/v1/auth/session', { cookie: r.cookie });
    assert.equal(s.status, 200);
    assert.deepEqual([s.body.user, s.body.role, s.body.csrfToken], ['alice', 'analyst', r.csrf]);
  });

  test('a session reads with its role, and its reads are recorded as the user', async () => {
    const r = await login('alice', PASSWORD);
    const q = await call('GET', '/api/v1/events?limit=1', { cookie: r.cookie });
    assert.equal(q.status, 200, JSON.stringify(q.body));
    const access = own('log_access').at(-1);
    assert.equal(access?.actor?.user, 'user/alice');
    assert.equal(access?.attrs.role, 'analyst');
    assert.match(access?.message ?? '', /^user alice \(analyst\) queried/);
    // A checkpoint is an auditor's and admin's read: an analyst's session gets 403.
    expectError(await call('GET', '/api/v1/log/checkpoint', { cookie: r.cookie }), 403, 'AUTH_ROLE_FORBIDDEN');
  });

  test('state-changing requests with a session need its CSRF token; bearer tokens do not', async () => {
    const r = await login('adam', PASSWORD);
    const rule = (await call('GET', '/api/v1/rules', { cookie: r.cookie })).body.rules as { id: string }[];
    const id = rule[0]?.id as string;
    const put = (o: { csrf?: string; cookie?: string; bearer?: string }) =>
      call('PUT', `/api/v1/rules/${encodeURIComponent(id)}`, { ...o, body: { enabled: true } });
    expectError(await put({ cookie: r.cookie }), 403, 'AUTH_CSRF_FAILED');
    expectError(await put({ cookie: r.cookie, csrf: 'x'.repeat(43) }), 403, 'AUTH_CSRF_FAILED');
    const other = await login('adam', PASSWORD);
    expectError(await put({ cookie: r.cookie, csrf: other.csrf }), 403, 'AUTH_CSRF_FAILED');
    assert.equal((await put({ cookie: r.cookie, csrf: r.csrf })).status, 200);
    assert.equal((await put({ bearer: t.admin })).status, 200);
    // A bearer token wins over a cookie: the auditor's session cannot borrow the admin token's rights, nor the reverse.
    const aud = await login('audrey', PASSWORD);
    expectError(await put({ cookie: aud.cookie, csrf: aud.csrf }), 403, 'AUTH_ROLE_FORBIDDEN');
    expectError(await put({ cookie: r.cookie, csrf: r.csrf, bearer: 'sla_nonsense' }), 401, 'AUTH_TOKEN_INVALID');
  });

  test('a wrong password, an unknown name and a disabled account get the same answer; the log says which', async () => {
    const ip = newIp();
    const before = own('authn_login_fail').length;
    const wrong = await login('dora', 'not the password at all', ip);
    const unknown = await login('nobody-here', PASSWORD, ip);
    setUserDisabled(t.c.data.enrol, 'dora', true, BY);
    const disabled = await login('dora', PASSWORD, ip);
    for (const r of [wrong, unknown, disabled]) {
      expectError(r, 401, 'AUTH_LOGIN_FAILED');
      assert.equal((r.body.error as Json).message, 'wrong user name or password');
      assert.equal(r.cookie, undefined);
    }
    const reasons = own('authn_login_fail')
      .slice(before)
      .map((e) => [e.actor?.user, e.attrs.reason]);
    assert.deepEqual(reasons, [
      ['dora', 'bad_password'],
      ['nobody-here', 'unknown_user'],
      ['dora', 'disabled'],
    ]);
    setUserDisabled(t.c.data.enrol, 'dora', false, BY);
  });

  test('five failures lock the account: the right password is refused until an unlock', async () => {
    const before = own('authn_login_lock').length;
    for (let i = 0; i < 4; i++) expectError(await login('lou', `wrong-password-${i}`), 401, 'AUTH_LOGIN_FAILED');
    assert.equal(own('authn_login_lock').length, before, 'four failures do not lock');
    expectError(await login('lou', 'wrong-password-4'), 401, 'AUTH_LOGIN_FAILED');
    const locks = own('authn_login_lock').slice(before);
    assert.equal(locks.length, 1);
    assert.equal(locks[0]?.target?.user, 'lou');
    assert.deepEqual([locks[0]?.attrs.failures, locks[0]?.attrs.lock_seconds], [5, 900]);
    const locked = await login('lou', PASSWORD);
    expectError(locked, 423, 'AUTH_ACCOUNT_LOCKED');
    assert.match(String(((locked.body.error as Json).details as Json).lockedUntil), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(own('authn_login_fail').at(-1)?.attrs.reason, 'locked');
    unlockUser(t.c.data.enrol, 'lou', BY);
    assert.equal((await login('lou', PASSWORD)).status, 200);
  });

  test('one address gets ten attempts a minute; the first refusal is recorded, the flood after it is not', async () => {
    const ip = newIp();
    // The clock stands still: on a loaded machine ten password checks can take over the 6 s that refill one attempt.
    frozenMs = Date.now();
    try {
      for (let i = 0; i < 10; i++) expectError(await login(`ghost-${i}`, 'whatever-password', ip), 401, 'AUTH_LOGIN_FAILED');
      const before = own('authn_login_fail').length;
      const limited = await login('alice', PASSWORD, ip);
      expectError(limited, 429, 'AUTH_LOGIN_RATE_LIMITED');
      assert.equal(limited.headers['retry-after'], '6', 'one attempt comes back every 6 s');
      for (let i = 0; i < 5; i++) expectError(await login('alice', PASSWORD, ip), 429, 'AUTH_LOGIN_RATE_LIMITED');
      const rec = own('authn_login_fail').slice(before);
      assert.deepEqual(
        rec.map((e) => e.attrs.reason),
        ['rate_limited'],
      );
      // Another address is not held up; 6 s later this one has one attempt again.
      assert.equal((await login('alice', PASSWORD)).status, 200);
      frozenMs += 6_000;
      assert.equal((await login('alice', PASSWORD, ip)).status, 200);
      expectError(await login('alice', PASSWORD, ip), 429, 'AUTH_LOGIN_RATE_LIMITED');
    } finally {
      frozenMs = undefined;
    }
  });

  test('logout ends the session, clears the cookie and is recorded; a disabled user loses their sessions', async () => {
    const r = await login('alice', PASSWORD);
    expectError(await call('POST', '/api/v1/auth/logout', { cookie: r.cookie }), 403, 'AUTH_CSRF_FAILED');
    const out = await call('POST', '/api/v1/auth/logout', { cookie: r.cookie, csrf: r.csrf });
    assert.equal(out.status, 204);
    assert.match(String(out.headers['set-cookie']), /^seclog_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    assert.equal(own('authn_logout').at(-1)?.actor?.user, 'alice');
    expectError(await call('GET', '/api/v1/auth/session', { cookie: r.cookie }), 401, 'AUTH_SESSION_INVALID');
    expectError(await call('GET', '/api/v1/events', { cookie: r.cookie }), 401, 'AUTH_SESSION_INVALID');

    const d = await login('dora', PASSWORD);
    assert.equal((await call('GET', '/api/v1/events?limit=1', { cookie: d.cookie })).status, 200);
    setUserDisabled(t.c.data.enrol, 'dora', true, BY);
    expectError(await call('GET', '/api/v1/events?limit=1', { cookie: d.cookie }), 401, 'AUTH_SESSION_INVALID');
    setUserDisabled(t.c.data.enrol, 'dora', false, BY);
  });

  test('malformed bodies and cookies get specific errors', async () => {
    expectError(await call('POST', '/api/v1/auth/login', { body: { user: 'alice' } }), 400, 'HTTP_BODY_INVALID');
    expectError(await call('POST', '/api/v1/auth/login', { body: { user: 'alice', password: 42 } }), 400, 'HTTP_BODY_INVALID');
    expectError(await call('POST', '/api/v1/auth/login', { body: { user: '', password: PASSWORD } }), 400, 'HTTP_BODY_INVALID');
    expectError(await call('GET', '/api/v1/auth/session'), 401, 'AUTH_SESSION_INVALID');
    expectError(await call('GET', '/api/v1/auth/session', { cookie: 'garbage' }), 401, 'AUTH_SESSION_INVALID');
    expectError(await call('GET', '/api/v1/events', { cookie: `sls_${'A'.repeat(43)}` }), 401, 'AUTH_SESSION_INVALID');
    expectError(await call('GET', '/api/v1/events'), 401, 'AUTH_TOKEN_MISSING');
  });
});
