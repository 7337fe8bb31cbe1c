/**
 * Group commit: many callers wait for durability, one fdatasync serves them
 * all. While an fsync runs (in the libuv pool), appends go on; when it
 * returns, everyone whose record it covered is resolved, and if others are
 * waiting the next fsync starts at once, covering everything appended
 * meanwhile. So under load the number of fsyncs per second is bounded by the
 * disk, not by the number of events.
 *
 * Two urgencies: `durable(seq)` starts an fsync as soon as the current
 * synchronous burst of appends ends (a microtask), for critical events;
 * `soon(ms)` makes sure one starts within `ms`, for the rest. Which class an
 * event belongs to is the logger's decision.
 */
import { SeclogError } from '@seclog/core';

/** What the store does around one fsync; see RingStore. */
export interface CommitTarget {
  /** Called on the main thread right before fdatasync: returns the seq the fsync will cover (everything appended so far). */
  beginSync(): number;
  /** `urgent`: someone awaits this fsync as soon as possible (a critical event); the target may run it inline. */
  fsync(cb: (err: Error | null) => void, urgent: boolean): void;
  /** Called when the fsync that began with `seq` finished without error. */
  endSync(seq: number): void;
}

interface Waiter {
  seq: number;
  /** The fsync round that must complete (0: any that covers `seq`); see nextRound. */
  round: number;
  /** performance.now() by which an fsync covering it must have started. */
  deadline: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommit {
  readonly #target: CommitTarget;
  #durableSeq = 0;
  #waiters: Waiter[] = [];
  #running = false;
  #queued = false;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Number.POSITIVE_INFINITY;
  #idle: (() => void)[] = [];
  /**
   * The waiter that soon() calls share while it is pending: a busy logger
   * calls soon() for every record, and one waiter (one promise) whose seq
   * moves up serves them all, since the fsync that covers the last of them
   * covers the others too.
   */
  #shared: (Waiter & { promise: Promise<void> }) | null = null;
  /** fsyncs completed; for stats and the bench. */
  fsyncs = 0;
  /** fsync rounds begun, and the last one completed without error (round numbers start at 1). */
  #begun = 0;
  #completed = 0;

  constructor(target: CommitTarget, durableSeq: number) {
    this.#target = target;
    this.#durableSeq = durableSeq;
  }

  get durableSeq(): number {
    return this.#durableSeq;
  }

  /** A synchronous sync made `seq` durable. */
  noteDurable(seq: number): void {
    if (seq > this.#durableSeq) this.#durableSeq = seq;
    this.#release(null);
  }

  /** Resolves when record `seq` is on disk; the fsync starts right after the current burst of appends. */
  durable(seq: number): Promise<void> {
    return this.soon(seq, 0);
  }

  /** Resolves when record `seq` is on disk, with an fsync started within `maxDelayMs`. */
  soon(seq: number, maxDelayMs: number): Promise<void> {
    if (seq <= this.#durableSeq) return Promise.resolve();
    const deadline = maxDelayMs <= 0 ? 0 : performance.now() + maxDelayMs;
    const shared = this.#shared;
    if (shared !== null && deadline >= shared.deadline) {
      // Its fsync starts by an earlier deadline and covers everything appended until then.
      if (seq > shared.seq) shared.seq = seq;
      return shared.promise;
    }
    if (deadline > 0 && shared === null) return this.#share(seq, deadline);
    const p = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq, round: 0, deadline, resolve, reject });
    });
    this.#schedule(deadline);
    return p;
  }

  #share(seq: number, deadline: number): Promise<void> {
    let settle!: { resolve: () => void; reject: (err: Error) => void };
    const promise = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const w = {
      seq,
      round: 0,
      deadline,
      promise,
      resolve: () => {
        if (this.#shared === w) this.#shared = null;
        settle.resolve();
      },
      reject: (err: Error) => {
        if (this.#shared === w) this.#shared = null;
        settle.reject(err);
      },
    };
    this.#shared = w;
    this.#waiters.push(w);
    this.#schedule(deadline);
    return promise;
  }

  /**
   * Resolves when an fsync that begins after this call has completed, within
   * `maxDelayMs`, whether or not anything was appended: for what the target
   * writes at beginSync (the state slots) rather than for records.
   */
  nextRound(maxDelayMs: number): Promise<void> {
    const deadline = maxDelayMs <= 0 ? 0 : performance.now() + maxDelayMs;
    // A round running now began before this call: the one after it is the first that counts.
    const round = this.#begun + 1;
    const p = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq: 0, round, deadline, resolve, reject });
    });
    this.#schedule(deadline);
    return p;
  }

  /** Resolves when no fsync is running or queued (before closing the file). */
  whenIdle(): Promise<void> {
    if (!this.#running && !this.#queued) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  cancelTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  /** Reject every waiter (the store is closing without syncing them). */
  abandon(err: Error): void {
    this.cancelTimer();
    const w = this.#waiters;
    this.#waiters = [];
    for (const x of w) x.reject(err);
  }

  /** Make sure an fsync starts by `deadline` (0: right after the current burst). While one runs, its completion reschedules. */
  #schedule(deadline: number): void {
    if (this.#running) return;
    if (deadline === 0) {
      if (this.#queued) return;
      this.cancelTimer();
      this.#queued = true;
      // A microtask, not at once: every append of the current synchronous burst joins this fsync.
      queueMicrotask(() => {
        this.#queued = false;
        this.#kick();
      });
      return;
    }
    if (this.#queued || deadline >= this.#timerAt) return;
    this.cancelTimer();
    this.#timerAt = deadline;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#kick();
      },
      Math.max(0, deadline - performance.now()),
    );
    // Not unref()'d: someone awaits this fsync, and the timer lives at most maxDelayMs.
  }

  #kick(): void {
    if (this.#running || this.#waiters.length === 0) {
      this.#notifyIdle();
      return;
    }
    this.cancelTimer();
    this.#running = true;
    const round = ++this.#begun;
    let seq: number;
    try {
      seq = this.#target.beginSync();
    } catch (err) {
      this.#running = false;
      this.#release(err as Error, Number.POSITIVE_INFINITY, round);
      this.#notifyIdle();
      return;
    }
    let urgent = false;
    for (const w of this.#waiters) if (w.deadline === 0) urgent = true;
    this.#target.fsync((err) => {
      this.#running = false;
      if (err === null) {
        this.fsyncs++;
        this.#target.endSync(seq);
        if (seq > this.#durableSeq) this.#durableSeq = seq;
        this.#completed = round;
        this.#release(null);
      } else {
        this.#release(new SeclogError('AGENT_RING_IO', `fdatasync of the ring failed: ${err.message}`, {}, { cause: err }), seq, round);
      }
      // Those who arrived during this fsync form the next group, at the earliest deadline among them.
      if (this.#waiters.length > 0) {
        let earliest = Number.POSITIVE_INFINITY;
        for (const w of this.#waiters) if (w.deadline < earliest) earliest = w.deadline;
        this.#schedule(earliest);
      } else this.#notifyIdle();
    }, urgent);
  }

  /** Resolve the waiters now durable; with an error, reject those the failed fsync (round `failed`) was to cover. */
  #release(err: Error | null, upTo = Number.POSITIVE_INFINITY, failed = Number.POSITIVE_INFINITY): void {
    const keep: Waiter[] = [];
    for (const w of this.#waiters) {
      if (err !== null && w.seq <= upTo && w.round <= failed) w.reject(err);
      else if (err === null && w.seq <= this.#durableSeq && w.round <= this.#completed) w.resolve();
      else keep.push(w);
    }
    this.#waiters = keep;
  }

  #notifyIdle(): void {
    if (this.#running || this.#queued) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const f of idle) f();
  }
}
