/**
 * Event classes: which catalogue events cannot be switched off (mandatory),
 * which must be durable before the SDK call resolves (critical), and which
 * ship at once under a profile that asks for it.
 *
 * The catalogue entry carries explicit `mandatory` and `critical` flags; the
 * group rules below are applied on top, so a vendor event registered in the
 * `authentication` group (say) is mandatory and critical without the vendor
 * having to remember the flags. For the built-in catalogue both agree (a test
 * checks that no entry in a mandatory group is flagged optional).
 */
import type { CatalogueEntry, EventGroup, ProfileDefaults, Severity } from '@seclog/core';
import { getCatalogueEntry, SeclogError } from '@seclog/core';

/**
 * Groups whose events the CRA opt-out can never switch off: authentication,
 * account and access-control changes, configuration, updates, faults and
 * start-up (system, boot), keys and trust anchors (crypto), enrolment, and
 * everything about the log itself.
 */
export const MANDATORY_GROUPS: ReadonlySet<EventGroup> = new Set<EventGroup>([
  'authentication',
  'account',
  'access_control',
  'configuration',
  'update',
  'system',
  'boot',
  'crypto',
  'enrolment',
  'logging',
]);

/**
 * Groups whose events are made durable (fsync, group commit) before the SDK
 * call resolves: the ones an attacker most wants to erase by cutting power
 * right after acting (issue D item 3). Logging changes (`log_config_change`),
 * drops and store corruption are critical through their catalogue flag.
 */
export const CRITICAL_GROUPS: ReadonlySet<EventGroup> = new Set<EventGroup>([
  'authentication',
  'account',
  'access_control',
  'configuration',
  'update',
]);

/**
 * Events only the logger itself writes: a seal or a stream start forged by
 * product code would be indistinguishable from the logger's own, so
 * `log.event()` refuses them and they get no typed method.
 */
export const LOGGER_OWN_EVENTS: ReadonlySet<string> = new Set(['log_seal', 'stream_start']);

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface EventClass {
  readonly name: string;
  /** Cannot be switched off by the user opt-out. */
  readonly mandatory: boolean;
  /** Durable (fsynced) before the SDK call resolves; otherwise within the ring's flush delay. */
  readonly critical: boolean;
  /** Written by the logger itself only (seals, stream starts). */
  readonly loggerOwn: boolean;
  /** Emitted by the collector about itself; a device never logs it. */
  readonly collectorOnly: boolean;
}

export function classOfEntry(entry: CatalogueEntry): EventClass {
  return {
    name: entry.name,
    mandatory: entry.mandatory || MANDATORY_GROUPS.has(entry.group),
    critical: entry.critical || CRITICAL_GROUPS.has(entry.group),
    loggerOwn: LOGGER_OWN_EVENTS.has(entry.name),
    collectorOnly: entry.origin === 'collector',
  };
}

/**
 * Whether product code logs this event: not the collector's own events, not
 * passthrough wrappers (made by the collector from foreign logs), not the
 * logger's seals and stream starts. These get typed methods and can be
 * selected by the opt-out.
 */
export function isAppEvent(entry: CatalogueEntry): boolean {
  const cls = classOfEntry(entry);
  return !cls.collectorOnly && !cls.loggerOwn && entry.group !== 'passthrough';
}

/** The class of a catalogue (or registered vendor) event; EVENT_UNKNOWN_NAME otherwise. */
export function eventClass(name: string): EventClass {
  const entry = getCatalogueEntry(name);
  if (entry === undefined) {
    throw new SeclogError('EVENT_UNKNOWN_NAME', `${name} is not in the catalogue and no vendor event of that name is registered`, {
      errors: [{ path: 'name', rule: 'catalogue', message: `${name} is unknown` }],
    });
  }
  return classOfEntry(entry);
}

/**
 * Whether appending this event should start an upload at once instead of
 * waiting for the batch to fill or age: only under a profile with
 * `shipCriticalAtOnce`, and then for critical events and for anything the
 * caller marked high or critical severity (a crash, a detected attack), so
 * the collector can alert within seconds.
 */
export function shipsAtOnce(profile: Pick<ProfileDefaults, 'shipCriticalAtOnce'>, cls: EventClass, severity: Severity): boolean {
  if (!profile.shipCriticalAtOnce) return false;
  return cls.critical || SEVERITY_RANK[severity] >= SEVERITY_RANK.high;
}
