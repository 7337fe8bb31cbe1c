/**
 * Consistency proof verification, RFC 9162 §2.1.4.2: show that the tree of
 * size2 (root2) extends the tree of size1 (root1) by appending only.
 */

import { SeclogError } from '../errors.js';
import { assertTreeInt, shiftRight, trailingZeros } from './bits.js';
import type { Hash } from './hash.js';
import { toHash } from './hash.js';
import {
  assertProofLength,
  assertRootsMatch,
  chainBorderRight,
  chainInner,
  chainInnerRight,
  decomposeInclusionProof,
  toProofHashes,
} from './proof-chain.js';

function assertSizes(size1: number, size2: number): void {
  assertTreeInt(size1, 'size1');
  assertTreeInt(size2, 'size2');
  // Size 0 is rejected even when size2 is 0 too: the empty tree commits to
  // nothing, so "consistent with it" would let any tree pass (RFC 9162 §2.1.4
  // defines PROOF only for 0 < m ≤ n).
  if (size1 === 0 || size2 < size1) {
    throw new SeclogError('MERKLE_CONSISTENCY_SIZES_INVALID', `no consistency proof from size ${size1} to ${size2}`, {
      size1,
      size2,
    });
  }
}

/**
 * The root of the size2 tree implied by `proof`, after checking that the same
 * proof also rebuilds `root1` (else MERKLE_ROOT_MISMATCH with which = 'root1').
 */
export function rootFromConsistencyProof(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array): Hash {
  assertSizes(size1, size2);
  const old = toHash(root1, 'root1');
  const hashes = toProofHashes(proof);
  if (size1 === size2) {
    assertProofLength(hashes.length, 0);
    return old;
  }

  // The proof is, in effect, the suffix of the inclusion proof of leaf
  // size1 − 1 in the size2 tree, starting at the level of the largest perfect
  // subtree that ends at size1.
  const decomposed = decomposeInclusionProof(size1 - 1, size2);
  const shift = trailingZeros(size1);
  const inner = decomposed.inner - shift;
  // That subtree's root is the first proof element, unless it is the whole
  // size1 tree, whose root the verifier already holds.
  const isPerfect = size1 === 2 ** shift;
  const start = isPerfect ? 0 : 1;
  assertProofLength(hashes.length, start + inner + decomposed.border);
  const seed = isPerfect ? old : (hashes[0] as Hash);

  const mask = shiftRight(size1 - 1, shift);
  const hash1 = chainBorderRight(chainInnerRight(seed, hashes, start, start + inner, mask), hashes, start + inner);
  assertRootsMatch(hash1, old, 'root1');
  return chainBorderRight(chainInner(seed, hashes, start, start + inner, mask), hashes, start + inner);
}

/**
 * Throws unless `proof` shows root2 (size2) is an append-only extension of
 * root1 (size1). With size1 = size2 only an empty proof and equal roots pass.
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  assertSizes(size1, size2);
  if (size1 === size2) {
    // Equal sizes reduce to comparing the two roots byte for byte, as
    // transparency-dev/merkle does; the shared RFC 6962 vectors
    // (consistency/additional/sizes-are-equal-one-and-proof-is-empty) accept
    // equal roots here whatever their length, so only the proof is checked.
    assertProofLength(proof.length, 0);
    assertRootsMatch(root2, root1, 'root2');
    return;
  }
  const expected = toHash(root2, 'root2');
  assertRootsMatch(rootFromConsistencyProof(size1, size2, proof, root1), expected, 'root2');
}
