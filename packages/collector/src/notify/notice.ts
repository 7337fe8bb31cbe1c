/**
 * The AlertNotice checked once at enqueue (a bad one must fail in the caller,
 * not hours later in a retry loop), its idempotency key, and the JSON body of
 * a webhook, which the other channels also draw their fields from.
 */
import type { Severity } from '@seclog/core';
import { SeclogError } from '@seclog/core';
import type { StoredAlert } from '../store/alert-types.js';
import type { AlertNotice } from './types.js';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** `<alert id>:<channel>`; channel names have no ':', so the key splits back at its last ':'. */
export function idempotencyKey(alertId: string, channel: string): string {
  return `${alertId}:${channel}`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Every problem of a notice as `{path, message}`; empty when it is fit to queue. */
export function noticeProblems(n: AlertNotice): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const v = n as unknown as Record<string, unknown>;
  const text = (path: keyof AlertNotice, optional = false) => {
    const x = v[path];
    if (x === undefined && optional) return;
    if (typeof x !== 'string' || x.length === 0) out.push({ path, message: 'must be a non-empty string' });
  };
  const count = (path: keyof AlertNotice, min: number) => {
    const x = v[path];
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min) out.push({ path, message: `must be an integer ≥ ${min}` });
  };
  const time = (path: keyof AlertNotice) => {
    const x = v[path];
    if (typeof x !== 'string' || !RFC3339.test(x) || Number.isNaN(Date.parse(x))) out.push({ path, message: 'must be an RFC 3339 time' });
  };
  for (const p of ['alertId', 'ruleId', 'ruleVersion', 'ruleTitle'] as const) text(p);
  text('groupKey', true);
  text('dashboardUrl', true);
  if (typeof v.severity !== 'string' || !Object.hasOwn(SEVERITY_RANK, v.severity))
    out.push({ path: 'severity', message: `must be one of ${Object.keys(SEVERITY_RANK).join(', ')}` });
  // 0 for an absence alert (nothing arrived in the window).
  count('count', 0);
  count('suppressed', 0);
  for (const p of ['windowStart', 'windowEnd', 'createdAt'] as const) time(p);
  if (!Array.isArray(v.evidence) || !v.evidence.every((e) => typeof e === 'string' && e.length > 0))
    out.push({ path: 'evidence', message: 'must be a list of event ids' });
  return out;
}

export function assertValidNotice(n: AlertNotice): void {
  const errors = noticeProblems(n);
  if (errors.length > 0) {
    const id = typeof n?.alertId === 'string' ? n.alertId : '?';
    throw new SeclogError(
      'NOTIFY_NOTICE_INVALID',
      `alert ${id} cannot be notified: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      { errors },
    );
  }
}

/** Only the fields of AlertNotice, in a fixed order: what the outbox row stores. */
export function noticeToJson(n: AlertNotice): string {
  const copy: AlertNotice = {
    alertId: n.alertId,
    ruleId: n.ruleId,
    ruleVersion: n.ruleVersion,
    ruleTitle: n.ruleTitle,
    severity: n.severity,
    ...(n.groupKey === undefined ? {} : { groupKey: n.groupKey }),
    count: n.count,
    windowStart: n.windowStart,
    windowEnd: n.windowEnd,
    evidence: [...n.evidence],
    suppressed: n.suppressed,
    createdAt: n.createdAt,
    ...(n.dashboardUrl === undefined ? {} : { dashboardUrl: n.dashboardUrl }),
  };
  return JSON.stringify(copy);
}

/** The webhook body (format json). Field names follow the `alert` record's attrs; the key is inside, so it is signed. */
export interface WebhookBody {
  type: 'seclog.alert';
  version: 1;
  idempotency_key: string;
  alert: {
    id: string;
    rule: { id: string; version: string; title: string };
    severity: Severity;
    group_key: string | null;
    count: number;
    window: { start: string; end: string };
    evidence: string[];
    suppressed: number;
    created_at: string;
    dashboard_url: string | null;
  };
}

export function webhookBody(n: AlertNotice, key: string): WebhookBody {
  return {
    type: 'seclog.alert',
    version: 1,
    idempotency_key: key,
    alert: {
      id: n.alertId,
      rule: { id: n.ruleId, version: n.ruleVersion, title: n.ruleTitle },
      severity: n.severity,
      group_key: n.groupKey ?? null,
      count: n.count,
      window: { start: n.windowStart, end: n.windowEnd },
      evidence: [...n.evidence],
      suppressed: n.suppressed,
      created_at: n.createdAt,
      dashboard_url: n.dashboardUrl ?? null,
    },
  };
}

/** One line for people: subject of a mail, Slack text, syslog MSG. */
export function noticeHeadline(n: AlertNotice): string {
  const where = n.groupKey === undefined ? '' : ` (${n.groupKey})`;
  const what = n.count === 0 ? 'no events in the window' : `${n.count} event${n.count === 1 ? '' : 's'}`;
  return `[${n.severity.toUpperCase()}] ${n.ruleTitle}${where}: ${what}`;
}

/** The notice as labelled lines, for mail bodies. */
export function noticeLines(n: AlertNotice, key: string): string[] {
  return [
    `Alert:       ${n.alertId}`,
    `Rule:        ${n.ruleTitle} (${n.ruleId}, version ${n.ruleVersion})`,
    `Severity:    ${n.severity}`,
    ...(n.groupKey === undefined ? [] : [`Group:       ${n.groupKey}`]),
    `Events:      ${n.count}${n.suppressed > 0 ? ` (+${n.suppressed} suppressed repeats)` : ''}`,
    `Window:      ${n.windowStart} – ${n.windowEnd}`,
    `Raised:      ${n.createdAt}`,
    ...(n.dashboardUrl === undefined ? [] : [`Open:        ${n.dashboardUrl}`]),
    '',
    'Evidence (event ids):',
    ...n.evidence.map((id) => `  ${id}`),
    '',
    `Idempotency key: ${key}`,
  ];
}

/** µs since the epoch as RFC 3339 with six fractional digits, the record time format. */
export function rfc3339Us(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(((us % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0')}Z`;
}

/** The notice of a stored alert (store/alert-types.ts), for the detector's onAlertStored seam. */
export function noticeFromAlert(a: StoredAlert, dashboardUrl?: string): AlertNotice {
  return {
    alertId: a.id,
    ruleId: a.ruleId,
    ruleVersion: a.ruleVersion,
    ruleTitle: a.ruleTitle,
    severity: a.severity,
    ...(a.groupKey === '' ? {} : { groupKey: a.groupKey }),
    count: a.count,
    windowStart: rfc3339Us(a.windowStartUs),
    windowEnd: rfc3339Us(a.windowEndUs),
    evidence: [...a.evidence],
    suppressed: a.suppressed,
    createdAt: rfc3339Us(a.createdUs),
    ...(dashboardUrl === undefined ? {} : { dashboardUrl }),
  };
}
