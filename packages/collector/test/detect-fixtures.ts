/**
 * Shared by the detection and alert API tests: small inline rules (the tests
 * do not depend on the built-in pack), a collector with detection on and the
 * pack off, and readers for alerts and the collector's own records.
 */
import assert from 'node:assert/strict';
import type { SecurityEvent } from '@seclog/core';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import type { StoredAlert } from '../src/store/alert-types.js';
import { startTestCollector, type TestCollector } from './ingest-fixtures.js';
import type { RecordShape } from './query-fixtures.js';

export const BRUTE_FORCE_RULES = `title: Failed login
id: t-failed-login
level: low
detection:
  fail:
    name: authn_login_fail
  condition: fail
---
title: Brute force
id: t-brute-force
level: high
correlation:
  type: event_count
  rules: [t-failed-login]
  group-by: [source.ip]
  timespan: 60s
  condition:
    gt: 10
`;

/** One alert per device per 15 min for configuration changes; repeats are counted on it. */
export const CONFIG_CHANGE_RULE = `title: Configuration changed
id: t-config-change
level: medium
detection:
  sel:
    name: config_change
  condition: sel
x-suppress:
  by: [device.id]
  for: 15m
`;

export const DETECT_TEST_FLAGS = { detect: { builtinRules: false, sweepIntervalMs: 50, stateSaveIntervalMs: 60_000 } };

export async function startDetectCollector(overrides: Record<string, unknown> = {}): Promise<TestCollector> {
  const detect = { ...DETECT_TEST_FLAGS.detect, ...(overrides.detect as Record<string, unknown> | undefined) };
  return startTestCollector({ ...overrides, detect });
}

/** PUT /api/v1/rules with the admin token; asserts success. */
export async function putRules(t: TestCollector, yaml: string, token = t.admin): Promise<void> {
  const res = await t.c.app.inject({
    method: 'PUT',
    url: '/api/v1/rules',
    headers: { authorization: `Bearer ${token}` },
    payload: { yaml },
  });
  assert.equal(res.statusCode, 200, res.body);
}

/** `n` failed logins from `ip`, `stepS` seconds apart from `startMs` (device time). */
export function failedLogins(ip: string, n: number, startMs: number, stepS: number): RecordShape[] {
  return Array.from({ length: n }, (_, i) => ({
    name: 'authn_login_fail',
    time: new Date(startMs + i * stepS * 1000).toISOString().replace('Z', '000Z'),
    severity: 'medium',
    outcome: 'failure',
    actor: { ip, user: 'admin' },
    attrs: { method: 'password', reason: 'bad_password' },
  }));
}

export function configChanges(n: number, startMs: number): RecordShape[] {
  return Array.from({ length: n }, (_, i) => ({
    name: 'config_change',
    time: new Date(startMs + i * 1000).toISOString().replace('Z', '000Z'),
    severity: 'medium',
    outcome: 'success',
    actor: { user: 'operator' },
    target: { setting: 'ntp.server' },
    attrs: { category: 'time' },
  }));
}

/** Every stored alert, oldest first. */
export function allAlerts(t: TestCollector): StoredAlert[] {
  return t.c.data.store.alerts().queryAlerts({ limit: 10_000 }).alerts.reverse();
}

/** The collector's own records of one name, in log order, with their leaf index. */
export function ownRecords(t: TestCollector, name: string): { pos: number; record: SecurityEvent }[] {
  const s = t.c.data.store;
  return s
    .readEvents(0, s.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => ({ pos: e.pos, record: JSON.parse(e.canonical) as SecurityEvent }))
    .filter((e) => e.record.name === name);
}

/** Resolves once `check` returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves once detection has evaluated every committed record (and the integrator has integrated them). */
export async function detectionIdle(t: TestCollector): Promise<void> {
  await waitFor('detection to catch up', () =>
    t.c.detection!.service.nextLeaf >= t.c.data.store.eventCount() && t.c.integrator.size >= t.c.data.store.eventCount() ? true : undefined,
  );
}
