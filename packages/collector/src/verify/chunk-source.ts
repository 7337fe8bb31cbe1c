/**
 * Where the store verifier reads a range of positions from: the event rows
 * and the stored tree nodes. A worker thread opens its own read-only SQLite
 * connection (sqlite-chunk-source.ts: one range query per tree level per
 * chunk); any other Store is read through its interface, one node at a time.
 */
import type { Store, StoredEvent } from '../store/types.js';

export interface ChunkSource {
  /** Rows at positions [fromPos, toPos), in position order. */
  readEvents(fromPos: number, toPos: number): StoredEvent[];
  /** Stored hashes of nodes (level, i) for i in [fromIndex, toIndex), by i − fromIndex; undefined where none is stored. */
  readNodes(level: number, fromIndex: number, toIndex: number): (Uint8Array | undefined)[];
}

/** A ChunkSource over the Store interface (tests, and stores other than SQLite). */
export function storeChunkSource(store: Store): ChunkSource {
  const nodes = store.nodeStore();
  return {
    readEvents: (fromPos, toPos) => store.readEvents(fromPos, toPos),
    readNodes: (level, fromIndex, toIndex) => {
      const out: (Uint8Array | undefined)[] = new Array(Math.max(0, toIndex - fromIndex));
      for (let i = fromIndex; i < toIndex; i++) out[i - fromIndex] = nodes.getNode(level, i);
      return out;
    },
  };
}
