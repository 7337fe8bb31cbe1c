// GET /api/v1/alerts (filters, keyset pages), GET /api/v1/alerts/:id and POST /api/v1/alerts/:id/transition
// through app.inject on alerts raised by real ingest: the lifecycle's valid, invalid (409/422) and privileged
// (403) moves, roles, and the alert_transition record every transition leaves.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERROR_CODES } from '@seclog/core';
import { createApiToken } from '../src/enrol/enrol.js';
import {
  allAlerts,
  BRUTE_FORCE_RULES,
  CONFIG_CHANGE_RULE,
  configChanges,
  detectionIdle,
  failedLogins,
  ownRecords,
  putRules,
  startDetectCollector,
} from './detect-fixtures.js';
import type { TestCollector } from './ingest-fixtures.js';
import { enrolDevice, ingest } from './query-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field in assertions
type Json = Record<string, any>;

let t: TestCollector;
const tok = { analyst: '', analystId: '', auditor: '', device: '' };
const IPS = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5'];

before(async () => {
  t = await startDetectCollector();
  const a = createApiToken(t.c.data.enrol, 'analyst', 'soc');
  tok.analyst = a.token;
  tok.analystId = a.id;
  tok.auditor = createApiToken(t.c.data.enrol, 'auditor', 'audit').token;
  await putRules(t, BRUTE_FORCE_RULES);
  await putRules(t, CONFIG_CHANGE_RULE);
  const gw = enrolDevice(t, 'gw-a1');
  tok.device = gw.token;
  const t0 = Date.now() - 120_000;
  for (const ip of IPS) await ingest(t, gw, failedLogins(ip, 11, t0, 1));
  const cam = enrolDevice(t, 'cam-a2');
  await ingest(t, cam, configChanges(3, t0));
  await detectionIdle(t);
  assert.equal(allAlerts(t).length, 6);
});
after(() => t.cleanup());

async function call(method: 'GET' | 'POST', url: string, token: string | null, payload?: unknown) {
  const res = await t.c.app.inject({
    method,
    url,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: res.json() as Json };
}
const get = (url: string, token: string | null = t.admin) => call('GET', url, token);
const move = (id: string, body: Json, token: string = tok.analyst) => call('POST', `/api/v1/alerts/${id}/transition`, token, body);

function expectError(r: { status: number; body: Json }, code: keyof typeof ERROR_CODES, field?: string): void {
  assert.equal(r.body.error?.code, code, JSON.stringify(r.body));
  assert.equal(r.status, ERROR_CODES[code].status);
  if (field !== undefined) assert.equal(r.body.error.details.field, field, JSON.stringify(r.body));
}

async function pages(params: string, limit: number): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const r = await get(`/api/v1/alerts?${params}${params ? '&' : ''}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, tok.auditor);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.alerts.length <= limit);
    out.push(...r.body.alerts);
    cursor = r.body.next;
    if (cursor === null) return out;
  }
  throw new Error('no last page');
}

describe('GET /api/v1/alerts', () => {
  test('lists newest first for every reader role; device tokens and no token are refused', async () => {
    const all = await pages('', 100);
    assert.equal(all.length, 6);
    assert.deepEqual(
      all.map((a) => a.id),
      allAlerts(t)
        .reverse()
        .map((a) => a.id),
    );
    for (const token of [t.admin, tok.analyst, tok.auditor]) assert.equal((await get('/api/v1/alerts', token)).status, 200);
    expectError(await get('/api/v1/alerts', tok.device), 'AUTH_TOKEN_INVALID');
    expectError(await get('/api/v1/alerts', null), 'AUTH_TOKEN_MISSING');
  });

  test('filters by severity, rule, device, group and status; pages are stable and complete', async () => {
    assert.equal((await pages('severity=high', 2)).length, 5);
    const cfg = await pages('rule=t-config-change', 2);
    assert.equal(cfg.length, 1);
    assert.equal(cfg[0]!.device, 'cam-a2');
    assert.equal(cfg[0]!.suppressed, 2);
    assert.equal((await pages('device=gw-a1', 2)).length, 5);
    const one = await pages('group=203.0.113.3', 2);
    assert.equal(one.length, 1);
    assert.equal(one[0]!.groupKey, 'source.ip=203.0.113.3');
    assert.equal((await pages('status=new', 4)).length, 6);
    assert.equal((await pages('status=closed', 4)).length, 0);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    assert.equal((await pages(`from=${from}`, 5)).length, 6);
    assert.equal((await pages(`to=${from}`, 5)).length, 0);
    // Pages of 2 hold every alert once.
    const paged = await pages('', 2);
    assert.equal(new Set(paged.map((a) => a.id)).size, 6);
  });

  test('refuses bad parameters naming them, and a cursor replayed with other filters', async () => {
    expectError(await get('/api/v1/alerts?stauts=new'), 'HTTP_QUERY_INVALID', 'stauts');
    expectError(await get('/api/v1/alerts?status=open'), 'HTTP_QUERY_INVALID', 'status');
    expectError(await get('/api/v1/alerts?severity=urgent'), 'HTTP_QUERY_INVALID', 'severity');
    expectError(await get('/api/v1/alerts?limit=0'), 'HTTP_QUERY_INVALID', 'limit');
    expectError(await get('/api/v1/alerts?from=yesterday'), 'HTTP_QUERY_INVALID', 'from');
    const first = await get('/api/v1/alerts?severity=high&limit=2');
    expectError(await get(`/api/v1/alerts?severity=medium&limit=2&cursor=${first.body.next}`), 'HTTP_QUERY_INVALID', 'cursor');
    expectError(await get('/api/v1/alerts?cursor=garbage!'), 'HTTP_QUERY_INVALID', 'cursor');
  });

  test('GET /api/v1/alerts/:id gives the evidence and history; unknown and malformed ids are refused', async () => {
    const a = allAlerts(t)[0]!;
    const r = await get(`/api/v1/alerts/${a.id}`, tok.auditor);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.evidence, a.evidence);
    assert.equal(r.body.evidence.length, 11);
    assert.deepEqual(r.body.transitions, []);
    assert.equal(r.body.rule.id, 't-brute-force');
    assert.equal(r.body.logLeafIndex, a.logPos);
    expectError(await get(`/api/v1/alerts/alr-${'0'.repeat(32)}`), 'ALERT_NOT_FOUND');
    expectError(await get('/api/v1/alerts/nope'), 'HTTP_QUERY_INVALID');
  });
});

describe('POST /api/v1/alerts/:id/transition', () => {
  test('new → acknowledged → (reassign) → in_progress → closed, each recorded with actor and reason', async () => {
    const id = allAlerts(t)[0]!.id;
    const before = ownRecords(t, 'alert_transition').length;
    let r = await move(id, { to: 'acknowledged' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'acknowledged');
    assert.equal(r.body.assignee, 'soc', 'acknowledging assigns the token by default');
    r = await move(id, { to: 'acknowledged', assignee: 'bob' });
    assert.equal(r.body.assignee, 'bob');
    r = await move(id, { to: 'in_progress', comment: 'looking at the source' });
    assert.equal(r.body.status, 'in_progress');
    assert.equal(r.body.assignee, 'bob');
    r = await move(id, { to: 'closed', resolution: 'true_positive', comment: 'blocked 203.0.113.1 at the firewall' });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'closed');
    assert.equal(r.body.resolution, 'true_positive');
    assert.deepEqual(
      r.body.transitions.map((x: Json) => `${x.from}>${x.to}`),
      ['new>acknowledged', 'acknowledged>acknowledged', 'acknowledged>in_progress', 'in_progress>closed'],
    );
    const records = ownRecords(t, 'alert_transition').slice(before);
    assert.equal(records.length, 4);
    assert.deepEqual(
      records.map((x) => x.pos),
      r.body.transitions.map((x: Json) => x.logLeafIndex),
    );
    const close = records[3]!.record;
    assert.equal(close.actor?.user, `api-token/${tok.analystId}`);
    assert.deepEqual(close.attrs, {
      alert_id: id,
      from_state: 'in_progress',
      to_state: 'closed',
      resolution: 'true_positive',
      assignee: 'bob',
      reason: 'blocked 203.0.113.1 at the firewall',
    });
  });

  test('invalid moves are 409, incomplete ones 422 naming the field; nothing is recorded for them', async () => {
    const id = allAlerts(t)[1]!.id;
    const before = ownRecords(t, 'alert_transition').length;
    const r = await move(id, { to: 'in_progress' });
    expectError(r, 'ALERT_TRANSITION_INVALID');
    assert.deepEqual(r.body.error.details.allowed, ['acknowledged', 'closed']);
    expectError(await move(id, { to: 'new' }), 'ALERT_TRANSITION_INVALID');
    expectError(await move(id, { to: 'closed', comment: 'x' }), 'ALERT_TRANSITION_INCOMPLETE', 'resolution');
    expectError(await move(id, { to: 'closed', resolution: 'benign' }), 'ALERT_TRANSITION_INCOMPLETE', 'comment');
    expectError(await move(id, { to: 'acknowledged', resolution: 'benign' }), 'ALERT_TRANSITION_INCOMPLETE', 'resolution');
    assert.equal((await move(id, { to: 'acknowledged', assignee: 'eve' })).status, 200);
    expectError(await move(id, { to: 'acknowledged' }), 'ALERT_TRANSITION_INCOMPLETE', 'assignee');
    expectError(await move(id, { to: 'acknowledged', assignee: 'eve' }), 'ALERT_TRANSITION_INCOMPLETE', 'assignee');
    expectError(await move(id, { to: 'done' }), 'HTTP_BODY_INVALID');
    expectError(await move(id, { to: 'closed', resolution: 'maybe', comment: 'x' }), 'HTTP_BODY_INVALID');
    expectError(await move(`alr-${'f'.repeat(32)}`, { to: 'acknowledged' }), 'ALERT_NOT_FOUND');
    assert.equal(ownRecords(t, 'alert_transition').length, before + 1);
  });

  test('a new alert can be closed at once (a false positive need not be worked on)', async () => {
    const id = allAlerts(t)[2]!.id;
    const r = await move(id, { to: 'closed', resolution: 'false_positive', comment: 'pen test from the lab' });
    assert.equal(r.status, 200);
    assert.equal(r.body.assignee, null);
    expectError(await move(id, { to: 'closed', resolution: 'duplicate', comment: 'again' }), 'ALERT_TRANSITION_INVALID');
  });

  test('auditors cannot transition; reopening is the admin’s and needs a comment', async () => {
    const id = allAlerts(t)[3]!.id;
    expectError(await move(id, { to: 'acknowledged' }, tok.auditor), 'AUTH_ROLE_FORBIDDEN');
    assert.equal((await move(id, { to: 'closed', resolution: 'benign', comment: 'scanner' })).status, 200);
    const r = await move(id, { to: 'in_progress', comment: 'not the scanner after all' });
    expectError(r, 'AUTH_ROLE_FORBIDDEN');
    assert.deepEqual(r.body.error.details.required, ['admin']);
    expectError(await move(id, { to: 'in_progress' }, t.admin), 'ALERT_TRANSITION_INCOMPLETE', 'comment');
    const ok = await move(id, { to: 'in_progress', comment: 'not the scanner after all' }, t.admin);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, 'in_progress');
    assert.equal(ok.body.resolution, null);
    const rec = ownRecords(t, 'alert_transition').at(-1)!.record;
    assert.equal(rec.attrs.from_state, 'closed');
    assert.equal(rec.attrs.to_state, 'in_progress');
    assert.match(rec.message ?? '', /reopened/);
  });

  test('two analysts racing: one transition wins, the other is 409', async () => {
    const id = allAlerts(t)[4]!.id;
    const [a, b] = await Promise.all([
      move(id, { to: 'acknowledged', assignee: 'ann' }),
      move(id, { to: 'acknowledged', assignee: 'ann' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 422]);
    const detail = await get(`/api/v1/alerts/${id}`);
    assert.equal(detail.body.transitions.length, 1);
    const [c, d] = await Promise.all([move(id, { to: 'in_progress' }), move(id, { to: 'closed', resolution: 'benign', comment: 'lab' })]);
    assert.equal(c.status, 200);
    assert.equal(d.status, 200);
    const [e, f] = await Promise.all([
      move(id, { to: 'closed', resolution: 'benign', comment: 'lab' }),
      move(id, { to: 'closed', resolution: 'benign', comment: 'lab' }),
    ]);
    expectError(e, 'ALERT_TRANSITION_INVALID');
    expectError(f, 'ALERT_TRANSITION_INVALID');
  });
});
