/**
 * Shipper settings: what the device file and the profile give, plus transport
 * knobs with defaults sized below. Checked once at construction; a problem
 * is a programmer or configuration error and throws AGENT_SHIP_OPTIONS_INVALID.
 */
import type { ProfileDefaults } from '@seclog/core';
import { SeclogError } from '@seclog/core';
import type { BackoffPolicy } from './backoff.js';
import type { ShipReport } from './reports.js';
import type { ShipSource } from './source.js';
import type { TlsPinOptions } from './tls-pin.js';
import type { Transport } from './transport.js';
import {
  checkMqttShipOptions,
  checkSyslogTlsShipOptions,
  type MqttShipOptions,
  type SyslogTlsShipOptions,
  type TransportKind,
} from './transport-options.js';

export type ShipProfile = Pick<
  ProfileDefaults,
  'realtime' | 'batchMaxAgeMs' | 'batchMaxEvents' | 'uploadIntervalMs' | 'shipCriticalAtOnce'
>;

export interface ShipperOptions {
  /** Collector base URL (device file `collector`). */
  url: string;
  /** Device id (device file `device`). */
  device: string;
  /** Device bearer token (device file `token`). */
  token: string;
  source: ShipSource;
  /** Batching and upload schedule (a profile, with overrides). */
  profile: ShipProfile;
  /** Pinned CA and/or certificate fingerprint for an https collector. */
  tls?: TlsPinOptions;
  /** Canonical bytes per batch; default 1 MiB (the collector takes 4 MiB by default). */
  maxBatchBytes?: number;
  /** Batches in flight at once; default 1 (see docs/agent.md before raising it). */
  maxInFlight?: number;
  /** Bodies of at least this many bytes are gzipped; default 4096. */
  gzipMinBytes?: number;
  backoff?: Partial<BackoffPolicy>;
  /** One exchange, connect and TLS included; default 30 s. */
  requestTimeoutMs?: number;
  /** Records refused and skipped in a row before shipping slows to the longest backoff; default 20. */
  refusalStormLimit?: number;
  /** Allow plain http to a host that is not loopback (the token would cross the network in clear). */
  allowInsecureHttp?: boolean;
  onReport?: (report: ShipReport) => void;
  /** Source of randomness for jitter, [0, 1); default Math.random. */
  random?: () => number;
  /**
   * How batches travel (docs/agent.md "Transports"): 'http' (default: the
   * collector URL), 'mqtt' (through a broker, settings in `mqtt`) or
   * 'syslog-tls' (RFC 5425, best effort, settings in `syslogTls`); or a
   * Transport object that replaces the HTTP one (tests).
   */
  transport?: Transport | TransportKind;
  /** The broker for transport 'mqtt' (docs/mqtt.md). */
  mqtt?: MqttShipOptions;
  /** The collector's syslog TLS listener for transport 'syslog-tls'. */
  syslogTls?: SyslogTlsShipOptions;
}

export interface ResolvedShipperOptions {
  url: URL;
  device: string;
  token: string;
  source: ShipSource;
  profile: ShipProfile;
  tls: TlsPinOptions | undefined;
  maxBatchBytes: number;
  maxInFlight: number;
  gzipMinBytes: number;
  backoff: BackoffPolicy;
  requestTimeoutMs: number;
  refusalStormLimit: number;
  onReport: (report: ShipReport) => void;
  random: () => number;
  transport: Transport | undefined;
  kind: TransportKind;
  mqtt: MqttShipOptions | undefined;
  syslogTls: SyslogTlsShipOptions | undefined;
}

export const SHIPPER_DEFAULTS = Object.freeze({
  // Ordinary records are well under 1 KiB, so a batch is bound by the
  // profile's batchMaxEvents long before this; it only bites on a backlog of
  // large records, and leaves room under the collector's 4 MiB default.
  maxBatchBytes: 1024 * 1024,
  maxInFlight: 1,
  // A few records compress by ~5x (repeated keys); under 4 KiB gzip saves
  // less than a TCP segment and costs a zlib context.
  gzipMinBytes: 4096,
  backoff: Object.freeze({ baseMs: 500, maxMs: 60_000 }),
  requestTimeoutMs: 30_000,
  refusalStormLimit: 20,
});

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

export function resolveShipperOptions(o: ShipperOptions): ResolvedShipperOptions {
  const problems: string[] = [];
  const kind: TransportKind = typeof o.transport === 'string' ? o.transport : 'http';
  if (kind !== 'http' && kind !== 'mqtt' && kind !== 'syslog-tls') {
    problems.push(`transport: must be 'http', 'mqtt', 'syslog-tls' or a Transport (got ${JSON.stringify(o.transport)})`);
  }
  if (kind === 'mqtt') problems.push(...checkMqttShipOptions(o.mqtt, o.device));
  if (kind === 'syslog-tls') problems.push(...checkSyslogTlsShipOptions(o.syslogTls));
  let url: URL | undefined;
  try {
    url = new URL(o.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`url: must be http: or https: (got ${url.protocol})`);
    // The collector URL carries nothing over the other transports.
    else if (kind === 'http' && url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && o.allowInsecureHttp !== true) {
      problems.push(`url: plain http to ${url.hostname} would send the device token in clear; use https or set allowInsecureHttp`);
    }
    if (url.protocol === 'http:' && o.tls !== undefined) problems.push('tls: pins need an https url');
  } catch {
    problems.push(`url: not a URL (got ${JSON.stringify(o.url)})`);
  }
  if (typeof o.device !== 'string' || o.device === '') problems.push('device: must be a non-empty string');
  if (typeof o.token !== 'string' || o.token === '') problems.push('token: must be a non-empty string');
  const int = (key: string, v: number | undefined, min: number, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isSafeInteger(v) || v < min) problems.push(`${key}: must be an integer ≥ ${min} (got ${v})`);
    return v;
  };
  const maxBatchBytes = int('maxBatchBytes', o.maxBatchBytes, 1024, SHIPPER_DEFAULTS.maxBatchBytes);
  const maxInFlight = int('maxInFlight', o.maxInFlight, 1, SHIPPER_DEFAULTS.maxInFlight);
  const gzipMinBytes = int('gzipMinBytes', o.gzipMinBytes, 0, SHIPPER_DEFAULTS.gzipMinBytes);
  const baseMs = int('backoff.baseMs', o.backoff?.baseMs, 1, SHIPPER_DEFAULTS.backoff.baseMs);
  const maxMs = int('backoff.maxMs', o.backoff?.maxMs, 1, SHIPPER_DEFAULTS.backoff.maxMs);
  if (maxMs < baseMs) problems.push('backoff.maxMs: must be ≥ backoff.baseMs');
  const requestTimeoutMs = int('requestTimeoutMs', o.requestTimeoutMs, 1, SHIPPER_DEFAULTS.requestTimeoutMs);
  const refusalStormLimit = int('refusalStormLimit', o.refusalStormLimit, 1, SHIPPER_DEFAULTS.refusalStormLimit);
  int('profile.batchMaxEvents', o.profile?.batchMaxEvents, 1, 1);
  int('profile.batchMaxAgeMs', o.profile?.batchMaxAgeMs, 0, 0);
  int('profile.uploadIntervalMs', o.profile?.uploadIntervalMs, 0, 0);
  if (problems.length > 0 || url === undefined) {
    throw new SeclogError('AGENT_SHIP_OPTIONS_INVALID', problems.join('; '), { errors: problems });
  }
  const report = o.onReport;
  return {
    url,
    device: o.device,
    token: o.token,
    source: o.source,
    profile: o.profile,
    tls: o.tls,
    maxBatchBytes,
    maxInFlight,
    gzipMinBytes,
    backoff: { baseMs, maxMs },
    requestTimeoutMs,
    refusalStormLimit,
    // A throwing report handler must not stop shipping.
    onReport: (r) => {
      try {
        report?.(r);
      } catch {
        // the logger's handler failed; shipping goes on
      }
    },
    random: o.random ?? Math.random,
    transport: typeof o.transport === 'object' ? o.transport : undefined,
    kind,
    mqtt: o.mqtt,
    syslogTls: o.syslogTls,
  };
}

/** Host for reports: the URL's host without IPv6 brackets. */
export function peerOf(url: URL): { peer: string; port: number } {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { peer: host, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
}
