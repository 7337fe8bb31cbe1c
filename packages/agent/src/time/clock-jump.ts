/**
 * Detecting steps of the wall clock by watching it against the monotonic
 * clock, which nothing can set.
 *
 * Between two checks both clocks should advance by the same amount; when the
 * wall clock advanced by more or less than the monotonic one beyond the
 * threshold, someone set it (a user, an NTP daemon stepping it, an RTC
 * restore). The reference is re-based at every check, so a slewing NTP
 * daemon (at most 500 ppm) adds well under a millisecond per one-second
 * check and is never mistaken for a step.
 *
 * Limitation: Linux's CLOCK_MONOTONIC (which Node's clocks read) stops while
 * the system is suspended and the wall clock does not, so a resume from
 * suspend shows as a forward step of the time spent asleep.
 */

import { readClockPair } from './clock-pair.js';

export interface ClockJump {
  /** What the wall clock would read now had it not been stepped, Unix ms. */
  readonly oldMs: number;
  /** What it reads, Unix ms. */
  readonly newMs: number;
  /** newMs − oldMs: negative when the clock went back. */
  readonly deltaMs: number;
}

export class ClockJumpDetector {
  readonly #now: () => number;
  readonly #mono: () => number;
  readonly #thresholdMs: number;
  #wallRef: number;
  #monoRef: number;

  constructor(now: () => number, mono: () => number, thresholdMs: number) {
    this.#now = now;
    this.#mono = mono;
    this.#thresholdMs = thresholdMs;
    const pair = readClockPair(now, mono);
    this.#wallRef = pair.wall;
    this.#monoRef = pair.mono;
  }

  /** Compare the clocks since the last check; a jump when they diverged by more than the threshold. */
  check(): ClockJump | undefined {
    const { wall, mono } = readClockPair(this.#now, this.#mono);
    const expected = this.#wallRef + (mono - this.#monoRef);
    this.#wallRef = wall;
    this.#monoRef = mono;
    const deltaMs = wall - expected;
    if (Math.abs(deltaMs) <= this.#thresholdMs) return undefined;
    return { oldMs: expected, newMs: wall, deltaMs };
  }
}
