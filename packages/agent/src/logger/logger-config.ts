/**
 * The logger's configuration: the device file that `seclog device add --out`
 * writes (packages/collector/src/enrol/enrol.ts `DeviceFile`), as it is, plus
 * the options that only the device knows (where the ring lives, time
 * servers, overrides). Checked once by resolveLoggerConfig, every problem
 * reported at once as `path: rule (got …)`, then frozen (STYLE.md
 * "Configuration"). The shipper and the time tracker check their own parts
 * when they are built and throw their own codes.
 */
import { createHash } from 'node:crypto';
import type { ProfileDefaults, ProfileName, RedactionPolicy, SealerPolicy } from '@seclog/core';
import { SeclogError } from '@seclog/core';
import type { ProfileOverrides } from '../policy/profile-settings.js';
import { resolveProfile } from '../policy/profile-settings.js';
import type { ShipperOptions } from '../ship/options.js';
import type { ShipReport } from '../ship/reports.js';
import type { TimeSettings } from '../time/time-options.js';

/** The fields of the device file, as written by `seclog device add --out`. */
export interface DeviceFileFields {
  /** Collector base URL. */
  collector: string;
  /** Device id; stamped as `device.id` on every record. */
  device: string;
  /** Device bearer token. */
  token: string;
  /**
   * k_0, 64 hex digits. Needed to start a stream (the first start, or after
   * the ring's state was lost); afterwards the evolved key lives in the
   * ring's state slots and this one may be removed from the stored file.
   */
  sealKey?: string;
  profile: ProfileName;
  /** The collector log's verifier key and origin (kept for checkpoint checks; the logger does not use them). */
  logKey?: string;
  origin?: string;
  /** The seal policy fixed at enrolment; required with sealKey. */
  seal?: SealerPolicy;
}

/** Transport settings passed to the shipper (docs/agent.md "Options"); `transport` selects http, mqtt or syslog-tls ("Transports"). */
export type LoggerShipOptions = Pick<
  ShipperOptions,
  | 'tls'
  | 'maxBatchBytes'
  | 'maxInFlight'
  | 'gzipMinBytes'
  | 'backoff'
  | 'requestTimeoutMs'
  | 'refusalStormLimit'
  | 'allowInsecureHttp'
  | 'transport'
  | 'mqtt'
  | 'syslogTls'
  | 'random'
>;

/** SNTP servers and tracker settings (docs/agent-time.md); no servers: `tq.source` is `unknown`. */
export type LoggerTimeOptions = { servers: readonly string[] } & Partial<TimeSettings>;

export interface LoggerLocalOptions {
  /**
   * The ring file and its size in bytes (default: the profile's ringCapacityBytes). An existing ring keeps its size.
   * `inlineSyncMaxMs` (default 2): critical events' fsyncs run on the event-loop thread while each takes at most
   * this long, else in the thread pool for a while; 0 always uses the pool (docs/agent-ring.md "Where the fsync runs").
   */
  store: { path: string; capacity?: number; inlineSyncMaxMs?: number };
  time?: LoggerTimeOptions;
  /** Profile settings to override (not the seal epoch: that is fixed at enrolment). */
  overrides?: ProfileOverrides;
  ship?: LoggerShipOptions;
  /** Firmware version and model, stamped as `device.fw` and `device.model`. */
  fw?: string;
  model?: string;
  /** How secret fields are treated (core's redaction; the salt is derived from k_0 and kept in the ring). */
  redaction?: { policy?: RedactionPolicy; secretKeys?: readonly string[]; notSecretKeys?: readonly string[] };
  /** Seal the open epoch at close() (default true): what was logged before a shutdown is sealed under a key that is then erased. */
  sealOnClose?: boolean;
  /** Least time between two `log_dropped` records while the ring overflows (default 1000 ms; the first is recorded at once). */
  dropReportMs?: number;
  /** Every shipper report, for diagnostics (the logger records the ones that are security events itself). */
  onReport?: (report: ShipReport) => void;
  /** Wall clock in ms (default Date.now); for tests. */
  now?: () => number;
}

export type LoggerConfig = DeviceFileFields & LoggerLocalOptions;

export interface ResolvedLoggerConfig {
  readonly collector: string;
  readonly device: string;
  readonly token: string;
  readonly k0: Buffer | undefined;
  /** A one-way fingerprint of k_0: tells a re-enrolment from a restart without keeping k_0. */
  readonly k0Id: string | undefined;
  readonly seal: SealerPolicy | undefined;
  readonly profile: ProfileDefaults;
  readonly storePath: string;
  readonly capacityBytes: number;
  readonly inlineSyncMaxMs: number | undefined;
  readonly fw: string | undefined;
  readonly model: string | undefined;
  readonly redaction: NonNullable<LoggerLocalOptions['redaction']>;
  readonly time: LoggerTimeOptions;
  readonly ship: LoggerShipOptions;
  readonly sealOnClose: boolean;
  readonly dropReportMs: number;
  readonly onReport: ((report: ShipReport) => void) | undefined;
  readonly now: () => number;
}

interface Issue {
  path: string;
  rule: string;
  message: string;
}

/** The record's id pattern (core validation): device ids, firmware and model strings. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}$/;
const HEX64 = /^[0-9a-f]{64}$/i;
const MIN_CAPACITY = 4096;
const MAX_CAPACITY = 2 ** 40;

const got = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'function') return 'a function';
  return JSON.stringify(v) ?? String(v);
};

/** k_0's fingerprint, as kept in the ring's state. */
export function sealKeyId(k0: Uint8Array): string {
  return createHash('sha256').update('seclog/k0-id/v1\0').update(k0).digest('hex').slice(0, 32);
}

/** Check and freeze the configuration; AGENT_LOGGER_CONFIG_INVALID lists every problem (profile problems: AGENT_PROFILE_INVALID). */
export function resolveLoggerConfig(c: LoggerConfig): ResolvedLoggerConfig {
  const issues: Issue[] = [];
  const add = (path: string, rule: string, message: string, v: unknown): void => {
    issues.push({ path, rule, message: `${message} (got ${got(v)})` });
  };
  if (typeof c !== 'object' || c === null) {
    throw new SeclogError('AGENT_LOGGER_CONFIG_INVALID', 'the logger configuration must be an object', {
      errors: [{ path: '', rule: 'type', message: 'must be an object' }],
    });
  }
  const str = (path: string, v: unknown): v is string => {
    if (typeof v === 'string' && v !== '') return true;
    add(path, 'type', 'must be a non-empty string', v);
    return false;
  };
  str('collector', c.collector);
  if (str('device', c.device) && !ID.test(c.device)) {
    add('device', 'pattern', 'must be 1–128 letters, digits and . _ : @ / + - starting with a letter or digit', c.device);
  }
  str('token', c.token);
  let k0: Buffer | undefined;
  if (c.sealKey !== undefined) {
    if (typeof c.sealKey === 'string' && HEX64.test(c.sealKey)) k0 = Buffer.from(c.sealKey, 'hex');
    else add('sealKey', 'pattern', 'must be 64 hex digits (k_0 from the device file)', c.sealKey);
  }
  let seal: SealerPolicy | undefined;
  if (c.seal !== undefined) {
    const s = c.seal as Partial<SealerPolicy>;
    const int = (key: keyof SealerPolicy, min: number): boolean => {
      const v = s?.[key];
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return true;
      add(`seal.${key}`, 'integer', `must be an integer ≥ ${min}`, v);
      return false;
    };
    if (int('t0Ms', 0) && int('epochMs', 1) && int('maxRecords', 1)) {
      seal = Object.freeze({ t0Ms: s.t0Ms as number, epochMs: s.epochMs as number, maxRecords: s.maxRecords as number });
    }
  } else if (k0 !== undefined) {
    add('seal', 'required', 'the seal policy fixed at enrolment must come with sealKey', c.seal);
  }
  const store = c.store as LoggerLocalOptions['store'] | undefined;
  if (typeof store !== 'object' || store === null) add('store', 'required', 'must be { path, capacity? }', store);
  else {
    str('store.path', store.path);
    const cap = store.capacity;
    if (cap !== undefined && !(Number.isSafeInteger(cap) && cap >= MIN_CAPACITY && cap <= MAX_CAPACITY)) {
      add('store.capacity', 'range', `must be an integer number of bytes in ${MIN_CAPACITY}–${MAX_CAPACITY}`, cap);
    }
    const inl = store.inlineSyncMaxMs;
    if (inl !== undefined && !(typeof inl === 'number' && Number.isFinite(inl) && inl >= 0 && inl <= 1000)) {
      add('store.inlineSyncMaxMs', 'range', 'must be a number of milliseconds from 0 (never inline) to 1000', inl);
    }
  }
  for (const key of ['fw', 'model'] as const) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'string' || !ID.test(v)))
      add(key, 'pattern', 'must be 1–128 printable characters without spaces', v);
  }
  if (c.sealOnClose !== undefined && typeof c.sealOnClose !== 'boolean') add('sealOnClose', 'type', 'must be true or false', c.sealOnClose);
  if (c.dropReportMs !== undefined && !(Number.isSafeInteger(c.dropReportMs) && c.dropReportMs >= 0)) {
    add('dropReportMs', 'integer', 'must be an integer ≥ 0', c.dropReportMs);
  }
  for (const key of ['onReport', 'now'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'function') add(key, 'type', 'must be a function', c[key]);
  }
  if (c.time !== undefined && (typeof c.time !== 'object' || c.time === null || !Array.isArray(c.time.servers))) {
    add('time', 'type', 'must be { servers: [...], ...settings }', c.time);
  }
  if (issues.length > 0) {
    const text = issues.map((i) => `${i.path}: ${i.rule} (${i.message})`).join('; ');
    throw new SeclogError('AGENT_LOGGER_CONFIG_INVALID', `invalid logger configuration: ${text}`, { errors: issues });
  }
  const profile = resolveProfile(c.profile, c.overrides ?? {});
  const redaction = c.redaction ?? {};
  return Object.freeze({
    collector: c.collector,
    device: c.device,
    token: c.token,
    k0,
    k0Id: k0 === undefined ? undefined : sealKeyId(k0),
    seal,
    profile,
    storePath: c.store.path,
    capacityBytes: c.store.capacity ?? profile.ringCapacityBytes,
    inlineSyncMaxMs: c.store.inlineSyncMaxMs,
    fw: c.fw,
    model: c.model,
    redaction: Object.freeze({ ...redaction }),
    time: c.time ?? { servers: [] },
    ship: Object.freeze({ ...(c.ship ?? {}) }),
    sealOnClose: c.sealOnClose ?? true,
    dropReportMs: c.dropReportMs ?? 1000,
    onReport: c.onReport,
    now: c.now ?? Date.now,
  });
}
