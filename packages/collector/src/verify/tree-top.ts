/**
 * The tree above the chunks, on the main thread. Each full chunk contributes
 * its recomputed subtree root (a perfect node at the chunk's level); they are
 * appended to a compact range whose new nodes are compared with the stored
 * ones (one node per chunk of leaves, so a lookup each is cheap). The root at
 * any tree size s is the compact range of [0, chunk start) followed by the
 * chunk's own compact range of [chunk start, s), folded from the right: the
 * roots the checkpoints signed are recomputed from the rows, not read.
 */
import { CompactRange, emptyRoot, type Hash, hashChildren, type NodeStore } from '@seclog/core';
import type { ChunkResult } from './chunk-check.js';
import { FirstFailure, storeFailure } from './store-result.js';

/** RFC 9162 MTH from the perfect-subtree roots of [0, size), left to right. */
function foldRight(hashes: readonly Hash[]): Hash {
  let i = hashes.length - 1;
  if (i < 0) return emptyRoot();
  let h = hashes[i] as Hash;
  for (i--; i >= 0; i--) h = hashChildren(hashes[i] as Hash, h);
  return new Uint8Array(h) as Hash;
}

export class TreeTop {
  readonly #nodes: NodeStore;
  readonly #level: number;
  readonly #range = CompactRange.empty();
  /** Upper nodes that differ (by `${level}/${index}` in chunk units), to find root causes. */
  readonly #differs = new Set<string>();
  readonly first = new FirstFailure();
  /** Recomputed roots at the sizes asked for. */
  readonly roots = new Map<number, Hash>();
  nodesChecked = 0;

  constructor(nodes: NodeStore, chunkLevel: number) {
    this.#nodes = nodes;
    this.#level = chunkLevel;
  }

  add(c: ChunkResult): void {
    const below = this.#range.hashes();
    for (const { size, hashes } of c.ranges) {
      const parts: Hash[] = [...below];
      for (let k = 0; k < hashes.length; k += 32) parts.push(hashes.subarray(k, k + 32) as Hash);
      this.roots.set(size, foldRight(parts));
    }
    if (c.root === null) return;
    if (c.rootDiffers) this.#differs.add(`0/${c.from / 2 ** this.#level}`);
    this.#range.append(c.root as Hash, (level, index, hash) => {
      if (level === 0) return;
      this.#compare(level, index, hash);
    });
  }

  #compare(level: number, index: number, hash: Hash): void {
    const L = level + this.#level;
    const stored = this.#nodes.getNode(L, index);
    this.nodesChecked++;
    if (stored !== undefined && Buffer.from(stored).equals(hash)) return;
    this.#differs.add(`${level}/${index}`);
    // A node whose children agree was altered itself; otherwise it only inherits a difference from below.
    if (this.#differs.has(`${level - 1}/${2 * index}`) || this.#differs.has(`${level - 1}/${2 * index + 1}`)) return;
    const first = index * 2 ** L;
    this.first.offer(
      storeFailure(
        stored === undefined ? 'deleted' : 'modified',
        'tree_node',
        first,
        stored === undefined
          ? `tree node (${L}, ${index}) is missing`
          : `tree node (${L}, ${index}) is not the hash of its children, which match the rows`,
        { node: { level: L, index } },
      ),
    );
  }
}
