// A review not done by its due date raises an alert: exactly one per overdue period, however often the
// check runs and across a restart; a done review raises none; periods before the schedule was first
// seen raise none; with approval required, a signed but unapproved review is still overdue.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import type { ReviewsConfig } from '../src/review/config-schema.js';
import { OVERDUE_RULE_ID } from '../src/review/overdue.js';
import type { ReviewService } from '../src/review/review-service.js';
import type { StoredAlert } from '../src/store/alert-types.js';
import { startTestCollector, type TestCollector } from './ingest-fixtures.js';
import { reviewServiceOf } from './review-fixtures.js';

let t: TestCollector;
before(async () => {
  t = await startTestCollector({ detect: { builtinRules: false } });
});
after(async () => {
  await t?.cleanup();
});

const ms = (iso: string): number => Date.parse(iso);
// 2026-11-23 is a Monday.
const WEEKLY: ReviewsConfig = {
  approval: 'optional',
  checkIntervalMs: 60_000,
  alertOverdueDays: 7,
  verifyMaxLeaves: 50_000,
  schedules: [{ name: 'ops', every: 'weekly', dueDays: 2 }],
};

function service(nowIso: string, config: ReviewsConfig = WEEKLY, told: StoredAlert[] = []): ReviewService {
  return reviewServiceOf(t, config, { now: () => ms(nowIso), onAlertStored: (a) => told.push(a) });
}

function overdueAlerts(): StoredAlert[] {
  return t.c.data.store
    .alerts()
    .queryAlerts({ limit: 100 })
    .alerts.filter((a) => a.ruleId === OVERDUE_RULE_ID);
}

test('each overdue period raises one alert, once; its alert record is in the log and the notifier is told', async () => {
  const store = t.c.data.store;
  // The schedule was first seen on 2026-11-10: the week of 2 Nov ended before, and is not expected.
  store.setMeta('review.schedule.ops.since', String(ms('2026-11-10T00:00:00Z') * 1000));
  const told: StoredAlert[] = [];
  const s = service('2026-11-25T12:00:00Z', WEEKLY, told);
  const first = await s.tick();
  // Weeks of 9 Nov (due 18 Nov) and 16 Nov (due 25 Nov 00:00) are overdue.
  assert.deepEqual(first.overdue.map((a) => a.group.period_start).sort(), ['2026-11-09T00:00:00.000000Z', '2026-11-16T00:00:00.000000Z']);
  assert.equal(told.length, 2);
  for (let i = 0; i < 3; i++) assert.deepEqual((await s.tick()).overdue, [], 'a second tick raises nothing');
  // A restart: a new service on the same store.
  assert.deepEqual((await service('2026-11-26T00:00:00Z').tick()).overdue, []);
  const alerts = overdueAlerts();
  assert.equal(alerts.length, 2);
  assert.ok(alerts.every((a) => a.status === 'new' && a.severity === 'medium' && a.logPos !== null));
  const records = store
    .readEvents(0, store.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent)
    .filter((r) => r.name === 'alert' && r.attrs.rule_id === OVERDUE_RULE_ID);
  assert.equal(records.length, 2);
  assert.match(String(records[0]?.message), /Periodic log review overdue \(schedule ops\)/);
  const status = service('2026-11-25T12:00:00Z').scheduleStatus();
  assert.equal(status[0]?.last.overdue, true);
  assert.equal(status[0]?.last.start, '2026-11-16T00:00:00.000000Z');
});

test('a review done in time raises no alert; with approval required, only an approved one is done', async () => {
  const store = t.c.data.store;
  const cfg: ReviewsConfig = { ...WEEKLY, approval: 'required', schedules: [{ name: 'sec', every: 'weekly', dueDays: 2 }] };
  store.setMeta('review.schedule.sec.since', String(ms('2026-11-20T00:00:00Z') * 1000));
  t.c.integrator.integrate();
  t.c.integrator.checkpoint();
  // Started and signed on 24 Nov, before the due date of the week of 16 Nov.
  const early = service('2026-11-24T09:00:00Z', cfg);
  const { review } = early.start({ schedule: 'sec' }, { id: 'user/alice' });
  assert.equal(review.id, 'rev-sec-20261116');
  assert.equal(early.start({ schedule: 'sec' }, { id: 'user/bob' }).created, false, 'the same period: the same review');
  await early.sign(review.id, { id: 'user/alice' });
  const late = service('2026-11-25T12:00:00Z', cfg);
  const raised = (await late.tick()).overdue;
  assert.equal(raised.length, 1, 'signed but not approved: overdue');
  assert.equal(raised[0]?.group.schedule, 'sec');
  await late.approve(review.id, { id: 'user/bob' });
  assert.equal(late.scheduleStatus()[0]?.last.overdue, false);
  assert.deepEqual((await late.tick()).overdue, []);
  assert.equal(overdueAlerts().filter((a) => a.group.schedule === 'sec').length, 1);
});

test('a review done late closes its overdue alert at the next tick, recorded as the collector’s alert_transition', async () => {
  const store = t.c.data.store;
  const cfg: ReviewsConfig = { ...WEEKLY, schedules: [{ name: 'late', every: 'weekly', dueDays: 2 }] };
  store.setMeta('review.schedule.late.since', String(ms('2026-11-20T00:00:00Z') * 1000));
  t.c.integrator.integrate();
  t.c.integrator.checkpoint();
  const s = service('2026-11-25T12:00:00Z', cfg);
  const [raised] = (await s.tick()).overdue;
  assert.equal(raised?.group.schedule, 'late');
  assert.deepEqual((await s.tick()).closed, [], 'nothing to close while the review is not done');
  // An analyst acknowledges it meanwhile; the review is then started and signed, two days late.
  const ack = await t.c.app.inject({
    method: 'POST',
    url: `/api/v1/alerts/${raised!.id}/transition`,
    headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' },
    payload: { to: 'acknowledged' },
  });
  assert.equal(ack.statusCode, 200, ack.body);
  const { review } = s.start({ schedule: 'late' }, { id: 'user/alice' });
  await s.sign(review.id, { id: 'user/alice' });
  const later = service('2026-11-27T08:00:00Z', cfg);
  const tick = await later.tick();
  assert.deepEqual(tick.overdue, [], 'a done review raises nothing');
  assert.deepEqual(tick.closed, [raised!.id]);
  const alert = store.alerts().getAlert(raised!.id)!;
  assert.equal(alert.status, 'closed');
  assert.equal(alert.resolution, 'true_positive');
  const last = store.alerts().listAlertTransitions(alert.id).at(-1)!;
  assert.equal(last.actor, 'collector/reviews');
  assert.equal(last.from, 'acknowledged');
  assert.match(String(last.comment), new RegExp(`review ${review.id} of this period is done \\(signed by user/alice\\)`));
  const record = store.readEvents(last.logPos!, last.logPos! + 1).map((e) => JSON.parse(e.canonical) as SecurityEvent)[0]!;
  assert.equal(record.name, 'alert_transition');
  assert.equal(record.actor?.user, 'collector/reviews');
  assert.deepEqual(
    { ...record.attrs, reason: undefined },
    { alert_id: alert.id, from_state: 'acknowledged', to_state: 'closed', resolution: 'true_positive', reason: undefined },
  );
  assert.deepEqual((await later.tick()).closed, [], 'closed once');
});

test('a schedule seen for the first time raises nothing for periods that ended before', async () => {
  const s = service('2027-03-10T00:00:00Z', { ...WEEKLY, schedules: [{ name: 'fresh', every: 'monthly', dueDays: 0 }] });
  assert.deepEqual((await s.tick()).overdue, []);
  assert.equal(t.c.data.store.getMeta('review.schedule.fresh.since'), String(ms('2027-03-10T00:00:00Z') * 1000));
});
