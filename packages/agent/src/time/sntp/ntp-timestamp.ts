/**
 * NTP 64-bit timestamps (RFC 5905 §6): 32 bits of seconds since
 * 1900-01-01T00:00:00Z and 32 bits of binary fraction.
 *
 * The seconds field wraps every 2^32 s (136 years): era 0 ends at
 * 2036-02-07T06:28:16Z. A timestamp alone cannot say which era it is in, so
 * decoding takes a pivot (the local clock) and picks the era that puts the
 * result nearest to it. That is correct while the local clock is within
 * 68 years of the truth, which even a device whose RTC reset to 1970 meets.
 */

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;
/** Length of one NTP era in seconds. */
export const NTP_ERA_S = 2 ** 32;
const FRACTION_PER_MS = 2 ** 32 / 1000;

/** The two 32-bit words of an NTP timestamp. */
export interface NtpTimestamp {
  /** Seconds since the start of the era, unsigned 32-bit. */
  readonly seconds: number;
  /** Binary fraction of a second, unsigned 32-bit (1 unit = 2^-32 s ≈ 233 ps). */
  readonly fraction: number;
}

/** Encode Unix milliseconds (fractional allowed) as an NTP timestamp; the era is dropped, as on the wire. */
export function ntpFromUnixMs(unixMs: number): NtpTimestamp {
  let s = Math.floor(unixMs / 1000);
  let fraction = Math.round((unixMs - s * 1000) * FRACTION_PER_MS);
  if (fraction >= NTP_ERA_S) {
    // rounding carried into the next second
    s += 1;
    fraction -= NTP_ERA_S;
  }
  const ntpS = s + NTP_UNIX_OFFSET_S;
  const seconds = ((ntpS % NTP_ERA_S) + NTP_ERA_S) % NTP_ERA_S;
  return { seconds, fraction };
}

/**
 * Decode an NTP timestamp to Unix milliseconds, choosing the era nearest to
 * `pivotUnixMs` (RFC 5905 §6: arithmetic across the 2036 wrap works when
 * both ends are within 68 years).
 */
export function unixMsFromNtp(ts: NtpTimestamp, pivotUnixMs: number): number {
  const pivotNtpS = Math.floor(pivotUnixMs / 1000) + NTP_UNIX_OFFSET_S;
  const pivotEra = Math.floor(pivotNtpS / NTP_ERA_S);
  let best = Number.NaN;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const era of [pivotEra - 1, pivotEra, pivotEra + 1]) {
    const unixS = era * NTP_ERA_S + ts.seconds - NTP_UNIX_OFFSET_S;
    const ms = unixS * 1000 + ts.fraction / FRACTION_PER_MS;
    const d = Math.abs(ms - pivotUnixMs);
    if (d < bestDistance) {
      best = ms;
      bestDistance = d;
    }
  }
  return best;
}

/** True when both words are zero: RFC 5905 uses 0 for "unknown" or "not set". */
export function isZeroTimestamp(ts: NtpTimestamp): boolean {
  return ts.seconds === 0 && ts.fraction === 0;
}
