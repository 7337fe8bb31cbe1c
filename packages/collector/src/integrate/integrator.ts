/**
 * The integrator: the single writer of the Merkle log (DESIGN.md §3). After
 * every commit it appends the new positions as leaves, in position order (leaf
 * index = position = commit order), inside one store transaction so the tree
 * never persists half a batch; then it signs a checkpoint at most
 * `checkpointIntervalMs` after the tree changed (an unref'd timer, so an idle
 * collector can exit).
 *
 * On start it catches up from the tree's leaf count to the store's event
 * count: a crash between a commit and its integration loses no leaf.
 */
import type { Hash, MerkleTree, NoteSigner } from '@seclog/core';
import { createMerkleTree, signCheckpoint } from '@seclog/core';
import type { Store, StoredCheckpoint } from '../store/types.js';
import { storedLeafData } from './leaf-hash.js';

export interface IntegratorOptions {
  origin: string;
  signer: NoteSigner;
  /** config log.checkpointIntervalMs: the longest a tree change waits for its checkpoint. */
  checkpointIntervalMs: number;
  /** Records read per transaction while catching up (bounds memory). */
  chunk?: number;
}

export class Integrator {
  readonly #store: Store;
  readonly #opts: IntegratorOptions;
  #tree: MerkleTree;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: Store, opts: IntegratorOptions) {
    this.#store = store;
    this.#opts = opts;
    this.#tree = createMerkleTree(store.nodeStore());
  }

  get size(): number {
    return this.#tree.size;
  }

  get tree(): MerkleTree {
    return this.#tree;
  }

  /** Committed records not yet leaves (metrics: integrator lag). */
  lag(): number {
    return this.#store.eventCount() - this.#tree.size;
  }

  /** Integrates every committed position; returns the number of leaves added. */
  integrate(): number {
    const chunk = this.#opts.chunk ?? 10_000;
    let added = 0;
    for (;;) {
      const from = this.#tree.size;
      const events = this.#store.readEvents(from, from + chunk);
      if (events.length === 0) break;
      try {
        this.#store.transaction(() => this.#tree.appendLeaves(events.map(storedLeafData)));
      } catch (err) {
        // The transaction rolled back; the tree object may hold the half-appended range.
        this.#tree = createMerkleTree(this.#store.nodeStore());
        throw err;
      }
      added += events.length;
    }
    if (added > 0) this.#schedule();
    return added;
  }

  /** Called by the group committer after each durable commit. */
  onCommitted(): void {
    this.integrate();
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.checkpoint();
    }, this.#opts.checkpointIntervalMs);
    this.#timer.unref();
  }

  /** Signs and stores a checkpoint of the current tree unless the latest one already covers it. */
  checkpoint(): StoredCheckpoint {
    const size = this.#tree.size;
    const latest = this.#store.latestCheckpoint();
    if (latest !== undefined && latest.treeSize === size) return latest;
    const root: Hash = this.#tree.root();
    const note = signCheckpoint({ origin: this.#opts.origin, size, root, extensions: [] }, [this.#opts.signer]);
    const cp = { treeSize: size, root, note, createdUs: Date.now() * 1000 };
    this.#store.putCheckpoint(cp);
    return cp;
  }

  /** Start-up: catch up and make sure a checkpoint of the current tree exists. */
  start(): StoredCheckpoint {
    this.integrate();
    return this.checkpoint();
  }

  /** Shutdown: integrate what is committed and sign a last checkpoint. */
  stop(): StoredCheckpoint {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.integrate();
    return this.checkpoint();
  }
}
