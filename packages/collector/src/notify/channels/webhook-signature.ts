/**
 * Webhook signatures:
 *
 *   X-Seclog-Timestamp: <unix seconds>
 *   X-Seclog-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *
 * The timestamp is inside the MAC, so a receiver that refuses timestamps
 * outside a few minutes of its clock refuses a replay of an old request, and
 * one that also remembers the idempotency keys it has seen within that window
 * refuses a replay inside it. Each attempt is signed afresh with its own time,
 * so a retry hours later is still accepted. verifyWebhookSignature is what a
 * receiver written in Node does (docs/notifications.md shows it in full).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-seclog-timestamp';
export const SIGNATURE_HEADER = 'x-seclog-signature';
/** Receivers' default tolerance for the timestamp, either way. */
export const DEFAULT_TOLERANCE_S = 300;

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/** Checks a received request: the signature over exactly the bytes received, and the timestamp within `toleranceS` of `nowS`. */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: string,
  opts: { nowS?: number; toleranceS?: number } = {},
): SignatureCheck {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp) || !/^sha256=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'malformed' };
  const nowS = opts.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowS - Number(timestamp)) > (opts.toleranceS ?? DEFAULT_TOLERANCE_S)) return { ok: false, reason: 'stale' };
  const want = Buffer.from(signWebhook(secret, timestamp, rawBody));
  return timingSafeEqual(want, Buffer.from(signature)) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
