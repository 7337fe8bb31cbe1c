/**
 * What a person gives to start a review: a period (checked: ended, at most
 * 366 days), its times in RFC 3339, and the id the review gets.
 */
import { randomBytes } from 'node:crypto';
import { parseDateTime, SeclogError } from '@seclog/core';
import { rfc3339 } from './review-record.js';
import { DAY_US } from './schedule.js';

const MAX_PERIOD_US = 366 * DAY_US;

export function checkPeriod(startUs: number, endUs: number, nowUs: number): void {
  const bad = (field: string, why: string) => new SeclogError('REVIEW_PERIOD_INVALID', `${field}: ${why}`, { field });
  if (!Number.isSafeInteger(startUs)) throw bad('periodStart', 'not a time');
  if (!Number.isSafeInteger(endUs)) throw bad('periodEnd', 'not a time');
  if (endUs <= startUs) throw bad('periodEnd', 'must be after periodStart');
  if (endUs - startUs > MAX_PERIOD_US) throw bad('periodEnd', 'a period is at most 366 days');
  if (endUs > nowUs) throw bad('periodEnd', 'the period has not ended yet');
}

/** `rev-<schedule>-<YYYYMMDD>` for a schedule's period; `rev-<YYYYMMDD>-<8 hex>` for a period chosen by hand. */
export function reviewIdOf(schedule: string | null, startUs: number): string {
  const day = rfc3339(startUs).slice(0, 10).replaceAll('-', '');
  if (schedule !== null) return `rev-${schedule}-${day}`;
  return `rev-${day}-${randomBytes(4).toString('hex')}`;
}

/** An RFC 3339 time to µs; undefined when it is not one. */
export function parseTimeUs(text: string): number | undefined {
  try {
    const t = parseDateTime(text);
    return t.ms * 1000 + t.us;
  } catch {
    return undefined;
  }
}
