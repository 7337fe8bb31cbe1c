/**
 * The integrator: the single writer of the Merkle log (DESIGN.md §3). After
 * every commit it appends the new positions as leaves, in position order (leaf
 * index = position = commit order), inside one store transaction so the tree
 * never persists half a batch; then it signs a checkpoint at most
 * `checkpointIntervalMs` after the tree changed (an unref'd timer, so an idle
 * collector can exit).
 *
 * After a commit the group committer hands over the batches it wrote, so the
 * leaves are encoded from memory; rows committed another way (the CLI's own
 * stream, a prefix cap in the committer) are read back from the store. Reading
 * them back was about a third of the integrator's time under load.
 *
 * On start it catches up from the tree's leaf count to the store's event
 * count: a crash between a commit and its integration loses no leaf.
 *
 * Several collectors on one PostgreSQL database (docs/scaling.md): only the
 * holder of the integrator lease leads (cluster/lease-keeper.ts switches the
 * role with lead() and follow()). Every tree or checkpoint write of a leader
 * runs `fence` inside its transaction first, so a node that lost the lease
 * cannot write even before it notices. A follower writes nothing; its `tree`
 * is reloaded from the store when the stored leaf count moved, so proofs and
 * metrics on any node show the leader's tree.
 */
import type { Hash, MerkleTree, NoteSigner } from '@seclog/core';
import { createMerkleTree, SeclogError, signCheckpoint } from '@seclog/core';
import type { CommittedBatch } from '../ingest/group-commit.js';
import type { BatchWrite, Store, StoredCheckpoint, StoredEvent } from '../store/types.js';
import { storedLeafData } from './leaf-hash.js';

export interface IntegratorOptions {
  origin: string;
  signer: NoteSigner;
  /** config log.checkpointIntervalMs: the longest a tree change waits for its checkpoint. */
  checkpointIntervalMs: number;
  /** Records read per transaction while catching up (bounds memory). */
  chunk?: number;
  /**
   * Runs first inside every transaction that writes the tree or a checkpoint, with the leaf count
   * the tree has before the write; throws to refuse it (the PostgreSQL integrator lease).
   */
  fence?: (leafCount: number) => void;
  /** Told when a write was refused by `fence` (the lease keeper steps down when the lease is gone). */
  onFenced?: (err: unknown) => void;
}

/** Told of every range of leaves once it is durable: the first leaf index and the records, in leaf order. */
export type IntegratedListener = (firstLeaf: number, events: readonly StoredEvent[]) => void;

/** Record i of a committed batch as the store holds it at `pos` (the columns its insert wrote). */
function committedEvent(batch: BatchWrite, i: number, pos: number): StoredEvent {
  const r = batch.records[i] as BatchWrite['records'][number];
  const { stream, seq } = r.record;
  return {
    pos,
    device: batch.device,
    stream: stream ?? null,
    seq: seq ?? null,
    receivedUs: r.receivedUs,
    digest: r.digest,
    chainHash: r.chainHash,
    canonical: r.canonical,
    parsed: r.record,
  };
}

export class Integrator {
  readonly #store: Store;
  readonly #opts: IntegratorOptions;
  #tree: MerkleTree;
  #timer: NodeJS.Timeout | undefined;
  /** Set by stop(): no timer is armed after it, so none fires on a closed store. */
  #stopped = false;
  readonly #listeners: IntegratedListener[] = [];
  /** False on a collector that does not hold the integrator lease: it neither appends nor signs. */
  #leading = true;

  constructor(store: Store, opts: IntegratorOptions) {
    this.#store = store;
    this.#opts = opts;
    this.#tree = createMerkleTree(store.nodeStore());
  }

  get size(): number {
    return this.tree.size;
  }

  get tree(): MerkleTree {
    // A follower's tree goes stale as the leader appends: reload it when the stored count moved.
    if (!this.#leading && this.#store.nodeStore().getLeafCount() !== this.#tree.size) {
      this.#tree = createMerkleTree(this.#store.nodeStore());
    }
    return this.#tree;
  }

  /** True while this collector appends leaves and signs checkpoints (always, without a cluster lease). */
  get leading(): boolean {
    return this.#leading;
  }

  /** Becomes the writer of the tree: reloads it from the store (another node may have appended), catches up, signs. */
  lead(): StoredCheckpoint {
    this.#tree = createMerkleTree(this.#store.nodeStore());
    this.#leading = true;
    this.#stopped = false;
    return this.start();
  }

  /** Stops writing: no appends, no checkpoints, the timer cleared; reads follow the store. */
  follow(): void {
    this.#leading = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Committed records not yet leaves (metrics: integrator lag). */
  lag(): number {
    return this.#store.eventCount() - this.#tree.size;
  }

  /** Integrates every committed position; returns the number of leaves added. */
  integrate(): number {
    if (!this.#leading) return 0;
    const chunk = this.#opts.chunk ?? 10_000;
    let added = 0;
    for (;;) {
      const from = this.#tree.size;
      const events = this.#store.readEvents(from, from + chunk);
      if (events.length === 0) break;
      this.#append(from, events);
      added += events.length;
    }
    if (added > 0) this.#schedule();
    return added;
  }

  /** Appends the records at `from` (the tree's size) as leaves in one store transaction, then tells the listeners. */
  #append(from: number, events: readonly StoredEvent[]): void {
    try {
      // Not synced at its own commit: the nodes derive from durable rows, and after a
      // power cut the tree is rebuilt from its durable leaf count (see Store.transaction).
      const fence = this.#opts.fence;
      this.#store.transaction(
        () => {
          fence?.(from);
          this.#tree.appendLeaves(events.map(storedLeafData));
        },
        { durable: false },
      );
    } catch (err) {
      // The transaction rolled back; the tree object may hold the half-appended range.
      this.#tree = createMerkleTree(this.#store.nodeStore());
      this.#fenced(err);
      throw err;
    }
    this.#tell(from, events);
  }

  /** Subscribes to new leaves (the detector); returns the unsubscribe function. */
  onIntegrated(listener: IntegratedListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  #tell(from: number, events: readonly StoredEvent[]): void {
    for (const l of this.#listeners) {
      try {
        l(from, events);
      } catch (err) {
        // The leaves are durable; a listener catches up from the store on its own.
        process.emitWarning(err as Error);
      }
    }
  }

  /**
   * Called by the group committer after durable commits: appends the
   * committed batches from memory while they continue the tree exactly, then
   * reads back whatever else was committed.
   */
  onCommitted(committed: readonly CommittedBatch[] = []): void {
    if (!this.#leading) return;
    const chunk = this.#opts.chunk ?? 10_000;
    const start = this.#tree.size;
    let next = start;
    let events: StoredEvent[] = [];
    outer: for (const { batch, positions } of committed) {
      for (let i = 0; i < positions.length; i++) {
        const pos = positions[i] as number;
        if (pos < next) continue; // integrated already (a read-back ran first)
        if (pos > next) break outer; // rows committed another way come between: read back from here
        events.push(committedEvent(batch, i, pos));
        next++;
        if (events.length === chunk) {
          this.#append(next - chunk, events);
          events = [];
        }
      }
    }
    if (events.length > 0) this.#append(next - events.length, events);
    if (this.#tree.size > start) this.#schedule();
    this.integrate();
  }

  #fenced(err: unknown): void {
    if ((err as { code?: unknown }).code === 'CLUSTER_LEASE_LOST') this.#opts.onFenced?.(err);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped || !this.#leading) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        this.checkpoint();
      } catch (err) {
        // Lost the lease (the keeper was told) or the store failed: the next change schedules another.
        process.emitWarning(err as Error);
      }
    }, this.#opts.checkpointIntervalMs);
    this.#timer.unref();
  }

  /** Signs and stores a checkpoint of the current tree unless the latest one already covers it. */
  checkpoint(): StoredCheckpoint {
    if (!this.#leading) {
      // A follower signs nothing: the newest checkpoint is the leader's.
      const latest = this.#store.latestCheckpoint();
      if (latest !== undefined) return latest;
      throw new SeclogError('CLUSTER_LEASE_LOST', 'this collector does not hold the integrator lease and no checkpoint is stored yet', {});
    }
    const size = this.#tree.size;
    const latest = this.#store.latestCheckpoint();
    if (latest !== undefined && latest.treeSize === size) return latest;
    const root: Hash = this.#tree.root();
    const note = signCheckpoint({ origin: this.#opts.origin, size, root, extensions: [] }, [this.#opts.signer]);
    const cp = { treeSize: size, root, note, createdUs: Date.now() * 1000 };
    const fence = this.#opts.fence;
    if (fence === undefined) this.#store.putCheckpoint(cp);
    else {
      try {
        this.#store.transaction(() => {
          fence(size);
          this.#store.putCheckpoint(cp);
        });
      } catch (err) {
        this.#fenced(err);
        throw err;
      }
    }
    return cp;
  }

  /** Start-up: catch up and make sure a checkpoint of the current tree exists. */
  start(): StoredCheckpoint {
    this.integrate();
    return this.checkpoint();
  }

  /** Shutdown: integrate what is committed and sign a last checkpoint. */
  stop(): StoredCheckpoint | undefined {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#leading) return undefined;
    this.integrate();
    return this.checkpoint();
  }
}
