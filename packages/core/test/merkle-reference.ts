/**
 * Naive reference for the fast tree: MTH, PATH and PROOF/SUBPROOF written
 * straight from RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, recursion and all.
 * Slow (O(n) per call) and obviously right; the property tests compare the
 * fast implementation against it. Hashing uses createHash, not the code under
 * test.
 */

import { createHash } from 'node:crypto';

export function refLeafHash(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(Uint8Array.of(0)).update(data).digest();
}

function refNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest();
}

/** Largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over already-hashed leaves. */
export function refRoot(leaves: readonly Uint8Array[]): Uint8Array {
  const n = leaves.length;
  if (n === 0) return createHash('sha256').digest();
  if (n === 1) return leaves[0] as Uint8Array;
  const k = split(n);
  return refNodeHash(refRoot(leaves.slice(0, k)), refRoot(leaves.slice(k)));
}

/** PATH(m, D[n]). */
export function refInclusionProof(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n <= 1) return [];
  const k = split(n);
  if (m < k) return [...refInclusionProof(m, leaves.slice(0, k)), refRoot(leaves.slice(k))];
  return [...refInclusionProof(m - k, leaves.slice(k)), refRoot(leaves.slice(0, k))];
}

/** SUBPROOF(m, D[n], b). */
function subproof(m: number, leaves: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [refRoot(leaves)];
  const k = split(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), b), refRoot(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), refRoot(leaves.slice(0, k))];
}

/** PROOF(m, D[n]) for 0 < m ≤ n. */
export function refConsistencyProof(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  return subproof(m, leaves, true);
}
