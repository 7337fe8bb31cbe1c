/**
 * Sigma timespans: a whole number and one lowercase unit letter (`90m`, `1h`,
 * `10s`, `2d`), as the correlation specification prescribes. Microseconds,
 * because event times carry microseconds.
 */

export const US_PER_SECOND = 1_000_000;

const UNIT_US: Readonly<Record<string, number>> = {
  s: US_PER_SECOND,
  m: 60 * US_PER_SECOND,
  h: 3600 * US_PER_SECOND,
  d: 86_400 * US_PER_SECOND,
};

/** Longest timespan accepted: windows are held in memory, and a month covers every rule in the pack. */
export const MAX_TIMESPAN_US = 31 * UNIT_US.d!;

/** Microseconds of a Sigma timespan, or a reason why the text is not one. */
export function parseTimespan(text: string): { us: number } | { problem: string } {
  const m = /^([0-9]{1,7})([smhd])$/.exec(text);
  if (m === null) return { problem: `${JSON.stringify(text)} is not a timespan: a whole number and one of s, m, h, d (e.g. 90m)` };
  const us = Number(m[1]) * UNIT_US[m[2]!]!;
  if (us === 0) return { problem: 'a timespan must be longer than zero' };
  if (us > MAX_TIMESPAN_US) return { problem: `${text} is longer than the 31 days seclog holds windows for` };
  return { us };
}

/** `90m` style text for a duration in microseconds (largest exact unit). */
export function formatDurationUs(us: number): string {
  for (const u of ['d', 'h', 'm', 's']) {
    const f = UNIT_US[u]!;
    if (us % f === 0) return `${us / f}${u}`;
  }
  return `${us}us`;
}
