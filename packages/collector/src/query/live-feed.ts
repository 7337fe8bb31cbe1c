/**
 * The live tail's pub/sub: subscribers with a filter and a position, fed from
 * the store as records are committed.
 *
 * Nothing is buffered per subscriber beyond what its socket accepts: each one
 * keeps only the next position to read, and a pump reads the new positions
 * from the store (queryEvents over a small forward window, so filters run in
 * SQL) and writes them out until the socket pushes back. A subscriber that
 * pushes back while more than `maxLag` events behind the head is dropped with
 * a final error event naming the last id it got; it can resume from there
 * with Last-Event-ID, since the log still holds everything.
 *
 * The pump runs after every group commit (`notify()`, wired to the group
 * committer in server/collector.ts) and on a poll timer, which catches
 * commits made outside the committer (enrolment, the CLI on the same file).
 */
import { SeclogError } from '@seclog/core';
import type { EventQuery, Store } from '../store/types.js';
import { eventJson } from './event-view.js';

export interface LiveFeedOptions {
  /** Drop a subscriber that is not reading and this many events behind (default 10,000). */
  maxLag: number;
  /** A comment line to every idle subscriber this often, so proxies keep the connection (default 15 s). */
  heartbeatMs: number;
  /** Read the store this often even without a notification (default 1 s). */
  pollMs: number;
  /** Positions read per store call and per subscriber per pump turn (default 1,000). */
  chunk: number;
}

export const LIVE_FEED_DEFAULTS: Readonly<LiveFeedOptions> = Object.freeze({
  maxLag: 10_000,
  heartbeatMs: 15_000,
  pollMs: 1_000,
  chunk: 1_000,
});

/** Where a subscriber's events go: a server-sent-events response in practice. */
export interface FeedSink {
  /** Writes a chunk; false when the client is not keeping up (write more only after `onDrain`). */
  write(chunk: string): boolean;
  /** Calls `fn` once, the next time the sink can take more. */
  onDrain(fn: () => void): void;
  end(): void;
}

export type FeedFilter = Omit<EventQuery, 'limit' | 'beforePos' | 'fromPos' | 'scanLimit'>;

interface Subscriber {
  filter: FeedFilter;
  /** Next position to read. */
  pos: number;
  /** Last position written, -1 for none. */
  lastId: number;
  sink: FeedSink;
  blocked: boolean;
  closed: boolean;
}

export class LiveFeed {
  readonly #store: Store;
  readonly #opts: LiveFeedOptions;
  readonly #subs = new Set<Subscriber>();
  #scheduled = false;
  #poll: NodeJS.Timeout | undefined;
  #beat: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(store: Store, options: Partial<LiveFeedOptions> = {}) {
    this.#store = store;
    this.#opts = { ...LIVE_FEED_DEFAULTS, ...options };
  }

  get size(): number {
    return this.#subs.size;
  }

  /** The position the next committed record will get: where a tail without Last-Event-ID starts. */
  head(): number {
    return this.#store.eventCount();
  }

  /** Records were committed: feed the subscribers soon (coalesced). */
  notify(): void {
    if (this.#scheduled || this.#subs.size === 0 || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /** Feeds `sink` every record matching `filter` from position `fromPos` on; returns the unsubscribe function. */
  subscribe(filter: FeedFilter, fromPos: number, sink: FeedSink): () => void {
    if (this.#closed) {
      sink.end();
      return () => {};
    }
    const sub: Subscriber = { filter, pos: fromPos, lastId: fromPos - 1, sink, blocked: false, closed: false };
    this.#subs.add(sub);
    this.#startTimers();
    this.notify();
    return () => this.#remove(sub);
  }

  /** Ends every subscription (shutdown). */
  close(): void {
    this.#closed = true;
    for (const sub of this.#subs) {
      this.#remove(sub);
      sub.sink.end();
    }
    this.#stopTimers();
  }

  #remove(sub: Subscriber): void {
    sub.closed = true;
    this.#subs.delete(sub);
    if (this.#subs.size === 0) this.#stopTimers();
  }

  #startTimers(): void {
    if (this.#poll !== undefined || this.#closed) return;
    this.#poll = setInterval(() => this.#pump(), this.#opts.pollMs);
    this.#poll.unref();
    this.#beat = setInterval(() => {
      for (const sub of this.#subs) if (!sub.blocked) sub.sink.write(': keep-alive\n\n');
    }, this.#opts.heartbeatMs);
    this.#beat.unref();
  }

  #stopTimers(): void {
    clearInterval(this.#poll);
    clearInterval(this.#beat);
    this.#poll = undefined;
    this.#beat = undefined;
  }

  #pump(): void {
    if (this.#subs.size === 0 || this.#closed) return;
    const head = this.#store.eventCount();
    let behind = false;
    for (const sub of [...this.#subs]) {
      if (sub.closed) continue;
      if (sub.blocked) {
        if (head - sub.pos > this.#opts.maxLag) this.#drop(sub, head);
        continue;
      }
      this.#feed(sub, head);
      if (!sub.closed && !sub.blocked && sub.pos < head) behind = true;
    }
    // One chunk per subscriber per turn keeps the event loop free for ingest; the rest follows at once.
    if (behind) this.notify();
  }

  /** Writes the next chunk of matches below `head`; stops early when the sink pushes back. */
  #feed(sub: Subscriber, head: number): void {
    if (sub.pos >= head) return;
    const end = Math.min(head, sub.pos + this.#opts.chunk);
    const page = this.#store.queryEvents({
      ...sub.filter,
      fromPos: sub.pos,
      beforePos: end,
      limit: this.#opts.chunk,
      scanLimit: this.#opts.chunk,
    });
    sub.pos = end;
    let ok = true;
    for (let i = page.events.length - 1; i >= 0; i--) {
      const e = page.events[i]!;
      ok = sub.sink.write(`id: ${e.pos}\ndata: ${eventJson(e)}\n\n`);
      sub.lastId = e.pos;
    }
    if (!ok) {
      sub.blocked = true;
      sub.sink.onDrain(() => {
        sub.blocked = false;
        this.notify();
      });
    }
  }

  #drop(sub: Subscriber, head: number): void {
    const err = new SeclogError(
      'QUERY_TAIL_TOO_SLOW',
      `the client fell ${head - sub.pos} events behind without reading; reconnect with Last-Event-ID: ${sub.lastId}`,
      { maxLag: this.#opts.maxLag, lastEventId: sub.lastId },
    );
    this.#remove(sub);
    sub.sink.write(`event: error\ndata: ${JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } })}\n\n`);
    sub.sink.end();
  }
}
