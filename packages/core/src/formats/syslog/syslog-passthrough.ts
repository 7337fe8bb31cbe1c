/**
 * Foreign syslog (sshd, a PLC, a switch) kept as a `passthrough` record, so
 * what the device said reaches the chain and the rules whole: every header
 * field, the structured data and the text, with nothing invented.
 *
 * All of it is attacker-controllable text, and it is logged, not refused
 * (refusing would let an attacker suppress the record of their own attempt):
 * each string is neutralised (CWE-117: controls, ANSI escapes, bidi
 * overrides become visible escapes) and cut to the record's field limits
 * with a visible "…".
 */
import { canonicalize } from '../../canon/jcs.js';
import { fitToRecordLimit } from '../../event/fit.js';
import { LIMITS } from '../../event/limits.js';
import type { Attrs, SecurityEvent, Severity, TimeQuality } from '../../event/types.js';
import { uuidv7 } from '../../id/uuidv7.js';
import { neutraliseText, truncateUtf8 } from '../../text/unsafe-chars.js';
import { formatEventTime, type Instant, toEventTime } from '../../time/rfc3339.js';
import type { Rfc3164Message, SdElement, SyslogMessage } from './syslog-message.js';
import { toWellFormed } from './utf8-text.js';

/** How the collector knows which device sent the message (DESIGN.md §3). */
export type SyslogAttribution = 'certificate' | 'source_map' | 'token' | 'unauthenticated';

export interface PassthroughContext {
  /** The device the collector attributes the message to (never taken from the message itself). */
  deviceId: string;
  /** Receive time: the record id's clock, and the record time when the message has none. */
  receivedAt: Instant;
  attribution?: SyslogAttribution;
  sourceIp?: string;
}

/** RFC 5424 §6.2.1 table 2 onto seclog severities: emergency–critical are critical. */
const SEVERITY_OF_SYSLOG: readonly Severity[] = ['critical', 'critical', 'critical', 'high', 'medium', 'low', 'info', 'info'];

function field(s: string): string {
  return truncateUtf8(neutraliseText(s), LIMITS.fieldBytes);
}

/** Exact conversion (RFC 5424 allows at most six fractional digits); null when UTC falls outside years 0000–9999. */
function recordTime(timestamp: string): string | null {
  try {
    return toEventTime(timestamp);
  } catch {
    return null;
  }
}

/** RFC 5424 §7.1 timeQuality as seclog's tq; the source of sync is not said by syslog. Members in canonical order. */
function timeQuality(el: SdElement | undefined): TimeQuality | undefined {
  if (!el) return undefined;
  const param = (name: string): string | undefined => el.params.find(([n]) => n === name)?.[1];
  const accuracy = param('syncAccuracy');
  // §7.1.3: 1*DIGIT microseconds; anything else is ignored rather than guessed at.
  const tq = (accuracy !== undefined && /^[0-9]{1,15}$/.test(accuracy) ? { accuracy_ms: Number(accuracy) / 1000 } : {}) as TimeQuality;
  tq.source = 'unknown';
  tq.synced = param('isSynced') === '1';
  return tq;
}

/**
 * A `passthrough` record for a foreign RFC 5424 or RFC 3164 message; it passes validateEvent.
 *
 * Every object is built with its members in RFC 8785 order, so the collector's canonical form of it
 * (and of it chained) is a walk and a JSON.stringify, not a sorted copy: that copy was a fifth of a
 * syslog message's cost. The order is only a speed matter; canonicalize sorts whatever it gets.
 */
export function syslogToPassthrough(msg: SyslogMessage | Rfc3164Message, ctx: PassthroughContext): SecurityEvent {
  const legacy = 'format' in msg && msg.format === 'rfc3164';
  let host: string | null;
  let app: string | null;
  let procId: string | null;
  let msgId: string | null = null;
  let sd: string | undefined;
  let time: string | null = null;
  let tq: TimeQuality | undefined;
  if (legacy) {
    const m = msg as Rfc3164Message;
    host = m.hostname;
    app = m.tag;
    procId = m.procId;
    time = m.time;
  } else {
    const m = msg as SyslogMessage;
    host = m.hostname;
    app = m.appName;
    procId = m.procId;
    msgId = m.msgId;
    if (m.structuredData.length > 0) {
      // Canonical JSON first (it escapes C0 controls exactly); the neutraliser then turns C1 and bidi characters into \uXXXX, which is still the same JSON.
      const data = m.structuredData.map((e) => [toWellFormed(e.id), e.params.map(([n, v]) => [toWellFormed(n), toWellFormed(v)])]);
      sd = truncateUtf8(neutraliseText(canonicalize(data)), LIMITS.jsonTextBytes);
    }
    if (m.timestamp !== null) time = recordTime(m.timestamp);
    tq = timeQuality(m.structuredData.find((e) => e.id === 'timeQuality'));
  }
  const attrs: Attrs = {};
  if (app !== null) attrs.app = field(app);
  if (ctx.attribution !== undefined) attrs.attribution = ctx.attribution;
  attrs.facility = msg.facility;
  attrs.format = legacy ? 'rfc3164' : 'rfc5424';
  if (host !== null) attrs.host = field(host);
  if (legacy) attrs.legacy = true;
  if (msgId !== null) attrs.msgid = field(msgId);
  if (procId !== null) attrs.procid = field(procId);
  if (sd !== undefined) attrs.sd = sd;
  if (ctx.sourceIp !== undefined) attrs.source_ip = field(ctx.sourceIp);
  attrs.syslog_severity = msg.severity;
  if (msg.timestamp !== null) attrs.syslog_timestamp = field(msg.timestamp);

  const ev = { attrs, device: { id: ctx.deviceId }, id: uuidv7(ctx.receivedAt.ms) } as SecurityEvent;
  if (msg.message !== null) ev.message = truncateUtf8(neutraliseText(msg.message, true), LIMITS.messageBytes);
  ev.name = 'passthrough';
  ev.outcome = 'unknown';
  ev.severity = SEVERITY_OF_SYSLOG[msg.severity] ?? 'info';
  ev.time = time ?? formatEventTime(ctx.receivedAt);
  if (tq) ev.tq = tq;
  ev.v = 1;
  return fitToRecordLimit(ev);
}
