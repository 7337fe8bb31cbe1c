/**
 * A profile with the logger configuration's overrides applied: the defaults of
 * `low` or `high` (core's PROFILES), then any key the integrator sets. Every
 * problem is reported at once as `key: rule (got …)`, and the result is
 * frozen (STYLE.md "Configuration").
 *
 * The seal epoch is not overridable here: enrolment fixed it with the
 * collector (device file `seal`), and a device sealing on another grid would
 * have every seal refused. Re-enrol with another profile to change it.
 */
import type { ProfileDefaults, ProfileName } from '@seclog/core';
import { isProfileName, PROFILES, SeclogError } from '@seclog/core';

export type ProfileOverrides = Partial<Omit<ProfileDefaults, 'name'>>;

export interface ProfileIssue {
  key: string;
  rule: string;
  message: string;
}

const FIXED_AT_ENROLMENT = new Set(['sealEpochMs', 'sealEpochRecords']);

type Check = (v: unknown) => string | undefined;

const intAtLeast =
  (min: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? undefined : `must be an integer ≥ ${min}`;
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const percents: Check = (v) => {
  if (!Array.isArray(v) || v.length === 0) return 'must be a non-empty list of percentages';
  for (let i = 0; i < v.length; i++) {
    const p = v[i];
    if (typeof p !== 'number' || !(p > 0 && p <= 100)) return 'each threshold must be a number in (0, 100]';
    if (i > 0 && p <= (v[i - 1] as number)) return 'thresholds must be strictly increasing';
  }
  return undefined;
};

const CHECKS: Readonly<Record<keyof ProfileOverrides, Check>> = {
  sealEpochMs: intAtLeast(1000),
  sealEpochRecords: intAtLeast(1),
  realtime: bool,
  batchMaxAgeMs: intAtLeast(0),
  batchMaxEvents: intAtLeast(1),
  uploadIntervalMs: intAtLeast(0),
  shipCriticalAtOnce: bool,
  storageWarnPct: percents,
  // A few records of the 16 KiB maximum must fit.
  ringCapacityBytes: intAtLeast(64 * 1024),
};

/** The settings of profile `name` with `overrides` applied; AGENT_PROFILE_INVALID lists every problem. */
export function resolveProfile(name: string, overrides: ProfileOverrides = {}): ProfileDefaults {
  const issues: ProfileIssue[] = [];
  if (!isProfileName(name)) {
    issues.push({ key: 'profile', rule: 'enum', message: `must be low or high (got ${JSON.stringify(name)})` });
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const check = CHECKS[key as keyof ProfileOverrides];
    if (check === undefined) {
      issues.push({ key, rule: 'unknown', message: `is not a profile setting (known: ${Object.keys(CHECKS).join(', ')})` });
    } else if (FIXED_AT_ENROLMENT.has(key)) {
      issues.push({ key, rule: 'fixed', message: 'is fixed at enrolment (device file `seal`); re-enrol the device to change it' });
    } else {
      const problem = check(value);
      if (problem !== undefined) issues.push({ key, rule: 'value', message: `${problem} (got ${JSON.stringify(value)})` });
    }
  }
  if (issues.length > 0) {
    throw new SeclogError('AGENT_PROFILE_INVALID', issues.map((i) => `${i.key}: ${i.message}`).join('; '), { errors: issues });
  }
  const base = PROFILES[name as ProfileName];
  const merged: ProfileDefaults = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? Object.freeze([...value]) : value;
  }
  return Object.freeze(merged);
}
