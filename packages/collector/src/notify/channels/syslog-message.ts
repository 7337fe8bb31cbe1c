/**
 * An alert as an RFC 5424 message for a SIEM, written by core's serializer:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME seclog PROCID alert [seclog-alert@32473 alert_id="…" rule_id="…" …] BOM[HIGH] title (group): n events
 *
 * The structured data carries every field (so a SIEM parses it without
 * reading English) and the idempotency key; MSG is the one-line headline.
 * Evidence ids are cut from the end, with evidence_total saying how many
 * there were, when the whole message would pass the receiver's size limit.
 */
import { hostname as osHostname } from 'node:os';
import { type SdElement, SYSLOG_SEVERITY_OF, serializeRfc5424 } from '@seclog/core';
import { noticeHeadline } from '../notice.js';
import type { AlertNotice } from '../types.js';

/** The private enterprise number RFC 5612 reserves for documentation, as core's own SD-ID uses. */
export const ALERT_SD_ID = 'seclog-alert@32473';

export interface AlertSyslogOptions {
  facility: number;
  /** HOSTNAME field; null writes NILVALUE. */
  hostname: string | null;
  /** Largest message in bytes (UTF-8, without framing). */
  maxBytes: number;
  /** TIMESTAMP, an RFC 3339 time. */
  timestamp: string;
}

/** The host name as a HOSTNAME field: PRINTUSASCII, at most 255 characters; null when nothing is left. */
export function syslogHostname(name: string = osHostname()): string | null {
  const clean = name.replace(/[^\x21-\x7e]/g, '').slice(0, 255);
  return clean === '' || clean === '-' ? null : clean;
}

function element(n: AlertNotice, key: string, evidenceShown: number): SdElement {
  const params: [string, string][] = [
    ['alert_id', n.alertId],
    ['rule_id', n.ruleId],
    ['rule_version', n.ruleVersion],
    ['rule_title', n.ruleTitle],
    ['severity', n.severity],
  ];
  if (n.groupKey !== undefined) params.push(['group_key', n.groupKey]);
  params.push(
    ['count', String(n.count)],
    ['window_start', n.windowStart],
    ['window_end', n.windowEnd],
    ['suppressed', String(n.suppressed)],
    ['created_at', n.createdAt],
    ['evidence', n.evidence.slice(0, evidenceShown).join(',')],
    ['evidence_total', String(n.evidence.length)],
    ['idempotency_key', key],
  );
  if (n.dashboardUrl !== undefined) params.push(['dashboard_url', n.dashboardUrl]);
  return { id: ALERT_SD_ID, params };
}

/** The message text (no framing). Throws core's SYSLOG_* error when a field cannot be written (a lone surrogate). */
export function alertSyslogMessage(n: AlertNotice, key: string, opts: AlertSyslogOptions): string {
  let shown = n.evidence.length;
  for (;;) {
    const text = serializeRfc5424({
      facility: opts.facility,
      severity: SYSLOG_SEVERITY_OF[n.severity],
      version: 1,
      timestamp: opts.timestamp,
      hostname: opts.hostname,
      appName: 'seclog',
      procId: String(process.pid),
      msgId: 'alert',
      structuredData: [element(n, key, shown)],
      message: noticeHeadline(n),
      bom: true,
    });
    if (shown === 0 || Buffer.byteLength(text) <= opts.maxBytes) return text;
    shown = Math.floor(shown / 2);
  }
}
