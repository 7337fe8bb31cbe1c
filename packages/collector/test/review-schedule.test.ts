// Review schedules (src/review/schedule.ts) and the `reviews` configuration: periods in UTC for
// weekly, monthly and every-N-days schedules, due dates, and configuration errors that name the key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../src/config/load.js';
import { DAY_US, scheduleOf } from '../src/review/schedule.js';

const us = (iso: string): number => Date.parse(iso) * 1000;
const iso = (u: number): string => new Date(u / 1000).toISOString();

const cases = [
  {
    name: 'weekly: Monday to Monday, due a week after by default',
    s: { name: 'w', every: 'weekly' as const },
    at: '2026-11-25T12:00:00Z',
    want: { start: '2026-11-23T00:00:00.000Z', end: '2026-11-30T00:00:00.000Z', due: '2026-12-07T00:00:00.000Z' },
    last: '2026-11-16T00:00:00.000Z',
  },
  {
    name: 'monthly: calendar months, over a year end',
    s: { name: 'm', every: 'monthly' as const, dueDays: 10 },
    at: '2026-12-31T23:59:59Z',
    want: { start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z', due: '2027-01-11T00:00:00.000Z' },
    last: '2026-11-01T00:00:00.000Z',
  },
  {
    name: 'days: every 3 days from the anchor, also before it',
    s: { name: 'd', every: 'days' as const, days: 3, anchor: '2026-11-01', dueDays: 0 },
    at: '2026-10-30T05:00:00Z',
    want: { start: '2026-10-29T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z', due: '2026-11-01T00:00:00.000Z' },
    last: '2026-10-26T00:00:00.000Z',
  },
];
for (const c of cases) {
  test(c.name, () => {
    const s = scheduleOf(c.s);
    const p = s.periodAt(us(c.at));
    assert.deepEqual({ start: iso(p.startUs), end: iso(p.endUs), due: iso(p.dueUs) }, c.want);
    assert.equal(iso(s.lastEnded(us(c.at)).startUs), c.last);
    assert.equal(iso(s.previous(p).endUs), c.want.start);
  });
}

test('periods tile time: each contains its instant, and the next one starts where it ends', () => {
  const schedules = [
    scheduleOf({ name: 'w', every: 'weekly' }),
    scheduleOf({ name: 'm', every: 'monthly' }),
    scheduleOf({ name: 'd', every: 'days', days: 5, anchor: '2025-02-28' }),
  ];
  fc.assert(
    fc.property(fc.integer({ min: us('2000-01-01T00:00:00Z'), max: us('2100-01-01T00:00:00Z') }), fc.nat(2), (t, k) => {
      const s = schedules[k] as (typeof schedules)[number];
      const p = s.periodAt(t);
      assert.ok(p.startUs <= t && t < p.endUs);
      assert.equal(s.periodAt(p.endUs).startUs, p.endUs);
      assert.ok(s.lastEnded(t).endUs <= t);
      assert.equal(s.lastEnded(t).endUs, p.startUs);
      assert.equal(p.dueUs, p.endUs + 7 * DAY_US);
    }),
  );
});

test('the reviews configuration: defaults, and schedule errors that name the key', () => {
  const def = loadConfig({ env: {}, cwd: '/nonexistent' });
  assert.deepEqual(def.reviews, {
    approval: 'optional',
    checkIntervalMs: 60_000,
    alertOverdueDays: 7,
    verifyMaxLeaves: 50_000,
    schedules: [],
  });
  const bad = (schedules: unknown[], want: RegExp) =>
    assert.throws(
      () => loadConfig({ env: {}, cwd: '/nonexistent', flags: { reviews: { schedules } } }),
      (e: Error & { code?: string }) => e.code === 'CONFIG_INVALID' && want.test(e.message),
    );
  bad([{ name: 'd', every: 'days' }], /reviews\.schedules\.0\.days: required/);
  bad([{ name: 'w', every: 'weekly', days: 3 }], /reviews\.schedules\.0\.days: unused/);
  bad([{ name: 'd', every: 'days', days: 2, anchor: '2026-02-30' }], /reviews\.schedules\.0\.anchor: date/);
  bad(
    [
      { name: 'w', every: 'weekly' },
      { name: 'w', every: 'monthly' },
    ],
    /reviews\.schedules\.1\.name: unique/,
  );
  bad([{ name: 'W', every: 'weekly' }], /reviews\.schedules\.0\.name/);
  bad([{ name: 'w', every: 'fortnightly' }], /reviews\.schedules\.0\.every/);
  const ok = loadConfig({
    env: {},
    cwd: '/nonexistent',
    flags: { reviews: { approval: 'required', schedules: [{ name: 'ops', every: 'monthly' }] } },
  });
  assert.equal(ok.reviews.approval, 'required');
  assert.equal(ok.reviews.schedules[0]?.name, 'ops');
});
