/**
 * The facts the generated documentation states, gathered from the live
 * configuration and state in one place, so the markdown (and the HTML and
 * PDF rendered from it) say nothing the installation did not report.
 * docs/compliance.md lists where each value comes from.
 */
import { statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CatalogueEntry, catalogueEntries, formatEventTime, getCatalogueEntry, type SecurityEvent } from '@seclog/core';
import type { CollectorConfig } from '../config/schema.js';
import { builtinRulesDir, readRuleFiles } from '../detect/builtin-rules.js';
import { type RuleInfo, RuleLibrary } from '../detect/rule-library.js';
import { listDevices } from '../enrol/enrol.js';
import { accountGaps } from '../ingest/declared-loss.js';
import { COLLECTOR_DEVICE_ID } from '../ingest/own-stream.js';
import { measureStorage, type StorageStatus } from '../retention/capacity.js';
import { reportDevices } from '../retention/device-report.js';
import { ALERT_STATUSES, type AlertStatus } from '../store/alert-types.js';
import type { Store } from '../store/types.js';
import { type CheckReport, runComplianceCheck } from './check.js';
import { type DocsRecord, POLICY_SECTIONS, policySection } from './docs-record.js';

const DAY_US = 86_400_000_000;
const OPEN_STATUSES: readonly AlertStatus[] = ['new', 'acknowledged', 'in_progress'];

export interface DocsSources {
  store: Store;
  config: CollectorConfig;
  /** The log key's origin and verifier key (`<origin>+<key id>+<key>`). */
  log: { origin: string; verifierKey: string };
  /** Rules in force (rulesInForce), undefined when detection is off. */
  rules: readonly RuleInfo[] | undefined;
  /** 'sqlite' with the data directory (file sizes, free space), or 'postgresql'. */
  storage: { kind: 'sqlite'; dataDir: string } | { kind: 'postgresql' };
  /** The window of the measured figures, days (default 7). */
  days?: number;
  nowMs?: number;
  /** seclog's version, printed in the header. */
  version: string;
}

export interface SignedReview {
  at: string;
  reviewer: string;
  id: string;
  period: string;
  findings: number | undefined;
}

export interface OpenReview {
  id: string;
  period: string;
  due: string | undefined;
  overdue: boolean;
}

export interface RetentionRun {
  at: string;
  trigger: string;
  deleted: number;
  bytes: number;
  oldestKept: string | undefined;
  policy: string;
}

export interface EventLine {
  entry: CatalogueEntry;
  deviceRecords: number;
  collectorRecords: number;
}

export interface DocsModel {
  generatedAt: string;
  version: string;
  by: string;
  configDigest: string;
  origin: string;
  keyId: string;
  verifierKey: string;
  window: { from: string; to: string; days: number };
  devices: { active: string[]; revoked: number; byProfile: [string, number][]; sealPolicies: string[] };
  events: EventLine[];
  /** Names seen in the window that the catalogue does not hold (vendor or passthrough records). */
  otherEvents: [string, number][];
  protection: {
    storedRecords: number;
    checkpoint: { treeSize: number; rootHex: string; at: string } | undefined;
    checkpointIntervalMs: number;
    integrityFailures: number;
    openGaps: string[];
    reads: number;
  };
  time: { total: number; synced: number; noTq: number; belowShare: [string, number][]; minShare: number };
  storage: {
    kind: 'SQLite' | 'PostgreSQL';
    fileBytes: number | undefined;
    fs: { freeShare: number; freeBytes: number; totalBytes: number } | undefined;
    droppedDevices: string[];
    /** Capacity as the storage monitor measures it (retention/capacity.ts); a string when it could not be measured. */
    status: Omit<StorageStatus, 'rejecting' | 'refused'> | string;
    /** Device overwrite horizons (retention/device-report.ts) of the active devices. */
    horizons: { minHours: number; devices: { id: string; capacityBytes: number | null; hours: number | null; below: boolean | null }[] };
    storageLow: number;
    /** The configuration sections of other features, by key; undefined when not configured. */
    policy: [string, unknown][];
    lastRetentionRun: RetentionRun | undefined;
  };
  detection: {
    enabled: boolean;
    rules: readonly RuleInfo[];
    alertsInWindow: number;
    open: [AlertStatus, number][];
    notify: { minSeverity: string; channels: string[] };
  };
  reviews: { schedule: unknown; signedInWindow: number; latest: SignedReview[]; open: OpenReview[] };
  check: CheckReport;
}

/** The rules as detection runs them for this configuration (the server's own library gives the same list). */
export function rulesInForce(store: Store, detect: CollectorConfig['detect']): RuleInfo[] | undefined {
  if (!detect.enabled) return undefined;
  return RuleLibrary.load(store.alerts(), detect.builtinRules ? readRuleFiles(builtinRulesDir()) : []).list();
}

const rfc3339 = (us: number): string => formatEventTime({ ms: Math.floor(us / 1000), us: Math.floor(us % 1000) });

export function collectDocsModel(src: DocsSources, configDigest: string, generating: DocsRecord): DocsModel {
  const { store, config } = src;
  const nowUs = Math.floor((src.nowMs ?? Date.now()) * 1000);
  const days = src.days ?? 7;
  const fromUs = nowUs - days * DAY_US;
  const rows = store.summarizeEvents(fromUs, nowUs);
  const rules = src.rules ?? [];
  const dataDir = src.storage.kind === 'sqlite' ? src.storage.dataDir : undefined;
  const check = runComplianceCheck({
    store,
    detection:
      src.rules === undefined ? { enabled: false } : { enabled: true, alertingRules: rules.filter((r) => r.enabled && r.alerting).length },
    ...(dataDir === undefined ? {} : { dataDir }),
    days,
    nowMs: nowUs / 1000,
    docs: { configDigest, generating },
    horizons: config.devices,
  });

  const count = (pred: (r: (typeof rows)[number]) => boolean): number => rows.reduce((n, r) => (pred(r) ? n + r.count : n), 0);
  const byName = new Map<string, { device: number; collector: number }>();
  for (const r of rows) {
    const c = byName.get(r.name) ?? { device: 0, collector: 0 };
    if (r.device === COLLECTOR_DEVICE_ID) c.collector += r.count;
    else c.device += r.count;
    byName.set(r.name, c);
  }
  const events = catalogueEntries().map((entry) => ({
    entry,
    deviceRecords: byName.get(entry.name)?.device ?? 0,
    collectorRecords: byName.get(entry.name)?.collector ?? 0,
  }));
  const otherEvents = [...byName.entries()]
    .filter(([name]) => getCatalogueEntry(name) === undefined)
    .map(([name, c]): [string, number] => [name, c.device + c.collector])
    .sort((a, b) => b[1] - a[1]);

  const devices = listDevices(store);
  const active = devices.filter((d) => d.revokedUs === null);
  const profiles = new Map<string, number>();
  for (const d of active) profiles.set(d.profile, (profiles.get(d.profile) ?? 0) + 1);
  const seals = new Set(active.map((d) => `every ${d.sealEpochMs / 1000} s or ${d.sealMaxRecords} records`));

  const deviceRows = rows.filter((r) => r.device !== COLLECTOR_DEVICE_ID);
  const perDevice = new Map<string, { synced: number; total: number }>();
  for (const r of deviceRows) {
    const d = perDevice.get(r.device) ?? { synced: 0, total: 0 };
    d.total += r.count;
    if (r.synced === true) d.synced += r.count;
    perDevice.set(r.device, d);
  }
  const minShare = 0.95;
  const cp = store.latestCheckpoint();
  const alerts = store.alerts();
  return {
    generatedAt: generating.at,
    version: src.version,
    by: generating.by,
    configDigest,
    origin: src.log.origin,
    keyId: src.log.verifierKey.split('+')[1] ?? '',
    verifierKey: src.log.verifierKey,
    window: check.window,
    devices: {
      active: active.map((d) => d.id),
      revoked: devices.length - active.length,
      byProfile: [...profiles.entries()].sort(),
      sealPolicies: [...seals].sort(),
    },
    events,
    otherEvents,
    protection: {
      storedRecords: store.eventCount(),
      checkpoint:
        cp === undefined ? undefined : { treeSize: cp.treeSize, rootHex: Buffer.from(cp.root).toString('hex'), at: rfc3339(cp.createdUs) },
      checkpointIntervalMs: config.log.checkpointIntervalMs,
      integrityFailures: count((r) => r.name === 'log_integrity_fail'),
      openGaps: devices.flatMap((d) =>
        accountGaps(store, d.id).map(
          ({ gap: g, declaredReasons: r }) =>
            `${d.id}: seq ${g.fromSeq}–${g.toSeq - 1}${r.length > 0 ? ` (declared lost by the device: ${r.join(', ')})` : ''}`,
        ),
      ),
      reads: count((r) => r.name === 'log_access'),
    },
    time: {
      total: deviceRows.reduce((n, r) => n + r.count, 0),
      synced: deviceRows.reduce((n, r) => (r.synced === true ? n + r.count : n), 0),
      noTq: deviceRows.reduce((n, r) => (r.synced === null ? n + r.count : n), 0),
      belowShare: [...perDevice.entries()]
        .filter(([, d]) => d.synced / d.total < minShare)
        .map(([id, d]): [string, number] => [id, d.synced / d.total])
        .sort(),
      minShare,
    },
    storage: {
      kind: src.storage.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL',
      fileBytes: dataDir === undefined ? undefined : sqliteBytes(dataDir),
      fs: dataDir === undefined ? undefined : freeSpace(dataDir),
      droppedDevices: [...new Set(deviceRows.filter((r) => r.name === 'log_dropped').map((r) => r.device))].sort(),
      status: storageStatus(src, nowUs),
      horizons: {
        minHours: config.devices.minHorizonHours,
        devices: reportDevices(store, config.devices, nowUs)
          .filter((r) => r.status === 'active')
          .map((r) => ({ id: r.id, capacityBytes: r.ring.capacityBytes, hours: r.ring.horizonHours, below: r.ring.belowMinimum })),
      },
      storageLow: count((r) => r.name === 'log_storage_low'),
      policy: POLICY_SECTIONS.filter((k) => k !== 'reviews').map((k): [string, unknown] => [k, policySection(config, k)]),
      lastRetentionRun: lastRetentionRun(store),
    },
    detection: {
      enabled: src.rules !== undefined,
      rules,
      alertsInWindow: count((r) => r.name === 'alert'),
      open: OPEN_STATUSES.filter((s) => ALERT_STATUSES.includes(s)).map((s): [AlertStatus, number] => [
        s,
        // One page: the document says "at least 1000" past it rather than paging through every alert.
        alerts.queryAlerts({ status: s, limit: 1000 }).alerts.length,
      ]),
      notify: { minSeverity: config.notify.minSeverity, channels: config.notify.channels.map((c) => `${c.name} (${c.type})`) },
    },
    reviews: {
      schedule: policySection(config, 'reviews'),
      signedInWindow: count((r) => r.name === 'review_signed'),
      latest: latestReviews(store),
      open: openReviews(store, nowUs),
    },
    check,
  };
}

/**
 * The newest `limit` records of the collector's stream with this name, newest first. A query page
 * may examine only part of the stream (its scan limit), so pages are followed, up to `maxPages`;
 * `complete` is false when the search stopped there.
 */
export function latestOwnRecords(
  store: Store,
  name: string,
  limit: number,
  maxPages = 20,
): { records: SecurityEvent[]; complete: boolean } {
  const records: SecurityEvent[] = [];
  let beforePos: number | undefined;
  for (let page = 0; page < maxPages; page++) {
    const p = store.queryEvents({
      device: COLLECTOR_DEVICE_ID,
      name,
      limit: limit - records.length,
      ...(beforePos === undefined ? {} : { beforePos }),
    });
    for (const e of p.events) records.push(JSON.parse(e.canonical) as SecurityEvent);
    if (records.length >= limit || p.nextBeforePos === undefined) return { records, complete: true };
    beforePos = p.nextBeforePos;
  }
  return { records, complete: false };
}

/** The last signed reviews, from their review_signed records in the log (whatever stores the reviews themselves). */
function latestReviews(store: Store): SignedReview[] {
  return latestOwnRecords(store, 'review_signed', 5).records.map((r) => {
    const a = r.attrs ?? {};
    return {
      at: r.time,
      reviewer: r.actor?.user ?? 'unknown',
      id: String(a.review_id ?? ''),
      period: `${String(a.period_start ?? '?')} to ${String(a.period_end ?? '?')}`,
      findings: typeof a.findings === 'number' ? a.findings : undefined,
    };
  });
}

/** Reviews started and not yet signed, with their due dates (the review store). */
function openReviews(store: Store, nowUs: number): OpenReview[] {
  return store
    .reviews()
    .listReviews({ status: 'open', limit: 50 })
    .reviews.map((r) => ({
      id: r.id,
      period: `${rfc3339(r.periodStartUs)} to ${rfc3339(r.periodEndUs)}`,
      due: r.dueUs === null ? undefined : rfc3339(r.dueUs),
      overdue: r.dueUs !== null && r.dueUs < nowUs,
    }));
}

/** The last retention run, from its log_retention_run record. */
function lastRetentionRun(store: Store): RetentionRun | undefined {
  const r = latestOwnRecords(store, 'log_retention_run', 1).records[0];
  if (r === undefined) return undefined;
  const a = r.attrs ?? {};
  return {
    at: r.time,
    trigger: String(a.trigger ?? '?'),
    deleted: Number(a.deleted ?? 0),
    bytes: Number(a.bytes ?? 0),
    oldestKept: typeof a.oldest_kept === 'string' ? a.oldest_kept : undefined,
    policy: String(a.policy ?? ''),
  };
}

function storageStatus(src: DocsSources, nowUs: number): Omit<StorageStatus, 'rejecting' | 'refused'> | string {
  try {
    return measureStorage(
      {
        store: src.store,
        settings: src.config.storage,
        capBytes: src.config.retention.maxPayloadBytes,
        ...(src.storage.kind === 'sqlite' ? { dataDir: src.storage.dataDir } : {}),
        record: () => undefined,
        storeKind: src.storage.kind,
      },
      nowUs,
    );
  } catch (err) {
    return `not measured (${(err as Error).message})`;
  }
}

function sqliteBytes(dataDir: string): number | undefined {
  let total = 0;
  for (const f of ['seclog.db', 'seclog.db-wal']) {
    try {
      total += statSync(join(dataDir, f)).size;
    } catch {
      // No WAL file between checkpoints: nothing to add.
    }
  }
  return total === 0 ? undefined : total;
}

function freeSpace(dataDir: string): DocsModel['storage']['fs'] {
  try {
    const fs = statfsSync(dataDir);
    return { freeShare: fs.bavail / fs.blocks, freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
  } catch {
    return undefined;
  }
}
