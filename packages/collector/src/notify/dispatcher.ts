/**
 * The delivery loop. It claims due outbox rows (which counts the attempt and
 * leases the row, store/outbox-types.ts), sends each over its channel with a
 * time limit, and settles the attempt: delivered, pending again after a
 * backoff (./backoff.ts), or dead.
 *
 * Deliveries run side by side up to maxInFlight, each settled on its own, so
 * a slow or dead receiver holds its own rows and not everyone's. The loop
 * sleeps until the next row is due, or until wake() (a new row, a settled
 * delivery); a poll interval bounds the sleep so rows written by another
 * process on the same database are found too.
 *
 * The lease is two attempt timeouts: a process that dies mid-send leaves its
 * rows leased, and a restart sends them again once the lease runs out, with
 * the same idempotency key. close() aborts what is in flight and makes those
 * rows due at once, so a graceful restart does not wait for leases.
 */
import type { OutboxRow, Store } from '../store/types.js';
import { type RetryPolicy, settleAttempt } from './backoff.js';
import { idempotencyKey } from './notice.js';
import type { AlertNotice, Channel, DeliveryOutcome, NotifyLogger, SendResult } from './types.js';

export interface DispatcherOptions {
  retry: RetryPolicy;
  timeoutMs: number;
  maxInFlight: number;
  /** Longest sleep between looks at the outbox, ms. */
  pollMs: number;
  log: NotifyLogger;
  /** A row was settled (metrics); `row` is as claimed. */
  onSettled: (row: OutboxRow, outcome: DeliveryOutcome) => void;
  /** µs since the epoch. */
  nowUs: () => number;
  random: () => number;
}

const describe = (err: unknown): string => {
  const e = err as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return cause === undefined ? message : `${message} (${String(cause)})`;
};

export class Dispatcher {
  readonly #store: Store;
  readonly #channels: ReadonlyMap<string, Channel>;
  readonly #opts: DispatcherOptions;
  readonly #inFlight = new Map<number, Promise<void>>();
  readonly #closing = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(store: Store, channels: ReadonlyMap<string, Channel>, opts: DispatcherOptions) {
    this.#store = store;
    this.#channels = channels;
    this.#opts = opts;
  }

  start(): void {
    if (this.#started || this.#closing.signal.aborted) return;
    this.#started = true;
    this.wake();
  }

  /**
   * Stops claiming rows until the next start(); deliveries in flight finish and are settled as usual
   * (a collector that lost the integrator lease: the new holder's dispatcher takes the rest).
   */
  pause(): void {
    this.#started = false;
    clearTimeout(this.#timer);
  }

  /** Claiming rows (started and not paused or closed). */
  get running(): boolean {
    return this.#started && !this.#closing.signal.aborted;
  }

  /** Look at the outbox now (a row was added or settled). No-op before start, while paused and after close. */
  wake(): void {
    if (!this.#started || this.#closing.signal.aborted) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#pump(), 0);
    this.#timer.unref();
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Stops claiming, aborts deliveries in flight and waits for them to settle. */
  async close(): Promise<void> {
    this.#closing.abort(new Error('notifier closing'));
    clearTimeout(this.#timer);
    await Promise.all(this.#inFlight.values());
  }

  #pump(): void {
    if (this.#closing.signal.aborted) return;
    let delayMs = this.#opts.pollMs;
    try {
      const free = this.#opts.maxInFlight - this.#inFlight.size;
      if (free > 0) {
        const now = this.#opts.nowUs();
        const rows = this.#store.claimOutbox(now, now + 2 * this.#opts.timeoutMs * 1000, free);
        for (const row of rows) {
          const p = this.#deliver(row).finally(() => {
            this.#inFlight.delete(row.id);
            this.wake();
          });
          this.#inFlight.set(row.id, p);
        }
        const next = this.#store.nextOutboxDueUs();
        if (next !== undefined) delayMs = Math.min(delayMs, Math.max(0, (next - this.#opts.nowUs()) / 1000));
      }
    } catch (err) {
      // The store failing (disk full, closed under us) must not stop the loop: the rows wait in the outbox.
      this.#opts.log.error({ err: describe(err) }, 'notification outbox unavailable; retrying');
    }
    clearTimeout(this.#timer);
    // Never a busy loop on a row that stays due (a settle that failed to write).
    this.#timer = setTimeout(() => this.#pump(), Math.max(delayMs, this.#inFlight.size >= this.#opts.maxInFlight ? this.#opts.pollMs : 1));
    this.#timer.unref();
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const channel = this.#channels.get(row.channel);
    let result: SendResult;
    if (channel === undefined) {
      result = { kind: 'reject', reason: `channel ${row.channel} is no longer configured` };
    } else {
      result = await this.#attempt(channel, row);
    }
    const closing = this.#closing.signal.aborted;
    const now = this.#opts.nowUs();
    const outcome =
      closing && result.kind === 'retry'
        ? { state: 'pending' as const, nextAttemptUs: now, error: `interrupted by shutdown: ${result.reason}` }
        : settleAttempt(result, row, now, this.#opts.retry, this.#opts.random);
    let stored: boolean;
    try {
      stored = this.#store.settleOutbox(row.id, row.attempts, outcome);
    } catch (err) {
      // Unsettled, the row stays leased and is tried again when the lease ends.
      this.#opts.log.error({ err: describe(err), alertId: row.alertId, channel: row.channel }, 'could not settle a notification');
      return;
    }
    if (!stored) return; // another dispatcher took the row after our lease ran out; its outcome stands
    const settled: DeliveryOutcome = outcome.state === 'pending' ? 'retry' : outcome.state;
    this.#opts.onSettled(row, settled);
    const fields = { alertId: row.alertId, channel: row.channel, attempt: row.attempts };
    if (outcome.state === 'pending') {
      const inS = Math.round((outcome.nextAttemptUs - now) / 1e6);
      this.#opts.log.warn({ ...fields, error: outcome.error, retryInS: inS }, 'notification not delivered; will retry');
    } else if (outcome.state === 'dead') {
      this.#opts.log.error({ ...fields, error: outcome.error }, 'notification dead: not delivered and no longer retried');
    }
  }

  async #attempt(channel: Channel, row: OutboxRow): Promise<SendResult> {
    let notice: AlertNotice;
    try {
      notice = JSON.parse(row.payload) as AlertNotice;
    } catch (err) {
      return { kind: 'reject', reason: `stored notice is not JSON: ${describe(err)}` };
    }
    const signal = AbortSignal.any([AbortSignal.timeout(this.#opts.timeoutMs), this.#closing.signal]);
    try {
      return await channel.send({ notice, idempotencyKey: idempotencyKey(row.alertId, row.channel), attempt: row.attempts }, signal);
    } catch (err) {
      const reason = signal.aborted && !this.#closing.signal.aborted ? `timed out after ${this.#opts.timeoutMs} ms` : describe(err);
      return { kind: 'retry', reason };
    }
  }
}
