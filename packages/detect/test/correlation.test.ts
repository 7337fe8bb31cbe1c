import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ev, failedLogin, S, T0_US } from './support/events.js';
import { alerts, alertsFor, engineFor, feed, steps } from './support/run.js';

const FAILED = `title: Failed login
name: failed_login
detection:
  sel:
    name: authn_login_fail
  condition: sel
`;

const BRUTE = `${FAILED}---
title: Brute force
id: brute-force
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 60s
  condition:
    gt: 10
level: high
`;

const at = (...secs: number[]) => secs.map((s) => failedLogin(s));
const range = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);

test('brute force: 11 failed logins within 60 s fire once, even across a minute boundary', () => {
  // 50 s … 70 s straddles the boundary at 60 s: a bucketed evaluation sees 5 + 6.
  const got = alertsFor(BRUTE, at(...range(11, 50, 2)), 'brute-force');
  assert.equal(got.length, 1);
  const a = got[0]!;
  assert.equal(a.count, 11);
  assert.equal(a.groupKey, 'source.ip=203.0.113.9');
  assert.deepEqual(a.group, { 'source.ip': '203.0.113.9' });
  assert.equal(a.windowStartUs, T0_US + 50 * S);
  assert.equal(a.windowEndUs, T0_US + 70 * S);
  assert.equal(a.evidence.length, 11);
  assert.equal(a.severity, 'high');
  assert.equal(a.ruleType, 'event_count');
});

test('brute force: 10 failed logins do not fire', () => {
  assert.equal(alertsFor(BRUTE, at(...range(10, 0, 1)), 'brute-force').length, 0);
});

test('brute force: 11 spread so no 60 s window holds them all do not fire', () => {
  // First and last are exactly 60 s apart: windows are (end − 60 s, end], so they never share one.
  assert.equal(alertsFor(BRUTE, at(...range(11, 0, 6)), 'brute-force').length, 0);
  // One microsecond closer and they do.
  const closer = [...range(10, 0, 6), 60 - 1e-6];
  assert.equal(alertsFor(BRUTE, at(...closer), 'brute-force').length, 1);
});

test('brute force: groups count apart; the window is consumed when it fires', () => {
  const mixed = [
    ...range(6, 0, 1).map((s) => failedLogin(s, '198.51.100.1')),
    ...range(5, 0.5, 1).map((s) => failedLogin(s, '198.51.100.2')),
  ];
  assert.equal(alertsFor(BRUTE, mixed, 'brute-force').length, 0);
  // 15 in a burst: one alert at the 11th; the 4 after it start a new count.
  assert.equal(alertsFor(BRUTE, at(...range(15, 0, 1)), 'brute-force').length, 1);
  // 22 in a burst: two alerts with different keys.
  const two = alertsFor(BRUTE, at(...range(22, 0, 1)), 'brute-force');
  assert.equal(two.length, 2);
  assert.notEqual(two[0]!.key, two[1]!.key);
});

/** Reference for in-order streams: after each event, count unconsumed events in (t − span, t]; fire and consume at > threshold. */
function referenceCount(times: number[], spanUs: number, threshold: number): number[] {
  const live: number[] = [];
  const fired: number[] = [];
  times.forEach((t, i) => {
    live.push(t);
    const inWindow = live.filter((x) => x > t - spanUs && x <= t);
    if (inWindow.length > threshold) {
      fired.push(i);
      live.length = 0;
    }
  });
  return fired;
}

test('property: event_count fires exactly where a brute-force sliding window says (in order)', () => {
  // Whole seconds as well as microseconds, so windows often end exactly on an event (the boundary case).
  const gap = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max: 12 }).map((s) => s * S) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 12 * S }) },
  );
  fc.assert(
    fc.property(fc.array(gap, { minLength: 1, maxLength: 60, size: 'max' }), (gaps) => {
      let t = 0;
      const times = gaps.map((g) => (t += g));
      const out = alerts(feed(engineFor(BRUTE), steps(times.map((us) => failedLogin(us / S)))), 'brute-force');
      const want = referenceCount(times, 60 * S, 10);
      assert.deepEqual(
        out.map((a) => a.triggerLeafIndex),
        want,
      );
    }),
    { numRuns: 400 },
  );
});

test('event_count: an out-of-order event within the lateness completes a window', () => {
  // 10 events at 100…109 s, then one at 95 s (late by 14 s, lateness 5 min): the window (49, 109] holds 11.
  const events = [...at(...range(10, 100, 1)), failedLogin(95)];
  const got = alertsFor(BRUTE, events, 'brute-force');
  assert.equal(got.length, 1);
  assert.equal(got[0]!.windowStartUs, T0_US + 95 * S);
  assert.equal(got[0]!.windowEndUs, T0_US + 109 * S);
  // …and one 60 s or more before the newest cannot join that window.
  assert.equal(alertsFor(BRUTE, [...at(...range(10, 100, 1)), failedLogin(49)], 'brute-force').length, 0);
});

const SPRAY = `${FAILED}---
title: Password spraying
id: spraying
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 10m
  condition:
    field: user.name
    gte: 5
`;

test('value_count: one IP trying 5 distinct users within 10 min is password spraying', () => {
  const users = ['a', 'b', 'c', 'd', 'e'];
  const got = alertsFor(
    SPRAY,
    users.map((u, i) => failedLogin(i * 60, '192.0.2.50', u)),
    'spraying',
  );
  assert.equal(got.length, 1);
  assert.equal(got[0]!.count, 5);
  assert.equal(got[0]!.evidence.length, 5);
});

test('value_count: repeats of one user, users spread over more than 10 min, and split IPs do not fire', () => {
  const repeats = range(50, 0, 1).map((s) => failedLogin(s, '192.0.2.50', 'admin'));
  assert.equal(alertsFor(SPRAY, repeats, 'spraying').length, 0);
  // 5 users 2.5 min apart: first and last are 10 min apart, never in one window.
  const spread = ['a', 'b', 'c', 'd', 'e'].map((u, i) => failedLogin(i * 150, '192.0.2.50', u));
  assert.equal(alertsFor(SPRAY, spread, 'spraying').length, 0);
  const split = ['a', 'b', 'c', 'd', 'e', 'f'].map((u, i) => failedLogin(i, i % 2 === 0 ? '192.0.2.1' : '192.0.2.2', u));
  assert.equal(alertsFor(SPRAY, split, 'spraying').length, 0);
  // A user that was seen early but again inside the window counts.
  const renewed = [
    failedLogin(0, '192.0.2.9', 'a'),
    ...['b', 'c', 'd'].map((u, i) => failedLogin(400 + i, '192.0.2.9', u)),
    failedLogin(650, '192.0.2.9', 'a'),
    failedLogin(651, '192.0.2.9', 'e'),
  ];
  assert.equal(alertsFor(SPRAY, renewed, 'spraying').length, 1);
});

test('value_count: events without the counted field add no value', () => {
  const noUser = range(10, 0, 1).map((s) => ev({ at: s, name: 'authn_login_fail', actor: { ip: '192.0.2.9' } }));
  assert.equal(alertsFor(SPRAY, noUser, 'spraying').length, 0);
});

const TWO_RULES = `title: A
name: rule_a
detection:
  s:
    name: config_change
  condition: s
---
title: B
name: rule_b
detection:
  s:
    name: fw_update_start
  condition: s
`;

const TEMPORAL = `${TWO_RULES}---
title: A and B close together
id: a-and-b
correlation:
  type: temporal
  rules: [rule_a, rule_b]
  group-by: [device.id]
  timespan: 5m
`;

test('temporal: both rules within the timespan, in any order, on one device', () => {
  const a = (t: number, dev = 'd1') => ev({ at: t, name: 'config_change', device: { id: dev } });
  const b = (t: number, dev = 'd1') => ev({ at: t, name: 'fw_update_start', device: { id: dev } });
  assert.equal(alertsFor(TEMPORAL, [b(0), a(200)], 'a-and-b').length, 1);
  assert.equal(alertsFor(TEMPORAL, [a(0), b(300)], 'a-and-b').length, 0, '300 s apart is outside (t − 5 min, t]');
  assert.equal(alertsFor(TEMPORAL, [a(0), b(10, 'd2')], 'a-and-b').length, 0);
  assert.equal(alertsFor(TEMPORAL, [a(0), a(1), a(2)], 'a-and-b').length, 0);
});

test('temporal with a rule-name expression and with aliases', () => {
  const expr = TEMPORAL.replace('  timespan: 5m\n', '  timespan: 5m\n  condition: rule_a and not rule_b\n');
  const got = alertsFor(expr, [ev({ at: 0, name: 'config_change' })], 'a-and-b');
  assert.equal(got.length, 1);
  const aliased = `${TWO_RULES}---
title: Same address as actor and target
id: aliased
correlation:
  type: temporal
  rules: [rule_a, rule_b]
  group-by: [addr]
  timespan: 1m
  aliases:
    addr:
      rule_a: actor.ip
      rule_b: target.resource
`;
  const events = [
    ev({ at: 0, name: 'config_change', actor: { ip: '192.0.2.1' } }),
    ev({ at: 5, name: 'fw_update_start', target: { resource: '192.0.2.1' } }),
  ];
  const hit = alertsFor(aliased, events, 'aliased');
  assert.equal(hit.length, 1);
  assert.deepEqual(hit[0]!.group, { addr: '192.0.2.1' });
  const miss = [events[0]!, ev({ at: 5, name: 'fw_update_start', target: { resource: '192.0.2.2' } })];
  assert.equal(alertsFor(aliased, miss, 'aliased').length, 0);
});

const SUCCESS = `title: Successful login
name: ok_login
detection:
  s:
    name: authn_login_success
  condition: s
`;

const BF_THEN_SUCCESS = `${FAILED}---
${SUCCESS}---
title: Brute force (inner)
name: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 60s
  condition: {gt: 10}
---
title: Login after brute force
id: bf-success
correlation:
  type: temporal_ordered
  rules: [brute, ok_login]
  group-by: [source.ip]
  timespan: 10m
level: critical
`;

test('temporal_ordered and chaining: a successful login after a brute force from the same address', () => {
  const ok = (t: number, ip = '203.0.113.9') =>
    ev({ at: t, name: 'authn_login_success', outcome: 'success', actor: { ip, user: 'admin' } });
  const burst = at(...range(11, 0, 1));
  const got = alertsFor(BF_THEN_SUCCESS, [...burst, ok(30)], 'bf-success');
  assert.equal(got.length, 1);
  assert.equal(got[0]!.count, 2);
  assert.equal(got[0]!.severity, 'critical');
  assert.equal(got[0]!.evidence.length, 12, 'the brute force events and the login');
  assert.deepEqual(got[0]!.group, { 'source.ip': '203.0.113.9' });
  // The inner correlation raises no alert of its own (no generate: true).
  assert.equal(alertsFor(BF_THEN_SUCCESS, [...burst, ok(30)], 'brute').length, 0);
  // Order matters: a login before the brute force is not it.
  assert.equal(alertsFor(BF_THEN_SUCCESS, [ok(0), ...at(...range(11, 1, 1))], 'bf-success').length, 0);
  // Another address, or too late.
  assert.equal(alertsFor(BF_THEN_SUCCESS, [...burst, ok(30, '198.51.100.7')], 'bf-success').length, 0);
  // The inner match counts at the time of the event that completed it (10 s): 600 s later is outside.
  assert.equal(alertsFor(BF_THEN_SUCCESS, [...burst, ok(10 + 600)], 'bf-success').length, 0);
  assert.equal(alertsFor(BF_THEN_SUCCESS, [...burst, ok(10 + 599)], 'bf-success').length, 1);
});

test('temporal_ordered: one event never fills two steps', () => {
  const yaml = `title: Any login
name: any_login
detection:
  s:
    name|startswith: authn_login
  condition: s
---
${SUCCESS}---
title: Any then success
id: ordered
correlation:
  type: temporal_ordered
  rules: [any_login, ok_login]
  group-by: [source.ip]
  timespan: 1m
`;
  const ok = (t: number) => ev({ at: t, name: 'authn_login_success', actor: { ip: '192.0.2.1' } });
  assert.equal(alertsFor(yaml, [ok(0)], 'ordered').length, 0);
  assert.equal(alertsFor(yaml, [ok(0), ok(0)], 'ordered').length, 1, 'two events at the same time, in leaf order');
});

test('anchored windows: an upper bound is evaluated when the window is complete', () => {
  const yaml = `${FAILED}---
title: Exactly three failures
id: three
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 60s
  condition: {eq: 3}
`;
  const e = engineFor(yaml, { allowedLatenessUs: 10 * S });
  const out = feed(e, steps([...at(0, 10, 20), { sweepAt: 69 }]));
  assert.equal(alerts(out, 'three').length, 0, 'not before start + timespan + lateness');
  const closed = alerts([...e.sweep(T0_US + 70 * S)], 'three');
  assert.equal(closed.length, 1);
  assert.equal(closed[0]!.count, 3);
  assert.equal(closed[0]!.windowEndUs, T0_US + 60 * S);
  assert.equal(closed[0]!.triggerEventId, undefined);
  // Four in the window: no alert; a later event also closes windows (the watermark moves).
  const four = alerts(
    feed(engineFor(yaml, { allowedLatenessUs: 10 * S }), steps([...at(0, 10, 20, 30), failedLogin(200, '192.0.2.99')])),
    'three',
  );
  assert.equal(four.length, 0);
  const three = alerts(
    feed(engineFor(yaml, { allowedLatenessUs: 10 * S }), steps([...at(0, 10, 20), failedLogin(200, '192.0.2.99')])),
    'three',
  );
  assert.equal(three.length, 1);
});
