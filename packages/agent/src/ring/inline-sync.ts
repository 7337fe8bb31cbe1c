/**
 * Where a critical event's fdatasync runs: on the event-loop thread, or in
 * the libuv thread pool.
 *
 * The pool keeps the event loop free while the disk works, but the hand-off
 * costs two thread wake-ups, and on a small, busy or virtualised machine a
 * wake-up can wait milliseconds for a core (measured on the 2-core
 * development VM: the same 600-byte append + fdatasync had a p99 of 0.2 ms
 * called synchronously and 3–5 ms through the pool, with the syscall itself
 * under 0.3 ms; docs/agent-ring.md "Where the fsync runs"). A critical
 * event's promise waits for exactly that hand-off.
 *
 * So a sync that someone awaits urgently runs inline while the disk is
 * fast: the loop is blocked for the fdatasync itself, about as long as a
 * synchronous pino write. A disk has tails (one fdatasync in a few hundred
 * took 2–6 ms there), which alone say nothing; when SLOW_OF_WINDOW of the
 * last WINDOW inline syncs took longer than `maxMs` (slow flash, a disk
 * under sustained load), the next `backoff` urgent syncs go to the pool, so
 * a slow disk stalls the product's event loop only a few times per backoff.
 * The backoff doubles while the disk stays slow (up to MAX_BACKOFF) and
 * starts over once the window is fast again. Syncs nobody awaits urgently
 * (the 100 ms batch of ordinary events) always use the pool.
 */

/** Urgent syncs sent to the pool after the first slow inline one. */
export const MIN_BACKOFF = 64;
/** The most urgent syncs sent to the pool between two inline probes of a disk that stays slow. */
export const MAX_BACKOFF = 4096;
/** The inline syncs looked at, and how many of them must be slow to turn to the pool. */
export const WINDOW = 8;
export const SLOW_OF_WINDOW = 4;

export class InlineSyncPolicy {
  readonly #maxMs: number;
  #backoff = MIN_BACKOFF;
  #poolLeft = 0;
  /** Bit i set: the i-th latest inline sync was slow (WINDOW bits). */
  #recent = 0;
  /** Syncs run inline, and those of them slower than maxMs; for stats and the bench. */
  inline = 0;
  slow = 0;

  /** `maxMs` ≤ 0: never inline. */
  constructor(maxMs: number) {
    this.#maxMs = maxMs;
  }

  /** Whether the next urgent sync runs inline. */
  useInline(): boolean {
    if (this.#maxMs <= 0) return false;
    if (this.#poolLeft > 0) {
      this.#poolLeft--;
      return false;
    }
    return true;
  }

  /** How long an inline sync took. */
  record(ms: number): void {
    this.inline++;
    const slow = ms > this.#maxMs;
    if (slow) this.slow++;
    this.#recent = ((this.#recent << 1) | (slow ? 1 : 0)) & ((1 << WINDOW) - 1);
    const slowInWindow = popcount(this.#recent);
    if (slowInWindow === 0) this.#backoff = MIN_BACKOFF;
    if (slowInWindow < SLOW_OF_WINDOW) return;
    this.#poolLeft = this.#backoff;
    this.#backoff = Math.min(MAX_BACKOFF, this.#backoff * 2);
    this.#recent = 0;
  }
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}
