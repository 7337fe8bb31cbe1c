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

/** Why `s` is not an RFC 5424 TIMESTAMP (NILVALUE aside), or undefined when it is one. */
export function timestampProblem(s: string): string | undefined {
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
