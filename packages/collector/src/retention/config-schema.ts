/**
 * The configuration keys of retention, storage capacity and device horizons
 * (docs/retention.md). Kept here and spread into config/schema.ts so the
 * shared schema file only grows by three lines.
 *
 * Retention is set per catalogue event group (the `group` of each entry):
 * one optional key per group, so a misspelt group is an unknown key with a
 * did-you-mean like any other, and each has its environment variable
 * (SECLOG_RETENTION_GROUPS_AUTHENTICATION …).
 */
import Type, { type TInteger, type TOptional } from 'typebox';

const closed = { additionalProperties: false } as const;

/** Days from 1 to 100 years: a retention of zero would delete what was just ingested. */
const days = (description: string) => Type.Integer({ minimum: 1, maximum: 36_500, description });

/** The catalogue's event groups (core EventGroup), in the catalogue's order. */
export const RETENTION_GROUPS = [
  'authentication',
  'account',
  'access_control',
  'session',
  'configuration',
  'update',
  'system',
  'boot',
  'crypto',
  'enrolment',
  'network',
  'time',
  'logging',
  'detection',
  'review',
  'passthrough',
] as const;
export type RetentionGroup = (typeof RETENTION_GROUPS)[number];

export const RetentionGroupsSchema = Type.Object(
  Object.fromEntries(
    RETENTION_GROUPS.map((g) => [g, Type.Optional(days(`Days the events of group ${g} are kept; unset: retention.defaultDays`))]),
  ) as { [G in RetentionGroup]: TOptional<TInteger> },
  { ...closed, description: 'Days kept per catalogue event group (docs/events.md names each event’s group)' },
);

export const RetentionSchema = Type.Object(
  {
    enabled: Type.Boolean({
      description: 'Run retention in the server every retention.intervalMinutes (`seclog retention run` works either way)',
    }),
    defaultDays: days('Days an event is kept when its group has no entry in retention.groups (and for names outside the catalogue)'),
    groups: RetentionGroupsSchema,
    maxPayloadBytes: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Cap on the stored record bytes (canonical JSON of unpruned events); over it the oldest are pruned first. 0: no cap',
    }),
    intervalMinutes: Type.Integer({ minimum: 1, maximum: 10_080, description: 'How often the server runs retention, in minutes' }),
  },
  closed,
);

export const StorageSchema = Type.Object(
  {
    warnPercent: Type.Integer({ minimum: 1, maximum: 100, description: 'Usage (percent) that raises a storage warning alert' }),
    criticalPercent: Type.Integer({
      minimum: 1,
      maximum: 100,
      description: 'Usage (percent) that raises a critical storage alert and engages storage.onFull',
    }),
    hardFloorPercent: Type.Integer({
      minimum: 1,
      maximum: 100,
      description: 'onFull reject: usage (percent) above which even critical events are refused with 507',
    }),
    onFull: Type.Enum(['reject', 'prune'], {
      description:
        'At storage.criticalPercent: `reject` answers non-critical ingest 507 STORAGE_FULL, `prune` runs retention at once (then rejects if still full)',
    }),
    checkIntervalSeconds: Type.Integer({ minimum: 1, maximum: 3600, description: 'How often the server measures storage use, in seconds' }),
    rateWindowDays: Type.Integer({
      minimum: 1,
      maximum: 90,
      description: 'Window of the measured ingest rate (bytes/day) behind days-until-full',
    }),
  },
  closed,
);

export const DevicesSchema = Type.Object(
  {
    minHorizonHours: Type.Number({
      minimum: 0,
      maximum: 87_600,
      description: 'Devices whose ring overwrites an unshipped record sooner than this (hours) are flagged and fail the storage check',
    }),
    rateWindowHours: Type.Integer({
      minimum: 1,
      maximum: 2160,
      description: 'Window of a device’s observed byte rate behind its horizon, in hours',
    }),
  },
  closed,
);
