/**
 * The one defaults object of the collector configuration. Listener defaults
 * come from COLLECTOR_DEFAULTS (DESIGN.md §6) so the two cannot drift; the
 * rest is sized here, with the reason beside each number.
 *
 * Keys without a default: `http.tls` and `syslog.tls` (no certificate is
 * assumed) and `log.origin` (chosen at random on first run and then read
 * back from the log key in the data directory, see keys/log-key.ts).
 */
import { COLLECTOR_DEFAULTS } from '../defaults.js';
import type { CollectorConfig, LogLevel } from './schema.js';

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
