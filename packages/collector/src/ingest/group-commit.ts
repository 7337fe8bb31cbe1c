/**
 * Group commit: batches that arrive within `windowMs` of the first share one
 * `commitBatches` call, so one transaction and one fsync (synchronous=FULL)
 * serve many devices. Every submitter's promise settles only after that
 * commit returned: an ACK means durable (DESIGN.md §3).
 *
 * A group that the store refuses (STORE_BATCH_INVALID names no batch) is
 * retried batch by batch, so one bad batch cannot fail its neighbours.
 *
 * `onCommitted` (the integrator and the live tail) runs on the turn of the
 * event loop after a commit, once the ACKs are on their way: the Merkle work
 * is ~20% of the ingest CPU (`npm run bench -- collector` with a profile),
 * and ACKs waited for it; deferred, the ACK p99 at a fixed load fell by about
 * a quarter in alternating runs. `drain()` runs it at once.
 */
import type { BatchWrite, Store } from '../store/types.js';

interface Pending {
  batch: BatchWrite;
  /** performance.now() at submit: the observer's commit latency starts here. */
  submittedMs: number;
  resolve: (positions: number[]) => void;
  reject: (err: unknown) => void;
}

/** One batch of a durable commit and the positions its records got, in commit order. */
export interface CommittedBatch {
  readonly batch: BatchWrite;
  readonly positions: readonly number[];
}

/** Committed batches kept for onCommitted between two calls; beyond, the integrator reads the rest back from the store. */
const MAX_COMMITTED_RECORDS = 65_536;

export interface GroupCommitOptions {
  /** config ingest.groupCommitWindowMs; 0 commits on the next turn of the event loop. */
  windowMs: number;
  /**
   * Called after durable commits with the number of records they created and
   * the batches themselves in commit order (a prefix of them when there were
   * many), so the integrator appends leaves without reading the rows back.
   */
  onCommitted?: (count: number, committed: readonly CommittedBatch[]) => void;
  /** Watches every commit (metrics/); not part of it. */
  observer?: CommitObserver;
}

/** One batch of a group as the observer sees it. */
export interface CommitSample {
  readonly batch: BatchWrite;
  /** performance.now() when the batch was submitted. */
  readonly submittedMs: number;
}

/**
 * Called synchronously around each commit, before any submitter's promise
 * settles (a scrape after an ACK sees the ACK's batch counted). A throw is
 * reported as a warning and otherwise ignored: it must never turn a durable
 * commit into a retry.
 */
export interface CommitObserver {
  /** After a durable commit; `startMs`/`endMs` (performance.now()) bracket the store's transaction and its fsync. */
  committed(group: readonly CommitSample[], startMs: number, endMs: number): void;
  /** The store refused this batch on its own (its submitter gets the error). */
  refused(sample: CommitSample, err: unknown): void;
}

export class GroupCommitter {
  readonly #store: Store;
  readonly #windowMs: number;
  readonly #onCommitted: ((count: number, committed: readonly CommittedBatch[]) => void) | undefined;
  readonly #observer: CommitObserver | undefined;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #idle: (() => void)[] = [];
  /** Records committed since onCommitted was last called, and the turn that will call it. */
  #uncounted = 0;
  #committed: CommittedBatch[] = [];
  #notify: NodeJS.Immediate | undefined;
  /** commitBatches calls made (metrics, and the group-commit test). */
  commits = 0;

  constructor(store: Store, options: GroupCommitOptions) {
    this.#store = store;
    this.#windowMs = options.windowMs;
    this.#onCommitted = options.onCommitted;
    this.#observer = options.observer;
  }

  /** Queues one batch; resolves to its records' positions once the group holding it is durable. */
  submit(batch: BatchWrite): Promise<number[]> {
    return new Promise<number[]>((resolve, reject) => {
      this.#pending.push({ batch, submittedMs: performance.now(), resolve, reject });
      this.#inFlight++;
      // The timer is not unref'd: a submitter waits on it, so the process must not exit first.
      this.#timer ??= setTimeout(() => this.flush(), this.#windowMs);
    });
  }

  /** Commits what is queued now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const group = this.#pending;
    this.#pending = [];
    if (group.length === 0) return;
    try {
      this.#commit(group);
    } catch {
      // One transaction per batch: the refused one fails alone.
      for (const p of group) this.#commit([p]);
    }
  }

  #commit(group: Pending[]): void {
    let positions: number[][];
    const startMs = performance.now();
    try {
      this.commits++;
      positions = this.#store.commitBatches(group.map((p) => p.batch));
    } catch (err) {
      if (group.length > 1) throw err;
      this.#observe((o) => o.refused(group[0]!, err));
      this.#settle(group, () => group[0]!.reject(err));
      return;
    }
    this.#observe((o) => o.committed(group, startMs, performance.now()));
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i]!;
      if (this.#uncounted + p.length <= MAX_COMMITTED_RECORDS) this.#committed.push({ batch: group[i]!.batch, positions: p });
      this.#uncounted += p.length;
    }
    // onCommitted (the integrator, the live tail) runs on the next turn of the
    // event loop: the submitters' promise reactions, which send the ACKs, run
    // first, so an ACK waits for its fsync but not for the Merkle work, and
    // commits that finish before that turn are integrated together.
    if (this.#uncounted > 0) this.#notify ??= setImmediate(() => this.#notifyCommitted());
    this.#settle(group, () => {
      for (let i = 0; i < group.length; i++) group[i]!.resolve(positions[i]!);
    });
  }

  #notifyCommitted(): void {
    clearImmediate(this.#notify);
    this.#notify = undefined;
    const count = this.#uncounted;
    const committed = this.#committed;
    this.#uncounted = 0;
    this.#committed = [];
    if (count === 0) return;
    try {
      this.#onCommitted?.(count, committed);
    } catch (err) {
      // The records are durable and acknowledged; the integrator catches up on
      // its next run (it integrates from its tree size), so this must not throw
      // out of a timer and kill the process.
      process.emitWarning(err as Error);
    }
  }

  #observe(fn: (o: CommitObserver) => void): void {
    if (this.#observer === undefined) return;
    try {
      fn(this.#observer);
    } catch (err) {
      process.emitWarning(err as Error);
    }
  }

  #settle(group: Pending[], fn: () => void): void {
    fn();
    this.#inFlight -= group.length;
    if (this.#inFlight === 0) for (const done of this.#idle.splice(0)) done();
  }

  /**
   * Resolves once every submitted batch is committed or refused and
   * onCommitted has been told of every commit (graceful shutdown: nothing is
   * left to run after the store closes).
   */
  drain(): Promise<void> {
    // flush commits synchronously: the queue is usually settled when it returns,
    // and a waiter registered after that would never be called.
    this.flush();
    if (this.#inFlight === 0) {
      this.#notifyCommitted();
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#idle.push(() => {
        this.#notifyCommitted();
        resolve();
      }),
    );
  }
}
