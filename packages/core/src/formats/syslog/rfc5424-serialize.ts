/**
 * RFC 5424 text from a SyslogMessage. It refuses what the parser would
 * refuse, so parseRfc5424(serializeRfc5424(m)) deep-equals m for every m it
 * accepts, and no field can spill into the next (CWE-117): header fields are
 * PRINTUSASCII without SP, PARAM-VALUE escapes its delimiters (§6.3.3).
 */
import { type ErrorCode, SeclogError } from '../../errors.js';
import { timestampProblem } from './rfc5424-timestamp.js';
import {
  describeChar,
  HEADER_FIELD_MAX,
  type HeaderField,
  isPrintUsAscii,
  MAX_FACILITY,
  MAX_SEVERITY,
  type SyslogField,
  type SyslogMessage,
  sdIdProblem,
  sdNameProblem,
} from './syslog-message.js';
import { loneSurrogateIndex } from './utf8-text.js';

const BOM = '\ufeff';

function fail(code: ErrorCode, field: SyslogField, rule: string, details: Record<string, unknown> = {}): never {
  throw new SeclogError(code, `${field}: ${rule}`, { field, ...details });
}

function isIntIn(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

function headerField(field: HeaderField, v: string | null): string {
  if (v === null) return '-';
  if (typeof v !== 'string') fail('SYSLOG_HEADER_INVALID', field, 'must be a string or null');
  if (v.length === 0) fail('SYSLOG_HEADER_INVALID', field, 'must not be empty (use null for NILVALUE)');
  // "-" on the wire is NILVALUE, so the string "-" would come back as null.
  if (v === '-') fail('SYSLOG_HEADER_INVALID', field, "the string '-' is NILVALUE; use null");
  const max = HEADER_FIELD_MAX[field];
  if (v.length > max) fail('SYSLOG_HEADER_INVALID', field, `is ${v.length} characters; at most ${max} (RFC 5424 §6)`);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!isPrintUsAscii(c))
      fail('SYSLOG_HEADER_INVALID', field, `${describeChar(c)} at ${i} is not PRINTUSASCII (RFC 5424 §6)`, { index: i });
  }
  return v;
}

function utf8Text(field: SyslogField, v: string): string {
  if (typeof v !== 'string') fail('SYSLOG_ENCODING_INVALID', field, 'must be a string');
  const bad = loneSurrogateIndex(v);
  if (bad !== -1) fail('SYSLOG_ENCODING_INVALID', field, `lone surrogate at ${bad} has no UTF-8 form`, { index: bad });
  return v;
}

/** PARAM-VALUE with '"', '\' and ']' escaped (RFC 5424 §6.3.3 MUST). */
export function escapeParamValue(v: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x5d) {
      out += `${v.slice(from, i)}\\${v[i]}`;
      from = i + 1;
    }
  }
  return from === 0 ? v : out + v.slice(from);
}

/** The RFC 5424 text of `msg` (no transport framing). Throws the parser's SYSLOG_* code for whatever it would refuse. */
export function serializeRfc5424(msg: SyslogMessage): string {
  if (!isIntIn(msg.facility, MAX_FACILITY)) fail('SYSLOG_PRI_INVALID', 'PRI', `facility must be an integer 0–${MAX_FACILITY}`);
  if (!isIntIn(msg.severity, MAX_SEVERITY)) fail('SYSLOG_PRI_INVALID', 'PRI', `severity must be an integer 0–${MAX_SEVERITY}`);
  if (msg.version !== 1) fail('SYSLOG_VERSION_UNSUPPORTED', 'VERSION', 'only VERSION 1 exists (RFC 5424 §9.1)');
  let out = `<${msg.facility * 8 + msg.severity}>1 `;

  if (msg.timestamp === null) out += '-';
  else {
    const problem = typeof msg.timestamp === 'string' ? timestampProblem(msg.timestamp) : 'must be a string or null';
    if (problem !== undefined) fail('SYSLOG_TIMESTAMP_INVALID', 'TIMESTAMP', problem);
    out += msg.timestamp;
  }
  out += ` ${headerField('HOSTNAME', msg.hostname)} ${headerField('APP-NAME', msg.appName)}`;
  out += ` ${headerField('PROCID', msg.procId)} ${headerField('MSGID', msg.msgId)} `;

  if (msg.structuredData.length === 0) out += '-';
  const seen = new Set<string>();
  for (const el of msg.structuredData) {
    const idProblem = typeof el.id === 'string' ? sdIdProblem(el.id) : 'must be a string';
    if (idProblem !== undefined) fail('SYSLOG_SD_INVALID', 'SD-ID', `SD-ID ${idProblem}`);
    if (seen.has(el.id)) fail('SYSLOG_SD_INVALID', 'SD-ID', `SD-ID ${el.id} occurs twice (RFC 5424 §6.3.2)`);
    seen.add(el.id);
    out += `[${el.id}`;
    for (const [name, value] of el.params) {
      const nameProblem = typeof name === 'string' ? sdNameProblem(name) : 'must be a string';
      if (nameProblem !== undefined) fail('SYSLOG_SD_INVALID', 'PARAM-NAME', `PARAM-NAME ${nameProblem}`, { sdId: el.id });
      out += ` ${name}="${escapeParamValue(utf8Text('PARAM-VALUE', value))}"`;
    }
    out += ']';
  }

  if (msg.message === null) {
    if (msg.bom) fail('SYSLOG_ENCODING_INVALID', 'MSG', 'a BOM marks a UTF-8 MSG, but MSG is null');
    return out;
  }
  const text = utf8Text('MSG', msg.message);
  // MSG-ANY must not start with a BOM (§6.4), or it would read back as MSG-UTF8.
  if (!msg.bom && text.charCodeAt(0) === 0xfeff)
    fail('SYSLOG_ENCODING_INVALID', 'MSG', 'starts with U+FEFF but bom is false; set bom: true');
  return `${out} ${msg.bom ? BOM : ''}${text}`;
}
