// /api/v1/reviews over HTTP (app.inject): analysts and admins run reviews, auditors read them; a
// review is started (its evidence read from the log is recorded as log_access), findings added,
// signed, approved by a second token, verified in GET /:id; the schedule view; errors by code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERROR_CODES, type SecurityEvent } from '@seclog/core';
import { createApiToken } from '../src/enrol/enrol.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { type Seeded, seededCollector } from './review-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field in assertions
type Json = Record<string, any>;

let s: Seeded;
const tokens: Record<'admin' | 'analyst' | 'analyst2' | 'auditor', { token: string; id: string }> = {} as never;

before(async () => {
  s = await seededCollector({ reviews: { schedules: [{ name: 'ops', every: 'weekly' }] } });
  const enrol = s.t.c.data.enrol;
  tokens.admin = createApiToken(enrol, 'admin', 'rev-admin');
  tokens.analyst = createApiToken(enrol, 'analyst', 'rev-analyst');
  tokens.analyst2 = createApiToken(enrol, 'analyst', 'rev-analyst-2');
  tokens.auditor = createApiToken(enrol, 'auditor', 'rev-auditor');
});
after(async () => {
  await s?.t.cleanup();
});

async function call(who: keyof typeof tokens, method: 'GET' | 'POST', url: string, body?: unknown) {
  const res = await s.t.c.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${tokens[who].token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: res.statusCode, body: res.json() as Json };
}

function expectError(r: { status: number; body: Json }, code: keyof typeof ERROR_CODES): void {
  assert.equal(r.body.error?.code, code, JSON.stringify(r.body));
  assert.equal(r.status, ERROR_CODES[code].status);
}

const iso = (us: number) => new Date(us / 1000).toISOString();

describe('/api/v1/reviews', () => {
  let id: string;

  test('an auditor cannot start a review; an analyst can, and the read of the log is recorded', async () => {
    const body = { periodStart: iso(s.startUs), periodEnd: iso(s.endUs + 1000) };
    expectError(await call('auditor', 'POST', '/api/v1/reviews', body), 'AUTH_ROLE_FORBIDDEN');
    const before = s.t.c.data.store.eventCount();
    const r = await call('analyst', 'POST', '/api/v1/reviews', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    id = r.body.id;
    assert.equal(r.body.status, 'open');
    assert.equal(r.body.createdBy, `api-token/${tokens.analyst.id}`);
    assert.equal(r.body.evidence.events.byNameOutcome.find((x: Json) => x.name === 'authn_login_fail').count, 9);
    assert.equal(r.body.verification, null);
    const access = s.t.c.data.store
      .readEvents(before, s.t.c.data.store.eventCount())
      .filter((e) => e.device === COLLECTOR_DEVICE_ID)
      .map((e) => JSON.parse(e.canonical) as SecurityEvent)
      .find((e) => e.name === 'log_access');
    assert.equal(access?.attrs.filter, JSON.stringify({ review: id }));
  });

  test('bad input answers 4xx by code', async () => {
    expectError(
      await call('analyst', 'POST', '/api/v1/reviews', { periodStart: 'yesterday', periodEnd: iso(s.endUs) }),
      'REVIEW_PERIOD_INVALID',
    );
    expectError(
      await call('analyst', 'POST', '/api/v1/reviews', { periodStart: iso(s.startUs), periodEnd: '2099-01-01T00:00:00Z' }),
      'REVIEW_PERIOD_INVALID',
    );
    expectError(await call('analyst', 'POST', '/api/v1/reviews', { schedule: 'nope' }), 'REVIEW_SCHEDULE_UNKNOWN');
    assert.equal((await call('analyst', 'POST', '/api/v1/reviews', { matrix: [1] })).status, 400);
    expectError(await call('auditor', 'GET', '/api/v1/reviews/rev-missing'), 'REVIEW_NOT_FOUND');
    const f = await call('analyst', 'POST', `/api/v1/reviews/${id}/findings`, { text: 'x', severity: 'urgent' });
    assert.equal(f.status, 400);
  });

  test('findings, then sign: the detail shows the signature and a verification that holds', async () => {
    const f = await call('analyst', 'POST', `/api/v1/reviews/${id}/findings`, {
      text: 'old alert still open',
      severity: 'medium',
      alertIds: [s.alerts.old],
    });
    assert.equal(f.status, 201, JSON.stringify(f.body));
    assert.deepEqual(f.body.alertIds, [s.alerts.old]);
    const c = await call('admin', 'POST', `/api/v1/reviews/${id}/collect`, {});
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const signed = await call('analyst', 'POST', `/api/v1/reviews/${id}/sign`, {});
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal(signed.body.status, 'signed');
    assert.equal(signed.body.signed.by, `api-token/${tokens.analyst.id}`);
    assert.equal(signed.body.verification.ok, true, JSON.stringify(signed.body.verification));
    assert.equal(typeof signed.body.logLeafIndex, 'number');
    expectError(await call('analyst', 'POST', `/api/v1/reviews/${id}/findings`, { text: 'late', severity: 'low' }), 'REVIEW_SIGNED');
  });

  test('approval: not by the signer, by another analyst once', async () => {
    expectError(await call('analyst', 'POST', `/api/v1/reviews/${id}/approve`, {}), 'REVIEW_APPROVAL_REFUSED');
    expectError(await call('auditor', 'POST', `/api/v1/reviews/${id}/approve`, {}), 'AUTH_ROLE_FORBIDDEN');
    const ok = await call('analyst2', 'POST', `/api/v1/reviews/${id}/approve`, {});
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.status, 'approved');
    assert.equal(ok.body.verification.approval, 'valid');
    expectError(await call('admin', 'POST', `/api/v1/reviews/${id}/approve`, {}), 'REVIEW_APPROVAL_REFUSED');
  });

  test('auditors read the list and one review', async () => {
    const list = await call('auditor', 'GET', '/api/v1/reviews?status=approved');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.reviews.map((r: Json) => r.id),
      [id],
    );
    assert.equal(list.body.next, null);
    const one = await call('auditor', 'GET', `/api/v1/reviews/${id}`);
    assert.equal(one.body.findings.length, 1);
    assert.equal(one.body.verification.ok, true);
  });

  test('the schedule view, and starting a schedule’s last period twice gives the same review', async () => {
    const sch = await call('auditor', 'GET', '/api/v1/reviews/schedule');
    assert.equal(sch.status, 200);
    assert.equal(sch.body.approval, 'optional');
    assert.equal(sch.body.schedules[0].name, 'ops');
    assert.equal(sch.body.schedules[0].last.review, null);
    const a = await call('analyst', 'POST', '/api/v1/reviews', { schedule: 'ops' });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(a.body.schedule, 'ops');
    const b = await call('admin', 'POST', '/api/v1/reviews', { schedule: 'ops' });
    assert.equal(b.status, 200);
    assert.equal(b.body.id, a.body.id);
    assert.equal((await call('auditor', 'GET', '/api/v1/reviews/schedule')).body.schedules[0].last.review, a.body.id);
  });
});
