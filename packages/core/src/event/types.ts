/**
 * The canonical seclog record (DESIGN.md §4). Field names are a contract that
 * SDK callers, rules, queries and exports share: add fields, never rename.
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const OUTCOMES = ['success', 'failure', 'unknown'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const TIME_SOURCES = ['ntp', 'gnss', 'ptp', 'rtc', 'none', 'unknown'] as const;
export type TimeSource = (typeof TIME_SOURCES)[number];

/** A flat attribute value: events carry scalars only, so every format can hold them. */
export type AttrValue = string | number | boolean;
export type Attrs = Record<string, AttrValue>;

export interface DeviceRef {
  /** Which product instance. */
  id: string;
  /** Firmware version running when the event was recorded. */
  fw?: string;
  /** Product model. */
  model?: string;
}

export interface Actor {
  user?: string;
  ip?: string;
  port?: number;
  /** Session identifier: always stored hashed (see redaction). */
  session?: string;
  process?: string;
}

export interface Target {
  resource?: string;
  user?: string;
  setting?: string;
}

/** How far the record's wall-clock `time` can be trusted. */
export interface TimeQuality {
  /** The clock was synchronised with `source` when the record was stamped. */
  synced: boolean;
  source: TimeSource;
  /** Estimated accuracy of `time`, in milliseconds. */
  accuracy_ms?: number;
  /** The offset measured at the last synchronisation, in milliseconds (server − local). */
  offset_ms?: number;
}

/** Fields stamped by the device's logger that place a record in its hash chain. */
export interface ChainFields {
  /** Stream id: a new stream starts after the persisted sequence cannot be continued. */
  stream: string;
  /** Strictly +1 per record within a stream, starting at 1; never reset. */
  seq: number;
  /** Boot id of the device when the record was made. */
  boot: string;
  /** Monotonic clock of the device, in milliseconds since boot. */
  mono_ms: number;
  /** Chain hash of the previous record in the stream, 64 lowercase hex digits (zeros for the first). */
  prev: string;
}

export interface SecurityEvent extends Partial<ChainFields> {
  /** Schema version. */
  v: 1;
  /** UUIDv7. */
  id: string;
  /** Catalogue name or registered vendor name `x_<vendor>_<name>`. */
  name: string;
  /** Device wall clock, RFC 3339 UTC with exactly six fractional digits. */
  time: string;
  severity: Severity;
  outcome: Outcome;
  device: DeviceRef;
  actor?: Actor;
  target?: Target;
  /** Event-specific context: flat, scalar, size-limited. */
  attrs: Attrs;
  message?: string;
  tq?: TimeQuality;
  /** Paths whose values were hashed or dropped by redaction, sorted. */
  redacted?: string[];
}

/** A record as it sits in a device stream: every chain field present. */
export type ChainedEvent = SecurityEvent & ChainFields & { tq: TimeQuality };

export const ZERO_HASH_HEX = '0'.repeat(64);
