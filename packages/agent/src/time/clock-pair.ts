/**
 * Reading the wall and the monotonic clock "at the same moment".
 *
 * Two calls in a row are not simultaneous: the process can be descheduled or
 * paused by the garbage collector between them, and the first
 * performance.now() of a process loads its binding (1.2 ms on an idle
 * machine). Under load that gap exceeded 100 ms in the SNTP tests (ten test
 * processes on two cores: a server on our own clock read 205 ms off with a
 * 124 ms round trip, and 5 of 15 runs failed until reads were bracketed;
 * 20 of 20 passed after). Every later computation that mixes the two clocks (T4 = T1 +
 * elapsed monotonic time; wall-clock steps against the monotonic clock)
 * would inherit that gap as an error. So the wall clock is read between two
 * monotonic reads, retried while the bracket is wide, and the tightest
 * bracket is kept.
 */

export interface ClockPair {
  /** Wall clock, Unix ms. */
  readonly wall: number;
  /** Monotonic clock at the same moment, ms (middle of the bracket). */
  readonly mono: number;
  /** Width of the bracket, ms: how far apart the two readings may be. */
  readonly uncertaintyMs: number;
}

/** A bracket this tight is taken at once. */
const TIGHT_MS = 0.5;
const MAX_TRIES = 5;

export function readClockPair(now: () => number, mono: () => number): ClockPair {
  let best: ClockPair | undefined;
  for (let i = 0; i < MAX_TRIES; i++) {
    const before = mono();
    const wall = now();
    const after = mono();
    const width = after - before;
    if (!best || width < best.uncertaintyMs) best = { wall, mono: (before + after) / 2, uncertaintyMs: width };
    if (width <= TIGHT_MS) break;
  }
  return best!;
}
