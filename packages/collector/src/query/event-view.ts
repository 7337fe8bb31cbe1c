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

/** When the event at a position was pruned by retention (µs), if it was (Store.retention().prunedAt). */
export type PrunedAtLookup = (pos: number) => number | undefined;

/**
 * `{"leafIndex":…,"received":"…","record":{…}}`. A slot whose payload retention removed
 * (docs/retention.md) has `"record":null` and says when, with what still proves it:
 * `{"leafIndex":…,"received":"…","record":null,"pruned":{"at":"…","message":"pruned by retention at …",
 * "device":…,"stream":…,"seq":…,"digest":"<hex>","chainHash":"<hex>"}}`.
 */
export function eventJson(e: StoredEvent, prunedAt?: PrunedAtLookup): string {
  const head = `{"leafIndex":${e.pos},"received":"${formatUs(e.receivedUs)}"`;
  if (e.canonical.length > 0) return `${head},"record":${e.canonical}}`;
  const us = prunedAt?.(e.pos);
  const at = us === undefined ? null : formatUs(us);
  const pruned = {
    at,
    message: at === null ? 'pruned by retention' : `pruned by retention at ${at}`,
    device: e.device,
    stream: e.stream,
    seq: e.seq,
    digest: Buffer.from(e.digest).toString('hex'),
    chainHash: Buffer.from(e.chainHash).toString('hex'),
  };
  return `${head},"record":null,"pruned":${JSON.stringify(pruned)}}`;
}

/** `{"events":[…],"next":…}` */
export function pageJson(events: readonly StoredEvent[], next: string | null, prunedAt?: PrunedAtLookup): string {
  return `{"events":[${events.map((e) => eventJson(e, prunedAt)).join(',')}],"next":${JSON.stringify(next)}}`;
}
