/**
 * An OTLP LogRecord that names no catalogue event is kept whole as a
 * `passthrough` record: body as message, severity, scope, resource and
 * attributes as the entry's otlp_* attrs, so it is chained and searchable.
 *
 * All of it is sender-controlled text and is logged, not refused (refusing
 * would let a sender keep a record out of the log): every string is
 * neutralised (CWE-117) and cut to the record's limits with a visible "…",
 * as the syslog passthrough does.
 */
import { fitToRecordLimit } from '../../event/fit.js';
import { LIMITS } from '../../event/limits.js';
import { ID_RE, isIpAddress } from '../../event/patterns.js';
import type { Attrs, SecurityEvent, Severity } from '../../event/types.js';
import { formatIssues, validateEvent } from '../../event/validate.js';
import { uuidv7 } from '../../id/uuidv7.js';
import { neutraliseText, truncateUtf8 } from '../../text/unsafe-chars.js';
import { formatEventTime, type Instant } from '../../time/rfc3339.js';
import { type PlainValue, plainJson, type ReadAttribute } from './any-value.js';
import type { Rejection } from './catalogue-event.js';
import { type OtlpAttribution, type OtlpRecord, recordInstant } from './record.js';

export interface PassthroughOptions {
  receivedAt: Instant;
  attribution?: OtlpAttribution;
  sourceIp?: string;
}

function text(s: string): string {
  return truncateUtf8(neutraliseText(s), LIMITS.fieldBytes);
}

/**
 * SeverityNumber ranges onto seclog severities, in line with the syslog
 * mapping (warning → low, error → medium, critical and worse → critical).
 * ERROR3/ERROR4 are high so that toOtlpLogs' numbers map back to their level.
 */
export function severityOfOtlp(n: number | undefined): Severity {
  if (n === undefined || n < 13) return 'info';
  if (n < 17) return 'low';
  if (n < 19) return 'medium';
  if (n < 21) return 'high';
  return 'critical';
}

function asJsonObject(attrs: readonly ReadAttribute[]): string {
  const o: PlainValue = Object.fromEntries(attrs.map((a) => [a.key, a.value]));
  // C0 controls are escaped by the JSON text itself; the neutraliser turns C1 and bidi characters into \uXXXX, which is still the same JSON.
  return truncateUtf8(neutraliseText(plainJson(o)), LIMITS.jsonTextBytes);
}

/** The first device id that is a valid identifier; a claim that is not one is kept in otlp_resource only. */
function deviceOf(rec: OtlpRecord): string {
  for (const c of rec.device.candidates) if (c.id.length <= LIMITS.idChars && ID_RE.test(c.id)) return c.id;
  return 'unattributed';
}

export function toPassthroughEvent(rec: OtlpRecord, opts: PassthroughOptions): SecurityEvent | Rejection {
  const attrs: Attrs = { format: 'otlp' };
  if (rec.severityNumber !== undefined) attrs.otlp_severity_number = rec.severityNumber;
  if (rec.severityText !== undefined) attrs.otlp_severity_text = text(rec.severityText);
  if (rec.scope.name !== undefined || rec.scope.version !== undefined) {
    attrs.otlp_scope = text(rec.scope.version === undefined ? (rec.scope.name ?? '') : `${rec.scope.name ?? ''}@${rec.scope.version}`);
  }
  if (rec.resource.length > 0) attrs.otlp_resource = asJsonObject(rec.resource);
  if (rec.attributes.length > 0) attrs.otlp_attributes = asJsonObject(rec.attributes);
  const host = rec.resource.find((a) => a.key === 'host.name');
  if (host?.kind === 'string') attrs.host = text(host.value as string);
  if (rec.eventName !== undefined) attrs.otlp_event_name = text(rec.eventName);
  if (rec.traceId !== undefined) attrs.otlp_trace_id = rec.traceId;
  if (rec.spanId !== undefined) attrs.otlp_span_id = rec.spanId;
  if (opts.sourceIp !== undefined && isIpAddress(opts.sourceIp)) attrs.source_ip = opts.sourceIp;
  const attribution = opts.attribution ?? (rec.device.authenticated ? undefined : 'unauthenticated');
  if (attribution !== undefined) attrs.attribution = attribution;

  const ev: SecurityEvent = {
    v: 1,
    id: uuidv7(opts.receivedAt.ms),
    name: 'passthrough',
    time: formatEventTime(recordInstant(rec, opts.receivedAt)),
    severity: severityOfOtlp(rec.severityNumber),
    outcome: 'unknown',
    device: { id: deviceOf(rec) },
    attrs,
  };
  if (rec.body !== undefined && rec.body.kind !== 'empty') {
    const body = rec.body.kind === 'string' ? (rec.body.value as string) : plainJson(rec.body.value);
    ev.message = truncateUtf8(neutraliseText(body, true), LIMITS.messageBytes);
  }
  const issues = validateEvent(fitToRecordLimit(ev));
  if (issues.length === 0) return ev;
  return { path: rec.path, code: 'EVENT_INVALID', message: formatIssues(issues) };
}
