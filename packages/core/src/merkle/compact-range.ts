/**
 * The compact range [0, size): the roots of the perfect subtrees along the
 * tree's right edge, one per set bit of `size`, highest level first. It is all
 * the state needed to append a leaf or compute the root, O(log size).
 *
 *   size = 6 = 0b110       hashes = [ (2,0) , (1,2) ]
 *                                     └ leaves 0..3   └ leaves 4..5
 */

import { SeclogError } from '../errors.js';
import { assertTreeInt, onesCount, shiftRight, trailingZeros } from './bits.js';
import type { Hash } from './hash.js';
import { emptyRoot, hashChildren } from './hash.js';

/** Receives every perfect node created by an append, leaf first, so a store can keep it. */
export type NodeVisitor = (level: number, index: number, hash: Hash) => void;

export class CompactRange {
  #size: number;
  readonly #hashes: Hash[];

  private constructor(size: number, hashes: Hash[]) {
    this.#size = size;
    this.#hashes = hashes;
  }

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Rebuilds from the perfect-subtree roots of [0, size), highest level first. */
  static fromHashes(size: number, hashes: readonly Hash[]): CompactRange {
    assertTreeInt(size, 'size');
    if (hashes.length !== onesCount(size)) {
      const want = onesCount(size);
      throw new SeclogError('MERKLE_SIZE_INVALID', `a compact range of size ${size} holds ${want} hashes, got ${hashes.length}`, {
        size,
        want,
        got: hashes.length,
      });
    }
    return new CompactRange(size, hashes.slice());
  }

  get size(): number {
    return this.#size;
  }

  /** The perfect-subtree roots, highest level first (a copy). */
  hashes(): Hash[] {
    return this.#hashes.slice();
  }

  /**
   * Adds one leaf hash. Each trailing one bit of the old size is a left
   * sibling waiting on the stack; merging with it yields a new perfect node.
   */
  append(leafHash: Hash, visit?: NodeVisitor): void {
    let index = this.#size;
    let hash = leafHash;
    visit?.(0, index, hash);
    const merges = trailingZeros(this.#size + 1);
    const top = this.#hashes.length;
    for (let level = 1; level <= merges; level++) {
      hash = hashChildren(this.#hashes[top - level] as Hash, hash);
      index = shiftRight(index, 1);
      visit?.(level, index, hash);
    }
    // Mutate only after every visit succeeded: a store that throws leaves the range as it was.
    this.#hashes.length = top - merges;
    this.#hashes.push(hash);
    this.#size += 1;
  }

  /** RFC 9162 §2.1.1 MTH over [0, size): fold the edge from the right. */
  root(): Hash {
    return foldRight(this.#hashes);
  }
}

/**
 * Folds perfect-subtree roots given left to right into the tree root; empty →
 * SHA-256(""). Always a new array: a lone subtree root is copied, because the
 * same object sits in the range and may sit in the store.
 */
export function foldRight(hashes: readonly Hash[]): Hash {
  let i = hashes.length - 1;
  if (i < 0) return emptyRoot();
  if (i === 0) return new Uint8Array(hashes[0] as Hash) as Hash;
  let h = hashes[i] as Hash;
  for (i--; i >= 0; i--) h = hashChildren(hashes[i] as Hash, h);
  return h;
}
