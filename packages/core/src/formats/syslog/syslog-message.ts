/**
 * The shapes of parsed syslog messages and the lexical limits of RFC 5424 §6
 * that the parser and the serializer share, so both refuse the same things.
 */

/** One SD-ELEMENT (RFC 5424 §6.3.1). */
export interface SdElement {
  id: string;
  /** In wire order; a PARAM-NAME may repeat (RFC 5424 §6.3.3 does not forbid it). */
  params: [name: string, value: string][];
}

/** An RFC 5424 message as it was on the wire: nothing normalised, nothing dropped. */
export interface SyslogMessage {
  /** 0–23. */
  facility: number;
  /** 0–7. */
  severity: number;
  version: 1;
  /** TIMESTAMP exactly as written (fraction and offset kept); null for NILVALUE. */
  timestamp: string | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  structuredData: SdElement[];
  /** MSG without its BOM; null when the message ends after STRUCTURED-DATA. */
  message: string | null;
  /** MSG started with the UTF-8 BOM (MSG-UTF8 of RFC 5424 §6.4). */
  bom: boolean;
}

/** A legacy BSD syslog message (RFC 3164), as far as it could be recognised. */
export interface Rfc3164Message {
  format: 'rfc3164';
  facility: number;
  severity: number;
  /** TIMESTAMP text as written (`Nov  7 10:15:02`, or RFC 3339 as rsyslog may send); null when absent. */
  timestamp: string | null;
  /** `timestamp` as a record time (UTC, six fractional digits) with the year inferred; null when absent. */
  time: string | null;
  hostname: string | null;
  /** The TAG (program name) before `[PID]:` or `:`. */
  tag: string | null;
  /** The PID between brackets after the TAG. */
  procId: string | null;
  /** CONTENT: everything after the TAG's colon and one space, or the whole rest when there is no TAG. */
  message: string;
}

/** RFC 5424 §6.1 leaves the limit to the receiver; 64 KiB is the collector's default. */
export const DEFAULT_MAX_SYSLOG_BYTES = 65_536;

/** ABNF names used in error details (`details.field`), so a reader can look the rule up. */
export type SyslogField =
  | 'SYSLOG-MSG'
  | 'PRI'
  | 'VERSION'
  | 'TIMESTAMP'
  | 'HOSTNAME'
  | 'APP-NAME'
  | 'PROCID'
  | 'MSGID'
  | 'STRUCTURED-DATA'
  | 'SD-ID'
  | 'PARAM-NAME'
  | 'PARAM-VALUE'
  | 'MSG';

export type HeaderField = 'HOSTNAME' | 'APP-NAME' | 'PROCID' | 'MSGID';

/** Maximum lengths of the PRINTUSASCII header fields (RFC 5424 §6.2.4–§6.2.7). */
export const HEADER_FIELD_MAX: Readonly<Record<HeaderField, number>> = {
  HOSTNAME: 255,
  'APP-NAME': 48,
  PROCID: 128,
  MSGID: 32,
};

/** SD-NAME is 1*32PRINTUSASCII (RFC 5424 §6.3). */
export const SD_NAME_MAX = 32;

/** PRIVAL = facility × 8 + severity ≤ 191 (RFC 5424 §6.2.1). */
export const MAX_FACILITY = 23;
export const MAX_SEVERITY = 7;

/** PRINTUSASCII = %d33-126 (RFC 5424 §6). */
export function isPrintUsAscii(code: number): boolean {
  return code >= 33 && code <= 126;
}

/** SD-NAME excludes '=', SP, ']' and '"' from PRINTUSASCII (RFC 5424 §6.3). */
export function isSdNameChar(code: number): boolean {
  return isPrintUsAscii(code) && code !== 0x3d && code !== 0x5d && code !== 0x22;
}

/**
 * Why `id` is not an SD-ID, or undefined. Beyond the SD-NAME grammar,
 * RFC 5424 §6.3.2 says a name with '@' is `name@<private enterprise number>`
 * and a registered name has no '@'; the number is dotted decimal (§7.2.2).
 */
export function sdIdProblem(id: string): string | undefined {
  const p = sdNameProblem(id);
  if (p !== undefined) return p;
  const at = id.indexOf('@');
  if (at === -1) return undefined;
  if (at === 0) return "has nothing before '@' (RFC 5424 §6.3.2: name@<enterprise number>)";
  const pen = id.slice(at + 1);
  let groupLen = 0;
  for (let i = 0; i < pen.length; i++) {
    const c = pen.charCodeAt(i);
    if (c === 0x2e && groupLen > 0 && i < pen.length - 1) groupLen = 0;
    else if (c >= 0x30 && c <= 0x39) groupLen++;
    else return "must be name@<private enterprise number> after '@' (RFC 5424 §6.3.2)";
  }
  if (groupLen === 0) return "has no private enterprise number after '@' (RFC 5424 §6.3.2)";
  return undefined;
}

/** Why `name` is not an SD-NAME (PARAM-NAME, or the grammar part of an SD-ID), or undefined. */
export function sdNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty (SD-NAME is 1–32 characters)';
  if (name.length > SD_NAME_MAX) return `is ${name.length} characters (SD-NAME is at most ${SD_NAME_MAX})`;
  for (let i = 0; i < name.length; i++) {
    if (!isSdNameChar(name.charCodeAt(i)))
      return `has ${describeChar(name.charCodeAt(i))} at ${i} (SD-NAME is PRINTUSASCII except = ] " and SP)`;
  }
  return undefined;
}

/** `'x' (0x78)`, or just the code for an unprintable one: error messages must not echo control characters. */
export function describeChar(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  return isPrintUsAscii(code) ? `'${String.fromCharCode(code)}' (${hex})` : hex;
}
