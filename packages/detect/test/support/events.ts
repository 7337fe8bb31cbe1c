/** Test events: a valid-looking SecurityEvent with a time given as seconds after T0. */
import type { SecurityEvent } from '@seclog/core';
import { formatUs } from '../../src/index.js';

/** 2026-03-01T00:00:00Z in microseconds. */
export const T0_US = Date.UTC(2026, 2, 1) * 1000;

export const S = 1_000_000;

let counter = 0;

export interface EventSpec extends Partial<Omit<SecurityEvent, 'time'>> {
  /** Seconds after T0 (fractions allowed, microsecond resolution). */
  at?: number;
  /** Exact microseconds after T0 (wins over `at`). */
  atUs?: number;
}

export function ev(spec: EventSpec = {}): SecurityEvent {
  const { at, atUs, ...rest } = spec;
  const offset = atUs ?? Math.round((at ?? 0) * S);
  return {
    v: 1,
    id: rest.id ?? `ev-${++counter}`,
    name: 'authn_login_fail',
    time: formatUs(T0_US + offset),
    severity: 'medium',
    outcome: 'failure',
    device: { id: 'dev-1' },
    attrs: {},
    ...rest,
  } as SecurityEvent;
}

/** A failed login from `ip` for `user` at `at` seconds. */
export function failedLogin(at: number, ip = '203.0.113.9', user = 'admin', extra: EventSpec = {}): SecurityEvent {
  return ev({ at, name: 'authn_login_fail', outcome: 'failure', actor: { ip, user }, ...extra });
}
