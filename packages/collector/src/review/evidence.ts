/**
 * The evidence of a review, collected from the live state for its period
 * [start, end) of record time (docs/reviews.md lists each section):
 *
 *   events     counts by event name and outcome; devices heard
 *   alerts     opened in the period, closed in it (alert_transition records), still
 *              open now, and of those the ones open longer than alertOverdueDays
 *   integrity  gaps and integrity failures recorded in the period (forks, seal
 *              failures, chain breaks), gaps still open now, and the verification
 *              of the period's part of the Merkle log (period-verify.ts)
 *   devices    enrolled devices silent in the period; devices whose records were
 *              mostly stamped by an unsynchronised clock
 *   storage    what a storage provider reports (task R's capacity and device
 *              horizons) or "not available"; device storage warnings either way
 *   rules      detection rule changes recorded in the period (log_config_change)
 *
 * Lists are cut at LIST_MAX entries with a `truncated` flag: the counts stay exact.
 */
import type { SecurityEvent } from '@seclog/core';
import { listDevices } from '../enrol/enrol.js';
import { accountGaps } from '../ingest/declared-loss.js';
import { COLLECTOR_DEVICE_ID } from '../ingest/own-stream.js';
import type { AlertStatus } from '../store/alert-types.js';
import type { OutcomeCount, Store, StoredEvent } from '../store/types.js';
import { type PeriodVerification, verifyPeriod } from './period-verify.js';
import { rfc3339 } from './review-record.js';

export const LIST_MAX = 100;
const MIN_SYNCED_SHARE = 0.95;
const SEAL_KINDS = new Set(['bad_seal', 'resealed', 'truncated', 'time_outside_epoch', 'front_cut']);

export interface AlertBrief {
  id: string;
  rule: string;
  severity: string;
  status: string;
  created: string;
  device: string | null;
}

export interface RuleChange {
  at: string;
  by: string;
  setting: string;
  ruleId: string | null;
  from: string | null;
  to: string | null;
  message: string;
}

/** What a storage provider adds (task R's capacity and device horizons). */
export interface StorageEvidence {
  available: boolean;
  /** One fact per line, for people. */
  facts: string[];
  /** Anything structured the provider reports. */
  details?: Record<string, unknown>;
}

export type StorageProvider = (periodStartUs: number, periodEndUs: number) => StorageEvidence;

export interface ReviewEvidence {
  v: 1;
  collectedAt: string;
  period: { start: string; end: string };
  events: { total: number; devices: number; byNameOutcome: OutcomeCount[] };
  alerts: {
    opened: number;
    closed: number;
    stillOpen: number;
    overdue: number;
    overdueAfterDays: number;
    openedList: AlertBrief[];
    stillOpenList: AlertBrief[];
    truncated: boolean;
  };
  integrity: {
    gapsRecorded: number;
    recordsMissing: number;
    failures: number;
    forks: number;
    sealFailures: number;
    chainBreaks: number;
    failuresByKind: Record<string, number>;
    /** `declared`: the reasons of the device's log_dropped records that cover the gap; empty when none explains it. */
    openGaps: { device: string; stream: string; fromSeq: number; toSeq: number; declared: string[] }[];
    verification: PeriodVerification;
  };
  devices: {
    enrolled: number;
    silent: string[];
    unsynced: { device: string; syncedShare: number; records: number }[];
    minSyncedShare: number;
  };
  storage: StorageEvidence & { deviceWarnings: number; devicesOverwrote: string[] };
  rules: { changes: RuleChange[]; truncated: boolean };
}

export interface EvidenceInput {
  store: Store;
  tree: import('@seclog/core').MerkleTree;
  origin: string;
  verifierKey: string;
  periodStartUs: number;
  periodEndUs: number;
  nowUs: number;
  alertOverdueDays: number;
  storage?: StorageProvider | undefined;
  maxLeaves?: number;
}

const DAY_US = 86_400_000_000;
const OPEN_STATUSES: readonly AlertStatus[] = ['new', 'acknowledged', 'in_progress'];

export function collectEvidence(input: EvidenceInput): ReviewEvidence {
  const { store, periodStartUs: fromUs, periodEndUs: toUs } = input;
  const outcomes = store.reviews().eventOutcomes(fromUs, toUs);
  const summary = store.summarizeEvents(fromUs, toUs);
  const total = outcomes.reduce((n, r) => n + r.count, 0);
  const heard = new Set(summary.filter((r) => r.device !== COLLECTOR_DEVICE_ID).map((r) => r.device));
  return {
    v: 1,
    collectedAt: rfc3339(input.nowUs),
    period: { start: rfc3339(fromUs), end: rfc3339(toUs) },
    events: { total, devices: heard.size, byNameOutcome: outcomes },
    alerts: alertSection(input),
    integrity: integritySection(input),
    devices: deviceSection(input, summary, heard),
    storage: storageSection(input, outcomes),
    rules: ruleSection(input),
  };
}

const brief = (a: {
  id: string;
  ruleTitle: string;
  severity: string;
  status: string;
  createdUs: number;
  device: string | null;
}): AlertBrief => ({
  id: a.id,
  rule: a.ruleTitle,
  severity: a.severity,
  status: a.status,
  created: rfc3339(a.createdUs),
  device: a.device,
});

function alertSection(input: EvidenceInput): ReviewEvidence['alerts'] {
  const alerts = input.store.alerts();
  const opened: AlertBrief[] = [];
  let openedCount = 0;
  for (let before: number | undefined; ; ) {
    const page = alerts.queryAlerts({
      fromUs: input.periodStartUs,
      toUs: input.periodEndUs,
      limit: 500,
      ...(before === undefined ? {} : { beforeSeq: before }),
    });
    openedCount += page.alerts.length;
    for (const a of page.alerts) if (opened.length < LIST_MAX) opened.push(brief(a));
    before = page.nextBeforeSeq;
    if (before === undefined) break;
  }
  // Open now, raised before the period ended; overdue when open longer than the threshold.
  const overdueBeforeUs = Math.min(input.nowUs, input.periodEndUs) - input.alertOverdueDays * DAY_US;
  const stillOpen: AlertBrief[] = [];
  let stillOpenCount = 0;
  let overdue = 0;
  for (const status of OPEN_STATUSES) {
    for (let before: number | undefined; ; ) {
      const page = alerts.queryAlerts({
        status,
        toUs: input.periodEndUs,
        limit: 500,
        ...(before === undefined ? {} : { beforeSeq: before }),
      });
      for (const a of page.alerts) {
        stillOpenCount++;
        if (a.createdUs < overdueBeforeUs) overdue++;
        if (stillOpen.length < LIST_MAX) stillOpen.push(brief(a));
      }
      before = page.nextBeforeSeq;
      if (before === undefined) break;
    }
  }
  let closed = 0;
  for (const e of ownEvents(input, 'alert_transition')) if (e.record.attrs.to_state === 'closed') closed++;
  return {
    opened: openedCount,
    closed,
    stillOpen: stillOpenCount,
    overdue,
    overdueAfterDays: input.alertOverdueDays,
    openedList: opened,
    stillOpenList: stillOpen,
    truncated: openedCount > opened.length || stillOpenCount > stillOpen.length,
  };
}

/** The records of one name in the period, oldest first; `device` limits them to one source (the collector's own by default). */
function* periodEvents(input: EvidenceInput, name: string, device?: string): Generator<{ event: StoredEvent; record: SecurityEvent }> {
  const page = { beforePos: undefined as number | undefined };
  const found: { event: StoredEvent; record: SecurityEvent }[] = [];
  for (;;) {
    const p = input.store.queryEvents({
      name,
      fromUs: input.periodStartUs,
      toUs: input.periodEndUs,
      ...(device === undefined ? {} : { device }),
      ...(page.beforePos === undefined ? {} : { beforePos: page.beforePos }),
      limit: 1000,
    });
    for (const event of p.events) {
      if (event.canonical === '') continue;
      found.push({ event, record: JSON.parse(event.canonical) as SecurityEvent });
    }
    page.beforePos = p.nextBeforePos;
    if (page.beforePos === undefined) break;
  }
  yield* found.reverse();
}

const ownEvents = (input: EvidenceInput, name: string) => periodEvents(input, name, COLLECTOR_DEVICE_ID);

function integritySection(input: EvidenceInput): ReviewEvidence['integrity'] {
  let gapsRecorded = 0;
  let recordsMissing = 0;
  for (const { record } of periodEvents(input, 'log_gap')) {
    gapsRecorded++;
    recordsMissing += typeof record.attrs.count === 'number' ? record.attrs.count : 0;
  }
  const failuresByKind: Record<string, number> = {};
  let failures = 0;
  for (const { record } of periodEvents(input, 'log_integrity_fail')) {
    failures++;
    const kind = typeof record.attrs.kind === 'string' ? record.attrs.kind : 'other';
    failuresByKind[kind] = (failuresByKind[kind] ?? 0) + 1;
  }
  const count = (pred: (kind: string) => boolean) => Object.entries(failuresByKind).reduce((n, [k, c]) => n + (pred(k) ? c : 0), 0);
  const openGaps = listDevices(input.store).flatMap((d) =>
    accountGaps(input.store, d.id).map(({ gap: g, declaredReasons }) => ({
      device: d.id,
      stream: g.stream,
      fromSeq: g.fromSeq,
      toSeq: g.toSeq,
      declared: declaredReasons,
    })),
  );
  return {
    gapsRecorded,
    recordsMissing,
    failures,
    forks: count((k) => k === 'forked'),
    sealFailures: count((k) => SEAL_KINDS.has(k)),
    chainBreaks: count((k) => k !== 'forked' && !SEAL_KINDS.has(k)),
    failuresByKind,
    openGaps: openGaps.slice(0, LIST_MAX),
    verification: verifyPeriod({
      store: input.store,
      tree: input.tree,
      origin: input.origin,
      verifierKey: input.verifierKey,
      periodStartUs: input.periodStartUs,
      periodEndUs: input.periodEndUs,
      ...(input.maxLeaves === undefined ? {} : { maxLeaves: input.maxLeaves }),
    }),
  };
}

function deviceSection(
  input: EvidenceInput,
  summary: ReturnType<Store['summarizeEvents']>,
  heard: ReadonlySet<string>,
): ReviewEvidence['devices'] {
  // Devices enrolled before the period ended and not revoked before it started were expected to speak.
  const expected = listDevices(input.store).filter(
    (d) => d.createdUs < input.periodEndUs && (d.revokedUs === null || d.revokedUs >= input.periodStartUs),
  );
  const perDevice = new Map<string, { synced: number; total: number }>();
  for (const r of summary) {
    if (r.device === COLLECTOR_DEVICE_ID) continue;
    const d = perDevice.get(r.device) ?? { synced: 0, total: 0 };
    d.total += r.count;
    if (r.synced === true) d.synced += r.count;
    perDevice.set(r.device, d);
  }
  const unsynced = [...perDevice.entries()]
    .filter(([, d]) => d.synced / d.total < MIN_SYNCED_SHARE)
    .map(([device, d]) => ({ device, syncedShare: Math.round((1000 * d.synced) / d.total) / 1000, records: d.total }));
  return {
    enrolled: expected.length,
    silent: expected.filter((d) => !heard.has(d.id)).map((d) => d.id),
    unsynced: unsynced.slice(0, LIST_MAX),
    minSyncedShare: MIN_SYNCED_SHARE,
  };
}

function storageSection(input: EvidenceInput, outcomes: readonly OutcomeCount[]): ReviewEvidence['storage'] {
  const deviceWarnings = outcomes.filter((r) => r.name === 'log_storage_low').reduce((n, r) => n + r.count, 0);
  const overwrote = new Set<string>();
  for (const { event } of periodEvents(input, 'log_dropped')) overwrote.add(event.device);
  const provided: StorageEvidence = input.storage?.(input.periodStartUs, input.periodEndUs) ?? {
    available: false,
    facts: ['collector storage status and device overwrite horizons: not available in this installation'],
  };
  return { ...provided, deviceWarnings, devicesOverwrote: [...overwrote].sort().slice(0, LIST_MAX) };
}

function ruleSection(input: EvidenceInput): ReviewEvidence['rules'] {
  const changes: RuleChange[] = [];
  let all = 0;
  for (const { record } of ownEvents(input, 'log_config_change')) {
    const setting = typeof record.attrs.setting === 'string' ? record.attrs.setting : '';
    if (!setting.startsWith('detect.rules')) continue;
    all++;
    if (changes.length >= LIST_MAX) continue;
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    changes.push({
      at: record.time,
      by: record.actor?.user ?? 'unknown',
      setting,
      ruleId: str(record.attrs.rule_id),
      from: str(record.attrs.old_value),
      to: str(record.attrs.new_value),
      message: record.message ?? '',
    });
  }
  return { changes, truncated: all > changes.length };
}
