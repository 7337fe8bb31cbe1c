/**
 * The clocks a record is stamped with.
 *
 * `time` is the wall clock in whole milliseconds, but never earlier than the
 * last time stamped in the stream: seal epochs are contiguous windows
 * [start, end) in time order, and a record stamped before the open epoch's
 * start would be refused as outside its epoch. So after the wall clock is
 * set back, records keep the last time stamped until the clock catches up;
 * the step itself is recorded as `time_change`, `tq` says the clock is not
 * trusted, and `mono_ms` keeps counting.
 *
 * `boot` is the kernel's boot id when there is one (Linux), else a random id
 * per process; `mono_ms` is CLOCK_MONOTONIC (process.hrtime: milliseconds
 * since boot on Linux), read through performance.now() with a fixed offset
 * so a record costs no BigInt.
 */
import { readFileSync } from 'node:fs';
import { uuidv7 } from '@seclog/core';

export class StampClock {
  readonly #wall: () => number;
  #last: number;

  /** `floorMs`: the time of the newest record already in the stream (and the open epoch's start). */
  constructor(wall: () => number, floorMs: number) {
    this.#wall = wall;
    this.#last = Math.ceil(floorMs);
  }

  /** The wall clock as read, in ms (not clamped). */
  wall(): number {
    return this.#wall();
  }

  /** The time for the next record: max(wall clock, last time stamped). */
  now(): number {
    const w = Math.floor(this.#wall());
    if (w > this.#last) this.#last = w;
    return this.#last;
  }

  /**
   * A time strictly after every record stamped so far: an epoch closed early
   * ends here, and the records of the epoch must all lie before its end.
   */
  after(): number {
    this.#last = Math.max(Math.floor(this.#wall()), this.#last + 1);
    return this.#last;
  }

  /** Never stamp before `ms`. */
  raise(ms: number): void {
    if (ms > this.#last) this.#last = Math.ceil(ms);
  }
}

const BOOT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The kernel's boot id (Linux), or a fresh UUIDv7 for this process. */
export function bootId(): string {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    if (BOOT_ID.test(id)) return id;
  } catch {
    // not Linux, or /proc not mounted
  }
  return uuidv7();
}

/** Milliseconds of the monotonic clock (since boot on Linux), whole. */
export function monoClock(): () => number {
  const base = Number(process.hrtime.bigint() / 1000n) / 1000 - performance.now();
  return () => Math.floor(base + performance.now());
}
