/**
 * Open gaps of device streams on SQLite (table stream_gaps, migration 3).
 * Off the hot path: read only when a batch skips or fills seqs, or when a
 * device asks for its cursor; a change rewrites the stream's few rows.
 */
import type { SqliteDb } from './migrations.js';
import type { StreamGap } from './stream-state.js';

const GAP_COLUMNS =
  'device, stream, from_seq AS fromSeq, to_seq AS toSeq, before_hash AS before, after_hash AS after, opened_us AS openedUs';

export class SqliteGaps {
  readonly #ofStream;
  readonly #ofDevice;
  readonly #clear;
  readonly #insert;

  constructor(db: SqliteDb) {
    this.#ofStream = db.prepare(`SELECT ${GAP_COLUMNS} FROM stream_gaps WHERE device = ? AND stream = ? ORDER BY from_seq`);
    this.#ofDevice = db.prepare(`SELECT ${GAP_COLUMNS} FROM stream_gaps WHERE device = ? ORDER BY stream, from_seq`);
    this.#clear = db.prepare('DELETE FROM stream_gaps WHERE device = ? AND stream = ?');
    this.#insert = db.prepare(
      'INSERT INTO stream_gaps (device, stream, from_seq, to_seq, before_hash, after_hash, opened_us) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  list(device: string, stream?: string): StreamGap[] {
    return (stream === undefined ? this.#ofDevice.all(device) : this.#ofStream.all(device, stream)) as StreamGap[];
  }

  /** Replaces the stream's gaps (call inside the batch's transaction). */
  replace(device: string, stream: string, gaps: readonly StreamGap[]): void {
    this.#clear.run(device, stream);
    for (const g of gaps) this.#insert.run(device, stream, g.fromSeq, g.toSeq, g.before, g.after, g.openedUs);
  }
}
