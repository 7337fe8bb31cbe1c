/**
 * Writing a new state blob to the slots without blocking the caller
 * (RingStore.setStateSoon): the logger's evolved seal key after each seal.
 *
 * The order is that of the blocking setState, one fsync round per step, each
 * in the group commit (the libuv pool, or inline for a critical event that
 * shares the round):
 *
 *   1. the records appended so far are durable (the seal that the new key
 *      follows among them: a slot must never hold a key whose seal a power
 *      cut could still take away; seal-replay.ts recovers the other order);
 *   2. the blob is put in the slots' memory and a round writes the slot that
 *      is not the durable one;
 *   3. with `erase`, one more round writes the other slot, so the previous
 *      blob (the evolved-away key) is overwritten in both.
 *
 * Requests are applied in order and coalesce: a step whose request has been
 * superseded (by a later setStateSoon or a blocking setState) does nothing,
 * and its promise resolves with the request that superseded it. An erase that
 * was asked for and not finished is owed to the next request, whatever that
 * one asks.
 */
import type { StateSlots } from './state-slots.js';

export interface StateTarget {
  readonly slots: StateSlots;
  /** The last seq appended. */
  lastSeq(): number;
  /** Resolves once record `seq` is durable (GroupCommit.soon). */
  durable(seq: number, maxDelayMs: number): Promise<void>;
  /** Resolves once an fsync round that begins after the call has completed (GroupCommit.nextRound). */
  nextRound(maxDelayMs: number): Promise<void>;
}

interface Waiter {
  readonly id: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** How soon each step's fsync must start: soon, but in the pool rather than inline on the caller's turn. */
const STEP_DELAY_MS = 1;

export class StateUpdates {
  readonly #t: StateTarget;
  /** Id of the newest request, blocking or not; ids start at 1. */
  #wanted = 0;
  /** The newest request whose blob is durable (and erased, if asked). */
  #done = 0;
  #eraseOwed = false;
  #tail: Promise<void> = Promise.resolve();
  #waiters: Waiter[] = [];

  constructor(target: StateTarget) {
    this.#t = target;
  }

  /** Whether a request is not durable yet. */
  get pending(): boolean {
    return this.#done < this.#wanted;
  }

  /** A blocking setState begins: it supersedes every request so far; returns its id and whether it must erase. */
  beginBlocking(erase: boolean): { id: number; erase: boolean } {
    const id = ++this.#wanted;
    const owed = erase || this.#eraseOwed;
    this.#eraseOwed = false;
    return { id, erase: owed };
  }

  /** The blocking setState `id` is durable. */
  endBlocking(id: number): void {
    this.#settle(id, null);
  }

  /** Queue `blob`; resolves when it (or a later blob) is durable in the slots. */
  soon(blob: Uint8Array, erase: boolean): Promise<void> {
    const id = ++this.#wanted;
    if (erase) this.#eraseOwed = true;
    const seq = this.#t.lastSeq();
    const p = new Promise<void>((resolve, reject) => this.#waiters.push({ id, resolve, reject }));
    this.#tail = this.#tail.then(() => this.#run(id, seq, blob)).catch((err: Error) => this.#settle(id, err));
    return p;
  }

  /** Resolves when every queued request has been written or has failed (before the store closes). */
  idle(): Promise<void> {
    return this.#tail;
  }

  async #run(id: number, seq: number, blob: Uint8Array): Promise<void> {
    if (id !== this.#wanted) return;
    await this.#t.durable(seq, STEP_DELAY_MS);
    if (id !== this.#wanted) return;
    const slots = this.#t.slots;
    slots.state = blob;
    slots.stale = true;
    const erase = this.#eraseOwed;
    await this.#t.nextRound(STEP_DELAY_MS);
    if (erase) {
      // The other slot still holds the previous blob; a later request that supersedes this one owes it instead.
      if (id !== this.#wanted) return;
      slots.stale = true;
      await this.#t.nextRound(STEP_DELAY_MS);
      if (id === this.#wanted) this.#eraseOwed = false;
    }
    this.#settle(id, null);
  }

  #settle(id: number, err: Error | null): void {
    if (err === null && id > this.#done) this.#done = id;
    const keep: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.id > id) keep.push(w);
      else if (err === null) w.resolve();
      else w.reject(err);
    }
    this.#waiters = keep;
  }
}
