/**
 * Risk profiles (DESIGN.md §1, the guide's §1.3 cases). A profile is a set of
 * defaults; every value can be overridden in the logger's configuration.
 *
 * - `low`: a smart bulb. Local ring as the primary record, sealed hourly,
 *   shipped periodically; the aim is forensics after an incident is reported.
 * - `high`: a camera or a medical device. Streamed in real time, sealed every
 *   minute, critical events sent at once, so the collector can alert.
 */

export type ProfileName = 'low' | 'high';

export interface ProfileDefaults {
  readonly name: ProfileName;
  /** Seal epoch: a seal is written at least this often, also when no event happened. */
  readonly sealEpochMs: number;
  /** …or after this many records, whichever comes first. */
  readonly sealEpochRecords: number;
  /** Ship continuously (true) or in periodic uploads (false). */
  readonly realtime: boolean;
  /** Longest time a shipped batch waits to fill up. */
  readonly batchMaxAgeMs: number;
  readonly batchMaxEvents: number;
  /** Period of uploads when not real-time. */
  readonly uploadIntervalMs: number;
  /** Critical events (authentication, access control, configuration, update, logging changes) trigger an immediate upload. */
  readonly shipCriticalAtOnce: boolean;
  /** `log_storage_low` is recorded when unacknowledged records fill this share of the ring (percent). */
  readonly storageWarnPct: readonly number[];
  /** Default ring capacity in bytes. */
  readonly ringCapacityBytes: number;
}

export const PROFILES: Readonly<Record<ProfileName, ProfileDefaults>> = Object.freeze({
  low: Object.freeze({
    name: 'low',
    sealEpochMs: 60 * 60_000,
    sealEpochRecords: 10_000,
    realtime: false,
    batchMaxAgeMs: 5_000,
    batchMaxEvents: 500,
    uploadIntervalMs: 60 * 60_000,
    shipCriticalAtOnce: false,
    storageWarnPct: [80, 95],
    ringCapacityBytes: 256 * 1024,
  }),
  high: Object.freeze({
    name: 'high',
    sealEpochMs: 60_000,
    sealEpochRecords: 1_000,
    realtime: true,
    batchMaxAgeMs: 200,
    batchMaxEvents: 100,
    uploadIntervalMs: 0,
    shipCriticalAtOnce: true,
    storageWarnPct: [80, 95],
    ringCapacityBytes: 16 * 1024 * 1024,
  }),
});

export function isProfileName(s: string): s is ProfileName {
  return s === 'low' || s === 'high';
}

/**
 * The seal policy fixed at enrolment (issue C): the epoch grid starts at the
 * enrolment time and follows the profile. The collector stores it with the
 * escrowed k_0 and writes it into device.json, so device and collector agree
 * on which key seals which epoch.
 */
export function sealPolicyFor(profile: ProfileName, t0Ms: number): { t0Ms: number; epochMs: number; maxRecords: number } {
  const p = PROFILES[profile];
  return { t0Ms, epochMs: p.sealEpochMs, maxRecords: p.sealEpochRecords };
}
