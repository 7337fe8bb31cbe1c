/**
 * Epoch windows in integer microseconds since the Unix epoch, the resolution
 * of a record's `time`. Integers keep the window arithmetic exact (2^53 µs is
 * year 2255), and converting a wall clock in ms the same way eventTimeNow
 * does means a record stamped at `nowMs` and a window edge set from the same
 * `nowMs` compare as equal, never off by a float rounding.
 *
 * The grid: epoch boundaries fall on t0 + k·epochMs. An epoch closed by time
 * ends on the first grid line after its start; one closed early (record
 * count, shutdown) ends before it, and the next epoch starts where it ended,
 * so windows are contiguous and none is longer than epochMs.
 */
import { SeclogError } from '../errors.js';
import { formatEventTime, parseDateTime } from '../time/rfc3339.js';

/** The part of the seal policy that fixes the grid. */
export interface EpochGrid {
  /** Origin, ms since the Unix epoch. */
  readonly t0Ms: number;
  /** Length of an epoch closed by time, ms. */
  readonly epochMs: number;
}

/** Microseconds of a (possibly fractional) ms wall clock, truncated like eventTimeNow. */
export function microsFromMs(ms: number): number {
  if (!Number.isFinite(ms)) throw new SeclogError('SEAL_INPUT_INVALID', `a time must be finite milliseconds (got ${ms})`, { ms });
  const whole = Math.floor(ms);
  return whole * 1000 + Math.floor((ms - whole) * 1000);
}

export function eventTimeFromMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  return formatEventTime({ ms, us: us - ms * 1000 });
}

/** Microseconds of an RFC 3339 time; throws TIME_INVALID. */
export function microsFromEventTime(s: string): number {
  const t = parseDateTime(s);
  return t.ms * 1000 + t.us;
}

/** Microseconds of a record time, or undefined when it is not a valid time. */
export function tryMicros(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  try {
    return microsFromEventTime(s);
  } catch {
    return undefined;
  }
}

/** The first grid line strictly after `startUs`: where an epoch starting there ends by time. */
export function gridEndUs(startUs: number, grid: EpochGrid): number {
  const t0Us = grid.t0Ms * 1000;
  const epochUs = grid.epochMs * 1000;
  return t0Us + (Math.floor((startUs - t0Us) / epochUs) + 1) * epochUs;
}

/**
 * Why [startUs, endUs) cannot be one epoch on this grid, or undefined. A seal
 * with a valid tag can still carry such a window only if the device's clock
 * or code is broken, or its key was used by someone else.
 */
export function epochWindowProblem(startUs: number, endUs: number, grid: EpochGrid): string | undefined {
  if (endUs < startUs) return 'it ends before it starts';
  if (endUs > gridEndUs(startUs, grid)) return `it runs past the grid line after its start (epochs are at most ${grid.epochMs} ms)`;
  return undefined;
}
