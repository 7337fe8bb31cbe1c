/**
 * Seals of device streams on SQLite (table stream_seals, migration 3): one
 * row per `log_seal` record, keyed by (device, stream, seq), so ingest finds
 * the seal before or after any seq with one primary-key range probe. A seal
 * closes an epoch (10,000 records or an hour on the low profile, 1,000 or a
 * minute on the high one), so the table holds about one row per 100 to 10,000
 * records and one upsert per sealing batch.
 */
import type { SqliteDb } from './migrations.js';
import type { StreamSeal } from './stream-state.js';

const SEAL_COLUMNS =
  'device, stream, seq, epoch, first_seq AS firstSeq, start_us AS startUs, end_us AS endUs, tag, prev_tag AS prevTag, open_reported AS openReported';

interface SealRow extends Omit<StreamSeal, 'openReported'> {
  openReported: number;
}

const fromRow = (r: SealRow | undefined): StreamSeal | undefined =>
  r === undefined ? undefined : { ...r, openReported: r.openReported === 1 };

export class SqliteSeals {
  readonly #before;
  readonly #after;
  readonly #upsert;

  constructor(db: SqliteDb) {
    this.#before = db.prepare(
      `SELECT ${SEAL_COLUMNS} FROM stream_seals WHERE device = ? AND stream = ? AND seq < ? ORDER BY seq DESC LIMIT 1`,
    );
    this.#after = db.prepare(`SELECT ${SEAL_COLUMNS} FROM stream_seals WHERE device = ? AND stream = ? AND seq > ? ORDER BY seq LIMIT 1`);
    this.#upsert = db.prepare(
      `INSERT INTO stream_seals (device, stream, seq, epoch, first_seq, start_us, end_us, tag, prev_tag, open_reported)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device, stream, seq) DO UPDATE SET epoch = excluded.epoch, first_seq = excluded.first_seq,
         start_us = excluded.start_us, end_us = excluded.end_us, tag = excluded.tag, prev_tag = excluded.prev_tag,
         open_reported = excluded.open_reported`,
    );
  }

  before(device: string, stream: string, seq: number): StreamSeal | undefined {
    return fromRow(this.#before.get(device, stream, seq) as SealRow | undefined);
  }

  after(device: string, stream: string, seq: number): StreamSeal | undefined {
    return fromRow(this.#after.get(device, stream, seq) as SealRow | undefined);
  }

  put(seals: readonly StreamSeal[]): void {
    for (const s of seals) {
      this.#upsert.run(s.device, s.stream, s.seq, s.epoch, s.firstSeq, s.startUs, s.endUs, s.tag, s.prevTag, s.openReported ? 1 : 0);
    }
  }
}
