// The authorisation matrix (issue G item 3), generated from the route table: every route the app
// registers × {anonymous, device A's token, device B's token, auditor, analyst, admin, an analyst's
// session} gets the answer its declared policy documents, and every denial leaves a record in the
// collector's own stream. A route registered without a policy fails here (and answers 500 in
// service). Requests carry deliberately invalid input, so a caller who is let through gets a 4xx from
// validation, never a side effect: what is tested is only whether the policy hook let it through.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { addUser } from '../src/auth/users.js';
import { createApiToken, revokeDevice } from '../src/enrol/enrol.js';
import { policyOf, type RoutePolicy } from '../src/http/access-control.js';
import { buildApp } from '../src/http/app.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import type { Role } from '../src/store/types.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

type CallerKind = 'anonymous' | 'device' | 'role' | 'session';
interface Caller {
  name: string;
  kind: CallerKind;
  role?: Role;
  headers: Record<string, string>;
  csrf?: string;
  /** How it appears in the refusal records. */
  actor: string;
}

let t: TestCollector;
let app: FastifyInstance;
const routes: RouteOptions[] = [];
const callers: Caller[] = [];

before(async () => {
  t = await startTestCollector();
  const c = t.c;
  // The same services as the collector's own app, with refusals recorded without a per-minute cap.
  app = await buildApp({
    store: c.data.store,
    ingest: c.ingest,
    integrator: c.integrator,
    verifierKey: c.data.key.verifierKey,
    bodyLimitBytes: 1024 * 1024,
    metrics: { registry: c.metrics, auth: 'token' },
    feed: c.feed,
    ...(c.detection === undefined ? {} : { detection: c.detection }),
    routes,
    denialsPerMinute: 1_000_000,
  });
  const a = t.enrol('dev-a');
  const b = t.enrol('dev-b');
  callers.push({ name: 'anonymous', kind: 'anonymous', headers: {}, actor: 'unknown' });
  callers.push({ name: "device A's token", kind: 'device', headers: { authorization: `Bearer ${a.token}` }, actor: 'unknown' });
  callers.push({ name: "device B's token", kind: 'device', headers: { authorization: `Bearer ${b.token}` }, actor: 'unknown' });
  for (const role of ['auditor', 'analyst', 'admin'] as const) {
    const tok = createApiToken(c.data.enrol, role, `matrix-${role}`);
    callers.push({ name: role, kind: 'role', role, headers: { authorization: `Bearer ${tok.token}` }, actor: `api-token/${tok.id}` });
  }
  await addUser(
    c.data.enrol,
    'ana',
    'analyst',
    { user: 'cli', interface: 'cli' },
    { password: 'ana has a long password', cost: { ln: 10, r: 8, p: 1 } },
  );
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { user: 'ana', password: 'ana has a long password' },
  });
  assert.equal(login.statusCode, 200, login.body);
  const cookie = /^seclog_session=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1] as string;
  callers.push({
    name: "analyst's session",
    kind: 'session',
    role: 'analyst',
    headers: { cookie: `seclog_session=${cookie}` },
    csrf: (login.json() as { csrfToken: string }).csrfToken,
    actor: 'user/ana',
  });
});
after(async () => {
  await app?.close();
  await t?.cleanup();
});

/** Each distinct method and URL the app serves, HEAD (fastify derives it from GET) and the docs' static files aside. */
function table(): { method: string; url: string; policy: RoutePolicy | undefined }[] {
  const seen = new Map<string, { method: string; url: string; policy: RoutePolicy | undefined }>();
  for (const r of routes) {
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue;
      seen.set(`${method} ${r.url}`, { method, url: r.url, policy: policyOf(r as { url: string; config?: { policy?: RoutePolicy } }) });
    }
  }
  // Logout last: it ends the session the session caller uses.
  const last = (r: { url: string }) => (r.url === '/api/v1/auth/logout' ? 1 : 0);
  return [...seen.values()].sort((x, y) => last(x) - last(y) || `${x.url} ${x.method}`.localeCompare(`${y.url} ${y.method}`));
}

/** What the policy documents for a caller: let through, or refused with this status and code. */
function expected(policy: RoutePolicy, caller: Caller): { allowed: true } | { allowed: false; status: number; code: string } {
  if (policy.kind === 'public') return { allowed: true };
  if (caller.kind === 'anonymous') return { allowed: false, status: 401, code: 'AUTH_TOKEN_MISSING' };
  if (policy.kind === 'device') {
    if (caller.kind === 'device') return { allowed: true };
    // A session is no device credential: without a bearer token, the token is missing.
    return { allowed: false, status: 401, code: caller.kind === 'session' ? 'AUTH_TOKEN_MISSING' : 'AUTH_TOKEN_INVALID' };
  }
  if (caller.kind === 'device') return { allowed: false, status: 401, code: 'AUTH_TOKEN_INVALID' };
  return policy.roles.includes(caller.role as Role) ? { allowed: true } : { allowed: false, status: 403, code: 'AUTH_ROLE_FORBIDDEN' };
}

const DENIALS = new Set(['AUTH_TOKEN_MISSING', 'AUTH_TOKEN_INVALID', 'AUTH_ROLE_FORBIDDEN', 'AUTH_CSRF_FAILED', 'AUTH_SESSION_INVALID']);

function ownSince(n: number): SecurityEvent[] {
  const s = t.c.data.store;
  return s
    .readEvents(n, s.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent);
}

test('every route declares an access policy', () => {
  const missing = table().filter((r) => r.policy === undefined);
  assert.deepEqual(
    missing.map((r) => `${r.method} ${r.url}`),
    [],
    'add config: { policy } to these routes (http/access-control.ts)',
  );
  assert.ok(table().length >= 20, `the table has ${table().length} routes`);
});

test('every route × every caller gets the documented answer, and every denial is recorded', async () => {
  const rows: string[] = [];
  const wrong: string[] = [];
  for (const route of table()) {
    const policy = route.policy as RoutePolicy;
    for (const caller of callers) {
      const url = route.url.replace(/:id\b/, 'not-an-id');
      const headers: Record<string, string> = { ...caller.headers, 'content-type': 'application/json', 'last-event-id': 'not-a-leaf' };
      if (caller.csrf !== undefined && route.method !== 'GET') headers['x-csrf-token'] = caller.csrf;
      const before = t.c.data.store.eventCount();
      const res = await app.inject({
        method: route.method as 'GET',
        url,
        headers,
        ...(route.method === 'GET' ? {} : { payload: '{"matrix":[1,2,3]}' }),
      });
      const code = res.statusCode >= 400 ? ((res.json() as { error?: { code?: string } }).error?.code ?? '') : '';
      const want = expected(policy, caller);
      const denied = res.statusCode === 401 || res.statusCode === 403 ? DENIALS.has(code) : false;
      rows.push(`${route.method} ${route.url} · ${caller.name}: ${res.statusCode} ${code}`);
      if (want.allowed) {
        // Public routes may refuse on their own terms (no session cookie): only policy denials are wrong.
        const ownTerms = policy.kind === 'public' && code === 'AUTH_SESSION_INVALID';
        if (denied && !ownTerms)
          wrong.push(`${route.method} ${route.url} · ${caller.name}: let through expected, got ${res.statusCode} ${code}`);
        continue;
      }
      if (res.statusCode !== want.status || code !== want.code) {
        wrong.push(`${route.method} ${route.url} · ${caller.name}: ${want.status} ${want.code} expected, got ${res.statusCode} ${code}`);
        continue;
      }
      // The refusal is a record: authn_login_fail for credentials, authz_fail for a known caller without the role.
      const recs = ownSince(before).filter((e) => e.name === 'authn_login_fail' || e.name === 'authz_fail');
      const resource = `${route.method} ${route.url}`;
      const rec = recs.find((e) => e.target?.resource === resource);
      if (rec === undefined) wrong.push(`${resource} · ${caller.name}: refused but not recorded`);
      else if (want.code === 'AUTH_ROLE_FORBIDDEN' && (rec.name !== 'authz_fail' || rec.actor?.user !== caller.actor)) {
        wrong.push(`${resource} · ${caller.name}: recorded as ${rec.name} by ${rec.actor?.user}`);
      }
    }
  }
  assert.deepEqual(wrong, [], rows.join('\n'));
});

test("device A can write only its own streams and read nothing; the attempt on B's is refused and recorded", async () => {
  const a = callers[1] as Caller;
  const before = t.c.data.store.eventCount();
  const records = deviceChain('dev-b', 2);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: a.headers,
    payload: { device: 'dev-b', stream: records[0]?.stream, records },
  });
  assert.equal(res.statusCode, 403, res.body);
  assert.equal((res.json() as { error: { code: string } }).error.code, 'AUTH_DEVICE_MISMATCH');
  const fail = ownSince(before).find((e) => e.name === 'authz_fail');
  assert.equal(fail?.actor?.user, 'dev-a');
  assert.equal(t.c.data.store.listCursors('dev-b').length, 0, "nothing was stored in B's streams");
  // Records of B's claiming to be A's are refused by the record check too.
  const own = await app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: a.headers,
    payload: { device: 'dev-a', stream: records[0]?.stream, records },
  });
  assert.equal(own.statusCode, 400, own.body);
});

test("a session's state-changing requests need its CSRF token; a revoked device is refused on every device route", async () => {
  // The matrix signed the session caller out (logout is its last route): a new session.
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { user: 'ana', password: 'ana has a long password' },
  });
  const cookie = /^seclog_session=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1] as string;
  const before = t.c.data.store.eventCount();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/alerts/alr-00000000000000000000000000000000/transition',
    headers: { cookie: `seclog_session=${cookie}`, 'content-type': 'application/json' },
    payload: '{}',
  });
  assert.equal(res.statusCode, 403, res.body);
  assert.equal((res.json() as { error: { code: string } }).error.code, 'AUTH_CSRF_FAILED');
  assert.equal(ownSince(before).find((e) => e.name === 'authz_fail')?.actor?.user, 'user/ana');

  revokeDevice(t.c.data.enrol, 'dev-b');
  const b = callers[2] as Caller;
  for (const route of table().filter((r) => r.policy?.kind === 'device')) {
    const r = await app.inject({
      method: route.method as 'GET',
      url: route.url,
      headers: { ...b.headers, 'content-type': 'application/json' },
      ...(route.method === 'GET' ? {} : { payload: '{}' }),
    });
    assert.equal(r.statusCode, 401, `${route.method} ${route.url}: ${r.body}`);
    assert.equal((r.json() as { error: { code: string } }).error.code, 'AUTH_DEVICE_REVOKED');
  }
});
