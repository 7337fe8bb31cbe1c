/**
 * When to try again, and when to stop. Exponential backoff with jitter: the
 * n-th retry waits a random time in [d/2, d] with d = initial × 2^(n−1)
 * capped at maxDelayMs, so retries after a receiver outage spread out instead
 * of arriving together, yet never come sooner than half the schedule.
 * A Retry-After from the receiver is a lower bound on the wait.
 */
import type { OutboxOutcome } from '../store/outbox-types.js';
import type { SendResult } from './types.js';

export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  maxAgeMs: number;
}

/** Longest Retry-After honoured; a longer one is cut to this (the age limit still applies). */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** The wait after failed attempt `attempt` (1-based); `random` returns [0, 1). */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(Math.max(0, attempt - 1), 52));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** A Retry-After header (RFC 9110 §10.2.3: delta-seconds or an HTTP date) as ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(MAX_RETRY_AFTER_MS, Number(text) * 1000);
  // Every HTTP-date form starts with a day name; Date.parse alone would read "-5" as a year.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - nowMs));
}

/**
 * The outcome to store for a finished attempt. A retry becomes dead when the
 * attempts are used up, or when the next attempt would fall after the
 * notification's maximum age (waiting for it would only delay the verdict).
 */
export function settleAttempt(
  result: SendResult,
  row: { attempts: number; createdUs: number },
  nowUs: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): OutboxOutcome {
  if (result.kind === 'delivered') return { state: 'delivered', atUs: nowUs };
  if (result.kind === 'reject') return { state: 'dead', atUs: nowUs, error: `rejected: ${result.reason}` };
  if (row.attempts >= policy.maxAttempts) {
    return { state: 'dead', atUs: nowUs, error: `gave up after ${row.attempts} attempts: ${result.reason}` };
  }
  const waitMs = Math.max(retryDelayMs(row.attempts, policy, random), result.retryAfterMs ?? 0);
  const nextAttemptUs = nowUs + waitMs * 1000;
  if (nextAttemptUs > row.createdUs + policy.maxAgeMs * 1000) {
    const ageS = Math.round((nowUs - row.createdUs) / 1e6);
    return { state: 'dead', atUs: nowUs, error: `gave up after ${row.attempts} attempts over ${ageS} s (max age): ${result.reason}` };
  }
  return { state: 'pending', nextAttemptUs, error: result.reason };
}
