/**
 * Where the tree keeps its perfect nodes, so that SQLite or PostgreSQL can
 * stand in for memory. Synchronous on purpose: core is pure and its append
 * path allocates no promises. A store behind an async driver uses the
 * lower-level pieces instead (CompactRange's visitor to collect new nodes,
 * inclusionNodes/consistencyNodes to list the nodes a proof needs, then
 * rehashProof), or wraps a sync driver (better-sqlite3) in one transaction
 * per appendLeaves batch.
 *
 * Commit rule: the tree puts every node of a batch first and sets the leaf
 * count last. A node below the leaf count must exist; nodes above it may be
 * left over from an interrupted batch and are overwritten with the same
 * values when those leaves are appended again.
 */

import type { Hash } from './hash.js';

export interface NodeStore {
  /** Leaves committed; every perfect node over [0, leafCount) is stored. */
  getLeafCount(): number;
  setLeafCount(count: number): void;
  /** The hash of perfect node (level, index), or undefined if never put. */
  getNode(level: number, index: number): Hash | undefined;
  putNode(level: number, index: number, hash: Hash): void;
}

/** In-memory NodeStore: the test double and the store of a short-lived tree. */
export class MemoryNodeStore implements NodeStore {
  #leafCount = 0;
  // levels[level][index]; a level's array grows densely because perfect
  // nodes are created left to right.
  readonly #levels: Hash[][] = [];

  getLeafCount(): number {
    return this.#leafCount;
  }

  setLeafCount(count: number): void {
    this.#leafCount = count;
  }

  getNode(level: number, index: number): Hash | undefined {
    const h = this.#levels[level]?.[index];
    // A copy, so a caller editing a proof cannot corrupt the stored tree.
    return h === undefined ? undefined : (new Uint8Array(h) as Hash);
  }

  putNode(level: number, index: number, hash: Hash): void {
    let row = this.#levels[level];
    if (row === undefined) {
      row = [];
      this.#levels[level] = row;
    }
    row[index] = hash;
  }

  /** Nodes held, all levels together (for tests and metrics). */
  get nodeCount(): number {
    let n = 0;
    for (const row of this.#levels) n += row.length;
    return n;
  }
}
