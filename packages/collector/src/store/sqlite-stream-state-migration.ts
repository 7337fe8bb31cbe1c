/**
 * Migration 3: the per-stream state of ingest's integrity checks, open gaps
 * and seals (stream-state.ts), and its backfill from the events already
 * stored. Before it, a seq skip only moved the cursor on, so every skip found
 * in the stored streams becomes an open gap here, and every stored log_seal a
 * seal row: the invariant "every seq up to the cursor is stored or in an open
 * gap" then holds for old data too.
 *
 *   stream_gaps   (device, stream, from_seq) → to_seq, before_hash, after_hash, opened_us
 *   stream_seals  (device, stream, seq)      → epoch, first_seq, start_us, end_us, tag, prev_tag, open_reported
 */
import { parseDateTime, readSealAttrs, ZERO_HASH_HEX } from '@seclog/core';
import type { SqliteDb } from './migrations.js';

const TABLES = `
CREATE TABLE stream_gaps (
  device TEXT NOT NULL,
  stream TEXT NOT NULL,
  from_seq INTEGER NOT NULL CHECK (from_seq >= 1),
  to_seq INTEGER NOT NULL,
  before_hash BLOB NOT NULL,
  after_hash BLOB NOT NULL,
  opened_us INTEGER NOT NULL,
  PRIMARY KEY (device, stream, from_seq),
  CHECK (to_seq > from_seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE stream_seals (
  device TEXT NOT NULL,
  stream TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  epoch INTEGER NOT NULL CHECK (epoch >= 0),
  first_seq INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  tag BLOB NOT NULL,
  prev_tag BLOB NOT NULL,
  open_reported INTEGER NOT NULL DEFAULT 0 CHECK (open_reported IN (0, 1)),
  PRIMARY KEY (device, stream, seq)
) STRICT, WITHOUT ROWID;
`;

// Skips in the stored streams: a stream's first stored seq above 1, or a seq more than one above the one before it.
const SKIPS = `
SELECT device, stream, seq, prev_seq AS prevSeq, prev_hash AS prevHash, received_us AS receivedUs,
       json_extract(canonical, '$.prev') AS prev
FROM (
  SELECT device, stream, seq, received_us, canonical,
         lag(seq) OVER w AS prev_seq, lag(chain_hash) OVER w AS prev_hash
  FROM events WHERE stream IS NOT NULL AND seq IS NOT NULL
  WINDOW w AS (PARTITION BY device, stream ORDER BY seq)
)
WHERE (prev_seq IS NULL AND seq > 1) OR seq > prev_seq + 1
`;

interface Skip {
  device: string;
  stream: string;
  seq: number;
  prevSeq: number | null;
  prevHash: Uint8Array | null;
  receivedUs: number;
  prev: unknown;
}

const micros = (s: string): number => {
  const t = parseDateTime(s);
  return t.ms * 1000 + t.us;
};

export function migrateStreamState(db: SqliteDb): void {
  db.exec(TABLES);
  const insertGap = db.prepare(
    'INSERT INTO stream_gaps (device, stream, from_seq, to_seq, before_hash, after_hash, opened_us) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  // .all(), not .iterate(): better-sqlite3 allows no write on a connection while it iterates.
  for (const s of db.prepare(SKIPS).all() as Skip[]) {
    const after = typeof s.prev === 'string' && /^[0-9a-f]{64}$/.test(s.prev) ? s.prev : ZERO_HASH_HEX;
    const before = s.prevHash ?? Buffer.from(ZERO_HASH_HEX, 'hex');
    insertGap.run(s.device, s.stream, (s.prevSeq ?? 0) + 1, s.seq, before, Buffer.from(after, 'hex'), s.receivedUs);
  }
  const insertSeal = db.prepare(
    `INSERT INTO stream_seals (device, stream, seq, epoch, first_seq, start_us, end_us, tag, prev_tag)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const seals = db.prepare(
    "SELECT device, stream, seq, json_extract(canonical, '$.attrs') AS attrs FROM events WHERE name = 'log_seal' AND stream IS NOT NULL AND seq IS NOT NULL",
  );
  for (const e of seals.all() as { device: string; stream: string; seq: number; attrs: string | null }[]) {
    const a = readSealAttrs(JSON.parse(e.attrs ?? '{}') as Record<string, never>);
    if (typeof a === 'string') continue; // a malformed seal has no row; ingest reported it when it arrived
    const [startUs, endUs] = [micros(a.epoch_start), micros(a.epoch_end)];
    insertSeal.run(
      e.device,
      e.stream,
      e.seq,
      a.epoch,
      a.first_seq,
      startUs,
      endUs,
      Buffer.from(a.tag, 'hex'),
      Buffer.from(a.prev_seal_tag, 'hex'),
    );
  }
}
