/**
 * A multi-leaf ("batch") inclusion proof: the fewest stored tree nodes that,
 * with the hashes of a set of leaves, rebuild the root of the tree of `size`
 * leaves. Which nodes are needed follows from the leaf indexes and the size
 * alone, apart from hashing and storage (as transparency-dev/merkle does for
 * single proofs), so the exporter can fetch them from any store and the
 * verifier can tell which nodes it must be given before reading a hash.
 *
 * Both walk RFC 9162 §2.1.1's MTH recursion: split [lo, hi) at the largest
 * power of two below its width; a part with a bundle leaf is split again, a
 * part without one is covered by its perfect subtrees (one node for a left
 * part, up to one per set bit of the width on the tree's right edge), taken
 * left to right.
 *
 *   size 7, leaves {2, 5}:      MTH[0,7)
 *                           /             \
 *                   [0,4)                   [4,7)
 *                 /       \               /       \
 *            (1,0)✓       [2,4)       [4,6)       (0,6)✓
 *                        /     \      /    \
 *                     leaf2  (0,3)✓ (0,4)✓ leaf5
 *   proof = (1,0) (0,3) (0,4) (0,6), in that order.
 *
 * The set is minimal: no node is an ancestor of a bundle leaf, and no two are
 * siblings (their parent would be one node instead). Every node is perfect,
 * so a store that keeps only perfect nodes can serve it.
 */
import { bitLength } from '../merkle/bits.js';
import { foldRight } from '../merkle/compact-range.js';
import type { Hash } from '../merkle/hash.js';
import { emptyRoot, hashChildren } from '../merkle/hash.js';
import type { NodeId } from '../merkle/node-id.js';
import { rangeNodes } from '../merkle/node-id.js';

/** Leaf indexes, sorted ascending without repeats, each below the tree size. */
export type SortedIndexes = ArrayLike<number>;

function largestPowerBelow(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

/** First position in idx[from, to) holding a value ≥ v. */
function lowerBound(idx: SortedIndexes, v: number, from: number, to: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((idx[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The node ids of the batch proof, in the order the fold consumes them. */
export function batchProofNodes(indexes: SortedIndexes, size: number): NodeId[] {
  const out: NodeId[] = [];
  if (size === 0) return out;
  const walk = (lo: number, hi: number, a: number, b: number): void => {
    if (a === b) {
      rangeNodes(lo, hi, out);
      return;
    }
    if (hi - lo === 1) return;
    const mid = lo + largestPowerBelow(hi - lo);
    const c = lowerBound(indexes, mid, a, b);
    walk(lo, mid, a, c);
    walk(mid, hi, c, b);
  };
  walk(0, size, 0, indexes.length);
  return out;
}

/**
 * The hash of perfect subtree (level, index) when the caller already folded
 * it from the same leaves (e.g. a worker thread that read those lines), or
 * undefined; asked only for subtrees whose every leaf is in the bundle.
 */
export type KnownSubtree = (level: number, index: number) => Hash | undefined;

/**
 * MTH(D[0:size]) from the leaves' hashes (leafHashes[32·k ..] for indexes[k])
 * and the proof hashes in batchProofNodes order. The caller has checked that
 * `nodes` has exactly as many hashes as batchProofNodes gives ids.
 */
export function rootFromBatchProof(
  indexes: SortedIndexes,
  leafHashes: Uint8Array,
  size: number,
  nodes: readonly Hash[],
  known?: KnownSubtree,
): Hash {
  if (size === 0) return emptyRoot();
  let next = 0;
  const walk = (lo: number, hi: number, a: number, b: number): Hash => {
    const width = hi - lo;
    // Every leaf of a perfect subtree is here (indexes are sorted and distinct): its hash may be known already.
    if (known !== undefined && width > 1 && b - a === width && lo % width === 0) {
      const level = bitLength(width) - 1;
      const h = 2 ** level === width ? known(level, lo / width) : undefined;
      if (h !== undefined) return h;
    }
    if (a === b) {
      // A gap of width w on the right edge is covered by one node per set bit of w; elsewhere by one.
      const count = rangeNodes(lo, hi).length;
      const part = nodes.slice(next, next + count);
      next += count;
      return count === 1 ? (part[0] as Hash) : foldRight(part);
    }
    if (hi - lo === 1) return leafHashes.subarray(32 * a, 32 * a + 32) as Hash;
    const mid = lo + largestPowerBelow(hi - lo);
    const c = lowerBound(indexes, mid, a, b);
    const left = walk(lo, mid, a, c);
    return hashChildren(left, walk(mid, hi, c, b));
  };
  return walk(0, size, 0, indexes.length);
}

/** Leaves [begin, end) a node covers. */
export function nodeLeaves(level: number, index: number): { begin: number; end: number } {
  const width = 2 ** level;
  return { begin: index * width, end: (index + 1) * width };
}
