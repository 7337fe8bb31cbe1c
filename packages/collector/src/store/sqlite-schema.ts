/**
 * The SQLite schema, as numbered migrations (append only: see migrations.ts).
 *
 * Tables are STRICT, so a value of the wrong type is an error instead of being
 * stored as whatever SQLite's type affinity makes of it.
 *
 * events: one row per committed record; `pos` is the commit position and the
 * Merkle leaf index (dense from 0, so it is the rowid and costs no index).
 * The other columns repeat fields of `canonical` that queries filter on, so a
 * query never parses JSON to select rows:
 *
 *   pos │ device stream seq │ received_us │ time_us name outcome severity actor_ip actor_user │ digest chain_hash │ canonical
 *   ────┼───────────────────┼─────────────┼─────────────────── query columns ──────────────────┼──── integrity ────┼──────────
 *
 * Indexes serve the queries of DESIGN.md §7 (device+time, ip+time; also time,
 * user+time, name+time), each ending in time_us with the rowid as tiebreak so
 * a time window is one range scan already in commit order. The actor indexes
 * are partial: most records have no actor ip or user, and `actor_ip = ?`
 * implies the index's `IS NOT NULL`, so SQLite still uses them. Migration 4
 * re-chose the indexes for what they cost at ingest (QUERY_INDEXES below).
 *
 * Deliberately absent: a UNIQUE index on (device, stream, seq). Deduplication
 * is decided by the stream_cursors row, read and written once per batch; the
 * reasons and the figures are in sqlite-store.ts. Nor are there foreign keys
 * from events or cursors to devices: the log also holds records of sources
 * that are not enrolled devices (syslog passthrough, the collector's own
 * stream), and an append-only log never loses rows when a device goes.
 */
import type { Migration } from './migrations.js';
import { ALERTS_SCHEMA } from './sqlite-alerts.js';
import { OUTBOX_SCHEMA } from './sqlite-outbox.js';
import { RETENTION_SCHEMA } from './sqlite-retention.js';
import { REVIEW_APPROVAL_LOG_POS, REVIEWS_SCHEMA } from './sqlite-reviews.js';
import { migrateStreamState } from './sqlite-stream-state-migration.js';
import { USERS_SCHEMA } from './sqlite-users.js';

const INITIAL_SCHEMA = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  profile TEXT NOT NULL CHECK (profile IN ('low', 'high')),
  token_hash BLOB NOT NULL UNIQUE,
  seal_key BLOB NOT NULL,
  created_us INTEGER NOT NULL,
  revoked_us INTEGER,
  last_seen_us INTEGER
) STRICT;

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'auditor')),
  token_hash BLOB NOT NULL UNIQUE,
  created_us INTEGER NOT NULL,
  revoked_us INTEGER
) STRICT;

CREATE TABLE stream_cursors (
  device TEXT NOT NULL,
  stream TEXT NOT NULL,
  acked_seq INTEGER NOT NULL CHECK (acked_seq >= 0),
  head BLOB NOT NULL,
  PRIMARY KEY (device, stream)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
  pos INTEGER PRIMARY KEY CHECK (pos >= 0),
  device TEXT NOT NULL,
  stream TEXT,
  seq INTEGER,
  received_us INTEGER NOT NULL,
  time_us INTEGER NOT NULL,
  name TEXT NOT NULL,
  outcome TEXT NOT NULL,
  severity TEXT NOT NULL,
  actor_ip TEXT,
  actor_user TEXT,
  digest BLOB NOT NULL,
  chain_hash BLOB NOT NULL,
  canonical TEXT NOT NULL
) STRICT;
CREATE INDEX events_device_time ON events (device, time_us);
CREATE INDEX events_time ON events (time_us);
CREATE INDEX events_actor_ip_time ON events (actor_ip, time_us) WHERE actor_ip IS NOT NULL;
CREATE INDEX events_actor_user_time ON events (actor_user, time_us) WHERE actor_user IS NOT NULL;
CREATE INDEX events_name_time ON events (name, time_us);

CREATE TABLE tree_nodes (
  level INTEGER NOT NULL CHECK (level >= 0),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE tree_state (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  leaf_count INTEGER NOT NULL CHECK (leaf_count >= 0)
) STRICT;
INSERT INTO tree_state (id, leaf_count) VALUES (0, 0);

CREATE TABLE checkpoints (
  tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 0),
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  created_us INTEGER NOT NULL
) STRICT;
`;

/**
 * The seal policy fixed at enrolment (epoch grid origin, epoch length, record
 * count that closes an epoch), kept next to the escrowed k_0 so the collector
 * can tell which key sealed which epoch. Rows enrolled before it get their
 * profile's policy with the enrolment time as origin.
 */
const DEVICE_SEAL_POLICY = `
ALTER TABLE devices ADD COLUMN seal_t0_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN seal_epoch_ms INTEGER NOT NULL DEFAULT 60000 CHECK (seal_epoch_ms >= 1);
ALTER TABLE devices ADD COLUMN seal_max_records INTEGER NOT NULL DEFAULT 1000 CHECK (seal_max_records >= 1);
UPDATE devices SET seal_t0_ms = created_us / 1000,
  seal_epoch_ms = CASE profile WHEN 'low' THEN 3600000 ELSE 60000 END,
  seal_max_records = CASE profile WHEN 'low' THEN 10000 ELSE 1000 END;
`;

/**
 * The query indexes, re-chosen for queries newest first by position
 * (sqlite-query.ts, docs/query.md) against what each costs on the ingest path,
 * where every index is one more B-tree insert per record: ~3–5 µs of CPU per
 * row each here, and with 1,000 devices interleaved an index keyed by time
 * (the time index, name+time, user+time across devices, a UUIDv7 id) also
 * takes its inserts scattered over the last seconds of the whole fleet, so
 * nearly every row dirties another page, written to the WAL at commit and
 * again at checkpoint.
 *
 * Kept: device+time and ip+time, the queries of DESIGN.md §7. Added:
 * - (time ÷ 1 h, pos, time): inserts land at the end of the current hour; a
 *   time window without device or ip is read from it bucket by bucket in
 *   position order (the time is in the index), or, over 48 hours, narrows
 *   the walk to the positions its hours span. Nearly free.
 * - the record id, grouped by blocks of 4,096 positions, so inserts stay in
 *   the newest block (a lookup seeks once per block). The id is cut out of
 *   the canonical JSON with instr/substr rather than json_extract, 3–4 µs a
 *   row cheaper: in RFC 8785 order the top-level "id" comes right after the
 *   "device" object and no string can hold `},"id":"` unescaped
 *   (query-id-layout.test.ts checks this against the record schema), and
 *   every lookup compares the full id with json_extract.
 * Dropped: the time, name+time and user+time indexes. Name and user queries
 * walk positions with the filter checked on each row (bounded per request,
 * docs/query.md); (name, pos, time) and (user, pos, time) indexes would serve
 * them for ~3 µs a row more together.
 *
 * Measured (commitBatches, 1,000 devices interleaved, batches of 100 records
 * of ~400 B at 50 events/s per device, 10 batches per transaction, WAL +
 * FULL, 300k rows into a new file; Node 20.20, 2 cores shared with other
 * work at load average ~3, so rows/s sit ±20% around a median of 3 runs and
 * below a quiet machine's; bytes written per row are from /proc/self/io):
 *
 *   query indexes                               rows/s   CPU µs/row   bytes written/row
 *   none                                        59,400        10.6           1,203
 *   device+time, ip+time                        38,900        15.5           2,020
 *    + (time ÷ 1 h, pos)                        37,600        15.8           2,085
 *      ((time ÷ 1 h, pos, time), as chosen: 8 bytes more per entry)
 *    + id by 4,096-position block: this one     29,300        19.0           2,200
 *      (id with json_extract instead            26,900        22.8           2,200)
 *    + (name, pos, time), (user, pos, time)     ~25,000       ~24             2,906
 *   migration 1's five                          ~14–22k       35.4           8,596
 *
 * (A plain UUIDv7 id index instead of the blocked one: 5,717 bytes/row.)
 * `npm run bench -- query` repeats the none / migration 1 / current rows
 * with its own records; its figures over 10M events are in docs/query.md.
 */
const QUERY_INDEXES = `
DROP INDEX events_time;
DROP INDEX events_name_time;
DROP INDEX events_actor_user_time;
CREATE INDEX events_time_hour ON events (time_us / 3600000000, pos, time_us);
CREATE INDEX events_id ON events (pos >> 12, unhex(replace(substr(canonical, instr(canonical, '},"id":"') + 8, 18), '-', '')));
`;

// Append only: a released migration is never edited (migrations.ts checks the list).
export const SQLITE_MIGRATIONS: readonly Migration[] = Object.freeze([
  { id: 1, name: 'initial_schema', up: INITIAL_SCHEMA },
  { id: 2, name: 'device_seal_policy', up: DEVICE_SEAL_POLICY },
  // Open gaps and seals per device stream, backfilled from the stored events (sqlite-stream-state-migration.ts).
  { id: 3, name: 'stream_gaps_and_seals', up: migrateStreamState },
  // Indexes for queries newest first by position; see QUERY_INDEXES.
  { id: 4, name: 'query_indexes', up: QUERY_INDEXES },
  // Alerts, their triage, the detector's saved state and rule settings (sqlite-alerts.ts).
  { id: 5, name: 'detection_alerts', up: ALERTS_SCHEMA },
  // The notification outbox (sqlite-outbox.ts).
  { id: 6, name: 'notify_outbox', up: OUTBOX_SCHEMA },
  // People's accounts and sign-in sessions (sqlite-users.ts).
  { id: 7, name: 'users_sessions', up: USERS_SCHEMA },
  // Periodic reviews, their findings, signatures and approvals (sqlite-reviews.ts).
  { id: 8, name: 'periodic_reviews', up: REVIEWS_SCHEMA },
  // Retention: pruning times per position and the runs (sqlite-retention.ts).
  { id: 9, name: 'retention', up: RETENTION_SCHEMA },
  // Log position of each approval's review_approved record, backfilled from the log (sqlite-reviews.ts).
  { id: 10, name: 'review_approval_log_pos', up: REVIEW_APPROVAL_LOG_POS },
]);
