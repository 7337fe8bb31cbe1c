/**
 * Times in rule tests are offsets from the case's start: `0s`, `65s`,
 * `1m30s`, `59.999999s`, `500ms`; with a leading `+` they count from the
 * previous step instead (`+5s`). A bare number is seconds. Microseconds,
 * because event times carry microseconds.
 */

const UNIT_US: Readonly<Record<string, number>> = { us: 1, ms: 1_000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000, d: 86_400_000_000 };
const PART = /([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h|d)/y;
/** Longest offset accepted: a year is far more than any window, and keeps times exact in a double. */
const MAX_OFFSET_US = 366 * UNIT_US.d!;

export type TestOffset = { readonly relative: boolean; readonly us: number } | { readonly problem: string };

/** A duration such as `5s`, `1m30s`, `250ms` in microseconds, or why the text is not one. */
export function parseTestDuration(value: unknown): { us: number } | { problem: string } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return { problem: `${value} is not a duration ≥ 0` };
    return checkRange(Math.round(value * UNIT_US.s!), String(value));
  }
  if (typeof value !== 'string') return { problem: 'expected a duration such as 5s, 1m30s or 250ms' };
  const text = value.trim();
  let us = 0;
  PART.lastIndex = 0;
  let matched = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (m === null || m.index !== at) break;
    us += Number(m[1]) * UNIT_US[m[2]!]!;
    matched = PART.lastIndex;
  }
  if (text === '' || matched !== text.length)
    return { problem: `${JSON.stringify(value)} is not a duration: numbers with units us, ms, s, m, h, d (e.g. 5s, 1m30s, 59.999999s)` };
  return checkRange(Math.round(us), text);
}

/** `at:` / `sweep:` values: an offset from the case start, or with `+` from the previous step. */
export function parseTestOffset(value: unknown): TestOffset {
  if (typeof value === 'string' && value.trim().startsWith('+')) {
    const d = parseTestDuration(value.trim().slice(1));
    return 'problem' in d ? d : { relative: true, us: d.us };
  }
  const d = parseTestDuration(value);
  return 'problem' in d ? d : { relative: false, us: d.us };
}

function checkRange(us: number, text: string): { us: number } | { problem: string } {
  if (us > MAX_OFFSET_US) return { problem: `${text} is more than a year` };
  return { us };
}

/** `+55s`, `+10m5s`, `+59.999999s`: an offset from the case start, for diffs. */
export function formatTestOffset(us: number): string {
  const sign = us < 0 ? '-' : '+';
  let rest = Math.abs(us);
  const parts: string[] = [];
  for (const u of ['d', 'h', 'm'] as const) {
    const f = UNIT_US[u]!;
    if (rest >= f) {
      parts.push(`${Math.floor(rest / f)}${u}`);
      rest %= f;
    }
  }
  if (rest > 0 || parts.length === 0) {
    const s = rest / UNIT_US.s!;
    parts.push(`${Number.isInteger(s) ? s : s.toFixed(6).replace(/0+$/, '')}s`);
  }
  return `${sign}${parts.join('')}`;
}
