/**
 * Coalesces passthrough records per attributed device before they reach
 * ForeignStreams.append, which holds the stream's lock until its commit is
 * durable: without this, every read chunk of every connection of one device
 * would wait for a commit of its own. Here one append per device is in
 * flight; whatever arrives meanwhile, from any connection or datagram, goes
 * into the next one. Each caller's promise settles with the append that
 * carried its records, so a connection knows when its messages are durable.
 */
import type { SecurityEvent } from '@seclog/core';
import type { ForeignAppend } from '../ingest/foreign-stream.js';

interface Waiter {
  events: SecurityEvent[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Queue {
  waiters: Waiter[];
  records: number;
  busy: boolean;
  authenticated: boolean;
}

export class ForeignBatcher {
  readonly #append: (a: ForeignAppend) => Promise<unknown>;
  readonly #source: string;
  readonly #maxRecords: number;
  readonly #queues = new Map<string, Queue>();
  #queued = 0;

  constructor(append: (a: ForeignAppend) => Promise<unknown>, opts: { source: string; maxRecords: number }) {
    this.#append = append;
    this.#source = opts.source;
    this.#maxRecords = opts.maxRecords;
  }

  /** Records waiting for an append (not yet handed to the committer). */
  get queued(): number {
    return this.#queued;
  }

  /** Resolves once `events` are durable. `authenticated` (a certificate) moves the device's last-seen time. */
  add(device: string, events: SecurityEvent[], authenticated: boolean): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    let q = this.#queues.get(device);
    if (q === undefined) {
      q = { waiters: [], records: 0, busy: false, authenticated: false };
      this.#queues.set(device, q);
    }
    const queue = q;
    const done = new Promise<void>((resolve, reject) => queue.waiters.push({ events, resolve, reject }));
    queue.records += events.length;
    queue.authenticated ||= authenticated;
    this.#queued += events.length;
    if (!queue.busy) this.#next(device, queue);
    return done;
  }

  #next(device: string, q: Queue): void {
    if (q.waiters.length === 0) {
      this.#queues.delete(device);
      return;
    }
    // Whole waiters only, at least one, up to maxRecords.
    const take: Waiter[] = [];
    let n = 0;
    while (q.waiters.length > 0 && (take.length === 0 || n + (q.waiters[0] as Waiter).events.length <= this.#maxRecords)) {
      const w = q.waiters.shift() as Waiter;
      take.push(w);
      n += w.events.length;
    }
    q.records -= n;
    this.#queued -= n;
    const authenticated = q.authenticated;
    if (q.waiters.length === 0) q.authenticated = false;
    q.busy = true;
    void this.#run(device, take, authenticated).finally(() => {
      q.busy = false;
      this.#next(device, q);
    });
  }

  /** One append for all of `take`; if it is refused, each caller's records alone, so one bad record cannot fail the others. */
  async #run(device: string, take: readonly Waiter[], authenticated: boolean): Promise<void> {
    const events = take.length === 1 ? (take[0] as Waiter).events : take.flatMap((w) => w.events);
    try {
      await this.#append({ device, source: this.#source, events, authenticated });
      for (const w of take) w.resolve();
      return;
    } catch (err) {
      if (take.length === 1) {
        (take[0] as Waiter).reject(err);
        return;
      }
    }
    for (const w of take) {
      try {
        await this.#append({ device, source: this.#source, events: w.events, authenticated });
        w.resolve();
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
