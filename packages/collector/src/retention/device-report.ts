/**
 * The fleet as GET /api/v1/devices shows it (docs/retention.md "Device
 * horizons"): each enrolled device's state, integrity, time quality and
 * overwrite horizon, from the store alone.
 *
 * Overwrite horizon: how long a record the device could not ship survives in
 * its ring before newer records overwrite it = ring capacity ÷ the device's
 * byte rate. The capacity is what the agent reports in its `stream_start`
 * record (attrs.ring_capacity); the rate is the canonical bytes the
 * collector received from the device over a window (devices.rateWindowHours).
 * Canonical bytes stand in for ring bytes: a ring frame adds a small header
 * and CRC per record (docs/agent.md), so the horizon is slightly optimistic,
 * by the framing share, for small records.
 *
 * One report reads every enrolled device's newest records (a few indexed
 * lookups each) and one grouped scan of the window's positions; it is cached
 * for `cacheMs` so a dashboard polling the list costs one report per period.
 */
import type { ChainedEvent } from '@seclog/core';
import { accountGaps } from '../ingest/declared-loss.js';
import { COLLECTOR_DEVICE_ID } from '../ingest/own-stream.js';
import { formatUs } from '../query/event-view.js';
import type { DeviceRow, Store, StoredEvent } from '../store/types.js';
import { positionAtTime } from './window.js';

const HOUR_US = 3_600_000_000;

export interface DeviceHorizonSettings {
  readonly minHorizonHours: number;
  readonly rateWindowHours: number;
}

export interface DeviceReport {
  id: string;
  profile: 'low' | 'high';
  status: 'active' | 'revoked';
  enrolledAt: string;
  lastSeen: string | null;
  firmware: {
    /** device.fw of the newest record that carries one, else the newest fw_update_end's to_version. */
    version: string | null;
    lastUpdate: { at: string; result: string | null; from: string | null; to: string | null } | null;
  };
  events: {
    /** Events received from the device in the window, and their canonical bytes. */
    window: number;
    windowBytes: number;
    windowHours: number;
    /** Receive time of the newest stored event of the device. */
    lastAt: string | null;
  };
  integrity: {
    /** Gaps the collector recorded for the device's streams (log_gap) in the window. */
    gaps: number;
    /** Gaps still open now. */
    openGaps: number;
    /** Of the open gaps, those the device declared lost with log_dropped records covering them (ingest/declared-loss.ts). */
    droppedGaps: number;
    /** Fork and broken-chain refusals (log_integrity_fail forked/modified) in the window. */
    forks: number;
    /** Seal failures (log_integrity_fail of the seal kinds) in the window. */
    sealFailures: number;
    /** End of the newest sealed epoch of any of its streams. */
    lastSealAt: string | null;
  };
  time: {
    /** From the newest record's tq: synced, unsynced, or unknown (no tq). */
    quality: 'synced' | 'unsynced' | 'unknown';
    source: string | null;
    accuracyMs: number | null;
    /** Receive time − record time of the newest record, ms (shipping delay plus clock error). */
    skewMs: number | null;
  };
  ring: {
    capacityBytes: number | null;
    /** Byte rate over the window, bytes per hour. */
    bytesPerHour: number | null;
    /** capacity ÷ rate; null when either is unknown or the device sent nothing in the window. */
    horizonHours: number | null;
    /** Horizon below devices.minHorizonHours; null when the horizon is unknown. */
    belowMinimum: boolean | null;
  };
}

const SEAL_KINDS = new Set(['bad_seal', 'resealed', 'time_outside_epoch', 'front_cut', 'bad_signature']);
const FORK_KINDS = new Set(['forked', 'modified']);

function parse(e: StoredEvent | undefined): ChainedEvent | undefined {
  if (e === undefined || e.canonical.length === 0) return undefined;
  return JSON.parse(e.canonical) as ChainedEvent;
}

function newest(store: Store, device: string, name?: string): StoredEvent | undefined {
  return store.queryEvents({ device, ...(name === undefined ? {} : { name }), limit: 1, scanLimit: 100_000 }).events[0];
}

interface IntegrityCounts {
  gaps: number;
  forks: number;
  sealFailures: number;
}

/** log_gap and log_integrity_fail records of the collector's stream in [fromUs, now), counted by the device they name. */
function integrityCounts(store: Store, fromUs: number): Map<string, IntegrityCounts> {
  const out = new Map<string, IntegrityCounts>();
  for (const name of ['log_gap', 'log_integrity_fail']) {
    let beforePos: number | undefined;
    // Bounded: at most 50 pages of 1,000; a fleet with more integrity records in a window has bigger problems than this count.
    for (let page = 0; page < 50; page++) {
      const p = store.queryEvents({
        device: COLLECTOR_DEVICE_ID,
        name,
        fromUs,
        limit: 1000,
        ...(beforePos === undefined ? {} : { beforePos }),
      });
      for (const e of p.events) {
        const rec = parse(e);
        const d = rec?.attrs.device_id;
        if (typeof d !== 'string') continue;
        const c = out.get(d) ?? { gaps: 0, forks: 0, sealFailures: 0 };
        if (name === 'log_gap') c.gaps++;
        else if (FORK_KINDS.has(String(rec?.attrs.kind))) c.forks++;
        else if (SEAL_KINDS.has(String(rec?.attrs.kind))) c.sealFailures++;
        out.set(d, c);
      }
      if (p.nextBeforePos === undefined) break;
      beforePos = p.nextBeforePos;
    }
  }
  return out;
}

function reportOf(
  store: Store,
  row: DeviceRow,
  settings: DeviceHorizonSettings,
  activity: { count: number; bytes: number } | undefined,
  integrity: IntegrityCounts | undefined,
  nowUs: number,
): DeviceReport {
  const latestRow = newest(store, row.id);
  const latest = parse(latestRow);
  const fwRow = parse(newest(store, row.id, 'fw_update_end'));
  const startRec = parse(newest(store, row.id, 'stream_start'));
  const capacity = startRec?.attrs.ring_capacity;
  const capacityBytes = typeof capacity === 'number' && capacity > 0 ? capacity : null;
  // The rate over the part of the window the device was enrolled for.
  const windowUs = Math.min(settings.rateWindowHours * HOUR_US, Math.max(HOUR_US, nowUs - row.createdUs));
  const bytes = activity?.bytes ?? 0;
  const bytesPerHour = activity === undefined || bytes === 0 ? null : bytes / (windowUs / HOUR_US);
  const horizonHours = capacityBytes === null || bytesPerHour === null ? null : capacityBytes / bytesPerHour;
  let lastSealUs: number | null = null;
  for (const c of store.listCursors(row.id)) {
    const seal = store.sealBefore(row.id, c.stream, Number.MAX_SAFE_INTEGER);
    if (seal !== undefined && (lastSealUs === null || seal.endUs > lastSealUs)) lastSealUs = seal.endUs;
  }
  const tq = latest?.tq;
  const gapAccounts = accountGaps(store, row.id);
  const timeUs = latest === undefined ? undefined : Date.parse(latest.time) * 1000;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    id: row.id,
    profile: row.profile,
    status: row.revokedUs === null ? 'active' : 'revoked',
    enrolledAt: formatUs(row.createdUs),
    lastSeen: row.lastSeenUs === null ? null : formatUs(row.lastSeenUs),
    firmware: {
      version: latest?.device.fw ?? str(fwRow?.attrs.to_version) ?? null,
      lastUpdate:
        fwRow === undefined
          ? null
          : { at: fwRow.time, result: str(fwRow.attrs.result), from: str(fwRow.attrs.from_version), to: str(fwRow.attrs.to_version) },
    },
    events: {
      window: activity?.count ?? 0,
      windowBytes: bytes,
      windowHours: settings.rateWindowHours,
      lastAt: latestRow === undefined ? null : formatUs(latestRow.receivedUs),
    },
    integrity: {
      gaps: integrity?.gaps ?? 0,
      openGaps: gapAccounts.length,
      droppedGaps: gapAccounts.filter((a) => a.declaredReasons.length > 0).length,
      forks: integrity?.forks ?? 0,
      sealFailures: integrity?.sealFailures ?? 0,
      lastSealAt: lastSealUs === null ? null : formatUs(lastSealUs),
    },
    time: {
      quality: tq === undefined ? 'unknown' : tq.synced ? 'synced' : 'unsynced',
      source: tq?.source ?? null,
      accuracyMs: tq?.accuracy_ms ?? null,
      skewMs:
        latestRow === undefined || timeUs === undefined || Number.isNaN(timeUs) ? null : Math.round((latestRow.receivedUs - timeUs) / 1000),
    },
    ring: {
      capacityBytes,
      bytesPerHour: bytesPerHour === null ? null : Math.round(bytesPerHour),
      horizonHours: horizonHours === null ? null : Math.round(horizonHours * 10) / 10,
      belowMinimum: horizonHours === null ? null : horizonHours < settings.minHorizonHours,
    },
  };
}

/** Every enrolled device's report, by id. */
export function reportDevices(store: Store, settings: DeviceHorizonSettings, nowUs = Date.now() * 1000): DeviceReport[] {
  const fromUs = nowUs - settings.rateWindowHours * HOUR_US;
  const from = positionAtTime(store, fromUs);
  const activity = new Map(
    store
      .retention()
      .deviceActivity(from, store.eventCount())
      .map((a) => [a.device, a]),
  );
  const integrity = integrityCounts(store, fromUs);
  return store.listDevices().map((row) => reportOf(store, row, settings, activity.get(row.id), integrity.get(row.id), nowUs));
}

/** Reports cached for `cacheMs`: the dashboard polls the list. */
export class DeviceReports {
  readonly #store: Store;
  readonly #settings: DeviceHorizonSettings;
  readonly #cacheMs: number;
  #cached: { atMs: number; reports: DeviceReport[] } | undefined;

  constructor(store: Store, settings: DeviceHorizonSettings, cacheMs = 15_000) {
    this.#store = store;
    this.#settings = settings;
    this.#cacheMs = cacheMs;
  }

  get settings(): DeviceHorizonSettings {
    return this.#settings;
  }

  all(nowMs = Date.now()): DeviceReport[] {
    if (this.#cached === undefined || nowMs - this.#cached.atMs >= this.#cacheMs || nowMs < this.#cached.atMs) {
      this.#cached = { atMs: nowMs, reports: reportDevices(this.#store, this.#settings, nowMs * 1000) };
    }
    return this.#cached.reports;
  }

  /** One device, fresh (not from the cache). */
  one(id: string, nowMs = Date.now()): DeviceReport | undefined {
    const row = this.#store.getDevice(id);
    if (row === undefined) return undefined;
    const nowUs = nowMs * 1000;
    const fromUs = nowUs - this.#settings.rateWindowHours * HOUR_US;
    const from = positionAtTime(this.#store, fromUs);
    const activity = this.#store
      .retention()
      .deviceActivity(from, this.#store.eventCount())
      .find((a) => a.device === id);
    return reportOf(this.#store, row, this.#settings, activity, integrityCounts(this.#store, fromUs).get(id), nowUs);
  }
}

/** Devices whose horizon is below the minimum, by id (the storage compliance item names them). */
export function devicesBelowHorizon(reports: readonly DeviceReport[]): DeviceReport[] {
  return reports.filter((r) => r.status === 'active' && r.ring.belowMinimum === true);
}
