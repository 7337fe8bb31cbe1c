/**
 * Hash chaining shared by inclusion and consistency verification
 * (RFC 9162 §2.1.3.2 and §2.1.4.2, in the bit-driven form of
 * transparency-dev/merkle). A proof for leaf `index` in a tree of `size`
 * splits where the paths to `index` and to `size − 1` diverge: below that
 * point ("inner") siblings sit left or right as the index bits say; above it
 * ("border") every sibling is a left-hand perfect subtree.
 */

import { SeclogError } from '../errors.js';
import { bitAt, bitLength, onesCount, shiftRight, xor } from './bits.js';
import type { Hash } from './hash.js';
import { equalHashes, hashChildren, toHash } from './hash.js';

/** Lengths of the inner and border parts of an inclusion proof; their sum is its length. */
export function decomposeInclusionProof(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(xor(index, size - 1));
  return { inner, border: onesCount(shiftRight(index, inner)) };
}

/** Folds proof[from, to) into seed, each sibling placed by bit (i − from) of `index`. */
export function chainInner(seed: Hash, proof: readonly Hash[], from: number, to: number, index: number): Hash {
  let h = seed;
  for (let i = from; i < to; i++) {
    h = bitAt(index, i - from) === 0 ? hashChildren(h, proof[i] as Hash) : hashChildren(proof[i] as Hash, h);
  }
  return h;
}

/**
 * Like chainInner but only left siblings count: the result is the hash of the
 * same subtree as it stood before the leaves to its right were appended.
 */
export function chainInnerRight(seed: Hash, proof: readonly Hash[], from: number, to: number, index: number): Hash {
  let h = seed;
  for (let i = from; i < to; i++) if (bitAt(index, i - from) === 1) h = hashChildren(proof[i] as Hash, h);
  return h;
}

/** Above the fork every proof hash is a left sibling. */
export function chainBorderRight(seed: Hash, proof: readonly Hash[], from: number): Hash {
  let h = seed;
  for (let i = from; i < proof.length; i++) h = hashChildren(proof[i] as Hash, h);
  return h;
}

/** Checks each element is 32 bytes (RFC 6962 vectors reject any other length). */
export function toProofHashes(proof: readonly Uint8Array[]): Hash[] {
  return proof.map((p, i) => toHash(p, `proof[${i}]`));
}

export function assertProofLength(got: number, want: number): void {
  if (got !== want) {
    throw new SeclogError('MERKLE_PROOF_LENGTH_INVALID', `proof has ${got} hashes, want ${want}`, { got, want });
  }
}

/** The typed root-mismatch failure, carrying both roots for the report. */
export function assertRootsMatch(calculated: Uint8Array, expected: Uint8Array, which: string): void {
  if (!equalHashes(calculated, expected)) {
    throw new SeclogError('MERKLE_ROOT_MISMATCH', `calculated ${which} does not match the expected one`, {
      which,
      expected: Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength).toString('base64'),
      calculated: Buffer.from(calculated.buffer, calculated.byteOffset, calculated.byteLength).toString('base64'),
    });
  }
}
