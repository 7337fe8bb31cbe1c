/**
 * Email channel (nodemailer over SMTP). Transport security is explicit:
 *
 *   starttls  plain connect, then STARTTLS is required: a server that does
 *             not offer it (or a man in the middle that strips it) gets no
 *             mail and no password (nodemailer's requireTLS)
 *   implicit  TLS from the first byte (SMTPS, usually port 465)
 *   none      no TLS (loopback relays; anything else needs `insecure`)
 *
 * Certificates are always verified, against `ca` when given. An SMTP reply
 * 5xx is permanent (reject: bad recipient, refused auth, message refused);
 * 4xx replies, connection and TLS failures (a refused STARTTLS included)
 * and timeouts are retried.
 * Each message carries the idempotency key in `X-Seclog-Idempotency-Key` and
 * a Message-ID derived from it, so a repeat is the same message to a mail
 * store that deduplicates on Message-ID.
 */
import { createHash } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import { noticeHeadline, noticeLines } from '../notice.js';
import type { Channel, Delivery, SendResult } from '../types.js';

export interface EmailChannelConfig {
  name: string;
  host: string;
  port: number;
  tls: 'starttls' | 'implicit' | 'none';
  /** PEM text of the CA(s) to trust; undefined: the system's. */
  ca: string | undefined;
  user: string | undefined;
  password: string | undefined;
  from: string;
  to: readonly string[];
  /** Bounds connect, greeting and each socket wait. */
  timeoutMs: number;
}

/** Control characters would end a header line early; a subject is one line. */
const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f]+/g, ' ');

export function classifySmtpError(err: unknown): SendResult {
  const e = err as { responseCode?: unknown; code?: unknown; message?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const reason = [
    typeof e.code === 'string' ? e.code : undefined,
    code,
    typeof e.message === 'string' ? e.message.split('\n')[0] : String(err),
  ]
    .filter((x) => x !== undefined)
    .join(' ');
  // A refused STARTTLS is a TLS failure (ETLS), retried like the others: it can be a
  // middlebox stripping it, and the mail must wait for TLS rather than die.
  if (code !== undefined && code >= 500 && code < 600 && e.code !== 'ETLS') return { kind: 'reject', reason };
  return { kind: 'retry', reason };
}

export class EmailChannel implements Channel {
  readonly type = 'email' as const;
  readonly name: string;
  readonly peer: { host: string; port: number; protocol: string };
  readonly #cfg: EmailChannelConfig;
  readonly #transport: Transporter;

  constructor(cfg: EmailChannelConfig) {
    this.#cfg = cfg;
    this.name = cfg.name;
    this.peer = { host: cfg.host, port: cfg.port, protocol: cfg.tls === 'implicit' ? 'smtps' : 'smtp' };
    this.#transport = createTransport({
      host: cfg.host,
      port: cfg.port,
      secure: cfg.tls === 'implicit',
      requireTLS: cfg.tls === 'starttls',
      ignoreTLS: cfg.tls === 'none',
      ...(cfg.user === undefined ? {} : { auth: { user: cfg.user, pass: cfg.password ?? '' } }),
      tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(cfg.ca === undefined ? {} : { ca: cfg.ca }) },
      connectionTimeout: cfg.timeoutMs,
      greetingTimeout: cfg.timeoutMs,
      socketTimeout: cfg.timeoutMs,
      dnsTimeout: cfg.timeoutMs,
    });
  }

  async send(d: Delivery, signal: AbortSignal): Promise<SendResult> {
    const n = d.notice;
    const sending = this.#transport.sendMail({
      from: this.#cfg.from,
      to: [...this.#cfg.to],
      subject: oneLine(`seclog ${noticeHeadline(n)}`),
      text: `${noticeLines(n, d.idempotencyKey).join('\n')}\n`,
      messageId: `<${createHash('sha256').update(d.idempotencyKey).digest('hex').slice(0, 32)}@notify.seclog>`,
      headers: { 'X-Seclog-Idempotency-Key': d.idempotencyKey, 'X-Seclog-Alert-Id': oneLine(n.alertId) },
    });
    // nodemailer cannot cancel a send; its own timeouts end it, and the attempt is settled at the abort.
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    try {
      await Promise.race([sending, aborted]);
      return { kind: 'delivered' };
    } catch (err) {
      if (signal.aborted) throw err;
      return classifySmtpError(err);
    } finally {
      sending.catch(() => undefined);
    }
  }

  close(): void {
    this.#transport.close();
  }
}
