/**
 * The one defaults object of the collector configuration. Listener defaults
 * come from COLLECTOR_DEFAULTS (DESIGN.md §6) so the two cannot drift; the
 * rest is sized here, with the reason beside each number.
 *
 * Keys without a default: `http.tls`, `syslog.tls` and `mqtt.tls` (no certificate is
 * assumed), the broker's `mqtt.url` and credentials, and `log.origin` (chosen at random on first run and then read
 * back from the log key in the data directory, see keys/log-key.ts).
 */
import { LEASE_DEFAULTS } from '../cluster/lease-keeper.js';
import { COLLECTOR_DEFAULTS } from '../defaults.js';
import { DEVICES_DEFAULTS, RETENTION_DEFAULTS, STORAGE_DEFAULTS } from '../retention/config-defaults.js';
import { REVIEWS_DEFAULTS } from '../review/config-defaults.js';
import type { CollectorConfig, LogLevel, NOTIFY_SEVERITIES } from './schema.js';

type NotifySeverity = (typeof NOTIFY_SEVERITIES)[number];

const MIB = 1024 * 1024;

export const CONFIG_DEFAULTS = deepFreeze({
  dataDir: COLLECTOR_DEFAULTS.dataDir,
  http: {
    host: COLLECTOR_DEFAULTS.http.host,
    port: COLLECTOR_DEFAULTS.http.port,
    // Twice maxBatchBytes: the JSON envelope (or OTLP's attribute lists)
    // around the records can roughly double a batch on the wire.
    bodyLimitBytes: 8 * MIB,
    insecureBind: false,
    // A scrape needs a token even on loopback: a reverse proxy on the same
    // host makes every remote client look local (docs/operations.md).
    metricsAuth: 'token' as 'token' | 'none',
  },
  syslog: {
    host: COLLECTOR_DEFAULTS.syslog.host,
    tcpPort: COLLECTOR_DEFAULTS.syslog.tcpPort,
    udpPort: COLLECTOR_DEFAULTS.syslog.udpPort,
    tlsPort: COLLECTOR_DEFAULTS.syslog.tlsPort,
    tcpEnabled: true,
    udpEnabled: true,
    insecureBind: false,
    requireClientCert: false,
    // RFC 5424 leaves the limit to the receiver; 64 KiB holds the largest
    // seclog record (16 KiB) twice over with its structured-data index.
    maxMessageBytes: 65_536,
    // Each connection holds at most a read chunk, a partial frame and its
    // uncommitted messages (docs/syslog.md), so this bounds memory too.
    maxConnections: 256,
    // Far above what a device's security log sends, low enough that one
    // sender cannot take the whole commit path from the others.
    connectionRatePerSec: 20_000,
    sourceMap: [],
    // A DHCP lease is rarely shorter than an hour; five minutes follows a
    // renumbered device soon enough, at a lookup per name per five minutes.
    sourceMapRefreshSeconds: 300,
  },
  mqtt: {
    enabled: false,
    // One collector per broker session: a second one with the same id would
    // take the session over (docs/mqtt.md).
    clientId: 'seclog-collector',
    // A week covers a collector down over a long weekend; the broker keeps
    // the queued batches that long (its own queue limits permitting).
    sessionExpirySec: 604_800,
    keepaliveSec: 30,
    insecure: false,
  },
  log: {
    // A second bounds how stale the newest checkpoint can be, which is what a
    // monitor comparing checkpoints waits on; signing once a second is cheap.
    checkpointIntervalMs: 1000,
  },
  ingest: {
    maxBatchRecords: 1000,
    // 256 records of the 16 KiB maximum: a batch of ordinary records (well
    // under 1 KiB) is bound by maxBatchRecords long before this.
    maxBatchBytes: 4 * MIB,
    // A few ms lets concurrent devices share one fsync while adding little to
    // the ingest acknowledgement latency, which waits for that fsync.
    groupCommitWindowMs: 5,
    // Sustained rate per device; a healthy product logs a few security events
    // per minute, while a device draining its ring after an outage ships at
    // this pace (100k buffered records in under two minutes).
    perDeviceRatePerSec: 1000,
  },
  detect: {
    enabled: true,
    builtinRules: true,
    // Absence rules ("silent for 10 min") are late by at most this; a sweep
    // over a few thousand groups costs well under a millisecond.
    sweepIntervalMs: 5000,
    // The engine's default: covers batching agents and clock skew on the
    // high profile; low-profile devices that upload hourly need more.
    allowedLatenessMs: 300_000,
    // Bounds the replay after a crash (15 s of ingest) against the cost of
    // serialising the windows and remembered ids (up to a few MB under load).
    stateSaveIntervalMs: 15_000,
  },
  notify: {
    // Medium and above: the built-in rules raise medium for what needs a look
    // today; info and low stay on the dashboard.
    minSeverity: 'medium' as NotifySeverity,
    channels: [],
    retry: {
      initialDelayMs: 1000,
      // Doubling from 1 s reaches 10 min after ~10 attempts; from then on a
      // receiver that is down costs six attempts an hour.
      maxDelayMs: 600_000,
      maxAttempts: 200,
      // A day covers a receiver down overnight; older, the row is dead and logged.
      maxAgeMs: 86_400_000,
      timeoutMs: 10_000,
    },
    maxInFlight: 16,
  },
  retention: RETENTION_DEFAULTS,
  storage: STORAGE_DEFAULTS,
  devices: DEVICES_DEFAULTS,
  reviews: REVIEWS_DEFAULTS,
  // Failover in 3–4 s on a database a few milliseconds away (docs/scaling.md).
  cluster: { ...LEASE_DEFAULTS },
  logLevel: 'info' as LogLevel,
}) satisfies Omit<CollectorConfig, 'log'> & { log: Omit<CollectorConfig['log'], 'origin'> };

/** Freezes a plain-data tree in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
