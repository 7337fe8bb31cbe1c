/**
 * Failure bookkeeping of the shipper: how many tries failed in a row, how
 * long to wait before the next, and which reports an outage deserves. Each
 * condition is reported once (the first failure of an outage, the first TLS
 * refusal, the first misrouted answer) and its end once, when a batch is
 * acknowledged again: never once per retry.
 */
import type { IngestOutcome } from './answer.js';
import { type BackoffPolicy, backoffDelayMs, hintedDelayMs } from './backoff.js';
import type { ShipReport } from './reports.js';
import { tlsFailureReason } from './tls-pin.js';

export type Failure = Exclude<IngestOutcome, { kind: 'acked' } | { kind: 'refused' }>;

/** What the shipper does after a failure. */
export interface AfterFailure {
  /** Stop until new credentials (401, 403). */
  pause: boolean;
  /** Send plain bodies from now on (415 on gzip). */
  plainBodies: boolean;
  /** When to try again (ms since the epoch); undefined: at once. */
  retryAt: number | undefined;
}

export class OutageTracker {
  readonly #backoff: BackoffPolicy;
  readonly #random: () => number;
  readonly #report: (r: ShipReport) => void;
  readonly #peer: { peer: string; port: number };
  /** Failures since the last acknowledged batch. */
  failures = 0;
  lastError: string | undefined;
  #since: number | undefined;
  #reportedOutage = false;
  #reportedTls = false;
  #reportedMisconfig = false;

  constructor(backoff: BackoffPolicy, random: () => number, report: (r: ShipReport) => void, peer: { peer: string; port: number }) {
    this.#backoff = backoff;
    this.#random = random;
    this.#report = report;
    this.#peer = peer;
  }

  /** A batch was acknowledged: the outage, if any, is over and the backoff starts again from its base. */
  succeeded(): void {
    if (this.#reportedOutage || this.#reportedTls || this.#reportedMisconfig) {
      this.#report({ kind: 'collector-reachable', outageMs: Date.now() - (this.#since ?? Date.now()), failures: this.failures });
    }
    this.#reportedOutage = this.#reportedTls = this.#reportedMisconfig = false;
    this.failures = 0;
    this.#since = undefined;
    this.lastError = undefined;
  }

  failed(o: Failure): AfterFailure {
    const now = Date.now();
    this.failures++;
    this.#since ??= now;
    const backoff = (): number => now + backoffDelayMs(this.failures - 1, this.#backoff, this.#random);
    const after = (retryAt: number | undefined): AfterFailure => ({ pause: false, plainBodies: false, retryAt });
    if (o.kind === 'network') {
      const code = o.error.code ?? 'ERR_NETWORK';
      this.lastError = `${code}: ${o.error.message}`;
      const reason = tlsFailureReason(code);
      if (reason !== undefined && !this.#reportedTls) {
        this.#reportedTls = true;
        const pin = o.error as { fingerprint?: unknown; subject?: unknown };
        this.#report({
          kind: 'tls-failed',
          ...this.#peer,
          reason,
          code,
          message: o.error.message,
          ...(typeof pin.fingerprint === 'string' ? { fingerprint: pin.fingerprint } : {}),
          ...(typeof pin.subject === 'string' ? { subject: pin.subject } : {}),
        });
      } else if (reason === undefined && !this.#reportedOutage) {
        this.#reportedOutage = true;
        this.#report({ kind: 'collector-unreachable', code, message: o.error.message });
      }
      return after(backoff());
    }
    const { status, code, message } = o.error;
    this.lastError = `${status} ${code}: ${message}`;
    switch (o.kind) {
      case 'unauthorized':
        this.#report({ kind: 'unauthorized', status, code, message });
        return { pause: true, plainBodies: false, retryAt: undefined };
      case 'gzip-refused':
        // Not the collector's fault, nor a reason to wait: send plain from now on.
        this.failures--;
        this.#report({ kind: 'gzip-refused' });
        return { pause: false, plainBodies: true, retryAt: undefined };
      case 'systematic':
        if (!this.#reportedMisconfig) {
          this.#reportedMisconfig = true;
          this.#report({ kind: 'collector-misconfigured', status, code, message });
        }
        return after(backoff());
      case 'transient':
        // Rate limiting is the collector working as configured, not an outage.
        if (status !== 429 && !this.#reportedOutage) {
          this.#reportedOutage = true;
          this.#report({ kind: 'collector-unreachable', code, message });
        }
        return after(o.hintMs !== undefined ? now + hintedDelayMs(o.hintMs, this.#random) : backoff());
    }
  }

  /** The source could not be read (an I/O error of the ring): report, back off. */
  sourceFailed(err: unknown): number {
    this.failures++;
    this.lastError = `source: ${err instanceof Error ? err.message : String(err)}`;
    this.#report({ kind: 'source-failed', message: this.lastError });
    return Date.now() + backoffDelayMs(this.failures - 1, this.#backoff, this.#random);
  }
}
