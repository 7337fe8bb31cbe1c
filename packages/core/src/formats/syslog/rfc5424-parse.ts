/**
 * A strict RFC 5424 parser (§6 ABNF):
 *
 *   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]
 *   HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 *
 * It works on the bytes, one forward pass, no regular expression on
 * attacker-controlled input of unbounded length, so its time is linear in the
 * input and every scan is bounded by the field's own limit. Offsets in error
 * details are byte offsets into the input. Checks run in the order: length,
 * UTF-8, then grammar left to right; the first violation is reported.
 */
import { type ErrorCode, SeclogError } from '../../errors.js';
import { utf8ByteLength } from '../../text/unsafe-chars.js';
import { timestampProblem } from './rfc5424-timestamp.js';
import {
  DEFAULT_MAX_SYSLOG_BYTES,
  describeChar,
  HEADER_FIELD_MAX,
  type HeaderField,
  isPrintUsAscii,
  isSdNameChar,
  SD_NAME_MAX,
  type SdElement,
  type SyslogField,
  type SyslogMessage,
  sdIdProblem,
} from './syslog-message.js';
import { invalidUtf8Offset, loneSurrogateIndex, strictUtf8, utf8Encoder } from './utf8-text.js';

export interface ParseRfc5424Options {
  /** Longest accepted message in bytes (RFC 5424 §6.1 leaves it to the receiver); default 65536. */
  maxLength?: number;
}

const SP = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE = 0x5d;
const MAX_TIMESTAMP_BYTES = 32;

function fail(code: ErrorCode, field: SyslogField, offset: number, rule: string): never {
  throw new SeclogError(code, `${field} at byte ${offset}: ${rule}`, { offset, field });
}

function ascii(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

/** The bytes of `input`, after the length and encoding checks that come before any grammar. */
function inputBytes(input: Uint8Array | string, maxLength: number): Uint8Array {
  if (typeof input === 'string') {
    // Every UTF-16 unit is at least one UTF-8 byte, so a long string is refused before it is scanned.
    if (input.length > maxLength || utf8ByteLength(input) > maxLength) {
      fail('SYSLOG_TOO_LONG', 'SYSLOG-MSG', maxLength, `longer than the limit of ${maxLength} bytes`);
    }
    const bad = loneSurrogateIndex(input);
    if (bad !== -1)
      fail('SYSLOG_ENCODING_INVALID', 'SYSLOG-MSG', utf8ByteLength(input.slice(0, bad)), 'a lone surrogate has no UTF-8 form');
    return utf8Encoder.encode(input);
  }
  if (input.length > maxLength)
    fail('SYSLOG_TOO_LONG', 'SYSLOG-MSG', maxLength, `${input.length} bytes is longer than the limit of ${maxLength} bytes`);
  try {
    strictUtf8.decode(input);
  } catch {
    fail('SYSLOG_ENCODING_INVALID', 'SYSLOG-MSG', Math.max(0, invalidUtf8Offset(input)), 'not valid UTF-8 (RFC 3629)');
  }
  return input;
}

/** Parse one RFC 5424 message; every rejection is a SeclogError with a SYSLOG_* code and `{ offset, field }`. */
export function parseRfc5424(input: Uint8Array | string, opts: ParseRfc5424Options = {}): SyslogMessage {
  const b = inputBytes(input, opts.maxLength ?? DEFAULT_MAX_SYSLOG_BYTES);
  const n = b.length;
  let pos = 0;

  // PRI = "<" PRIVAL ">", PRIVAL = 1*3DIGIT 0..191, no leading zero (§6.2.1).
  if (b[0] !== 0x3c) fail('SYSLOG_PRI_INVALID', 'PRI', 0, "must start with '<' (RFC 5424 §6.2.1)");
  pos = 1;
  let prival = 0;
  while (pos < n && pos <= 4 && (b[pos] as number) >= 0x30 && (b[pos] as number) <= 0x39)
    prival = prival * 10 + (b[pos++] as number) - 0x30;
  const digits = pos - 1;
  if (digits === 0) fail('SYSLOG_PRI_INVALID', 'PRI', pos, "PRIVAL must be 1–3 digits after '<'");
  if (digits > 3) fail('SYSLOG_PRI_INVALID', 'PRI', 4, 'PRIVAL has more than 3 digits');
  if (digits > 1 && b[1] === 0x30) fail('SYSLOG_PRI_INVALID', 'PRI', 1, 'PRIVAL must not have leading zeros (RFC 5424 §6.2.1)');
  if (b[pos] !== 0x3e) fail('SYSLOG_PRI_INVALID', 'PRI', pos, "PRIVAL must be followed by '>'");
  if (prival > 191) fail('SYSLOG_PRI_INVALID', 'PRI', 1, `PRIVAL ${prival} is outside 0–191 (RFC 5424 §6.2.1)`);
  pos++;

  // VERSION = NONZERO-DIGIT 0*2DIGIT; only 1 exists (§6.2.2, §9.1).
  if (b[pos] !== 0x31 || (pos + 1 < n && b[pos + 1] !== SP)) {
    fail('SYSLOG_VERSION_UNSUPPORTED', 'VERSION', pos, 'VERSION must be 1 followed by SP (RFC 5424 §6.2.2); an RFC 3164 message has none');
  }
  pos++;

  const expectSp = (field: SyslogField, code: ErrorCode): void => {
    if (pos >= n) fail(code, field, pos, `the message ends before ${field}`);
    pos++; // the only way a scan stops short of the end is at an SP
  };

  // TIMESTAMP (§6.2.3): bounded scan, then the exact grammar and calendar.
  expectSp('TIMESTAMP', 'SYSLOG_TIMESTAMP_INVALID');
  let timestamp: string | null = null;
  {
    const start = pos;
    while (pos < n && b[pos] !== SP) {
      if (pos - start >= MAX_TIMESTAMP_BYTES) fail('SYSLOG_TIMESTAMP_INVALID', 'TIMESTAMP', pos, 'longer than any RFC 5424 TIMESTAMP');
      pos++;
    }
    if (pos === start) fail('SYSLOG_TIMESTAMP_INVALID', 'TIMESTAMP', pos, 'empty: fields are separated by exactly one SP');
    const text = ascii(b, start, pos);
    if (text !== '-') {
      const problem = timestampProblem(text);
      if (problem !== undefined) fail('SYSLOG_TIMESTAMP_INVALID', 'TIMESTAMP', start, problem);
      timestamp = text;
    }
  }

  const headerField = (field: HeaderField): string | null => {
    expectSp(field, 'SYSLOG_HEADER_INVALID');
    const start = pos;
    const max = HEADER_FIELD_MAX[field];
    while (pos < n && b[pos] !== SP) {
      const c = b[pos] as number;
      if (!isPrintUsAscii(c)) fail('SYSLOG_HEADER_INVALID', field, pos, `${describeChar(c)} is not PRINTUSASCII (RFC 5424 §6)`);
      if (pos - start >= max) fail('SYSLOG_HEADER_INVALID', field, pos, `longer than ${max} characters (RFC 5424 §6)`);
      pos++;
    }
    if (pos === start) fail('SYSLOG_HEADER_INVALID', field, pos, 'empty: fields are separated by exactly one SP');
    return pos - start === 1 && b[start] === 0x2d ? null : ascii(b, start, pos);
  };
  const hostname = headerField('HOSTNAME');
  const appName = headerField('APP-NAME');
  const procId = headerField('PROCID');
  const msgId = headerField('MSGID');

  // STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT (§6.3).
  expectSp('STRUCTURED-DATA', 'SYSLOG_SD_INVALID');
  const structuredData: SdElement[] = [];
  if (b[pos] === 0x2d) pos++;
  else if (b[pos] !== 0x5b) fail('SYSLOG_SD_INVALID', 'STRUCTURED-DATA', pos, "must be '-' or start with '[' (RFC 5424 §6.3)");
  else {
    const seen = new Set<string>();
    while (b[pos] === 0x5b) {
      const elementStart = pos;
      pos++;
      const id = sdName('SD-ID');
      const idProblem = sdIdProblem(id);
      if (idProblem !== undefined) fail('SYSLOG_SD_INVALID', 'SD-ID', elementStart + 1, `SD-ID ${idProblem}`);
      // §6.3.2: the same SD-ID MUST NOT exist more than once in a message.
      if (seen.has(id)) fail('SYSLOG_SD_INVALID', 'SD-ID', elementStart + 1, `SD-ID ${id} occurs twice (RFC 5424 §6.3.2)`);
      seen.add(id);
      const params: [string, string][] = [];
      for (;;) {
        if (pos >= n) fail('SYSLOG_SD_INVALID', 'STRUCTURED-DATA', pos, `SD-ELEMENT starting at byte ${elementStart} has no closing ']'`);
        if (b[pos] === CLOSE) break;
        if (b[pos] !== SP)
          fail('SYSLOG_SD_INVALID', 'STRUCTURED-DATA', pos, `expected SP or ']' in the SD-ELEMENT, got ${describeChar(b[pos] as number)}`);
        pos++;
        const name = sdName('PARAM-NAME');
        if (b[pos] !== 0x3d) fail('SYSLOG_SD_INVALID', 'PARAM-NAME', pos, "PARAM-NAME must be followed by '=' (RFC 5424 §6.3.3)");
        pos++;
        if (b[pos] !== QUOTE) fail('SYSLOG_SD_INVALID', 'PARAM-VALUE', pos, "PARAM-VALUE must be enclosed in '\"' (RFC 5424 §6.3.3)");
        pos++;
        params.push([name, paramValue()]);
      }
      pos++; // ']'
      structuredData.push({ id, params });
    }
  }

  // [SP MSG]; MSG-UTF8 = BOM UTF-8-STRING (§6.4).
  let message: string | null = null;
  let bom = false;
  if (pos < n) {
    if (b[pos] !== SP)
      fail(
        'SYSLOG_SD_INVALID',
        'STRUCTURED-DATA',
        pos,
        `expected SP before MSG or the end of the message, got ${describeChar(b[pos] as number)}`,
      );
    pos++;
    if (b[pos] === 0xef && b[pos + 1] === 0xbb && b[pos + 2] === 0xbf) {
      bom = true;
      pos += 3;
    }
    message = strictUtf8.decode(b.subarray(pos));
  }

  const facility = prival >> 3;
  const severity = prival & 7;
  return { facility, severity, version: 1, timestamp, hostname, appName, procId, msgId, structuredData, message, bom };

  function sdName(field: 'SD-ID' | 'PARAM-NAME'): string {
    const start = pos;
    while (pos < n && isSdNameChar(b[pos] as number)) {
      if (pos - start >= SD_NAME_MAX)
        fail('SYSLOG_SD_INVALID', field, pos, `longer than ${SD_NAME_MAX} characters (SD-NAME, RFC 5424 §6.3)`);
      pos++;
    }
    if (pos === start) {
      const got = pos < n ? describeChar(b[pos] as number) : 'the end of the message';
      fail('SYSLOG_SD_INVALID', field, pos, `expected a ${field} (1–32 PRINTUSASCII except = ] " SP), got ${got}`);
    }
    return ascii(b, start, pos);
  }

  /**
   * PARAM-VALUE up to the closing quote. §6.3.3: '"', '\' and ']' MUST be
   * escaped; a backslash before any other character is kept with it as two
   * characters. The quote ends the value, so an unescaped ']' is refused.
   */
  function paramValue(): string {
    const start = pos;
    let out = '';
    let segment = pos;
    while (pos < n) {
      const c = b[pos] as number;
      if (c === QUOTE) {
        out += strictUtf8.decode(b.subarray(segment, pos));
        pos++;
        return out;
      }
      if (c === CLOSE) fail('SYSLOG_SD_INVALID', 'PARAM-VALUE', pos, "']' inside PARAM-VALUE must be escaped as '\\]' (RFC 5424 §6.3.3)");
      if (c === BACKSLASH) {
        const next = b[pos + 1];
        if (next === QUOTE || next === BACKSLASH || next === CLOSE) {
          out += strictUtf8.decode(b.subarray(segment, pos)) + String.fromCharCode(next);
          pos += 2;
          segment = pos;
          continue;
        }
      }
      pos++;
    }
    return fail('SYSLOG_SD_INVALID', 'PARAM-VALUE', start - 1, "PARAM-VALUE has no closing '\"'");
  }
}
