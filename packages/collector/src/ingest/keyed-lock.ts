/**
 * An in-process lock per key (a device stream). The cursor of a stream is
 * read, checked against and moved by one batch at a time: two concurrent
 * batches of the same stream would both classify against the same cursor and
 * one of them would fail in commitBatches. With SQLite there is one writer
 * process, so an in-process lock is enough (PostgreSQL, issue I, needs a row lock).
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of `key` has finished; holders run in arrival order. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    this.#tails.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      // The map only keeps keys with a waiter, so it stays as small as the concurrency.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys currently held or waited on (tests). */
  get size(): number {
    return this.#tails.size;
  }
}
