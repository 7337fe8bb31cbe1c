/**
 * The store verifier's reads on a SQLite data directory, on a read-only
 * connection of its own (one per worker thread; WAL lets them read while a
 * collector writes). Tree nodes of a chunk are read one level at a time with
 * a range scan of the (level, idx) primary key, instead of one lookup per node.
 */
import type { Hash } from '@seclog/core';
import Database from 'better-sqlite3';
import type { ChunkSource } from './chunk-source.js';

type Row = [number, string, string | null, number | null, number, Uint8Array, Uint8Array, string];

export interface SqliteChunkSource extends ChunkSource {
  close(): void;
}

export function openSqliteChunkSource(path: string): SqliteChunkSource {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // Arrays, made into objects here: cheaper than better-sqlite3's named rows (~20-50%, measured on 8,192-row ranges).
  const events = db
    .prepare(
      'SELECT pos, device, stream, seq, received_us, digest, chain_hash, canonical FROM events WHERE pos >= ? AND pos < ? ORDER BY pos',
    )
    .raw();
  const nodes = db.prepare('SELECT idx, hash FROM tree_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx').raw();
  // One row per level: the hashes of a range as one hex string (a Buffer per node cost 3-6x more, measured).
  const packed = db
    .prepare(
      "SELECT count(*), group_concat(hex(hash), '' ORDER BY idx) FROM tree_nodes WHERE level = ? AND idx >= ? AND idx < ? AND length(hash) = 32",
    )
    .raw();
  return {
    readEvents: (fromPos, toPos) =>
      (events.all(fromPos, toPos) as Row[]).map((r) => ({
        pos: r[0],
        device: r[1],
        stream: r[2],
        seq: r[3],
        receivedUs: r[4],
        digest: r[5] as Hash,
        chainHash: r[6] as Hash,
        canonical: r[7],
      })),
    readNodes: (level, fromIndex, toIndex) => {
      const out: (Uint8Array | undefined)[] = new Array(Math.max(0, toIndex - fromIndex));
      const [count, hex] = packed.get(level, fromIndex, toIndex) as [number, string | null];
      if (count === out.length && hex !== null) {
        // Every node of the range is there (the key is unique), in order.
        const all = Buffer.from(hex, 'hex');
        for (let i = 0; i < out.length; i++) out[i] = all.subarray(i * 32, i * 32 + 32);
        return out;
      }
      // Some are missing or malformed: row by row, so each one is placed where it belongs.
      for (const [idx, hash] of nodes.all(level, fromIndex, toIndex) as [number, Uint8Array][]) out[idx - fromIndex] = hash;
      return out;
    },
    close: () => db.close(),
  };
}
