import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { createDetectionEngine, type EngineOutput, type EngineState, formatUs, loadRuleSet } from '../src/index.js';
import { ev, failedLogin, S, T0_US } from './support/events.js';
import { alerts, alertsFor, engineFor, feed, steps } from './support/run.js';

const FAILED = `title: Failed login
name: failed_login
id: 6c9f3a52-failed
level: low
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
  condition: {gt: 10}
  generate: true
`;

const range = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);

test('single-event rules alert per match with a deterministic key', () => {
  const e = failedLogin(3);
  const a = alertsFor(FAILED, [e], '6c9f3a52-failed');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.ruleId, '6c9f3a52-failed', 'the id, not the name, identifies the rule');
  assert.equal(a[0]!.ruleType, 'detection');
  assert.equal(a[0]!.severity, 'low');
  assert.deepEqual(a[0]!.evidence, [e.id]);
  assert.equal(a[0]!.triggerLeafIndex, 0);
  assert.match(a[0]!.ruleVersion, /^[0-9a-f]{12}$/);
  const again = alertsFor(FAILED, [e], '6c9f3a52-failed');
  assert.equal(again[0]!.key, a[0]!.key);
  assert.match(a[0]!.key, /^[0-9a-f]{32}$/);
});

test('filters exclude matches from the rules they name, and only those', () => {
  const yaml = `${FAILED}---
title: Other failed logins
id: other
detection:
  sel:
    name: authn_login_fail
  condition: sel
---
title: Not the scanner
filter:
  rules: [failed_login]
  scanner:
    source.ip|cidr: 192.0.2.0/28
  condition: not scanner
`;
  const events = [failedLogin(0, '192.0.2.3'), failedLogin(1, '192.0.2.200')];
  assert.deepEqual(
    alertsFor(yaml, events, '6c9f3a52-failed').map((a) => a.evidence[0]),
    [events[1]!.id],
  );
  assert.equal(alertsFor(yaml, events, 'other').length, 2);
});

test('filters also keep filtered events out of correlations', () => {
  const yaml = `${BRUTE}---
title: Not the scanner
filter:
  rules: [failed_login]
  scanner:
    source.ip: 192.0.2.3
  condition: not scanner
`;
  assert.equal(
    alertsFor(
      yaml,
      range(11, 0, 1).map((t) => failedLogin(t, '192.0.2.3')),
      'brute-force',
    ).length,
    0,
  );
  assert.equal(
    alertsFor(
      yaml,
      range(11, 0, 1).map((t) => failedLogin(t, '192.0.2.4')),
      'brute-force',
    ).length,
    1,
  );
});

test('x-suppress counts repeats on the open alert instead of raising new ones', () => {
  const yaml = `${FAILED.replace('level: low\n', 'level: low\nx-suppress:\n  by: [source.ip]\n  for: 15m\n')}`;
  const engine = engineFor(yaml);
  const events = [
    failedLogin(0, '192.0.2.1'),
    failedLogin(60, '192.0.2.1'),
    failedLogin(120, '192.0.2.2'),
    failedLogin(600, '192.0.2.1'),
    failedLogin(15 * 60, '192.0.2.1'),
  ];
  const out = feed(engine, steps(events));
  const kinds = out.map((o) =>
    o.kind === 'alert' ? `alert ${o.alert.groupKey}` : o.kind === 'suppressed' ? `suppressed ${o.suppressed}` : o.kind,
  );
  assert.deepEqual(kinds, [
    'alert source.ip=192.0.2.1',
    'suppressed 1',
    'alert source.ip=192.0.2.2',
    'suppressed 2',
    'alert source.ip=192.0.2.1',
  ]);
  const first = alerts(out)[0]!;
  const sup = out.filter((o): o is Extract<EngineOutput, { kind: 'suppressed' }> => o.kind === 'suppressed');
  assert.ok(
    sup.every((s) => s.alertKey === first.key),
    'suppressed matches name the open alert',
  );
  assert.deepEqual(
    sup.map((s) => s.eventId),
    [events[1]!.id, events[3]!.id],
  );
  assert.equal(engine.stats.suppressed, 2);
  assert.equal(engine.stats.alerts, 3);
});

test('x-suppress on a correlation: a second burst within the window is counted, not raised', () => {
  const yaml = `${BRUTE}x-suppress:\n  by: [source.ip]\n  for: 10m\n`;
  const engine = engineFor(yaml);
  const out = feed(engine, steps(range(33, 0, 1).map((t) => failedLogin(t))));
  assert.equal(alerts(out, 'brute-force').length, 1);
  const sup = out.filter((o) => o.kind === 'suppressed' && o.ruleId === 'brute-force');
  assert.equal(sup.length, 2);
});

const HEARTBEAT = `title: Device gone silent
id: silent
level: high
detection:
  any:
    device.id|exists: true
  condition: any
x-absence:
  by: [device.id]
  for: 10m
`;

test('x-absence: one alert per silence, raised by the sweep, re-armed by the next event', () => {
  const engine = engineFor(HEARTBEAT);
  const d1 = ev({ at: 0, name: 'sys_startup', device: { id: 'cam-1' } });
  const d2 = ev({ at: 300, name: 'sys_startup', device: { id: 'cam-2' } });
  assert.equal(alerts(feed(engine, steps([d1, d2]))).length, 0, 'matches are signs of life, not alerts');
  assert.equal(alerts([...engine.sweep(T0_US + 599 * S)]).length, 0);
  const first = alerts([...engine.sweep(T0_US + 600 * S)]);
  assert.equal(first.length, 1);
  assert.equal(first[0]!.ruleType, 'absence');
  assert.deepEqual(first[0]!.group, { 'device.id': 'cam-1' });
  assert.equal(first[0]!.windowStartUs, T0_US);
  assert.equal(first[0]!.windowEndUs, T0_US + 600 * S);
  assert.deepEqual(first[0]!.evidence, [d1.id], 'the last sign of life');
  assert.equal(alerts([...engine.sweep(T0_US + 700 * S)]).length, 0, 'one alert per silence');
  const second = alerts([...engine.sweep(T0_US + 900 * S)]);
  assert.deepEqual(
    second.map((a) => a.groupKey),
    ['device.id=cam-2'],
  );
  // cam-1 comes back, then goes silent again: a new alert with another key.
  engine.push(ev({ at: 1000, name: 'sys_startup', device: { id: 'cam-1' } }), 5);
  const third = alerts([...engine.sweep(T0_US + 1600 * S)]);
  assert.deepEqual(
    third.map((a) => a.groupKey),
    ['device.id=cam-1'],
  );
  assert.notEqual(third[0]!.key, first[0]!.key);
});

const SEALS = `title: Device gone silent
id: silent-seals
level: medium
detection:
  seal:
    name: log_seal
  condition: seal
x-absence:
  by: [device.id]
  for: 10m
  period: { from: attrs.epoch_start, to: attrs.epoch_end, times: 3 }
`;

/** A seal at `at` seconds whose epoch spans `epochS` seconds (the times are the fields the rule reads, not the event's). */
const seal = (at: number, device: string, epochS: number, start = '2026-03-01T00:00:00.000000Z') =>
  ev({
    at,
    name: 'log_seal',
    severity: 'info',
    outcome: 'success',
    device: { id: device },
    attrs: { epoch_start: start, epoch_end: formatUs((Date.parse(start) || T0_US / 1000) * 1000 + epochS * S) },
  });

test('x-absence.period: a group may stay silent for `times` of the period its last match names, or `for` if longer', () => {
  const engine = engineFor(SEALS);
  const hourly = seal(0, 'meter-1', 3600);
  feed(engine, steps([hourly, seal(0, 'cam-1', 60), seal(0, 'odd-1', 3600, 'not a time'), seal(0, 'back-1', -60)]));
  const at = (s: number) => alerts([...engine.sweep(T0_US + s * S)]).map((a) => a.groupKey);
  assert.deepEqual(at(599), []);
  assert.deepEqual(
    at(600).sort(),
    ['device.id=back-1', 'device.id=cam-1', 'device.id=odd-1'],
    'one-minute epochs, an unreadable epoch and a backwards one all get `for`',
  );
  assert.deepEqual(at(3 * 3600 - 1), [], 'three hourly epochs are not over yet');
  const late = alerts([...engine.sweep(T0_US + 3 * 3600 * S)]);
  assert.deepEqual(
    late.map((a) => [a.groupKey, a.windowStartUs, a.windowEndUs, a.evidence]),
    [['device.id=meter-1', T0_US, T0_US + 3 * 3600 * S, [hourly.id]]],
  );
  // A forged seal naming a century gets a day's period at most: missed after three days, not never.
  engine.push(seal(0, 'forged-1', 100 * 365 * 86400), 11);
  assert.deepEqual(at(3 * 86400 - 1), []);
  assert.deepEqual(at(3 * 86400), ['device.id=forged-1']);
  // The latest match's period counts: the meter moves to one-minute epochs, and ten minutes is enough again.
  const engine2 = engineFor(SEALS);
  feed(engine2, steps([seal(0, 'meter-1', 3600)]));
  engine2.push(seal(4 * 3600, 'meter-1', 60), 10);
  assert.deepEqual(
    alerts([...engine2.sweep(T0_US + (4 * 3600 + 600) * S)]).map((a) => a.groupKey),
    ['device.id=meter-1'],
  );
});

test('x-absence.period survives an engine restart; state saved without periods still loads', () => {
  const rs = loadRuleSet([{ text: SEALS }]);
  const a = createDetectionEngine(rs);
  feed(a, steps([seal(0, 'meter-1', 3600)]));
  const state = JSON.parse(JSON.stringify(a.exportState())) as EngineState;
  const b = createDetectionEngine(rs, { state });
  assert.deepEqual(alerts([...b.sweep(T0_US + 3599 * S)]), [], 'the hour-long period came back with the state');
  assert.equal(alerts([...b.sweep(T0_US + 3 * 3600 * S)]).length, 1);
  // An older collector saved five elements per group: the period is unknown, so `for` applies.
  const parts = state.rules['silent-seals']!.parts as { absence: unknown[][] };
  const old = {
    ...state,
    rules: { 'silent-seals': { ...state.rules['silent-seals']!, parts: { absence: parts.absence.map((row) => row.slice(0, 5)) } } },
  };
  const c = createDetectionEngine(rs, { state: old as EngineState });
  assert.equal(alerts([...c.sweep(T0_US + 600 * S)]).length, 1);
});

test('watermark: events older than watermark − lateness are late, reported, and kept out of windows', () => {
  const engine = engineFor(BRUTE, { allowedLatenessUs: 60 * S });
  const out = feed(engine, steps([failedLogin(1000, '192.0.2.1'), ...range(11, 900, 1).map((t) => failedLogin(t))]));
  const late = out.filter((o): o is Extract<EngineOutput, { kind: 'late' }> => o.kind === 'late');
  assert.equal(late.length, 11);
  assert.deepEqual(late[0]!.ruleIds, ['brute-force']);
  assert.equal(late[0]!.watermarkUs, T0_US + 1000 * S);
  assert.equal(engine.stats.late, 11);
  assert.equal(alerts(out, 'brute-force').length, 0, 'late events do not count');
  assert.equal(alerts(out, '6c9f3a52-failed').length, 12, 'single-event rules still see them');
  // Within the lateness they count.
  const ok = feed(
    engineFor(BRUTE, { allowedLatenessUs: 200 * S }),
    steps([failedLogin(1000, '192.0.2.1'), ...range(11, 900, 1).map((t) => failedLogin(t))]),
  );
  assert.equal(alerts(ok, 'brute-force').length, 1);
  assert.equal(ok.filter((o) => o.kind === 'late').length, 0);
});

test('a clock far ahead of its receive time does not push everyone else out as late', () => {
  const engine = engineFor(BRUTE, { allowedLatenessUs: 60 * S });
  const future = failedLogin(10 * 365 * 86400, '192.0.2.1');
  engine.push(future, 0, T0_US - 5 * 60 * S);
  assert.equal(engine.stats.future, 1);
  assert.equal(engine.watermarkUs, T0_US, 'clamped to receive time + maxFutureUs');
  const out = feed(
    engine,
    range(11, 0, 1).map((t, i) => ({ event: failedLogin(t), leaf: i + 1 })),
  );
  assert.equal(alerts(out, 'brute-force').length, 1);
});

test('de-duplication by event id: a record delivered twice counts once', () => {
  const engine = engineFor(BRUTE);
  const events = range(10, 0, 1).map((t) => failedLogin(t));
  const out = feed(engine, steps([...events, events[3]!, events[7]!]));
  assert.equal(engine.stats.duplicates, 2);
  assert.equal(alerts(out, 'brute-force').length, 0, 'ten distinct events are not eleven');
  assert.equal(alerts(out, '6c9f3a52-failed').length, 10);
});

test('a leaf index at or below the last one is a replay and is skipped', () => {
  const engine = engineFor(FAILED);
  assert.equal(engine.push(failedLogin(0), 5).length, 1);
  assert.equal(engine.push(failedLogin(1), 5).length, 0);
  assert.equal(engine.push(failedLogin(2), 3).length, 0);
  assert.equal(engine.stats.replayed, 2);
  assert.equal(engine.lastLeafIndex, 5);
  assert.throws(
    () => engine.push(failedLogin(3), -1),
    (err: unknown) => isSeclogError(err, 'DETECT_INPUT_INVALID'),
  );
  assert.throws(
    () => engine.push({ ...failedLogin(3), time: 'yesterday' }, 9),
    (err: unknown) => isSeclogError(err, 'DETECT_INPUT_INVALID'),
  );
});

test('group cardinality is capped: the least recently used group is evicted, counted and reported once', () => {
  const engine = engineFor(BRUTE, { maxGroupsPerRule: 2 });
  const out = feed(
    engine,
    steps([failedLogin(0, '10.0.0.1'), failedLogin(1, '10.0.0.2'), failedLogin(2, '10.0.0.3'), failedLogin(3, '10.0.0.4')]),
  );
  assert.equal(engine.stats.groupsEvicted, 2);
  const cap = out.filter((o) => o.kind === 'capacity');
  assert.deepEqual(cap, [{ kind: 'capacity', ruleId: 'brute-force', what: 'groups', limit: 2 }]);
  // An active group survives a flood of one-off groups.
  const e2 = engineFor(BRUTE, { maxGroupsPerRule: 3 });
  const stream = range(11, 0, 1).flatMap((t, i) => [failedLogin(t, '192.0.2.66'), failedLogin(t + 0.5, `10.9.0.${i}`)]);
  assert.equal(alerts(feed(e2, steps(stream)), 'brute-force').length, 1);
});

test('rules are indexed by the event names they require (nothing else is evaluated)', () => {
  let calls = 0;
  // actor.user comes first, so evaluating the rule would read `actor` before it looks at the name.
  const rs = loadRuleSet([
    { text: 'title: t\nid: t\ndetection:\n  sel:\n    actor.user: admin\n    name: authn_login_fail\n  condition: sel\n' },
  ]);
  const engine = createDetectionEngine(rs);
  // The index is a precondition of speed: an event of another name must not reach the rule's predicate.
  const login = new Proxy(ev({ name: 'authn_login_fail', actor: { user: 'admin' } }), {
    get(target, prop, recv) {
      if (prop === 'actor') calls++;
      return Reflect.get(target, prop, recv);
    },
  });
  assert.equal(engine.push(login, 0).length, 1);
  assert.equal(calls, 1, 'the spy sees a rule evaluation');
  calls = 0;
  const spy = new Proxy(ev({ name: 'authn_logout' }), {
    get(target, prop, recv) {
      if (prop === 'attrs' || prop === 'actor') calls++;
      return Reflect.get(target, prop, recv);
    },
  });
  assert.equal(engine.push(spy, 1).length, 0);
  assert.equal(calls, 0);
});

test('state import refuses what is not an engine state, and drops state of changed rules', () => {
  const rs = loadRuleSet([{ text: BRUTE }]);
  assert.throws(
    () => createDetectionEngine(rs, { state: { format: 'nope' } as unknown as EngineState }),
    (err: unknown) => isSeclogError(err, 'DETECT_STATE_INVALID'),
  );
  const a = createDetectionEngine(rs);
  feed(a, steps(range(5, 0, 1).map((t) => failedLogin(t))));
  const state = JSON.parse(JSON.stringify(a.exportState())) as EngineState;
  const broken = { ...state, rules: { 'brute-force': { version: rs.correlations[0]!.rule.version, parts: { window: [[1, 2]] } } } };
  assert.throws(
    () => createDetectionEngine(rs, { state: broken as EngineState }),
    (err: unknown) => isSeclogError(err, 'DETECT_STATE_INVALID'),
  );
  const edited = loadRuleSet([{ text: BRUTE.replace('gt: 10', 'gt: 5') }]);
  const b = createDetectionEngine(edited, { state });
  assert.deepEqual(b.droppedState, ['brute-force']);
  assert.equal(b.lastLeafIndex, 4, 'the leaf position survives');
});
