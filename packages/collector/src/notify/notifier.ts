/**
 * The notifier: alerts in, notifications out through a durable outbox.
 *
 * enqueue() writes one outbox row per channel whose severity filter lets the
 * alert through, in one transaction, and returns once it is durable (or, when
 * called inside a Store.transaction, once that commits: an alert and its
 * notifications can be stored together). The rows are keyed by (alert id,
 * channel), so handing the same alert over twice, say after a restart that
 * did not record the first hand-over, adds nothing and sends nothing again.
 * The Dispatcher sends the rows; dead ones are recorded in the collector's
 * own stream by DeadLetters and counted by the observer.
 */
import type { NotifyConfig } from '../config/schema.js';
import type { Store } from '../store/types.js';
import { type ChannelContext, createChannels } from './channels/channel-config.js';
import { DeadLetters } from './dead-letters.js';
import { Dispatcher } from './dispatcher.js';
import { assertValidNotice, noticeToJson, SEVERITY_RANK } from './notice.js';
import type { AlertNotice, Channel, NotifyLogger, NotifyObserver, OwnEventSink } from './types.js';

export interface NotifierOptions extends ChannelContext {
  store: Store;
  config: NotifyConfig;
  /** Where dead notifications are recorded (the server's OwnStream); without it they are only logged and counted. */
  own?: OwnEventSink;
  /** Told about every settled attempt (CollectorMetrics.notifyObserver). */
  observer?: NotifyObserver;
  log?: NotifyLogger;
  /** Channels to use instead of building config.channels (tests, custom transports); their severity filter is still read from config by name. */
  channels?: readonly Channel[];
  /** Longest sleep between looks at the outbox (default 5000 ms). */
  pollMs?: number;
  /** Wall clock, ms (default Date.now). */
  now?: () => number;
  /** [0, 1) for the backoff jitter (default Math.random). */
  random?: () => number;
}

const SILENT: NotifyLogger = { warn: () => undefined, error: () => undefined };

export class Notifier {
  readonly #store: Store;
  readonly #channels: ReadonlyMap<string, Channel>;
  readonly #minRank: ReadonlyMap<string, number>;
  readonly #dispatcher: Dispatcher;
  readonly #dead: DeadLetters;
  readonly #now: () => number;
  #closed: Promise<void> | undefined;

  constructor(opts: NotifierOptions) {
    const { store, config } = opts;
    const log = opts.log ?? SILENT;
    this.#store = store;
    this.#now = opts.now ?? Date.now;
    const channels = opts.channels ?? createChannels(config, opts);
    this.#channels = new Map(channels.map((c) => [c.name, c]));
    const configured = new Map(config.channels.map((c) => [c.name, c.minSeverity]));
    this.#minRank = new Map(channels.map((c) => [c.name, SEVERITY_RANK[configured.get(c.name) ?? config.minSeverity]]));
    this.#dead = new DeadLetters(store, opts.own, this.#channels, log);
    const observer = opts.observer;
    this.#dispatcher = new Dispatcher(store, this.#channels, {
      retry: config.retry,
      timeoutMs: config.retry.timeoutMs,
      maxInFlight: config.maxInFlight,
      pollMs: opts.pollMs ?? 5000,
      log,
      nowUs: () => Math.round(this.#now() * 1000),
      random: opts.random ?? Math.random,
      onSettled: (row, outcome) => {
        observer?.settled(row.channel, outcome);
        if (outcome === 'dead') void this.#dead.report();
      },
    });
  }

  /** Names of the channels in use. */
  get channels(): string[] {
    return [...this.#channels.keys()];
  }

  /**
   * Queues the alert for every channel that takes its severity; durable and idempotent when it
   * returns. Throws NOTIFY_NOTICE_INVALID for a malformed notice (nothing queued).
   */
  enqueue(notice: AlertNotice): void {
    assertValidNotice(notice);
    const rank = SEVERITY_RANK[notice.severity];
    const nowUs = Math.round(this.#now() * 1000);
    const payload = noticeToJson(notice);
    const rows = [...this.#minRank]
      .filter(([, min]) => rank >= min)
      .map(([channel]) => ({ alertId: notice.alertId, channel, payload, createdUs: nowUs, nextAttemptUs: nowUs }));
    if (rows.length === 0) return;
    if (this.#store.enqueueOutbox(rows) > 0) this.#dispatcher.wake();
  }

  /** Starts delivering (rows left by an earlier run included) and records dead rows not yet recorded. */
  start(): void {
    this.#dispatcher.start();
    void this.#dead.report();
  }

  /** Stops claiming rows until start() again; deliveries in flight finish (see Dispatcher.pause). */
  pause(): void {
    this.#dispatcher.pause();
  }

  /** Claiming and sending rows of the outbox now. */
  get dispatching(): boolean {
    return this.#dispatcher.running;
  }

  /** Deliveries in progress. */
  get inFlight(): number {
    return this.#dispatcher.inFlight;
  }

  /** Stops: in-flight deliveries are aborted and their rows made due again; closes the channels. Call before closing the store. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#dispatcher.close();
      await this.#dead.close();
      for (const c of this.#channels.values()) c.close();
    })();
    return this.#closed;
  }
}
