/**
 * A seclog event as an RFC 5424 message (DESIGN.md §4), lossless:
 *
 *   <PRI>1 time device.id seclog - name [seclog@32473 v="1" id="…" …][timeQuality …][meta sequenceId="…"] BOM{canonical JSON}
 *
 * MSG is the whole record in RFC 8785 form and is the only thing decoded;
 * the header and the structured data are an index for syslog tooling that
 * cannot read JSON. Because a relay or an attacker could change that index
 * independently of the body, decoding checks every claim it makes against
 * the body and refuses a message whose index and body disagree, so nothing
 * downstream can be shown a field value the record does not carry.
 */
import { canonicalize } from '../../canon/jcs.js';
import { SeclogError } from '../../errors.js';
import type { SecurityEvent, Severity } from '../../event/types.js';
import { assertValidEvent, validateEvent } from '../../event/validate.js';
import { findUnsafeChar } from '../../text/unsafe-chars.js';
import { serializeRfc5424 } from './rfc5424-serialize.js';
import { HEADER_FIELD_MAX, type HeaderField, isPrintUsAscii, type SdElement, type SyslogMessage, sdNameProblem } from './syslog-message.js';

/** 32473 is the example enterprise number RFC 5424 and RFC 5612 reserve for documentation. */
export const SECLOG_SD_ID = 'seclog@32473';
/** LOG_AUDIT (RFC 5424 §6.2.1 table 1, facility 13). */
export const DEFAULT_SECLOG_FACILITY = 13;

export interface EncodeEventSyslogOptions {
  /** Syslog facility 0–23; default 13 (log audit). */
  facility?: number;
}

/** RFC 5424 §6.2.1 table 2 severities for seclog's five levels. */
export const SYSLOG_SEVERITY_OF: Readonly<Record<Severity, number>> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };

/** The flat fields carried as PARAM-NAMEs, in wire order. */
const FLAT_FIELDS: readonly (readonly [string, (ev: SecurityEvent) => unknown])[] = [
  ['v', (e) => e.v],
  ['id', (e) => e.id],
  ['severity', (e) => e.severity],
  ['outcome', (e) => e.outcome],
  ['device.id', (e) => e.device?.id],
  ['device.fw', (e) => e.device?.fw],
  ['device.model', (e) => e.device?.model],
  ['actor.user', (e) => e.actor?.user],
  ['actor.ip', (e) => e.actor?.ip],
  ['actor.port', (e) => e.actor?.port],
  ['actor.session', (e) => e.actor?.session],
  ['actor.process', (e) => e.actor?.process],
  ['target.resource', (e) => e.target?.resource],
  ['target.user', (e) => e.target?.user],
  ['target.setting', (e) => e.target?.setting],
  ['stream', (e) => e.stream],
  ['seq', (e) => e.seq],
  ['boot', (e) => e.boot],
  ['mono_ms', (e) => e.mono_ms],
  ['prev', (e) => e.prev],
];
const FLAT_FIELD = new Map(FLAT_FIELDS);
const ATTR_PREFIX = 'attrs.';

/** A scalar as PARAM-VALUE text; numbers as ECMAScript writes them, which is also their RFC 8785 form. */
function paramText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/** The PARAM-VALUE text the event gives the param `name`, or undefined when the event has no such field. */
function fieldText(ev: SecurityEvent, name: string): string | undefined {
  const get = FLAT_FIELD.get(name);
  if (get) return paramText(get(ev));
  if (!name.startsWith(ATTR_PREFIX)) return undefined;
  const key = name.slice(ATTR_PREFIX.length);
  return Object.hasOwn(ev.attrs, key) ? paramText(ev.attrs[key]) : undefined;
}

/** A header field value, or NILVALUE when it cannot be one (the body still carries it). */
function headerValue(field: HeaderField, v: string): string | null {
  if (v.length === 0 || v.length > HEADER_FIELD_MAX[field] || v === '-') return null;
  for (let i = 0; i < v.length; i++) if (!isPrintUsAscii(v.charCodeAt(i))) return null;
  return v;
}

/** The registered SD elements (RFC 5424 §7) the event implies. */
function registeredElements(ev: SecurityEvent): SdElement[] {
  const out: SdElement[] = [];
  if (ev.tq) {
    // §7.1: tzKnown — record times are UTC by construction; syncAccuracy only when synced (§7.1.3), in whole microseconds.
    const params: [string, string][] = [
      ['tzKnown', '1'],
      ['isSynced', ev.tq.synced ? '1' : '0'],
    ];
    if (ev.tq.synced && ev.tq.accuracy_ms !== undefined) {
      const us = Math.round(ev.tq.accuracy_ms * 1000);
      if (Number.isSafeInteger(us) && us >= 0) params.push(['syncAccuracy', String(us)]);
    }
    out.push({ id: 'timeQuality', params });
  }
  if (ev.seq !== undefined) {
    // §7.3.1: sequenceId is 1–2147483647 and wraps to 1.
    out.push({ id: 'meta', params: [['sequenceId', String(((ev.seq - 1) % 2147483647) + 1)]] });
  }
  return out;
}

/** The RFC 5424 text (no framing) of a valid event; throws EVENT_INVALID (or the other assertValidEvent codes) for an invalid one. */
export function encodeEventSyslog(ev: SecurityEvent, opts: EncodeEventSyslogOptions = {}): string {
  assertValidEvent(ev);
  const params: [string, string][] = [];
  const add = (name: string, v: unknown): void => {
    const text = paramText(v);
    // A valid event has no control characters in these fields; if one ever
    // did, the param is left out rather than break a line-framed transport.
    if (text !== undefined && findUnsafeChar(text) === undefined) params.push([name, text]);
  };
  for (const [name, get] of FLAT_FIELDS) add(name, get(ev));
  for (const key of Object.keys(ev.attrs)) {
    const name = ATTR_PREFIX + key;
    if (sdNameProblem(name) === undefined) add(name, ev.attrs[key]);
  }
  const msg: SyslogMessage = {
    facility: opts.facility ?? DEFAULT_SECLOG_FACILITY,
    severity: SYSLOG_SEVERITY_OF[ev.severity],
    version: 1,
    timestamp: ev.time,
    hostname: headerValue('HOSTNAME', ev.device.id),
    appName: 'seclog',
    procId: null,
    msgId: headerValue('MSGID', ev.name),
    structuredData: [{ id: SECLOG_SD_ID, params }, ...registeredElements(ev)],
    message: canonicalize(ev),
    bom: true,
  };
  return serializeRfc5424(msg);
}

/** The message claims to carry a seclog event. */
export function isSeclogSyslog(msg: SyslogMessage): boolean {
  return msg.structuredData.some((e) => e.id === SECLOG_SD_ID);
}

function mismatch(why: string, details: Record<string, unknown>): never {
  throw new SeclogError('SYSLOG_SECLOG_MISMATCH', why, details);
}

function sameParams(a: SdElement, b: SdElement): boolean {
  return a.params.length === b.params.length && a.params.every(([n, v], i) => b.params[i]?.[0] === n && b.params[i]?.[1] === v);
}

/** The event a seclog message carries, after checking that its header and structured data agree with it. */
export function decodeEventSyslog(msg: SyslogMessage): SecurityEvent {
  const sd = msg.structuredData.find((e) => e.id === SECLOG_SD_ID);
  if (!sd) mismatch(`the message has no ${SECLOG_SD_ID} element, so it is not a seclog event`, { field: 'SD-ID' });
  if (msg.message === null) mismatch('MSG is missing; it must hold the canonical JSON of the event', { field: 'MSG' });
  let value: unknown;
  try {
    value = JSON.parse(msg.message);
  } catch {
    mismatch('MSG is not JSON', { field: 'MSG' });
  }
  const issues = validateEvent(value);
  if (issues.length > 0) mismatch(`MSG is not a valid seclog event (${issues.length} issues)`, { field: 'MSG', issues });
  const ev = value as SecurityEvent;
  // Only the canonical text is accepted: it rules out duplicate JSON keys, which parsers resolve differently.
  if (canonicalize(ev) !== msg.message) mismatch('MSG is not the canonical JSON (RFC 8785) of the event it holds', { field: 'MSG' });

  if (msg.msgId !== null && msg.msgId !== ev.name) mismatch('MSGID differs from the event name', { field: 'MSGID' });
  if (msg.hostname !== null && msg.hostname !== ev.device.id) mismatch('HOSTNAME differs from device.id', { field: 'HOSTNAME' });
  if (msg.timestamp !== null && msg.timestamp !== ev.time) mismatch('TIMESTAMP differs from the event time', { field: 'TIMESTAMP' });
  if (msg.severity !== SYSLOG_SEVERITY_OF[ev.severity]) mismatch('the PRI severity differs from the event severity', { field: 'PRI' });
  for (const [name, text] of sd.params) {
    const want = fieldText(ev, name);
    if (want === undefined)
      mismatch(`${SECLOG_SD_ID} param ${name} names a field the event does not have`, { field: 'PARAM-NAME', param: name });
    if (want !== text) mismatch(`${SECLOG_SD_ID} param ${name} differs from the event's value`, { field: 'PARAM-VALUE', param: name });
  }
  const implied = registeredElements(ev);
  for (const id of ['timeQuality', 'meta']) {
    const got = msg.structuredData.find((e) => e.id === id);
    if (!got) continue;
    const want = implied.find((e) => e.id === id);
    if (!want || !sameParams(got, want)) mismatch(`the ${id} element disagrees with the event`, { field: 'SD-ID', sdId: id });
  }
  return ev;
}
