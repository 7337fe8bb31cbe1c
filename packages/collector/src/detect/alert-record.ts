/**
 * From the engine's alert candidate to the stored alert row, and from the
 * row to the `alert` record appended to the collector's own stream.
 *
 * The record's `evidence` attr is one catalogue text field (at most 1 KiB):
 * it holds the first event ids that fit (27 UUIDs), `evidence_total` says how
 * many there were; the stored alert keeps up to the engine's cap (100).
 * Absence alerts have no matching events, but the catalogue's `count` is at
 * least 1: their record says 1 (the last sign of life, the one evidence id)
 * and `rule_type: absence` tells them apart.
 */
import type { SecurityEvent } from '@seclog/core';
import { LIMITS } from '@seclog/core';
import { type AlertCandidate, formatUs, resolveFieldPath } from '@seclog/detect';
import type { OwnEvent } from '../ingest/own-stream.js';
import type { NewAlert, StoredAlert } from '../store/alert-types.js';

/**
 * What an alert id looks like, for the API's path and body checks: `alr-` + the engine's key (32 hex),
 * or `alr-review-overdue:<schedule>:<period start>` for the alerts of overdue reviews
 * (review/overdue.ts). The second form was refused by the API's first pattern, so those alerts could
 * be listed but not opened, triaged or cited in a finding.
 */
export const ALERT_ID_PATTERN =
  '^alr-(?:[0-9a-f]{32}|review-overdue:[a-z0-9][a-z0-9_-]{0,47}:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z)$';

/** The alert id: stable for the same candidate on any run, like the key it is made of. */
export function alertIdOf(key: string): string {
  return `alr-${key}`;
}

/** The device an alert is about: the group's device.id when it groups by device, else the triggering event's. */
function deviceOf(c: AlertCandidate, trigger: SecurityEvent | undefined): string | null {
  for (const [field, value] of Object.entries(c.group)) {
    if (resolveFieldPath(field) === 'device.id' && typeof value === 'string') return value;
  }
  if (trigger !== undefined && c.triggerEventId === trigger.id) return trigger.device.id;
  return null;
}

/** `trigger` is the event being evaluated when the engine raised the candidate (undefined for sweeps). */
export function newAlertOf(c: AlertCandidate, trigger: SecurityEvent | undefined, nowUs: number): NewAlert {
  return {
    id: alertIdOf(c.key),
    key: c.key,
    ruleId: c.ruleId,
    ruleVersion: c.ruleVersion,
    ruleTitle: c.ruleTitle,
    ruleType: c.ruleType,
    severity: c.severity,
    tags: [...c.tags],
    group: { ...c.group },
    groupKey: c.groupKey,
    device: deviceOf(c, trigger),
    count: c.count,
    windowStartUs: c.windowStartUs,
    windowEndUs: c.windowEndUs,
    evidence: [...c.evidence],
    evidenceTotal: c.evidenceTotal,
    triggerEventId: c.triggerEventId ?? null,
    triggerLeaf: c.triggerLeafIndex ?? null,
    createdUs: nowUs,
  };
}

/** As many ids as fit in one attr, comma-separated, first ones first. */
function evidenceText(ids: readonly string[]): string {
  let text = '';
  for (const id of ids) {
    const next = text === '' ? id : `${text},${id}`;
    if (Buffer.byteLength(next) > LIMITS.fieldBytes) break;
    text = next;
  }
  return text;
}

function summary(a: StoredAlert | NewAlert): string {
  const group = a.groupKey === '' ? '' : ` for ${a.groupKey}`;
  if (a.ruleType === 'absence') return `${a.ruleTitle}: nothing heard${group} since ${formatUs(a.windowStartUs)}`;
  return `${a.ruleTitle}: ${a.count} match${a.count === 1 ? '' : 'es'}${group} between ${formatUs(a.windowStartUs)} and ${formatUs(a.windowEndUs)}`;
}

/** The `alert` record of a stored alert (its suppressed count as stored now). */
export function alertEventOf(a: StoredAlert): OwnEvent {
  const attrs: Record<string, string | number> = {
    alert_id: a.id,
    rule_id: a.ruleId,
    rule_version: a.ruleVersion,
    rule_title: a.ruleTitle,
    rule_type: a.ruleType,
    count: Math.max(1, a.count),
    window_start: formatUs(a.windowStartUs),
    window_end: formatUs(a.windowEndUs),
    evidence: evidenceText(a.evidence),
    evidence_total: a.evidenceTotal,
    suppressed: a.suppressed,
  };
  if (a.groupKey !== '') attrs.group_key = a.groupKey;
  if (a.device !== null) attrs.device = a.device;
  return { name: 'alert', input: { severity: a.severity, attrs, message: summary(a) } };
}
