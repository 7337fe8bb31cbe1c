/**
 * The Merkle tree's NodeStore on SQLite: perfect nodes in tree_nodes (a
 * WITHOUT ROWID table keyed by (level, idx), so a node is one B-tree lookup)
 * and the leaf count in the one-row tree_state table.
 *
 * Every method is a plain statement: outside a transaction each putNode is a
 * durable commit of its own (an fsync each, ~3.3k/s). The integrator groups
 * a batch with `store.transaction(() => tree.appendLeaves(leaves))`, which
 * also gives the tree's commit rule (nodes first, leaf count last) all or
 * nothing semantics on disk.
 */
import type { Hash, NodeStore } from '@seclog/core';
import type { SqliteDb } from './migrations.js';

export class SqliteNodeStore implements NodeStore {
  readonly #getLeafCount;
  readonly #setLeafCount;
  readonly #getNode;
  readonly #putNode;

  constructor(db: SqliteDb) {
    this.#getLeafCount = db.prepare('SELECT leaf_count FROM tree_state WHERE id = 0').pluck();
    this.#setLeafCount = db.prepare('UPDATE tree_state SET leaf_count = ? WHERE id = 0');
    this.#getNode = db.prepare('SELECT hash FROM tree_nodes WHERE level = ? AND idx = ?').pluck();
    // Overwrites: nodes above the leaf count may be left from an interrupted
    // batch and are put again, with the same values, when it is redone.
    this.#putNode = db.prepare(
      'INSERT INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hash = excluded.hash',
    );
  }

  getLeafCount(): number {
    return this.#getLeafCount.get() as number;
  }

  setLeafCount(count: number): void {
    this.#setLeafCount.run(count);
  }

  getNode(level: number, index: number): Hash | undefined {
    // better-sqlite3 returns a new Buffer per read: the caller owns it.
    return this.#getNode.get(level, index) as Hash | undefined;
  }

  putNode(level: number, index: number, hash: Hash): void {
    this.#putNode.run(level, index, hash);
  }
}
