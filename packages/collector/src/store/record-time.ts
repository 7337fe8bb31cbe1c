/**
 * A record's `time` as microseconds since the epoch, for the events.time_us
 * query column. Records reach the store validated, so `time` has the exact
 * shape `YYYY-MM-DDThh:mm:ss.ffffffZ`; the fast path parses only the seconds
 * prefix (and remembers the last one: records of a batch share their second
 * far more often than not) and adds the six fraction digits. Anything else
 * goes through core's exact RFC 3339 parser.
 */
import { parseDateTime } from '@seclog/core';

const DOT = 0x2e;
const Z = 0x5a;

export class RecordTimeParser {
  #lastPrefix = '';
  #lastMs = 0;

  toUs(time: string): number {
    if (time.length === 27 && time.charCodeAt(19) === DOT && time.charCodeAt(26) === Z) {
      const prefix = time.slice(0, 19);
      if (prefix !== this.#lastPrefix) {
        const ms = Date.parse(`${prefix}Z`);
        if (Number.isNaN(ms)) return this.#slow(time);
        this.#lastPrefix = prefix;
        this.#lastMs = ms;
      }
      const fraction = Number(time.slice(20, 26));
      if (Number.isInteger(fraction) && fraction >= 0) return this.#lastMs * 1000 + fraction;
    }
    return this.#slow(time);
  }

  #slow(time: string): number {
    const t = parseDateTime(time);
    return t.ms * 1000 + t.us;
  }
}
