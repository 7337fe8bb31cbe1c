/**
 * An event as the query API and the live tail show it: the leaf index, the
 * collector's receive time and the stored record. The record is spliced in
 * as stored (its canonical JSON, what the chain and the leaf hash cover), so
 * a client sees byte for byte what is proven, and the server never parses it.
 */
import { formatEventTime } from '@seclog/core';
import type { StoredEvent } from '../store/types.js';

/** µs since the epoch as RFC 3339 UTC with six fractional digits. */
export function formatUs(us: number): string {
  const ms = Math.floor(us / 1000);
  return formatEventTime({ ms, us: us - ms * 1000 });
}

/** `{"leafIndex":…,"received":"…","record":{…}}` */
export function eventJson(e: StoredEvent): string {
  return `{"leafIndex":${e.pos},"received":"${formatUs(e.receivedUs)}","record":${e.canonical}}`;
}

/** `{"events":[…],"next":…}` */
export function pageJson(events: readonly StoredEvent[], next: string | null): string {
  return `{"events":[${events.map(eventJson).join(',')}],"next":${JSON.stringify(next)}}`;
}
