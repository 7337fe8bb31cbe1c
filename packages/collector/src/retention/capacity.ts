/**
 * Storage capacity (docs/retention.md "Capacity"): how full the collector's
 * storage is, how fast it fills, and what happens at the levels.
 *
 * Usage is the larger of two shares: the data directory's file system
 * (statfs: used ÷ total, what df shows) and, when retention.maxPayloadBytes
 * caps it, the stored record bytes against that cap. Levels: ok, warn
 * (≥ storage.warnPercent), critical (≥ criticalPercent), full
 * (≥ hardFloorPercent). Each change of level is recorded in the collector's
 * own stream as `log_storage_low` (attrs.level), which the built-in rules
 * seclog_storage_low / seclog_storage_critical turn into alerts (deduplicated
 * and notified like every alert); falling back to ok is recorded too.
 *
 * At critical, storage.onFull decides: `reject` refuses non-critical ingest
 * with 507 STORAGE_FULL (critical events are still taken until full, then
 * nothing is); `prune` runs retention at once (trigger 'pressure') and, if
 * that does not bring usage below critical, rejects as above. Either way the
 * engagement is recorded; nothing is dropped silently: a refused device keeps
 * its records and retries.
 *
 * Projection: bytes/day = record bytes received over storage.rateWindowDays
 * (positions found by receive time), days until full = free bytes ÷ that.
 * Record bytes understate what the database writes per record (indexes,
 * page slack: about 2–5× on SQLite, store/sqlite-schema.ts), so the
 * projection also scales by the database's bytes per record byte.
 */
import { statfsSync } from 'node:fs';
import { getCatalogueEntry, SeclogError } from '@seclog/core';
import type { OwnEvent } from '../ingest/own-stream.js';
import { formatUs } from '../query/event-view.js';
import type { Store } from '../store/types.js';
import { payloadBytes } from './retention-run.js';
import { positionAtTime } from './window.js';

export type StorageLevel = 'ok' | 'warn' | 'critical' | 'full';

export interface StorageSettings {
  readonly warnPercent: number;
  readonly criticalPercent: number;
  readonly hardFloorPercent: number;
  readonly onFull: 'reject' | 'prune';
  readonly checkIntervalSeconds: number;
  readonly rateWindowDays: number;
}

export interface FsStats {
  readonly totalBytes: number;
  readonly freeBytes: number;
}

/** The file system of a path: total and available bytes (statfs). Tests inject their own. */
export type StatFs = (path: string) => FsStats;

export const realStatFs: StatFs = (path) => {
  const s = statfsSync(path);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
};

export interface StorageStatus {
  at: string;
  level: StorageLevel;
  /** The share that decides the level, percent. */
  usedPercent: number;
  disk: { path: string; totalBytes: number; freeBytes: number; usedPercent: number } | null;
  database: {
    /** Bytes the database takes (SQLite pages in use; PostgreSQL pg_database_size). */
    bytes: number;
    /** Stored record bytes (canonical JSON of unpruned events). */
    payloadBytes: number;
    capBytes: number | null;
    capPercent: number | null;
  };
  projection: {
    windowDays: number;
    /** Record bytes received per day over the window. */
    payloadBytesPerDay: number;
    /** Estimated disk bytes per day (record bytes × the database's bytes per record byte). */
    bytesPerDay: number;
    /** Free disk ÷ bytesPerDay; null when nothing arrives or the disk is not measured. */
    daysUntilFull: number | null;
    /** Days until the cap at the record byte rate; null without a cap or rate. */
    daysUntilCap: number | null;
  };
  thresholds: { warnPercent: number; criticalPercent: number; hardFloorPercent: number };
  onFull: 'reject' | 'prune';
  /** Ingest refuses non-critical events (and all events when full). */
  rejecting: boolean;
  /** Batches refused with 507 since the collector started. */
  refused: number;
}

export interface StorageMonitorOptions {
  readonly store: Store;
  readonly settings: StorageSettings;
  /** retention.maxPayloadBytes (0: no cap). */
  readonly capBytes: number;
  /** The data directory (its file system is watched); absent: the disk is not measured (e.g. a remote database only). */
  readonly dataDir?: string;
  readonly statfs?: StatFs;
  /** Appends records to the collector's own stream. */
  readonly record: (events: OwnEvent[]) => Promise<void> | void;
  /** storage.onFull prune: runs retention now (trigger 'pressure'). */
  readonly prune?: () => Promise<void>;
  readonly nowMs?: () => number;
  /** For the record: 'sqlite' (default) or 'postgresql'. */
  readonly storeKind?: 'sqlite' | 'postgresql';
}

const DAY_US = 86_400_000_000;
const round1 = (x: number): number => Math.round(x * 10) / 10;

export function levelOf(
  usedPercent: number,
  s: Pick<StorageSettings, 'warnPercent' | 'criticalPercent' | 'hardFloorPercent'>,
): StorageLevel {
  if (usedPercent >= s.hardFloorPercent) return 'full';
  if (usedPercent >= s.criticalPercent) return 'critical';
  if (usedPercent >= s.warnPercent) return 'warn';
  return 'ok';
}

/** The ingest rate over the window, measured at `atUs` (the monitor keeps it for RATE_TTL_US: it reads the whole window). */
export interface MeasuredRate {
  readonly atUs: number;
  readonly perDay: number;
}

const RATE_TTL_US = 3_600_000_000;

/** Record bytes per day over storage.rateWindowDays, read from the positions of the window. */
function measureRate(store: Store, settings: StorageSettings, nowUs: number): MeasuredRate {
  const end = store.eventCount();
  const from = positionAtTime(store, nowUs - settings.rateWindowDays * DAY_US);
  const windowPayload = store.retention().payloadBetween(from, end).bytes;
  // The part of the window the log covers (a new collector has less than a full window of history).
  const firstUs = store.getEvent(from)?.receivedUs ?? nowUs;
  const spanDays = Math.max(1 / 24, Math.min(settings.rateWindowDays, (nowUs - firstUs) / DAY_US));
  return { atUs: nowUs, perDay: windowPayload / spanDays };
}

/** Measures the store and the data directory's file system; `rate` is reused when younger than an hour. */
export function measureStorage(
  o: StorageMonitorOptions,
  nowUs: number,
  rate?: MeasuredRate,
): Omit<StorageStatus, 'rejecting' | 'refused'> & { rate: MeasuredRate } {
  const { store, settings } = o;
  const end = store.eventCount();
  const payload = payloadBytes(store, end, true);
  const dbBytes = store.retention().databaseBytes();
  let disk: StorageStatus['disk'] = null;
  if (o.dataDir !== undefined) {
    const fs = (o.statfs ?? realStatFs)(o.dataDir);
    const used = fs.totalBytes <= 0 ? 0 : (100 * (fs.totalBytes - fs.freeBytes)) / fs.totalBytes;
    disk = { path: o.dataDir, totalBytes: fs.totalBytes, freeBytes: fs.freeBytes, usedPercent: round1(used) };
  }
  const capPercent = o.capBytes > 0 ? round1((100 * payload) / o.capBytes) : null;
  const usedPercent = Math.max(disk?.usedPercent ?? 0, capPercent ?? 0);
  const measured = rate !== undefined && nowUs - rate.atUs < RATE_TTL_US && nowUs >= rate.atUs ? rate : measureRate(store, settings, nowUs);
  const perDay = measured.perDay;
  const amplification = payload > 0 ? Math.max(1, dbBytes / payload) : 1;
  const bytesPerDay = perDay * amplification;
  return {
    at: formatUs(nowUs),
    level: levelOf(usedPercent, settings),
    usedPercent,
    disk,
    database: { bytes: dbBytes, payloadBytes: payload, capBytes: o.capBytes > 0 ? o.capBytes : null, capPercent },
    projection: {
      windowDays: settings.rateWindowDays,
      payloadBytesPerDay: Math.round(perDay),
      bytesPerDay: Math.round(bytesPerDay),
      daysUntilFull: disk === null || bytesPerDay <= 0 ? null : round1(disk.freeBytes / bytesPerDay),
      daysUntilCap: o.capBytes > 0 && perDay > 0 ? round1(Math.max(0, o.capBytes - payload) / perDay) : null,
    },
    thresholds: {
      warnPercent: settings.warnPercent,
      criticalPercent: settings.criticalPercent,
      hardFloorPercent: settings.hardFloorPercent,
    },
    onFull: settings.onFull,
    rate: measured,
  };
}

export class StorageMonitor {
  readonly #o: StorageMonitorOptions;
  #status: StorageStatus | undefined;
  #level: StorageLevel = 'ok';
  #refused = 0;
  #refusedReported = 0;
  #checking: Promise<StorageStatus> | undefined;
  #rate: MeasuredRate | undefined;

  constructor(o: StorageMonitorOptions) {
    this.#o = o;
  }

  /** The last measurement (undefined before the first check). */
  get status(): StorageStatus | undefined {
    return this.#status === undefined ? undefined : { ...this.#status, refused: this.#refused };
  }

  /** Measures now; records a change of level; engages onFull at critical. One check at a time. */
  check(): Promise<StorageStatus> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #check(): Promise<StorageStatus> {
    const now = () => (this.#o.nowMs ?? Date.now)() * 1000;
    let m = measureStorage(this.#o, now(), this.#rate);
    const settings = this.#o.settings;
    if (settings.onFull === 'prune' && (m.level === 'critical' || m.level === 'full') && this.#o.prune !== undefined) {
      await this.#record(m, 'prune', `storage at ${m.usedPercent}%: running retention now (storage.onFull prune)`);
      await this.#o.prune();
      m = measureStorage(this.#o, now(), this.#rate);
    }
    this.#rate = m.rate;
    const { rate: _rate, ...measured } = m;
    const rejecting = m.level === 'critical' || m.level === 'full';
    const before = this.#level;
    this.#level = m.level;
    this.#status = { ...measured, rejecting, refused: this.#refused };
    if (m.level !== before) {
      const what =
        m.level === 'ok'
          ? `storage back to ${m.usedPercent}%, below the warning level`
          : rejecting
            ? `storage at ${m.usedPercent}% (${m.level}): ingest now refuses ${m.level === 'full' ? 'all' : 'non-critical'} events with 507`
            : `storage at ${m.usedPercent}%, above the warning level ${settings.warnPercent}%`;
      await this.#record(m, rejecting ? 'reject' : 'none', what);
    } else if (rejecting && this.#refused > this.#refusedReported) {
      // Still refusing: each check records how many batches were refused since the last record.
      await this.#record(
        m,
        'reject',
        `storage still at ${m.usedPercent}%: ${this.#refused - this.#refusedReported} batch(es) refused with 507 since the last check`,
      );
    }
    this.#refusedReported = this.#refused;
    return { ...this.#status, refused: this.#refused };
  }

  async #record(m: Omit<StorageStatus, 'rejecting' | 'refused'>, action: 'none' | 'reject' | 'prune', message: string): Promise<void> {
    const disk = m.disk;
    await this.#o.record([
      {
        name: 'log_storage_low',
        input: {
          severity: m.level === 'ok' ? 'info' : m.level === 'warn' ? 'medium' : m.level === 'critical' ? 'high' : 'critical',
          attrs: {
            used_pct: m.usedPercent,
            threshold_pct: m.level === 'ok' || m.level === 'warn' ? m.thresholds.warnPercent : m.thresholds.criticalPercent,
            capacity_bytes: disk?.totalBytes ?? m.database.capBytes ?? m.database.bytes,
            ...(disk === null ? {} : { free_bytes: disk.freeBytes }),
            store: this.#o.storeKind ?? 'sqlite',
            level: m.level,
            on_full: action,
            refused: this.#refused,
            ...(m.projection.daysUntilFull === null ? {} : { days_until_full: m.projection.daysUntilFull }),
          },
          message,
        },
      },
    ]);
  }

  /**
   * Ingest asks before it commits: throws STORAGE_FULL (507) for a batch that may not be stored now.
   * `critical`: the batch holds a critical event (catalogue), taken until the hard floor.
   */
  admit(critical: boolean): void {
    const level = this.#level;
    if (level === 'ok' || level === 'warn') return;
    if (level === 'critical' && critical) return;
    this.#refused++;
    throw new SeclogError(
      'STORAGE_FULL',
      `the collector's storage is ${level === 'full' ? 'full' : 'at its critical level'} (${this.#status?.usedPercent ?? '?'}%): ${level === 'full' ? 'no events are' : 'only critical events are'} accepted until space is freed; keep the batch and retry`,
      { level, usedPercent: this.#status?.usedPercent ?? null },
    );
  }
}

/** Whether a batch holds an event the storage gate still takes at the critical level: a catalogue-critical one, or severity critical. */
export function holdsCriticalEvent(records: readonly unknown[]): boolean {
  for (const r of records) {
    if (typeof r !== 'object' || r === null) continue;
    const { name, severity } = r as { name?: unknown; severity?: unknown };
    if (severity === 'critical') return true;
    if (typeof name === 'string' && getCatalogueEntry(name)?.critical === true) return true;
  }
  return false;
}
