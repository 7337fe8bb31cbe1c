/**
 * Event time in microseconds since the Unix epoch. A record's `time` has one
 * fixed shape (`2026-11-27T13:33:43.123456Z`), read here digit by digit with
 * no allocation; anything else goes through core's exact RFC 3339 parser.
 * Microsecond integers stay below 2^53 until the year 2255.
 */
import { parseDateTime, SeclogError } from '@seclog/core';

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), without a Date object. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function eventTimeUs(time: string): number {
  if (
    time.length === 27 &&
    time[4] === '-' &&
    time[7] === '-' &&
    time[10] === 'T' &&
    time[13] === ':' &&
    time[16] === ':' &&
    time[19] === '.' &&
    time[26] === 'Z'
  ) {
    const y = digits(time, 0, 4);
    const mo = digits(time, 5, 2);
    const d = digits(time, 8, 2);
    const h = digits(time, 11, 2);
    const mi = digits(time, 14, 2);
    const s = digits(time, 17, 2);
    const us = digits(time, 20, 6);
    // Date.UTC would roll February 30 over to March 2; such dates fall through to the exact parser, which refuses them.
    if (
      y >= 1970 &&
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      d <= daysInMonth(y, mo) &&
      h >= 0 &&
      h <= 23 &&
      mi >= 0 &&
      mi <= 59 &&
      s >= 0 &&
      s <= 59 &&
      us >= 0
    )
      return ((daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s) * 1000 + 0) * 1000 + us;
  }
  try {
    const p = parseDateTime(time);
    return p.ms * 1000 + p.us;
  } catch (err) {
    throw new SeclogError(
      'DETECT_INPUT_INVALID',
      `event time ${JSON.stringify(time)} is not an RFC 3339 date-time`,
      { time },
      { cause: err },
    );
  }
}

/** RFC 3339 text (six fractional digits, UTC) of a microsecond time. */
export function formatUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const frac = String(us - ms * 1000).padStart(3, '0');
  return `${new Date(ms).toISOString().slice(0, 23)}${frac}Z`;
}
