/**
 * Addresses of tree nodes, and the compact-range decomposition of a leaf
 * range into perfect subtrees (the scheme of transparency-dev/merkle).
 *
 *   level 2            (2,0)
 *                    /       \
 *   level 1      (1,0)       (1,1)
 *               /    \      /    \
 *   level 0  (0,0) (0,1) (0,2) (0,3)   (0,4) …
 *
 * Node (level, index) is the root of the perfect subtree over leaves
 * [index·2^level, (index+1)·2^level). Only such perfect nodes are ever stored;
 * the "ephemeral" nodes on the right edge of a non-perfect tree are recomputed.
 */

import { bitLength, lowBits, onesCount, shiftLeft, shiftRight, trailingZeros, xor } from './bits.js';

export interface NodeId {
  readonly level: number;
  readonly index: number;
}

export function nodeId(level: number, index: number): NodeId {
  return { level, index };
}

export function parentOf(id: NodeId): NodeId {
  return { level: id.level + 1, index: shiftRight(id.index, 1) };
}

export function siblingOf(id: NodeId): NodeId {
  return { level: id.level, index: id.index % 2 === 0 ? id.index + 1 : id.index - 1 };
}

/** Leaves [begin, end) under the node. */
export function coverageOf(id: NodeId): { begin: number; end: number } {
  const begin = shiftLeft(id.index, id.level);
  return { begin, end: begin + shiftLeft(1, id.level) };
}

/**
 * Splits [begin, end) into its left and right borders: bit k of `left` set
 * means a perfect subtree of 2^k leaves hangs off the left border, bit k of
 * `right` likewise on the right. Requires begin ≤ end.
 */
function decompose(begin: number, end: number): { left: number; right: number } {
  if (begin === 0) return { left: 0, right: end };
  const xbegin = begin - 1;
  // Only nodes strictly below the point where the paths to leaves begin−1 and
  // end diverge lie inside the range.
  const d = bitLength(xor(xbegin, end)) - 1;
  const mask = shiftLeft(1, d) - 1;
  return { left: mask - lowBits(xbegin, d), right: lowBits(end, d) };
}

/** Number of perfect subtrees in the compact range [begin, end). */
export function rangeSize(begin: number, end: number): number {
  const { left, right } = decompose(begin, end);
  return onesCount(left) + onesCount(right);
}

/**
 * Appends to `out` the roots of the perfect subtrees that exactly cover
 * [begin, end), ordered left to right (so levels first rise, then fall).
 */
export function rangeNodes(begin: number, end: number, out: NodeId[] = []): NodeId[] {
  let { left, right } = decompose(begin, end);
  let pos = begin;
  while (left !== 0) {
    const level = trailingZeros(left);
    const size = shiftLeft(1, level);
    out.push({ level, index: shiftRight(pos, level) });
    pos += size;
    left -= size;
  }
  while (right !== 0) {
    const level = bitLength(right) - 1;
    const size = shiftLeft(1, level);
    out.push({ level, index: shiftRight(pos, level) });
    pos += size;
    right -= size;
  }
  return out;
}
