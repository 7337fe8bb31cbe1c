/**
 * Dead notifications into the collector's own stream, so an alert that
 * reached nobody is itself on the record (DESIGN.md: nothing disappears
 * silently).
 *
 * The catalogue has no event for a failed notification; the closest is
 * `net_conn_fail` (an outbound connection that failed), raised to severity
 * high, with `reason: notification_dead`, the peer, port and protocol of
 * the channel, `count` = attempts made, and the alert id, channel,
 * idempotency key (attrs.notification) and last error as extra attributes.
 * A row is marked reported only after its record is durable, so a crash
 * between the two reports it again (a duplicate record rather than none).
 */
import type { OwnEvent } from '../ingest/own-stream.js';
import type { OutboxRow, Store } from '../store/types.js';
import { idempotencyKey } from './notice.js';
import type { Channel, NotifyLogger, OwnEventSink } from './types.js';

export const DEAD_LETTER_EVENT = 'net_conn_fail';
const BATCH = 50;
const RETRY_MS = 5000;

export function deadLetterEvent(row: OutboxRow, channel: Channel | undefined): OwnEvent {
  const error = row.lastError ?? 'unknown';
  return {
    name: DEAD_LETTER_EVENT,
    input: {
      severity: 'high',
      outcome: 'failure',
      attrs: {
        peer: channel?.peer.host ?? row.channel,
        reason: 'notification_dead',
        direction: 'outbound',
        ...(channel === undefined ? {} : { port: channel.peer.port, protocol: channel.peer.protocol }),
        count: Math.max(1, row.attempts),
        alert_id: row.alertId,
        channel: row.channel,
        ...(channel === undefined ? {} : { channel_type: channel.type }),
        // Named so: core redacts attrs whose last word is `key`.
        notification: idempotencyKey(row.alertId, row.channel),
        error,
      },
      message: `notification of alert ${row.alertId} over channel ${row.channel} is dead after ${row.attempts} attempt(s): ${error}`,
    },
  };
}

export class DeadLetters {
  readonly #store: Store;
  readonly #sink: OwnEventSink | undefined;
  readonly #channels: ReadonlyMap<string, Channel>;
  readonly #log: NotifyLogger;
  #running: Promise<void> | undefined;
  #again = false;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(store: Store, sink: OwnEventSink | undefined, channels: ReadonlyMap<string, Channel>, log: NotifyLogger) {
    this.#store = store;
    this.#sink = sink;
    this.#channels = channels;
    this.#log = log;
  }

  /** Records every dead row not yet recorded; calls while one runs fold into one more pass. */
  report(): Promise<void> {
    if (this.#sink === undefined || this.#closed) return Promise.resolve();
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        void this.report();
      }
    });
    return this.#running;
  }

  /** Stops after the pass in progress; rows left unreported are reported by the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#running;
  }

  async #pass(): Promise<void> {
    const sink = this.#sink as OwnEventSink;
    try {
      for (;;) {
        const rows = this.#store.unreportedDeadOutbox(BATCH);
        if (rows.length === 0) return;
        await sink.append(...rows.map((r) => deadLetterEvent(r, this.#channels.get(r.channel))));
        this.#store.markOutboxReported(rows.map((r) => r.id));
        if (rows.length < BATCH) return;
      }
    } catch (err) {
      this.#log.error({ err: (err as Error)?.message ?? String(err) }, 'could not record dead notifications in the own stream; retrying');
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => void this.report(), RETRY_MS);
      this.#retry.unref();
    }
  }
}
