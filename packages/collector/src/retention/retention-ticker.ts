/**
 * The server's timers for retention and capacity (docs/retention.md): a
 * retention run every retention.intervalMinutes (when retention.enabled), a
 * storage measurement every storage.checkIntervalSeconds. Only the collector
 * holding the integrator lease runs retention (one writer of pruning on a
 * shared PostgreSQL database); every node measures storage, since every node
 * gates its own ingest. A run never overlaps another: a tick that finds one
 * running is skipped. Timers are unref'd: they never keep the process alive.
 */
import type { Store } from '../store/types.js';
import type { StorageMonitor } from './capacity.js';
import type { RetentionPolicy } from './policy.js';
import { type RetentionRunOptions, type RetentionTrigger, runRetention } from './retention-run.js';

export interface RetentionTickerOptions {
  readonly store: Store;
  readonly policy: RetentionPolicy;
  readonly retentionEnabled: boolean;
  readonly retentionIntervalMs: number;
  readonly storageIntervalMs: number;
  readonly monitor: StorageMonitor;
  readonly record: NonNullable<RetentionRunOptions['record']>;
  readonly leading: () => boolean;
  readonly warn: (message: string, err: unknown) => void;
}

export class RetentionTicker {
  readonly #o: RetentionTickerOptions;
  #timers: NodeJS.Timeout[] = [];
  #running: Promise<unknown> | undefined;
  #checking: Promise<unknown> | undefined;

  constructor(o: RetentionTickerOptions) {
    this.#o = o;
  }

  start(): void {
    const o = this.#o;
    if (o.retentionEnabled) this.#timers.push(setInterval(() => void this.run('schedule'), o.retentionIntervalMs).unref());
    this.#timers.push(setInterval(() => void this.#check(), o.storageIntervalMs).unref());
    // A first measurement right away, so the gate and GET /api/v1/storage have a level from the start.
    void this.#check();
  }

  /** One retention run now unless one is running (then that one's promise). */
  run(trigger: RetentionTrigger): Promise<unknown> {
    const o = this.#o;
    if (!o.leading()) return Promise.resolve();
    this.#running ??= runRetention(o.store, o.policy, {
      trigger,
      record: o.record,
      pause: () => new Promise((r) => setImmediate(r)),
    })
      .catch((err) => o.warn('retention run failed', err))
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  #check(): Promise<unknown> {
    this.#checking ??= this.#o.monitor
      .check()
      .catch((err) => this.#o.warn('storage check failed', err))
      .finally(() => {
        this.#checking = undefined;
      });
    return this.#checking;
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await this.#running;
    await this.#checking;
  }
}
