/**
 * Requests refused for their credentials (no token, an unknown one, a token
 * of the wrong kind) recorded as `authn_login_fail` in the collector's own
 * stream. Such a request comes from someone the collector does not know, so
 * each record is a leaf an anonymous sender can make: at most `perWindow`
 * records per window are written, and the refusals left out are counted into
 * the next record written (and always into the metrics of the route).
 */
import type { SeclogError } from '@seclog/core';
import type { FastifyRequest } from 'fastify';
import type { OwnStream } from '../ingest/own-stream.js';

export interface RefusedTokenLogOptions {
  /** attrs.interface of the records ("otlp"). */
  interface: string;
  /** Records per window at most (default 10). */
  perWindow?: number;
  /** Window length in ms (default 60 s). */
  windowMs?: number;
}

/** Why a credential was refused, from the error's code and details.reason. */
function reasonOf(err: SeclogError): string {
  if (err.code === 'AUTH_TOKEN_MISSING') return 'missing_token';
  const reason = err.details.reason;
  return reason === 'unknown' ? 'unknown_token' : reason === 'kind' ? 'wrong_token_kind' : 'malformed_token';
}

export class RefusedTokenLog {
  readonly #own: OwnStream;
  readonly #interface: string;
  readonly #perWindow: number;
  readonly #windowMs: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #written = 0;
  #left = 0;

  constructor(own: OwnStream, opts: RefusedTokenLogOptions) {
    this.#own = own;
    this.#interface = opts.interface;
    this.#perWindow = opts.perWindow ?? 10;
    this.#windowMs = opts.windowMs ?? 60_000;
  }

  /** Records the refusal unless the window is full; resolves once it is durable (or was left out). */
  async record(req: FastifyRequest, err: SeclogError, nowMs: number = Date.now()): Promise<void> {
    if (nowMs - this.#windowStart >= this.#windowMs) {
      this.#windowStart = nowMs;
      this.#written = 0;
    }
    if (this.#written >= this.#perWindow) {
      this.#left++;
      return;
    }
    this.#written++;
    const left = this.#left;
    this.#left = 0;
    const reason = reasonOf(err);
    await this.#own.append({
      name: 'authn_login_fail',
      input: {
        actor: { user: 'unknown', ...(req.ip ? { ip: req.ip } : {}) },
        target: { resource: `${req.method} ${req.routeOptions.url ?? req.url}` },
        attrs: { method: 'token', reason, interface: this.#interface, ...(left > 0 ? { refusals_not_recorded: left } : {}) },
        message:
          `${this.#interface} request refused: ${err.message}` +
          (left > 0 ? ` (${left} earlier refusals were not recorded: at most ${this.#perWindow} per ${this.#windowMs / 1000} s)` : ''),
      },
    });
  }
}
