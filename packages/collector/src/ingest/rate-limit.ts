/**
 * Per-device rate limit (config ingest.perDeviceRatePerSec): a token bucket
 * of records, one second deep, so a device draining its ring after an outage
 * ships at the sustained rate and a runaway device cannot starve the others.
 * A refused batch stores nothing; the device retries it later (429).
 */
import { SeclogError } from '@seclog/core';

interface Bucket {
  tokens: number;
  atMs: number;
}

export class RateLimiter {
  readonly #perSec: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(perSec: number, now: () => number = () => performance.now()) {
    this.#perSec = perSec;
    this.#now = now;
  }

  /** Takes `n` records from `device`'s bucket or throws INGEST_RATE_LIMITED. */
  take(device: string, n: number): void {
    const now = this.#now();
    let b = this.#buckets.get(device);
    if (b === undefined) {
      b = { tokens: this.#perSec, atMs: now };
      this.#buckets.set(device, b);
    }
    b.tokens = Math.min(this.#perSec, b.tokens + ((now - b.atMs) * this.#perSec) / 1000);
    b.atMs = now;
    // A batch larger than one second's budget is admitted on a full bucket, or it could never pass.
    const need = Math.min(n, this.#perSec);
    if (b.tokens < need) {
      const retryAfterMs = Math.ceil(((need - b.tokens) * 1000) / this.#perSec);
      throw new SeclogError('INGEST_RATE_LIMITED', `device ${device} is over ${this.#perSec} records/s`, { device, retryAfterMs });
    }
    b.tokens -= n;
  }
}
