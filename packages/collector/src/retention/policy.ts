/**
 * The retention policy: days per catalogue event group, a default, and a cap
 * on the stored record bytes (docs/retention.md). Age is counted from the
 * collector's receive time, not the record's own time: a device clock can be
 * wrong by years, the collector's cannot be set by a device.
 */
import { catalogueEntries, getCatalogueEntry } from '@seclog/core';
import type { PartitionPruneSelection } from '../store/retention-types.js';
import type { RetentionGroup } from './config-schema.js';
import { RETENTION_GROUPS } from './config-schema.js';

export const DAY_US = 86_400_000_000;

export interface RetentionPolicy {
  readonly defaultDays: number;
  readonly groups: Readonly<Partial<Record<RetentionGroup, number>>>;
  /** Cap on the stored record bytes; 0: none. */
  readonly maxPayloadBytes: number;
}

/**
 * Records retention never prunes, whatever their age: the collector's notes
 * of device stream gaps (store verification explains a gap by them) and the
 * first record of each device stream (its ring capacity, and the link to the
 * previous stream). Both are a few per device.
 */
export const ALWAYS_KEPT: ReadonlySet<string> = new Set(['log_gap', 'stream_start']);

/** The catalogue group of an event name; undefined for names outside the catalogue (vendor events, passthrough). */
export function groupOf(name: string): RetentionGroup | undefined {
  return getCatalogueEntry(name)?.group;
}

/** Days the events named `name` are kept. */
export function daysFor(policy: RetentionPolicy, name: string): number {
  const group = groupOf(name);
  return (group === undefined ? undefined : policy.groups[group]) ?? policy.defaultDays;
}

/** The shortest retention of the policy, in days: nothing received after now − that can be expired. */
export function shortestDays(policy: RetentionPolicy): number {
  let min = policy.defaultDays;
  for (const g of RETENTION_GROUPS) {
    const d = policy.groups[g];
    if (d !== undefined && d < min) min = d;
  }
  return min;
}

/** The event names whose retention, at `nowUs`, ends at or after `untilUs`: every such event received before `untilUs` has expired. */
export function expiredNames(policy: RetentionPolicy, nowUs: number, untilUs: number): PartitionPruneSelection {
  const catalogue = catalogueEntries().map((e) => e.name);
  const expired = (days: number) => nowUs - days * DAY_US >= untilUs;
  return {
    names: catalogue.filter((n) => !ALWAYS_KEPT.has(n) && expired(daysFor(policy, n))),
    catalogue,
    unknownExpired: expired(policy.defaultDays),
  };
}

/** One line for people and for the run's record: `default 365d; system 90d, …; cap none`. */
export function describePolicy(policy: RetentionPolicy): string {
  const groups = RETENTION_GROUPS.filter((g) => policy.groups[g] !== undefined).map((g) => `${g} ${policy.groups[g]}d`);
  const cap = policy.maxPayloadBytes > 0 ? `${policy.maxPayloadBytes} bytes` : 'none';
  return `default ${policy.defaultDays}d${groups.length > 0 ? `; ${groups.join(', ')}` : ''}; cap ${cap}`;
}

/** The policy of the configuration's `retention` key. */
export function policyOf(cfg: {
  readonly defaultDays: number;
  readonly groups: Readonly<Partial<Record<RetentionGroup, number>>>;
  readonly maxPayloadBytes: number;
}): RetentionPolicy {
  return { defaultDays: cfg.defaultDays, groups: { ...cfg.groups }, maxPayloadBytes: cfg.maxPayloadBytes };
}
