/**
 * Group commit: batches that arrive within `windowMs` of the first share one
 * `commitBatches` call, so one transaction and one fsync (synchronous=FULL)
 * serve many devices. Every submitter's promise settles only after that
 * commit returned: an ACK means durable (DESIGN.md §3).
 *
 * A group that the store refuses (STORE_BATCH_INVALID names no batch) is
 * retried batch by batch, so one bad batch cannot fail its neighbours.
 */
import type { BatchWrite, Store } from '../store/types.js';

interface Pending {
  batch: BatchWrite;
  resolve: (positions: number[]) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** config ingest.groupCommitWindowMs; 0 commits on the next turn of the event loop. */
  windowMs: number;
  /** Called after every durable commit with the positions it created (the integrator). */
  onCommitted?: (count: number) => void;
}

export class GroupCommitter {
  readonly #store: Store;
  readonly #windowMs: number;
  readonly #onCommitted: ((count: number) => void) | undefined;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #idle: (() => void)[] = [];
  /** commitBatches calls made (metrics, and the group-commit test). */
  commits = 0;

  constructor(store: Store, options: GroupCommitOptions) {
    this.#store = store;
    this.#windowMs = options.windowMs;
    this.#onCommitted = options.onCommitted;
  }

  /** Queues one batch; resolves to its records' positions once the group holding it is durable. */
  submit(batch: BatchWrite): Promise<number[]> {
    return new Promise<number[]>((resolve, reject) => {
      this.#pending.push({ batch, resolve, reject });
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
    try {
      this.commits++;
      positions = this.#store.commitBatches(group.map((p) => p.batch));
    } catch (err) {
      if (group.length > 1) throw err;
      this.#settle(group, () => group[0]!.reject(err));
      return;
    }
    let count = 0;
    for (const p of positions) count += p.length;
    this.#settle(group, () => {
      for (let i = 0; i < group.length; i++) group[i]!.resolve(positions[i]!);
    });
    if (count === 0) return;
    try {
      this.#onCommitted?.(count);
    } catch (err) {
      // The records are durable and acknowledged; the integrator catches up on
      // its next run (it integrates from its tree size), so this must not throw
      // out of a timer and kill the process.
      process.emitWarning(err as Error);
    }
  }

  #settle(group: Pending[], fn: () => void): void {
    fn();
    this.#inFlight -= group.length;
    if (this.#inFlight === 0) for (const done of this.#idle.splice(0)) done();
  }

  /** Resolves once every submitted batch is committed or refused (graceful shutdown). */
  drain(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    this.flush();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
