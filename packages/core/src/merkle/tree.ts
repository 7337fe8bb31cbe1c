/**
 * The collector's append-only Merkle log (RFC 9162 §2.1): a compact range in
 * memory for appends and the current root, a NodeStore for everything older
 * (roots and proofs at any earlier size).
 */

import { SeclogError } from '../errors.js';
import { assertTreeInt } from './bits.js';
import type { NodeVisitor } from './compact-range.js';
import { CompactRange, foldRight } from './compact-range.js';
import type { Hash } from './hash.js';
import { hashChildren, hashLeaf, toHash } from './hash.js';
import type { NodeId } from './node-id.js';
import { rangeNodes } from './node-id.js';
import type { NodeStore } from './node-store.js';
import { MemoryNodeStore } from './node-store.js';
import { consistencyNodes, inclusionNodes, rehashProof } from './proof-nodes.js';

export interface MerkleTree {
  /** Leaves appended so far. */
  readonly size: number;
  /** Appends RFC 6962 leaf data (hashed as SHA-256(0x00 ‖ data)); returns its leaf index. */
  appendLeaf(data: Uint8Array): number;
  /** Appends a leaf already hashed by hashLeaf; returns its leaf index. */
  appendLeafHash(leafHash: Uint8Array): number;
  /** Appends a batch and commits the leaf count once; returns [begin, end) of the new leaves. */
  appendLeaves(data: Iterable<Uint8Array>): { begin: number; end: number };
  /** MTH at `size` (default: current), for any size ≤ current. */
  root(size?: number): Hash;
  leafHash(index: number): Hash;
  /** PATH(index, D[0:size]) of RFC 9162 §2.1.3.1. */
  inclusionProof(index: number, size?: number): Hash[];
  /** PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1; requires 0 < size1 ≤ size2 ≤ size. */
  consistencyProof(size1: number, size2?: number): Hash[];
}

/**
 * Opens the tree held by `store` (empty by default). Reading the compact range
 * back costs O(log size) node reads, so a restart needs no rebuild.
 */
export function createMerkleTree(store: NodeStore = new MemoryNodeStore()): MerkleTree {
  return new StoredMerkleTree(store);
}

class StoredMerkleTree implements MerkleTree {
  readonly #store: NodeStore;
  #range: CompactRange;
  // Made once, so an append allocates no closure.
  readonly #visit: NodeVisitor;

  constructor(store: NodeStore) {
    this.#store = store;
    const size = store.getLeafCount();
    assertTreeInt(size, 'stored leaf count');
    this.#range = CompactRange.fromHashes(size, this.#readNodes(rangeNodes(0, size)));
    this.#visit = (level, index, hash) => store.putNode(level, index, hash);
  }

  get size(): number {
    return this.#range.size;
  }

  appendLeaf(data: Uint8Array): number {
    return this.#commit(hashLeaf(data));
  }

  appendLeafHash(leafHash: Uint8Array): number {
    // Copied so the caller reusing its buffer cannot rewrite the stored leaf.
    return this.#commit(new Uint8Array(toHash(leafHash, 'leaf hash')) as Hash);
  }

  appendLeaves(data: Iterable<Uint8Array>): { begin: number; end: number } {
    const begin = this.#range.size;
    try {
      for (const d of data) this.#range.append(hashLeaf(d), this.#visit);
      this.#store.setLeafCount(this.#range.size);
    } catch (err) {
      this.#rollBackTo(begin);
      throw err;
    }
    return { begin, end: this.#range.size };
  }

  root(size: number = this.#range.size): Hash {
    this.#assertWithin(size);
    if (size === this.#range.size) return this.#range.root();
    return foldRight(this.#readNodes(rangeNodes(0, size)));
  }

  leafHash(index: number): Hash {
    assertTreeInt(index, 'index');
    if (index >= this.#range.size) {
      throw new SeclogError('MERKLE_INDEX_OUT_OF_RANGE', `leaf index ${index} is not below tree size ${this.#range.size}`, {
        index,
        size: this.#range.size,
      });
    }
    return this.#readNode({ level: 0, index });
  }

  inclusionProof(index: number, size: number = this.#range.size): Hash[] {
    this.#assertWithin(size);
    const nodes = inclusionNodes(index, size);
    return rehashProof(nodes, this.#readNodes(nodes.ids), hashChildren);
  }

  consistencyProof(size1: number, size2: number = this.#range.size): Hash[] {
    this.#assertWithin(size2);
    const nodes = consistencyNodes(size1, size2);
    return rehashProof(nodes, this.#readNodes(nodes.ids), hashChildren);
  }

  #commit(leafHash: Hash): number {
    const index = this.#range.size;
    try {
      this.#range.append(leafHash, this.#visit);
      this.#store.setLeafCount(index + 1);
    } catch (err) {
      this.#rollBackTo(index);
      throw err;
    }
    return index;
  }

  /**
   * The store did not commit, so neither does the tree. Nodes below `size`
   * were never touched, so the compact range is re-read rather than kept as a
   * snapshot on every append.
   */
  #rollBackTo(size: number): void {
    this.#range = CompactRange.fromHashes(size, this.#readNodes(rangeNodes(0, size)));
  }

  #assertWithin(size: number): void {
    assertTreeInt(size, 'size');
    if (size > this.#range.size) {
      throw new SeclogError('MERKLE_SIZE_BEYOND_TREE', `tree size ${size} is beyond the log's ${this.#range.size}`, {
        size,
        treeSize: this.#range.size,
      });
    }
  }

  #readNodes(ids: readonly NodeId[]): Hash[] {
    return ids.map((id) => this.#readNode(id));
  }

  #readNode(id: NodeId): Hash {
    const h = this.#store.getNode(id.level, id.index);
    if (h === undefined) {
      throw new SeclogError('MERKLE_NODE_MISSING', `node store lacks node (${id.level}, ${id.index})`, { ...id });
    }
    return toHash(h, `stored node (${id.level}, ${id.index})`);
  }
}
