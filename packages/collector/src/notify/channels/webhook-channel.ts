/**
 * Webhook channel: one POST of JSON per attempt (Node's fetch).
 *
 *   2xx                    delivered
 *   408, 429, 5xx          retry (Retry-After honoured as the least wait)
 *   3xx                    reject: a redirect is not followed, since it would
 *                          carry the signed alert to a URL nobody configured
 *   other 4xx              reject: the receiver refuses this request, and the
 *                          same request again will not do better
 *   network error/timeout  retry
 */
import { parseRetryAfter } from '../backoff.js';
import { webhookBody } from '../notice.js';
import type { Channel, Delivery, SendResult } from '../types.js';
import { slackPayload } from './slack-payload.js';
import { signWebhook } from './webhook-signature.js';

export interface WebhookChannelConfig {
  name: string;
  url: string;
  format: 'json' | 'slack';
  /** Signing key; without one (format slack only) the request is unsigned. */
  secret: string | undefined;
}

const USER_AGENT = 'seclog-notifier/1';

/** The HTTP status classes above. */
export function classifyHttpStatus(status: number, retryAfter: string | null, nowMs: number): SendResult {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const reason = `HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
    return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
  }
  if (status >= 300 && status < 400) return { kind: 'reject', reason: `${reason} (redirects are not followed)` };
  return { kind: 'reject', reason };
}

export class WebhookChannel implements Channel {
  readonly type = 'webhook' as const;
  readonly name: string;
  readonly peer: { host: string; port: number; protocol: string };
  readonly #cfg: WebhookChannelConfig;
  readonly #now: () => number;

  constructor(cfg: WebhookChannelConfig, now: () => number = Date.now) {
    this.#cfg = cfg;
    this.#now = now;
    this.name = cfg.name;
    const u = new URL(cfg.url);
    const protocol = u.protocol.replace(/:$/, '');
    this.peer = { host: u.hostname, port: u.port === '' ? (protocol === 'https' ? 443 : 80) : Number(u.port), protocol };
  }

  /** The body of a delivery as sent (the exact bytes signed). */
  body(d: Delivery): string {
    const b = this.#cfg.format === 'slack' ? slackPayload(d.notice, d.idempotencyKey) : webhookBody(d.notice, d.idempotencyKey);
    return JSON.stringify(b);
  }

  async send(d: Delivery, signal: AbortSignal): Promise<SendResult> {
    const body = this.body(d);
    const timestamp = String(Math.floor(this.#now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'idempotency-key': d.idempotencyKey,
      'x-seclog-delivery-attempt': String(d.attempt),
      'x-seclog-timestamp': timestamp,
    };
    if (this.#cfg.secret !== undefined) headers['x-seclog-signature'] = signWebhook(this.#cfg.secret, timestamp, body);
    const res = await fetch(this.#cfg.url, { method: 'POST', headers, body, signal, redirect: 'manual' });
    // The body is not needed; cancelling frees the connection for reuse.
    await res.body?.cancel().catch(() => undefined);
    return classifyHttpStatus(res.status, res.headers.get('retry-after'), this.#now());
  }

  close(): void {}
}
