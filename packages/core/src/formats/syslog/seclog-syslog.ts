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
import { escapeParamValue } from './rfc5424-serialize.js';
import { timestampProblem } from './rfc5424-timestamp.js';
import {
  HEADER_FIELD_MAX,
  type HeaderField,
  isPrintUsAscii,
  MAX_FACILITY,
  type SdElement,
  type SyslogMessage,
  sdNameProblem,
} from './syslog-message.js';

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

/** `<PRI>1 ` for every PRIVAL (RFC 5424 §6.2.1), built once. */
const PRI_VERSION = Array.from({ length: (MAX_FACILITY + 1) * 8 }, (_, p) => `<${p}>1 `);
/** ` name="` of each flat field, in FLAT_FIELDS order. */
const FLAT_PARAM_OPEN = FLAT_FIELDS.map(([name]) => ` ${name}="`);
const SECLOG_SD_OPEN = `[${SECLOG_SD_ID}`;

/**
 * Every character findUnsafeChar might refuse (its pre-check: C0/C1 controls,
 * DEL, bidi controls, surrogates) and every one escapeParamValue escapes. A
 * string without any is a PARAM-VALUE as it is, after one regex test instead
 * of two scans: measured ~0.7 µs less per event (bench/core.ts `rfc5424 encode
 * seclog event`). test/syslog-seclog.test.ts checks it covers findUnsafeChar.
 */
export const PARAM_VALUE_SPECIAL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff"\\\]]/;

/**
 * ` name="value"` for one param, or '' when the value is not a scalar or not
 * safe on one line (a valid event has no control characters in these fields;
 * if one ever did, the param is left out rather than break a line-framed
 * transport). A number or boolean is digits and letters: nothing to check.
 */
function paramField(open: string, v: unknown): string {
  if (typeof v === 'string') {
    if (!PARAM_VALUE_SPECIAL.test(v)) return `${open}${v}"`;
    return findUnsafeChar(v) === undefined ? `${open}${escapeParamValue(v)}"` : '';
  }
  if (typeof v === 'number') return `${open}${v}"`;
  if (typeof v === 'boolean') return v ? `${open}true"` : `${open}false"`;
  return '';
}

/**
 * The RFC 5424 text (no framing) of a valid event; throws EVENT_INVALID (or the other assertValidEvent codes) for an invalid one.
 *
 * Speed (bench/core.ts `rfc5424 encode seclog event`: ~35k → ~60k events/s):
 * the text is assembled here, not by serializeRfc5424 from a SyslogMessage,
 * because after assertValidEvent every check serializeRfc5424 would repeat
 * holds by construction: the time is a record time (so a TIMESTAMP),
 * HOSTNAME and MSGID pass headerValue, the PARAM-NAMEs are fixed or pass
 * sdNameProblem, findUnsafeChar has refused lone surrogates in PARAM-VALUEs,
 * and canonical JSON has none (JSON.stringify escapes them, JCS refuses
 * them). Those re-checks (a UTF-16 scan of the whole JSON, the timestamp
 * regex, SD-NAME scans) and the intermediate objects were ~40% of the encode
 * profile. Only the facility option and the time (fixed positions, ~40 ns)
 * are still checked, with serializeRfc5424's errors in its order. What is
 * left is ~80% assertValidEvent and canonicalize.
 */
export function encodeEventSyslog(ev: SecurityEvent, opts: EncodeEventSyslogOptions = {}): string {
  assertValidEvent(ev);
  let sd = SECLOG_SD_OPEN;
  for (let k = 0; k < FLAT_FIELDS.length; k++) {
    sd += paramField(FLAT_PARAM_OPEN[k] as string, (FLAT_FIELDS[k] as (typeof FLAT_FIELDS)[number])[1](ev));
  }
  for (const key of Object.keys(ev.attrs)) {
    const name = ATTR_PREFIX + key;
    if (sdNameProblem(name) === undefined) sd += paramField(` ${name}="`, ev.attrs[key]);
  }
  sd += ']';
  for (const el of registeredElements(ev)) {
    sd += `[${el.id}`;
    for (const [name, value] of el.params) sd += ` ${name}="${escapeParamValue(value)}"`;
    sd += ']';
  }
  const message = canonicalize(ev);

  const facility = opts.facility ?? DEFAULT_SECLOG_FACILITY;
  if (typeof facility !== 'number' || !Number.isInteger(facility) || facility < 0 || facility > MAX_FACILITY)
    throw new SeclogError('SYSLOG_PRI_INVALID', `PRI: facility must be an integer 0–${MAX_FACILITY}`, { field: 'PRI' });
  const problem = timestampProblem(ev.time);
  if (problem !== undefined) throw new SeclogError('SYSLOG_TIMESTAMP_INVALID', `TIMESTAMP: ${problem}`, { field: 'TIMESTAMP' });
  const hostname = headerValue('HOSTNAME', ev.device.id) ?? '-';
  const msgId = headerValue('MSGID', ev.name) ?? '-';
  return `${PRI_VERSION[facility * 8 + SYSLOG_SEVERITY_OF[ev.severity]]}${ev.time} ${hostname} seclog - ${msgId} ${sd} \ufeff${message}`;
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
