/**
 * The guide's compliance checklist (docs/compliance.md), answered from the
 * collector's live state rather than from promises: each of the six items
 * passes or fails with the evidence used, and a failing item says why.
 *
 * The window is the last `days` days of record time. What the collector
 * cannot measure yet is reported as such and fails its item; nothing is
 * assumed to be fine. The documentation item passes only when `seclog docs`
 * (or GET /api/v1/compliance/docs) generated the technical-file section from
 * the configuration now in force (docs-record.ts).
 */
import { statfsSync } from 'node:fs';
import { type EventGroup, formatEventTime, getCatalogueEntry } from '@seclog/core';
import { CONFIG_DEFAULTS } from '../config/defaults.js';
import { builtinRulesDir, readRuleFiles } from '../detect/builtin-rules.js';
import { RuleLibrary } from '../detect/rule-library.js';
import { listDevices } from '../enrol/enrol.js';
import { accountGaps } from '../ingest/declared-loss.js';
import { COLLECTOR_DEVICE_ID } from '../ingest/own-stream.js';
import { type DeviceHorizonSettings, type DeviceReport, devicesBelowHorizon, reportDevices } from '../retention/device-report.js';
import type { EventSummaryRow, Store } from '../store/types.js';
import { type DocsRecord, readDocsRecord } from './docs-record.js';

export type CheckItemId = 'critical_events' | 'integrity' | 'timestamps' | 'storage' | 'analysis' | 'documentation';

export interface CheckItem {
  id: CheckItemId;
  /** The checklist's question, shortened. */
  title: string;
  pass: boolean;
  /** When it fails: why, in one sentence. */
  why?: string;
  /** What was looked at, one fact per line. */
  evidence: string[];
}

export interface CheckReport {
  /** When the check ran (RFC 3339). */
  at: string;
  /** The window, [from, to), RFC 3339. */
  window: { from: string; to: string; days: number };
  pass: boolean;
  items: CheckItem[];
}

export interface CheckInput {
  store: Store;
  /** Detection as configured: off, or on with this many alerting rules enabled. */
  detection: { enabled: false } | { enabled: true; alertingRules: number };
  /** The data directory, for the free space of its file system (omit when the store is elsewhere). */
  dataDir?: string;
  days?: number;
  nowMs?: number;
  /** Share of device records stamped by a synchronised clock needed to pass (default 0.95). */
  minSyncedShare?: number;
  /** An open alert older than this is overdue (default 7 days). */
  overdueDays?: number;
  /** Free space below this share of the data file system fails storage (default 0.1). */
  minFreeShare?: number;
  /**
   * For the documentation item: documentationDigest() of the configuration in force, and the
   * generation being made now (the document reports the check on itself). Absent: the item cannot pass.
   */
  docs?: { configDigest: string; generating?: DocsRecord };
  /** Device overwrite horizons (config `devices`, docs/retention.md): devices below the minimum fail storage. Default: the config defaults. */
  horizons?: DeviceHorizonSettings;
}

const DAY_US = 86_400_000_000;
const rfc3339 = (us: number): string => formatEventTime({ ms: Math.floor(us / 1000), us: Math.floor(us % 1000) });
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const list = (xs: readonly string[], max = 10): string =>
  xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;

/** Groups whose events the CRA and the guide name as security-relevant and the SDK never lets be switched off. */
const MANDATORY_GROUPS: readonly EventGroup[] = ['authentication', 'access_control', 'configuration', 'update', 'logging'];

export function runComplianceCheck(input: CheckInput): CheckReport {
  const nowUs = Math.floor((input.nowMs ?? Date.now()) * 1000);
  const days = input.days ?? 7;
  const fromUs = nowUs - days * DAY_US;
  const rows = input.store.summarizeEvents(fromUs, nowUs);
  const deviceRows = rows.filter((r) => r.device !== COLLECTOR_DEVICE_ID);
  const items = [
    criticalEvents(input.store, deviceRows, days),
    integrity(input.store, rows, days),
    timestamps(deviceRows, input.minSyncedShare ?? 0.95),
    storage(deviceRows, input.dataDir, input.minFreeShare ?? 0.1, horizonsOf(input, nowUs)),
    analysis(input, nowUs, rows),
    documentation(input),
  ];
  return {
    at: rfc3339(nowUs),
    window: { from: rfc3339(fromUs), to: rfc3339(nowUs), days },
    pass: items.every((i) => i.pass),
    items,
  };
}

function sum(rows: readonly EventSummaryRow[], pred: (r: EventSummaryRow) => boolean = () => true): number {
  let n = 0;
  for (const r of rows) if (pred(r)) n += r.count;
  return n;
}

function criticalEvents(store: Store, rows: readonly EventSummaryRow[], days: number): CheckItem {
  const title = 'Critical events logged';
  const active = listDevices(store).filter((d) => d.revokedUs === null);
  const heard = new Set(rows.map((r) => r.device));
  const silent = active.filter((d) => !heard.has(d.id)).map((d) => d.id);
  const byGroup = new Map<string, number>();
  for (const r of rows) {
    const group = getCatalogueEntry(r.name)?.group ?? 'other';
    byGroup.set(group, (byGroup.get(group) ?? 0) + r.count);
  }
  const evidence = [
    `${active.length} enrolled device(s) not revoked; ${active.length - silent.length} sent records in the last ${days} days`,
    `device records in the window: ${sum(rows)}; by group: ${
      [...byGroup.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([g, n]) => `${g} ${n}`)
        .join(', ') || 'none'
    }`,
    `mandatory groups (${MANDATORY_GROUPS.join(', ')}) cannot be switched off on devices using the SDK; opt-outs of other events are recorded as log_config_change (${sum(rows, (r) => r.name === 'log_config_change')} in the window)`,
  ];
  if (active.length === 0)
    return { id: 'critical_events', title, pass: false, why: 'no device is enrolled: nothing of the product is logged yet', evidence };
  if (silent.length > 0) {
    return {
      id: 'critical_events',
      title,
      pass: false,
      why: `${silent.length} enrolled device(s) sent nothing in the last ${days} days: ${list(silent)}`,
      evidence,
    };
  }
  return { id: 'critical_events', title, pass: true, evidence };
}

function integrity(store: Store, rows: readonly EventSummaryRow[], days: number): CheckItem {
  const title = 'Log integrity';
  const failures = sum(rows, (r) => r.name === 'log_integrity_fail');
  const accounts = listDevices(store).flatMap((d) =>
    accountGaps(store, d.id).map((a) => ({ device: d.id, missing: a.gap.toSeq - a.gap.fromSeq, declared: a.declaredReasons })),
  );
  // A gap the device declared (log_dropped) is a storage matter, reported under "Sufficient storage"; the rest are unexplained.
  const gaps = accounts.filter((a) => a.declared.length === 0);
  const declared = accounts.filter((a) => a.declared.length > 0);
  const cp = store.latestCheckpoint();
  const events = store.eventCount();
  const evidence = [
    'devices chain and seal their records (forward-secure seals) and ship them to this collector, which keeps them in an append-only Merkle log',
    cp === undefined
      ? 'no signed checkpoint yet'
      : `latest signed checkpoint: tree size ${cp.treeSize} of ${events} stored records, signed ${rfc3339(cp.createdUs)}`,
    `integrity failures recorded in the last ${days} days (forks, broken chains, bad seals): ${failures}`,
    `open gaps no log_dropped explains (records a device chained but the collector lacks): ${gaps.length}${gaps.length > 0 ? ` (${list(gaps.map((g) => `${g.device}: ${g.missing}`))})` : ''}`,
    `open gaps the device declared lost (log_dropped, see Sufficient storage): ${declared.length}${declared.length > 0 ? ` (${list(declared.map((g) => `${g.device}: ${g.missing} ${g.declared.join('/')}`))})` : ''}`,
  ];
  const why =
    failures > 0
      ? `${failures} integrity failure(s) were recorded in the last ${days} days (see log_integrity_fail)`
      : gaps.length > 0
        ? `${gaps.length} gap(s) in device streams are open and no log_dropped record explains them: records were lost or withheld`
        : events > 0 && cp === undefined
          ? 'no checkpoint has been signed over the stored records'
          : undefined;
  return why === undefined ? { id: 'integrity', title, pass: true, evidence } : { id: 'integrity', title, pass: false, why, evidence };
}

function timestamps(rows: readonly EventSummaryRow[], minShare: number): CheckItem {
  const title = 'Accurate timestamps';
  const total = sum(rows);
  const synced = sum(rows, (r) => r.synced === true);
  const perDevice = new Map<string, { synced: number; total: number }>();
  for (const r of rows) {
    const d = perDevice.get(r.device) ?? { synced: 0, total: 0 };
    d.total += r.count;
    if (r.synced === true) d.synced += r.count;
    perDevice.set(r.device, d);
  }
  const unsynced = [...perDevice.entries()]
    .filter(([, d]) => d.synced / d.total < minShare)
    .map(([id, d]) => `${id} (${pct(d.synced / d.total)})`);
  const share = total === 0 ? 0 : synced / total;
  const evidence = [
    `${pct(share)} of ${total} device records in the window were stamped by a synchronised clock (tq.synced)`,
    `devices below ${pct(minShare)}: ${unsynced.length === 0 ? 'none' : list(unsynced)}`,
    "the collector also stamps each record's receive time, kept beside the device's own",
  ];
  if (total === 0) return { id: 'timestamps', title, pass: false, why: 'no device records in the window to judge', evidence };
  if (share < minShare || unsynced.length > 0) {
    return {
      id: 'timestamps',
      title,
      pass: false,
      why: `${pct(share)} of device records had a synchronised clock (at least ${pct(minShare)} needed); unsynced: ${list(unsynced)}`,
      evidence,
    };
  }
  return { id: 'timestamps', title, pass: true, evidence };
}

/** The active devices' horizons, and which fall below the minimum. */
function horizonsOf(input: CheckInput, nowUs: number): { min: number; measured: DeviceReport[]; below: DeviceReport[] } {
  const settings = input.horizons ?? CONFIG_DEFAULTS.devices;
  const reports = reportDevices(input.store, settings, nowUs).filter((r) => r.status === 'active');
  return {
    min: settings.minHorizonHours,
    measured: reports.filter((r) => r.ring.horizonHours !== null),
    below: devicesBelowHorizon(reports),
  };
}

function storage(
  rows: readonly EventSummaryRow[],
  dataDir: string | undefined,
  minFree: number,
  horizons: { min: number; measured: DeviceReport[]; below: DeviceReport[] },
): CheckItem {
  const title = 'Sufficient storage';
  const dropped = rows.filter((r) => r.name === 'log_dropped');
  const low = rows.filter((r) => r.name === 'log_storage_low');
  const droppedDevices = [...new Set(dropped.map((r) => r.device))];
  const evidence = [
    `devices that overwrote records they had not shipped (log_dropped) in the window: ${droppedDevices.length === 0 ? 'none' : list(droppedDevices)}`,
    `device storage warnings (log_storage_low) in the window: ${sum(low)}`,
    horizons.measured.length === 0
      ? 'device overwrite horizons: none measured yet (devices report their ring capacity in stream_start; the rate needs events in the window)'
      : `device overwrite horizons (ring capacity ÷ byte rate): ${horizons.measured.length} device(s) measured, shortest ${Math.min(...horizons.measured.map((r) => r.ring.horizonHours as number))} h; minimum ${horizons.min} h`,
    `devices below the minimum horizon: ${horizons.below.length === 0 ? 'none' : list(horizons.below.map((r) => `${r.id} (${r.ring.horizonHours} h)`))}`,
  ];
  let free: number | undefined;
  if (dataDir !== undefined) {
    try {
      const fs = statfsSync(dataDir);
      free = fs.bavail / fs.blocks;
      evidence.push(`collector data file system: ${pct(free)} free (${Math.round((fs.bavail * fs.bsize) / 2 ** 30)} GiB)`);
    } catch (err) {
      evidence.push(`collector data file system: not readable (${(err as Error).message})`);
    }
  }
  if (droppedDevices.length > 0) {
    return {
      id: 'storage',
      title,
      pass: false,
      why: `${droppedDevices.length} device(s) overwrote unshipped records: their storage is too small for their outages`,
      evidence,
    };
  }
  if (horizons.below.length > 0) {
    return {
      id: 'storage',
      title,
      pass: false,
      why: `${horizons.below.length} device(s) overwrite unshipped records in less than ${horizons.min} h: ${list(horizons.below.map((r) => r.id))}`,
      evidence,
    };
  }
  if (free !== undefined && free < minFree) {
    return { id: 'storage', title, pass: false, why: `the collector's data file system is ${pct(1 - free)} full`, evidence };
  }
  return { id: 'storage', title, pass: true, evidence };
}

function analysis(input: CheckInput, nowUs: number, rows: readonly EventSummaryRow[]): CheckItem {
  const title = 'Log analysis process';
  const overdueUs = nowUs - (input.overdueDays ?? 7) * DAY_US;
  const alerts = input.store.alerts();
  const open = ['new', 'acknowledged', 'in_progress'].flatMap((status) =>
    alerts.queryAlerts({ status: status as 'new', limit: 1000 }).alerts.filter((a) => a.createdUs < overdueUs),
  );
  const reviews = sum(rows, (r) => r.name === 'review_signed');
  const opened = sum(rows, (r) => r.name === 'alert');
  const evidence = [
    input.detection.enabled
      ? `automated detection is on with ${input.detection.alertingRules} alerting rule(s)`
      : 'automated detection is off (detect.enabled: false)',
    `alerts raised in the window: ${opened}; open longer than ${input.overdueDays ?? 7} days: ${open.length}${open.length > 0 ? ` (${list(open.map((a) => a.id))})` : ''}`,
    `signed periodic reviews in the window: ${reviews}`,
  ];
  const why = !input.detection.enabled
    ? 'automated detection is off and no other analysis is recorded'
    : input.detection.alertingRules === 0
      ? 'detection is on but no alerting rule is enabled'
      : open.length > 0
        ? `${open.length} alert(s) have been open for more than ${input.overdueDays ?? 7} days: the process does not keep up`
        : undefined;
  return why === undefined ? { id: 'analysis', title, pass: true, evidence } : { id: 'analysis', title, pass: false, why, evidence };
}

function documentation(input: CheckInput): CheckItem {
  const title = 'Documentation';
  const generating = input.docs?.generating;
  const last = generating ?? readDocsRecord(input.store);
  const now = input.docs === undefined ? 'not given to the check' : `${input.docs.configDigest.slice(0, 16)}…`;
  const evidence =
    last === undefined
      ? ['the logging section of the technical file was never generated on this installation', `configuration digest now: ${now}`]
      : [
          // A document cannot state its own digest: the one being generated shows none.
          generating === undefined
            ? `last generated ${last.at} by ${last.by} (${last.format}; markdown SHA-256 ${last.sha256.slice(0, 16)}…)`
            : `this document, generated ${last.at} by ${last.by} (${last.format})`,
          `configuration digest then: ${last.configDigest.slice(0, 16)}…; now: ${now}`,
        ];
  const fail = (why: string): CheckItem => ({ id: 'documentation', title, pass: false, why, evidence });
  if (last === undefined) {
    return fail(
      'the logging section of the technical file was not generated yet: run `seclog docs -o <file>` (or GET /api/v1/compliance/docs)',
    );
  }
  if (input.docs === undefined)
    return fail('the configuration in force was not given to the check, so the documentation cannot be compared with it');
  if (last.configDigest !== input.docs.configDigest) {
    return fail(`the configuration or the rules in force changed since the documentation was generated (${last.at}): generate it again`);
  }
  return { id: 'documentation', title, pass: true, evidence };
}

/** Detection as a configuration sets it up on a store: for `seclog check` on a data directory (no running server). */
export function detectionOf(store: Store, detect: { enabled: boolean; builtinRules: boolean }): CheckInput['detection'] {
  if (!detect.enabled) return { enabled: false };
  const library = RuleLibrary.load(store.alerts(), detect.builtinRules ? readRuleFiles(builtinRulesDir()) : []);
  return { enabled: true, alertingRules: library.list().filter((r) => r.enabled && r.alerting).length };
}
