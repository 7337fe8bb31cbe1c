/**
 * TIMESTAMP of RFC 5424 §6.2.3: the RFC 3339 profile that syslog allows.
 *
 *   FULL-DATE "T" PARTIAL-TIME TIME-OFFSET
 *   YYYY-MM-DD T hh:mm:ss [ "." 1*6DIGIT ] ( "Z" / ("+" / "-") hh ":" mm )
 *
 * Narrower than RFC 3339: "T" and "Z" upper case only (§6.2.3 item 2), at most
 * six fractional digits (TIME-SECFRAC), no leap second (§6.2.3.1 item 5).
 * The calendar rules (February 30, hour 24) are shared with the record time
 * checks in time/rfc3339.ts so both refuse the same dates.
 */
import { dateTimeProblem } from '../../time/rfc3339.js';

/** Longest possible TIMESTAMP: `YYYY-MM-DDThh:mm:ss.ffffff+hh:mm`. */
const MAX_TIMESTAMP_CHARS = 32;

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function digits(s: string, from: number, n: number): boolean {
  for (let i = from; i < from + n; i++) if (!isDigit(s, i)) return false;
  return true;
}

/** The two-digit number at `i`, or -1 when either character is not a digit. */
function pair(s: string, i: number): number {
  const hi = s.charCodeAt(i) - 0x30;
  const lo = s.charCodeAt(i + 1) - 0x30;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

/**
 * True only when `s.slice(start, end)` is a valid TIMESTAMP, checked at fixed
 * positions without a regular expression or a substring. It accepts a subset
 * of what timestampProblem accepts (every rule of it, the same calendar), so
 * false means "ask timestampProblem", which then finds the reason. Every
 * position it accepts holds an ASCII character. Measured (bench/core.ts
 * `rfc5424 parse`): timestampProblem's regex and Number() calls were ~20% of
 * the parse profile; this is ~5%.
 */
export function isTimestampAt(s: string, start: number, end: number): boolean {
  const len = end - start;
  if (len < 20 || len > MAX_TIMESTAMP_CHARS) return false;
  const y1 = pair(s, start);
  const y2 = pair(s, start + 2);
  const month = pair(s, start + 5);
  const day = pair(s, start + 8);
  if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1) return false;
  if (s.charCodeAt(start + 4) !== 0x2d || s.charCodeAt(start + 7) !== 0x2d || s.charCodeAt(start + 10) !== 0x54) return false;
  if (day > 28) {
    const year = y1 * 100 + y2;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const dim = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
    if (day > dim) return false;
  }
  const hour = pair(s, start + 11);
  const minute = pair(s, start + 14);
  const second = pair(s, start + 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  if (s.charCodeAt(start + 13) !== 0x3a || s.charCodeAt(start + 16) !== 0x3a) return false;
  let i = start + 19;
  if (s.charCodeAt(i) === 0x2e) {
    const from = ++i;
    while (i < end && isDigit(s, i)) i++;
    if (i === from || i - from > 6) return false;
  }
  const c = s.charCodeAt(i);
  if (c === 0x5a) return i + 1 === end;
  if ((c !== 0x2b && c !== 0x2d) || i + 6 !== end || s.charCodeAt(i + 3) !== 0x3a) return false;
  const oh = pair(s, i + 1);
  const om = pair(s, i + 4);
  return oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
}

/** Why `s` is not an RFC 5424 TIMESTAMP (NILVALUE aside), or undefined when it is one. */
export function timestampProblem(s: string): string | undefined {
  if (isTimestampAt(s, 0, s.length)) return undefined;
  const shape = 'must be YYYY-MM-DDThh:mm:ss[.1-6 digits](Z|±hh:mm) (RFC 5424 §6.2.3)';
  if (s.length < 20 || s.length > MAX_TIMESTAMP_CHARS) return shape;
  if (!(digits(s, 0, 4) && s[4] === '-' && digits(s, 5, 2) && s[7] === '-' && digits(s, 8, 2))) return shape;
  if (s[10] !== 'T') return s[10] === 't' ? "the date-time separator must be an upper-case 'T' (RFC 5424 §6.2.3)" : shape;
  if (!(digits(s, 11, 2) && s[13] === ':' && digits(s, 14, 2) && s[16] === ':' && digits(s, 17, 2))) return shape;
  let i = 19;
  if (s[i] === '.') {
    const start = ++i;
    while (i < s.length && isDigit(s, i)) i++;
    const n = i - start;
    if (n === 0) return 'a fraction point must be followed by 1–6 digits (RFC 5424 §6.2.3)';
    if (n > 6) return `TIME-SECFRAC has ${n} digits; RFC 5424 §6.2.3 allows at most 6`;
  }
  const rest = s.slice(i);
  if (rest === 'z') return "UTC must be an upper-case 'Z' (RFC 5424 §6.2.3)";
  const isOffset = rest.length === 6 && (rest[0] === '+' || rest[0] === '-') && digits(rest, 1, 2) && rest[3] === ':' && digits(rest, 4, 2);
  if (rest !== 'Z' && !isOffset) return `TIME-OFFSET must be Z or ±hh:mm; ${shape}`;
  return dateTimeProblem(s, 6);
}
