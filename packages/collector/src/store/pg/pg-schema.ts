/**
 * The PostgreSQL schema, as numbered migrations (append only, pg-migrations.ts).
 * The tables mirror the SQLite ones (sqlite-schema.ts) in PostgreSQL's types:
 * µs times, seqs and positions are bigint, hashes bytea.
 *
 * events: one row per committed record, `pos` (commit position = Merkle leaf
 * index) as primary key, plus the query columns of the record and its id as
 * a uuid column (SQLite cuts the id out of the canonical text in an index
 * expression; here the column is written once at insert). Indexes: btree on
 * (device, time_us) and on (actor_ip, time_us) for the rows with an actor ip
 * (the two queries of DESIGN.md §7), btree on the record id, and BRIN on
 * time_us: records arrive roughly in time order, so a block range summary
 * costs a few pages for the whole table and narrows a time window without a
 * per-row index entry.
 *
 * Migration 7 turns events into a table partitioned by month of receipt
 * (pg-partitions.ts); its primary key becomes (pos, received_us).
 *
 * log_head: one row holding the next position. commitBatches takes it with
 * `UPDATE … RETURNING` (a row lock held to the commit), which serialises the
 * commits of every collector on the database and keeps positions dense: a
 * rolled-back group gives its positions back with its row update.
 *
 * As on SQLite there is no UNIQUE index on (device, stream, seq): the
 * stream_cursors row, locked in the committing transaction, deduplicates.
 */
import { PG_ALERTS_SCHEMA } from './pg-alerts.js';
import { PG_LEASE_SCHEMA } from './pg-lease.js';
import type { PgMigration } from './pg-migrations.js';
import { PG_EVENTS_PARTITIONED } from './pg-partitions.js';
import { PG_RETENTION_SCHEMA } from './pg-retention.js';
import { PG_REVIEW_APPROVAL_LOG_POS, PG_REVIEWS_SCHEMA } from './pg-reviews.js';
import { PG_USERS_SCHEMA } from './pg-users.js';

const INITIAL_SCHEMA = `
CREATE TABLE meta (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE devices (
  id text PRIMARY KEY,
  profile text NOT NULL CHECK (profile IN ('low', 'high')),
  token_hash bytea NOT NULL UNIQUE,
  seal_key bytea NOT NULL,
  created_us bigint NOT NULL,
  revoked_us bigint,
  last_seen_us bigint,
  seal_t0_ms bigint NOT NULL,
  seal_epoch_ms bigint NOT NULL CHECK (seal_epoch_ms >= 1),
  seal_max_records bigint NOT NULL CHECK (seal_max_records >= 1)
);

CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'analyst', 'auditor')),
  token_hash bytea NOT NULL UNIQUE,
  created_us bigint NOT NULL,
  revoked_us bigint
);

CREATE TABLE stream_cursors (
  device text NOT NULL,
  stream text NOT NULL,
  acked_seq bigint NOT NULL CHECK (acked_seq >= 0),
  head bytea NOT NULL,
  PRIMARY KEY (device, stream)
);

CREATE TABLE stream_gaps (
  device text NOT NULL,
  stream text NOT NULL,
  from_seq bigint NOT NULL CHECK (from_seq >= 1),
  to_seq bigint NOT NULL,
  before_hash bytea NOT NULL,
  after_hash bytea NOT NULL,
  opened_us bigint NOT NULL,
  PRIMARY KEY (device, stream, from_seq),
  CHECK (to_seq > from_seq)
);

CREATE TABLE stream_seals (
  device text NOT NULL,
  stream text NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 1),
  epoch bigint NOT NULL CHECK (epoch >= 0),
  first_seq bigint NOT NULL,
  start_us bigint NOT NULL,
  end_us bigint NOT NULL,
  tag bytea NOT NULL,
  prev_tag bytea NOT NULL,
  open_reported boolean NOT NULL DEFAULT false,
  PRIMARY KEY (device, stream, seq)
);

CREATE TABLE log_head (
  id smallint PRIMARY KEY CHECK (id = 0),
  next_pos bigint NOT NULL CHECK (next_pos >= 0)
);
INSERT INTO log_head (id, next_pos) VALUES (0, 0);

CREATE TABLE events (
  pos bigint PRIMARY KEY CHECK (pos >= 0),
  device text NOT NULL,
  stream text,
  seq bigint,
  received_us bigint NOT NULL,
  time_us bigint NOT NULL,
  name text NOT NULL,
  outcome text NOT NULL,
  severity text NOT NULL,
  actor_ip text,
  actor_user text,
  record_id uuid,
  digest bytea NOT NULL,
  chain_hash bytea NOT NULL,
  canonical text NOT NULL
);
CREATE INDEX events_device_time ON events (device, time_us);
CREATE INDEX events_actor_ip_time ON events (actor_ip, time_us) WHERE actor_ip IS NOT NULL;
CREATE INDEX events_record_id ON events (record_id);
CREATE INDEX events_time_brin ON events USING brin (time_us);

CREATE TABLE tree_nodes (
  level integer NOT NULL CHECK (level >= 0),
  idx bigint NOT NULL CHECK (idx >= 0),
  hash bytea NOT NULL,
  PRIMARY KEY (level, idx)
);

CREATE TABLE tree_state (
  id smallint PRIMARY KEY CHECK (id = 0),
  leaf_count bigint NOT NULL CHECK (leaf_count >= 0)
);
INSERT INTO tree_state (id, leaf_count) VALUES (0, 0);

CREATE TABLE checkpoints (
  tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
  root bytea NOT NULL,
  note text NOT NULL,
  created_us bigint NOT NULL
);
`;

/** The notification outbox (as sqlite-outbox.ts's OUTBOX_SCHEMA). */
const OUTBOX_SCHEMA = `
CREATE TABLE notify_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id text NOT NULL,
  channel text NOT NULL,
  payload text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL CHECK (attempts >= 0),
  created_us bigint NOT NULL,
  next_attempt_us bigint NOT NULL,
  last_attempt_us bigint,
  last_error text,
  done_us bigint,
  reported boolean NOT NULL DEFAULT false,
  UNIQUE (alert_id, channel)
);
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_attempt_us);
`;

/**
 * Migration 10: indexes for queries by actor user and by event name. SQLite does without them (its
 * migration 4 walks positions instead, to keep ingest cheap on one core); on PostgreSQL the collector's
 * CPU bounds ingest long before the server's index inserts do, and without them a `user` query over
 * 3M events had a p95 of 412 ms and `name` + 1 h one of 76 ms; with them 32 ms and 10 ms
 * (docs/scaling.md). On a partitioned table each partition gets its own index: on a large database
 * this migration takes as long as building them (3–6 s per index per 3M rows here).
 */
const PG_QUERY_INDEXES = `
CREATE INDEX events_actor_user_time ON events (actor_user, time_us) WHERE actor_user IS NOT NULL;
CREATE INDEX events_name_time ON events (name, time_us);
`;

// Append only: a released migration is never edited (pg-migrations.ts checks the list).
export const PG_MIGRATIONS: readonly PgMigration[] = Object.freeze([
  { id: 1, name: 'initial_schema', up: INITIAL_SCHEMA },
  { id: 2, name: 'notify_outbox', up: OUTBOX_SCHEMA },
  // Alerts, their triage, the detector's saved state and rule settings (pg-alerts.ts).
  { id: 3, name: 'detection_alerts', up: PG_ALERTS_SCHEMA },
  // People's accounts and sign-in sessions (pg-users.ts).
  { id: 4, name: 'users_sessions', up: PG_USERS_SCHEMA },
  // The integrator lease of collectors sharing the database (pg-lease.ts).
  { id: 5, name: 'cluster_leases', up: PG_LEASE_SCHEMA },
  // Periodic reviews, their findings, signatures and approvals (pg-reviews.ts).
  { id: 6, name: 'periodic_reviews', up: PG_REVIEWS_SCHEMA },
  // events partitioned by month of receipt (pg-partitions.ts).
  { id: 7, name: 'events_partitioned', up: PG_EVENTS_PARTITIONED },
  // Retention: pruning times per position and the runs (pg-retention.ts).
  { id: 8, name: 'retention', up: PG_RETENTION_SCHEMA },
  // Log position of each approval's review_approved record, backfilled from the log (pg-reviews.ts).
  { id: 9, name: 'review_approval_log_pos', up: PG_REVIEW_APPROVAL_LOG_POS },
  // Indexes for user and name queries (see PG_QUERY_INDEXES).
  { id: 10, name: 'user_and_name_indexes', up: PG_QUERY_INDEXES },
]);
