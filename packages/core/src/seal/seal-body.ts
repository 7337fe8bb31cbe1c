/**
 * The `log_seal` record's attrs, the body its tag covers, and the tag.
 *
 *   body = { chain_head, device_id, epoch, epoch_end, epoch_start, first_seq,
 *            last_seq, oldest_retained_seq, prev_seal_tag, stream }
 *   tag  = HMAC-SHA256(sk_epoch, JCS(body))            64 lowercase hex
 *
 * The body is every attr but `tag`, plus the device id and the stream, so a
 * seal cannot be moved to another device or stream with the same k_0 lineage.
 * It does not cover the seal record's envelope (id, time, mono_ms, message):
 * those are chained, and so covered by the NEXT seal's chain_head.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalize } from '../canon/jcs.js';
import { SHA256_HEX_RE } from '../event/patterns.js';
import type { Attrs } from '../event/types.js';
import { isEventTime } from '../time/rfc3339.js';

export const LOG_SEAL_EVENT = 'log_seal';

/** attrs of a `log_seal` record (catalogue entry in catalogue/entries/logging.ts). */
export type LogSealAttrs = {
  epoch: number;
  first_seq: number;
  /** first_seq − 1 for an empty epoch; always the seal record's seq − 1. */
  last_seq: number;
  /** Chain hash of record last_seq: the seal record's own prev. */
  chain_head: string;
  /** Tag of the stream's previous seal; zeros for the first. */
  prev_seal_tag: string;
  oldest_retained_seq: number;
  /** Epoch window [epoch_start, epoch_end), RFC 3339 UTC with microseconds. */
  epoch_start: string;
  epoch_end: string;
  tag: string;
};

export type SealBody = Omit<LogSealAttrs, 'tag'> & { device_id: string; stream: string };

export function sealBody(attrs: Omit<LogSealAttrs, 'tag'>, deviceId: string, stream: string): SealBody {
  return {
    epoch: attrs.epoch,
    first_seq: attrs.first_seq,
    last_seq: attrs.last_seq,
    chain_head: attrs.chain_head,
    prev_seal_tag: attrs.prev_seal_tag,
    oldest_retained_seq: attrs.oldest_retained_seq,
    epoch_start: attrs.epoch_start,
    epoch_end: attrs.epoch_end,
    device_id: deviceId,
    stream,
  };
}

/** HMAC-SHA256(sk, JCS(body)) as 64 lowercase hex. */
export function computeSealTag(sk: Uint8Array, body: SealBody): string {
  return createHmac('sha256', sk).update(canonicalize(body)).digest('hex');
}

/** Constant-time comparison of two hex tags: the collector must not leak how much of a forged tag was right. */
export function tagsEqual(a: string, b: string): boolean {
  if (!SHA256_HEX_RE.test(a) || !SHA256_HEX_RE.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

function isCount(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

/** The seal attrs of a record, or a reason why they are not well-formed. */
export function readSealAttrs(attrs: Attrs): LogSealAttrs | string {
  const a = attrs as Record<string, unknown>;
  if (!isCount(a.epoch, 0)) return 'epoch is not a non-negative integer';
  if (!isCount(a.first_seq, 1)) return 'first_seq is not a positive integer';
  if (!isCount(a.last_seq, 0) || a.last_seq < a.first_seq - 1) return 'last_seq is not an integer ≥ first_seq − 1';
  if (!isCount(a.oldest_retained_seq, 1)) return 'oldest_retained_seq is not a positive integer';
  for (const k of ['chain_head', 'prev_seal_tag', 'tag'] as const) {
    if (typeof a[k] !== 'string' || !SHA256_HEX_RE.test(a[k] as string)) return `${k} is not 64 lowercase hex digits`;
  }
  for (const k of ['epoch_start', 'epoch_end'] as const) {
    if (typeof a[k] !== 'string' || !isEventTime(a[k] as string)) return `${k} is not an RFC 3339 UTC time with microseconds`;
  }
  return a as unknown as LogSealAttrs;
}
