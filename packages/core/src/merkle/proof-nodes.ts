/**
 * Which stored nodes an RFC 9162 proof needs, computed apart from hashing and
 * from storage (the transparency-dev/merkle design): a caller with an async
 * store fetches `ids`, then `rehashProof` folds them into the proof.
 *
 * A proof element can be "ephemeral": the root of a non-perfect subtree on
 * the right edge, which no store holds. It is rebuilt from the perfect nodes
 * ids[ephemBegin, ephemEnd), listed from lower to upper level.
 */

import { SeclogError } from '../errors.js';
import { assertTreeInt, bitLength, shiftRight, trailingZeros, xor } from './bits.js';
import type { Hash } from './hash.js';
import type { NodeId } from './node-id.js';
import { coverageOf, nodeId, parentOf, rangeNodes, siblingOf } from './node-id.js';

export interface ProofNodes {
  /** Perfect (storable) nodes, in the order their hashes are consumed. */
  readonly ids: readonly NodeId[];
  /** Half-open range [ephemBegin, ephemEnd) of `ids` folding into one proof element. */
  readonly ephemBegin: number;
  readonly ephemEnd: number;
}

/**
 * Nodes proving that (level, index) is in the tree of `size` leaves, starting
 * with the node itself: its siblings up to the fork with the right edge, then
 * the right-edge range (the ephemeral node), then the left range.
 */
function pathNodes(index: number, level: number, size: number): { ids: NodeId[]; begin: number; end: number } {
  // `inner` levels above (level, index) the path meets the path to leaf `size`.
  const inner = bitLength(xor(index, shiftRight(size, level))) - 1;
  const fork = nodeId(level + inner, shiftRight(index, inner));
  const cover = coverageOf(fork);
  const ids: NodeId[] = [nodeId(level, index)];
  for (let node = ids[0] as NodeId; node.level < fork.level; node = parentOf(node)) ids.push(siblingOf(node));

  const rightStart = ids.length;
  rangeNodes(cover.end, size, ids);
  // Lower levels first, so the ephemeral node folds bottom-up.
  reverseTail(ids, rightStart);
  const rightEnd = ids.length;
  const leftStart = ids.length;
  rangeNodes(0, cover.begin, ids);
  reverseTail(ids, leftStart);

  return rightStart < rightEnd ? { ids, begin: rightStart, end: rightEnd } : { ids, begin: 0, end: 0 };
}

function reverseTail(ids: NodeId[], from: number): void {
  for (let i = from, j = ids.length - 1; i < j; i++, j--) {
    const t = ids[i] as NodeId;
    ids[i] = ids[j] as NodeId;
    ids[j] = t;
  }
}

/** The first node is what the verifier already holds (leaf or subtree root). */
function skipFirst(p: { ids: NodeId[]; begin: number; end: number }): ProofNodes {
  const shifted = p.begin < p.end;
  return { ids: p.ids.slice(1), ephemBegin: shifted ? p.begin - 1 : 0, ephemEnd: shifted ? p.end - 1 : 0 };
}

/** RFC 9162 §2.1.3.1 PATH(index, D[0:size]); requires index < size. */
export function inclusionNodes(index: number, size: number): ProofNodes {
  assertTreeInt(index, 'index');
  assertTreeInt(size, 'size');
  if (index >= size) {
    throw new SeclogError('MERKLE_INDEX_OUT_OF_RANGE', `leaf index ${index} is not below tree size ${size}`, { index, size });
  }
  return skipFirst(pathNodes(index, 0, size));
}

/** RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]); requires 0 < size1 ≤ size2. */
export function consistencyNodes(size1: number, size2: number): ProofNodes {
  assertTreeInt(size1, 'size1');
  assertTreeInt(size2, 'size2');
  if (size1 === 0 || size1 > size2) {
    throw new SeclogError('MERKLE_CONSISTENCY_SIZES_INVALID', `no consistency proof from size ${size1} to ${size2}`, {
      size1,
      size2,
    });
  }
  if (size1 === size2) return { ids: [], ephemBegin: 0, ephemEnd: 0 };
  // Start from the largest perfect subtree ending at size1: the verifier
  // rebuilds root1 from it and the left-hand nodes of the path.
  const level = trailingZeros(size1);
  const index = shiftRight(size1 - 1, level);
  const p = pathNodes(index, level, size2);
  // When size1 is a power of two that subtree is the old root itself, which
  // the verifier already has from its checkpoint.
  return size1 === 2 ** level ? skipFirst(p) : { ids: p.ids, ephemBegin: p.begin, ephemEnd: p.end };
}

/**
 * Turns the hashes of `nodes.ids` (same order) into proof hashes, folding the
 * ephemeral run with `hashChildren(upper, lower)`.
 */
export function rehashProof(nodes: ProofNodes, hashes: readonly Hash[], hashChildren: (l: Hash, r: Hash) => Hash): Hash[] {
  if (hashes.length !== nodes.ids.length) {
    throw new SeclogError('MERKLE_PROOF_LENGTH_INVALID', `got ${hashes.length} node hashes for ${nodes.ids.length} nodes`, {
      got: hashes.length,
      want: nodes.ids.length,
    });
  }
  const out: Hash[] = [];
  for (let i = 0; i < hashes.length; i++) {
    let h = hashes[i] as Hash;
    if (i === nodes.ephemBegin && nodes.ephemBegin < nodes.ephemEnd) {
      for (i++; i < nodes.ephemEnd; i++) h = hashChildren(hashes[i] as Hash, h);
      i--;
    }
    out.push(h);
  }
  return out;
}
