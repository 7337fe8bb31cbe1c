/**
 * Inclusion proof verification, RFC 9162 §2.1.3.2: recompute the root from a
 * leaf hash and its audit path, then compare it with a trusted root.
 */

import { SeclogError } from '../errors.js';
import { assertTreeInt } from './bits.js';
import type { Hash } from './hash.js';
import { toHash } from './hash.js';
import {
  assertProofLength,
  assertRootsMatch,
  chainBorderRight,
  chainInner,
  decomposeInclusionProof,
  toProofHashes,
} from './proof-chain.js';

/**
 * The root that `proof` implies for leaf `index` with hash `leafHash` in a
 * tree of `size` leaves. Throws on any malformed input; the caller compares
 * the result with a root it trusts (or uses verifyInclusion).
 */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Hash {
  assertTreeInt(index, 'index');
  assertTreeInt(size, 'size');
  if (index >= size) {
    throw new SeclogError('MERKLE_INDEX_OUT_OF_RANGE', `leaf index ${index} is not below tree size ${size}`, { index, size });
  }
  const leaf = toHash(leafHash, 'leaf hash');
  const hashes = toProofHashes(proof);
  const { inner, border } = decomposeInclusionProof(index, size);
  assertProofLength(hashes.length, inner + border);
  return chainBorderRight(chainInner(leaf, hashes, 0, inner, index), hashes, inner);
}

/** Throws MERKLE_ROOT_MISMATCH (or the input error) unless the proof links the leaf to `root`. */
export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  const expected = toHash(root, 'root');
  assertRootsMatch(rootFromInclusionProof(index, size, leafHash, proof), expected, 'root');
}
