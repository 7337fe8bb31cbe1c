/**
 * Review schedules (config `reviews.schedules`): which periods exist and when
 * each one's review is due. All in UTC, so a period is the same interval on
 * every node and in every time zone:
 *
 *   weekly    Monday 00:00 → next Monday 00:00
 *   monthly   the 1st 00:00 → the next 1st 00:00
 *   days      anchor + k·days → anchor + (k+1)·days, for every integer k
 *
 * The due time is the period's end plus `dueDays` (default 7) days. Periods
 * are half-open [start, end) in µs of record time, as everywhere in seclog.
 */
import { SeclogError } from '@seclog/core';
import { type ConfigIssue, issue } from '../config/issues.js';
import type { ReviewScheduleConfig, ReviewsConfig } from './config-schema.js';

export const DAY_US = 86_400_000_000;
const DEFAULT_DUE_DAYS = 7;
/** 2026-01-05, a Monday: the default anchor of `every: days`, so 7-day periods line up with weekly ones. */
const DEFAULT_ANCHOR = '2026-01-05';

export interface Period {
  startUs: number;
  endUs: number;
  dueUs: number;
}

export interface Schedule {
  readonly name: string;
  readonly every: 'weekly' | 'monthly' | 'days';
  readonly days: number | undefined;
  readonly anchorUs: number;
  readonly dueDays: number;
  /** The period that contains `us`. */
  periodAt(us: number): Period;
  /** The period before `p`. */
  previous(p: Period): Period;
  /** The last period that has ended at `nowUs` (its end ≤ nowUs). */
  lastEnded(nowUs: number): Period;
}

/** The problems of `reviews.schedules` the schema cannot see: what each `every` needs, unique names, real dates. */
export function reviewConfigIssues(reviews: ReviewsConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  reviews.schedules.forEach((s, i) => {
    const at = `reviews.schedules.${i}`;
    const fail = (key: string, rule: string, got: unknown, why: string) =>
      out.push(issue('CONFIG_INVALID', `${at}.${key}`, rule, got, why, new Map()));
    if (seen.has(s.name)) fail('name', 'unique', s.name, 'two schedules have this name');
    seen.add(s.name);
    if (s.every === 'days' && s.days === undefined) fail('days', 'required', undefined, '`every: days` needs the period length in days');
    if (s.every !== 'days' && s.days !== undefined)
      fail('days', 'unused', s.days, `only \`every: days\` takes days (${s.every} periods are fixed)`);
    if (s.every !== 'days' && s.anchor !== undefined) fail('anchor', 'unused', s.anchor, `only \`every: days\` takes an anchor`);
    if (s.anchor !== undefined && anchorUs(s.anchor) === undefined) fail('anchor', 'date', s.anchor, 'not a calendar date (YYYY-MM-DD)');
  });
  return out;
}

function anchorUs(date: string): number | undefined {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return undefined;
  return ms * 1000;
}

const floorDiv = (a: number, b: number): number => Math.floor(a / b);

/** Builds the schedules of the configuration; throws REVIEW_CONFIG_INVALID for what reviewConfigIssues reports. */
export function schedulesOf(reviews: ReviewsConfig): Schedule[] {
  const issues = reviewConfigIssues(reviews);
  if (issues.length > 0) {
    throw new SeclogError('REVIEW_CONFIG_INVALID', `invalid review schedules:\n${issues.map((i) => `  ${i.message}`).join('\n')}`, {
      errors: issues,
    });
  }
  return reviews.schedules.map(scheduleOf);
}

export function scheduleOf(s: ReviewScheduleConfig): Schedule {
  const dueDays = s.dueDays ?? DEFAULT_DUE_DAYS;
  const withDue = (startUs: number, endUs: number): Period => ({ startUs, endUs, dueUs: endUs + dueDays * DAY_US });
  const base = { name: s.name, every: s.every, dueDays };
  if (s.every === 'monthly') {
    const monthStart = (us: number, delta: number): number => {
      const d = new Date(Math.floor(us / 1000));
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + delta, 1) * 1000;
    };
    const periodAt = (us: number) => withDue(monthStart(us, 0), monthStart(us, 1));
    return {
      ...base,
      days: undefined,
      anchorUs: 0,
      periodAt,
      previous: (p) => periodAt(p.startUs - 1),
      lastEnded: (nowUs) => periodAt(monthStart(nowUs, 0) - 1),
    };
  }
  const lengthUs = (s.every === 'weekly' ? 7 : (s.days as number)) * DAY_US;
  const anchor = s.every === 'weekly' ? (anchorUs(DEFAULT_ANCHOR) as number) : (anchorUs(s.anchor ?? DEFAULT_ANCHOR) as number);
  const periodAt = (us: number) => {
    const start = anchor + floorDiv(us - anchor, lengthUs) * lengthUs;
    return withDue(start, start + lengthUs);
  };
  return {
    ...base,
    days: s.every === 'days' ? s.days : undefined,
    anchorUs: anchor,
    periodAt,
    previous: (p) => periodAt(p.startUs - 1),
    lastEnded: (nowUs) => periodAt(periodAt(nowUs).startUs - 1),
  };
}
