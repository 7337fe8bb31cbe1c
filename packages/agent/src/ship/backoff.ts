/**
 * How long to wait before trying again.
 *
 * Exponential backoff with full jitter (the AWS architecture blog's
 * "Exponential Backoff And Jitter"): the wait is uniform in
 * [0, min(maxMs, baseMs · 2^attempt)). A fleet of devices that lost the
 * collector at the same moment then spreads its reconnects over the window
 * instead of arriving in waves.
 *
 * A server hint (429 `details.retryAfterMs` or `Retry-After`, 503
 * `Retry-After`) is a floor: never earlier than asked, plus up to 10 % more
 * so devices told the same instant do not all return at it. Hints are capped
 * at an hour, so a bad header cannot park a device for days.
 */

export interface BackoffPolicy {
  /** Window of the first retry. */
  readonly baseMs: number;
  /** Largest window. */
  readonly maxMs: number;
}

export const MAX_HINT_MS = 60 * 60_000;

/** Full-jitter delay before retry number `attempt` (0 for the first retry). `random` returns [0, 1). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // 2^attempt overflows to Infinity past ~1000 attempts; min() keeps it finite.
  const window = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 52));
  return Math.floor(random() * window);
}

/** The delay for a server hint: at least the hint, at most 10 % above, capped at MAX_HINT_MS. */
export function hintedDelayMs(hintMs: number, random: () => number = Math.random): number {
  const floor = Math.min(Math.max(0, Math.ceil(hintMs)), MAX_HINT_MS);
  return floor + Math.floor(random() * floor * 0.1);
}

/**
 * The hint of an error answer in milliseconds, if any: `details.retryAfterMs`
 * of a seclog error body first, then `Retry-After` (delta-seconds or an HTTP
 * date, RFC 9110 §10.2.3).
 */
export function retryHintMs(retryAfterHeader: string | undefined, details: unknown, nowMs: number = Date.now()): number | undefined {
  const fromBody = (details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (typeof fromBody === 'number' && Number.isFinite(fromBody) && fromBody >= 0) return fromBody;
  if (retryAfterHeader === undefined) return undefined;
  const v = retryAfterHeader.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
