/**
 * RFC 3339 date-times, exactly. A record's `time` is UTC with exactly six
 * fractional digits (`2026-11-27T13:33:43.123456Z`); inputs from other formats
 * (RFC 5424 TIMESTAMP, OTLP nanoseconds) may carry an offset and 0–9
 * fractional digits. Conversions are integer arithmetic so no digit is lost or
 * invented, and impossible dates (February 30, hour 24) are refused rather than
 * rolled over as `Date` would.
 */
import { SeclogError } from '../errors.js';

/** A point in time with microsecond resolution, as integers. */
export interface Instant {
  /** Milliseconds since the Unix epoch (UTC), integer. */
  ms: number;
  /** Microseconds within that millisecond, 0–999. */
  us: number;
}

export interface ParsedDateTime extends Instant {
  /** The fractional-second digits exactly as written ('' when absent). */
  fraction: string;
  /** Offset from UTC in minutes as written (Z is 0). */
  offsetMinutes: number;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Why `s` is not a valid RFC 3339 date-time, or undefined when it is.
 * Leap second 60 is refused: no record can be ordered by it reliably, and RFC
 * 5424 allows 00–59 only.
 */
export function dateTimeProblem(s: string, maxFractionDigits = 9): string | undefined {
  const m = DATE_TIME.exec(s);
  if (!m) return 'not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm))';
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) return `month ${m[2]} does not exist`;
  if (day < 1 || day > daysInMonth(year, month)) return `day ${m[3]} does not exist in ${m[1]}-${m[2]}`;
  if (Number(m[4]) > 23) return `hour ${m[4]} does not exist`;
  if (Number(m[5]) > 59) return `minute ${m[5]} does not exist`;
  if (Number(m[6]) > 59) return `second ${m[6]} is out of range 00–59`;
  if (m[7] !== undefined && m[7].length > maxFractionDigits) return `more than ${maxFractionDigits} fractional digits`;
  if (m[9] !== undefined) {
    if (Number(m[10]) > 23 || Number(m[11]) > 59) return `offset ${m[9]}${m[10]}:${m[11]} is out of range`;
  }
  return undefined;
}

/** Parse an RFC 3339 date-time exactly; throws TIME_INVALID with the reason. */
export function parseDateTime(s: string, maxFractionDigits = 9): ParsedDateTime {
  const problem = dateTimeProblem(s, maxFractionDigits);
  if (problem !== undefined) throw new SeclogError('TIME_INVALID', `${JSON.stringify(s)}: ${problem}`, { value: s });
  const m = DATE_TIME.exec(s) as RegExpExecArray;
  const fraction = m[7] ?? '';
  const padded = `${fraction}000000000`;
  const fracMs = Number(padded.slice(0, 3));
  const us = Number(padded.slice(3, 6));
  const offsetMinutes = m[9] === undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), fracMs);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear undoes that.
  const d = new Date(utc);
  d.setUTCFullYear(Number(m[1]));
  return { ms: d.getTime() - offsetMinutes * 60_000, us, fraction, offsetMinutes };
}

/** True when `s` is a record time: UTC, six fractional digits, a real date. */
export function isEventTime(s: string): boolean {
  return EVENT_TIME.test(s) && dateTimeProblem(s) === undefined;
}

/** Format an instant as a record time: `YYYY-MM-DDThh:mm:ss.ffffffZ`. */
export function formatEventTime(t: Instant): string {
  const second = Math.floor(t.ms / 1000);
  // Every record is stamped, and most fall in the same second as the one
  // before: the date and time up to the second are formatted once per second.
  if (second !== lastSecond) {
    const iso = new Date(second * 1000).toISOString(); // YYYY-MM-DDThh:mm:ss.000Z
    if (iso.length !== 24) throw new SeclogError('TIME_INVALID', `time ${t.ms} ms is outside years 0000–9999`, { ms: t.ms });
    lastSecond = second;
    lastPrefix = iso.slice(0, 20);
  }
  const ms = DIGITS3[t.ms - second * 1000];
  const us = DIGITS3[t.us];
  if (ms === undefined || us === undefined) {
    throw new SeclogError('TIME_INVALID', `${t.ms} ms + ${t.us} µs is not an instant (whole ms, 0–999 µs)`, { ms: t.ms, us: t.us });
  }
  return `${lastPrefix}${ms}${us}Z`;
}

/** "000" … "999". */
const DIGITS3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let lastSecond = Number.NaN;
let lastPrefix = '';

/** The record time of now (microseconds from the high-resolution clock's sub-millisecond part). */
export function eventTimeNow(nowMs: number = Date.now()): string {
  return formatEventTime({ ms: Math.floor(nowMs), us: Math.floor((nowMs % 1) * 1000) });
}

/** Convert any RFC 3339 date-time to a record time; more than six fractional digits are refused unless `truncate`. */
export function toEventTime(s: string, truncate = false): string {
  const p = parseDateTime(s, truncate ? 9 : 6);
  return formatEventTime(p);
}

/** Nanoseconds since the epoch (OTLP's string form) to an instant; sub-microsecond digits are cut. */
export function instantFromUnixNanos(nanos: bigint): Instant {
  const us = nanos / 1000n;
  const ms = us / 1000n;
  return { ms: Number(ms), us: Number(us - ms * 1000n) };
}

/** An instant as nanoseconds since the epoch. */
export function unixNanosFromInstant(t: Instant): bigint {
  return BigInt(t.ms) * 1_000_000n + BigInt(t.us) * 1000n;
}
