/**
 * The Merkle tree's NodeStore on PostgreSQL: tree_nodes keyed by (level, idx)
 * and the leaf count in the one-row tree_state.
 *
 * Outside a transaction each call is one statement and its own commit, as on
 * SQLite. Inside one (the integrator wraps each appendLeaves in
 * `store.transaction`), writes are kept here and sent as one multi-row
 * upsert just before the transaction's COMMIT, or before a savepoint is
 * opened or released: at ~0.4 ms per round trip, a statement per node
 * (about two per leaf) would cap the integrator near a thousand leaves a
 * second. Reads see the kept writes first. A savepoint that rolls back drops
 * the writes made since it opened (the only ones kept, as every boundary
 * flushes).
 */
import type { Hash, NodeStore } from '@seclog/core';
import type { PgBridge } from './pg-bridge.js';

const UPSERT_NODES = `
INSERT INTO tree_nodes (level, idx, hash)
SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bytea[])
ON CONFLICT (level, idx) DO UPDATE SET hash = excluded.hash`;

const nodeKey = (level: number, index: number): string => `${level}:${index}`;

export class PgNodeStore implements NodeStore {
  readonly #db: PgBridge;
  readonly #nodes = new Map<string, { level: number; index: number; hash: Hash }>();
  #leafCount: number | undefined;

  constructor(db: PgBridge) {
    this.#db = db;
  }

  getLeafCount(): number {
    if (this.#leafCount !== undefined) return this.#leafCount;
    return this.#db.query<{ n: number }>('SELECT leaf_count AS n FROM tree_state WHERE id = 0').rows[0]?.n ?? 0;
  }

  setLeafCount(count: number): void {
    if (this.#db.depth > 0) this.#leafCount = count;
    else this.#db.query('UPDATE tree_state SET leaf_count = $1 WHERE id = 0', [count]);
  }

  getNode(level: number, index: number): Hash | undefined {
    const kept = this.#nodes.get(nodeKey(level, index));
    if (kept !== undefined) return Buffer.from(kept.hash) as Uint8Array as Hash;
    return this.#db.query<{ hash: Hash }>('SELECT hash FROM tree_nodes WHERE level = $1 AND idx = $2', [level, index]).rows[0]?.hash;
  }

  putNode(level: number, index: number, hash: Hash): void {
    if (this.#db.depth > 0) this.#nodes.set(nodeKey(level, index), { level, index, hash: Buffer.from(hash) as Uint8Array as Hash });
    else this.#db.query(UPSERT_NODES, [[level], [index], [hash]]);
  }

  /** The statements that write what is kept (empty when nothing is); the kept writes are forgotten. */
  flushStatements(): { text: string; values: unknown[] }[] {
    const out: { text: string; values: unknown[] }[] = [];
    if (this.#nodes.size > 0) {
      const n = [...this.#nodes.values()];
      out.push({ text: UPSERT_NODES, values: [n.map((x) => x.level), n.map((x) => x.index), n.map((x) => x.hash)] });
    }
    if (this.#leafCount !== undefined) out.push({ text: 'UPDATE tree_state SET leaf_count = $1 WHERE id = 0', values: [this.#leafCount] });
    this.discard();
    return out;
  }

  /** Forgets the kept writes (their savepoint or transaction rolled back). */
  discard(): void {
    this.#nodes.clear();
    this.#leafCount = undefined;
  }
}
