/**
 * The collector's Store on embedded SQLite (better-sqlite3).
 *
 * Why these pragmas:
 * - journal_mode=WAL: a commit appends to the write-ahead log (one fsync)
 *   instead of journalling pages and rewriting them, and readers (queries,
 *   exports, proofs, a CLI on the same file) never block the writer.
 * - synchronous=FULL: in WAL mode NORMAL skips the fsync at commit, so a power
 *   cut can take back transactions already acknowledged; FULL syncs the WAL on
 *   every commit, which is what "an ACK means durable" needs. It costs ~5%
 *   when commits are batched (LESSONS.md: 1,000-row transactions, FULL ~305k
 *   rows/s, NORMAL ~320k), and batching is what commitBatches is for.
 * - foreign_keys=ON: SQLite leaves them off per connection; on, every foreign
 *   key a migration declares is enforced (the current schema has none on the
 *   hot path, see sqlite-schema.ts).
 * - busy_timeout: a second connection (the CLI, a backup) waits for the lock
 *   instead of failing at once with SQLITE_BUSY.
 * - cache_size is left at SQLite's default (2 MiB): 64 MiB made no difference
 *   to the measurement below over 1M rows (the OS page cache holds the hot
 *   index pages either way); `cacheSizeKiB` is there for query tuning.
 *
 * Why no UNIQUE index on (device, stream, seq): it is one more B-tree probed
 * and written per row (1,000 interleaved devices: ~36k rows/s against ~330k
 * with a per-stream cursor row, LESSONS.md), and it would duplicate what the
 * cursor already knows. The stream_cursors row (acked seq and chain head, the
 * state the chain check needs anyway) is read once per batch inside the
 * commit transaction: a record at or below it is a duplicate (unless it
 * fills an open gap, gap-plan.ts), and the whole group is refused and rolled
 * back; the cursor moves in the same transaction
 * as its records, so a crash never leaves one without the other.
 *
 * Measured once (not a test; Node 20.20, 2 cores, shared machine, ±10%):
 * commitBatches with 1,000 interleaved devices, ~330 B canonical JSON (60%
 * with actor ip and user), batches of 100 grouped 10 per transaction, WAL +
 * FULL, 500k rows into a new file: ~78k rows/s (3 runs: 77k, 77k, 80k). The
 * five query indexes cost half of it: without them ~150k, and a bare
 * better-sqlite3 insert of the same 14 columns ~190k; with only device+time
 * and ip+time (the two queries of DESIGN.md §7) ~100k. 64 MiB of page cache,
 * 50 batches per transaction or a 10-40x larger wal_autocheckpoint changed
 * the figure by less than the noise (the last by +10% at most).
 *
 * Single writer: the integrator and the ingest pipeline share one Store per
 * process; positions are re-read inside each transaction, so a second writer
 * process would serialise on SQLite's lock rather than corrupt the order.
 */

import type { Hash } from '@seclog/core';
import { SeclogError } from '@seclog/core';
import Database from 'better-sqlite3';
import { checkWindow, sortSummary } from './event-summary.js';
import type { Migration, MigrationReport, SqliteDb } from './migrations.js';
import { runMigrations } from './migrations.js';
import { SqliteAlerts } from './sqlite-alerts.js';
import { SqliteEventLog } from './sqlite-event-log.js';
import { SqliteNodeStore } from './sqlite-node-store.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { SqliteEventQuery } from './sqlite-query.js';
import { SqliteRetention } from './sqlite-retention.js';
import { SqliteReviews } from './sqlite-reviews.js';
import { SQLITE_MIGRATIONS } from './sqlite-schema.js';
import { SqliteTables } from './sqlite-tables.js';
import { SqliteUsers } from './sqlite-users.js';
import type {
  ApiTokenRow,
  BatchWrite,
  DeviceRow,
  EventPage,
  EventQuery,
  EventSummaryRow,
  OutboxCounts,
  OutboxInsert,
  OutboxOutcome,
  OutboxRow,
  Store,
  StoredCheckpoint,
  StoredEvent,
  StreamCursor,
  StreamGap,
  StreamSeal,
  TransactionOptions,
} from './types.js';

export interface SqliteStoreOptions {
  /** How long a statement waits for another connection's lock (default 5000). */
  busyTimeoutMs?: number;
  /** SQLite page cache of this connection, KiB (default: SQLite's, 2 MiB). */
  cacheSizeKiB?: number;
  /** The schema to migrate to (default: SQLITE_MIGRATIONS; tests pass longer lists). */
  migrations?: readonly Migration[];
}

/** The connection settings an ACK relies on, as SQLite reports them (for `seclog check` and tests). */
export interface SqliteSettings {
  journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  foreignKeys: boolean;
  busyTimeoutMs: number;
}

export const SQLITE_STORE_DEFAULTS = Object.freeze({ busyTimeoutMs: 5000 });

/**
 * Opens (creating if needed) the SQLite database at `path` and migrates it.
 * Throws STORE_SCHEMA_TOO_NEW for a database written by a newer seclog, and
 * STORE_OPEN_FAILED when a file database cannot use WAL.
 */
export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
  const db = new Database(path);
  try {
    applyPragmas(db, path, opts);
    const migrations = opts.migrations ?? SQLITE_MIGRATIONS;
    runMigrations(db, migrations);
    return new SqliteStore(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
}

function applyPragmas(db: SqliteDb, path: string, opts: SqliteStoreOptions): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && path !== ':memory:') {
    throw new SeclogError('STORE_OPEN_FAILED', `${path}: the database cannot use a WAL journal (got ${String(mode)})`, {
      path,
      reason: 'wal_unavailable',
    });
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? SQLITE_STORE_DEFAULTS.busyTimeoutMs))}`);
  if (opts.cacheSizeKiB !== undefined) db.pragma(`cache_size = ${-Math.max(0, Math.trunc(opts.cacheSizeKiB))}`);
}

export class SqliteStore implements Store {
  readonly #db: SqliteDb;
  readonly #migrations: readonly Migration[];
  readonly #tables: SqliteTables;
  readonly #log: SqliteEventLog;
  readonly #nodes: SqliteNodeStore;
  readonly #query: SqliteEventQuery;
  /** Prepared on first use, like the alert tables (a store on an older migration list has no outbox). */
  #outboxTable: SqliteOutbox | undefined;
  /** Prepared on first use: a store opened with an older migration list (tests) has no alert tables. */
  #alerts: SqliteAlerts | undefined;
  #users: SqliteUsers | undefined;
  #retention: SqliteRetention | undefined;
  #reviews: SqliteReviews | undefined;

  constructor(db: SqliteDb, migrations: readonly Migration[]) {
    this.#db = db;
    this.#migrations = migrations;
    this.#tables = new SqliteTables(db);
    this.#log = new SqliteEventLog(db);
    this.#nodes = new SqliteNodeStore(db);
    this.#query = new SqliteEventQuery(db);
  }

  migrate(): MigrationReport {
    return runMigrations(this.#db, this.#migrations);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  settings(): SqliteSettings {
    const get = (name: string) => this.#db.pragma(name, { simple: true });
    return {
      journalMode: String(get('journal_mode')),
      synchronous: Number(get('synchronous')),
      foreignKeys: Number(get('foreign_keys')) === 1,
      busyTimeoutMs: Number(get('busy_timeout')),
    };
  }

  transaction<T>(fn: () => T, options?: TransactionOptions): T {
    if (options?.durable !== false || this.#db.inTransaction) return this.#db.transaction(fn).immediate();
    // In WAL mode NORMAL writes the commit to the WAL without an fsync; WAL
    // frames reach the disk in order, so the next FULL commit syncs these too.
    this.#db.pragma('synchronous = NORMAL');
    try {
      return this.#db.transaction(fn).immediate();
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }

  getMeta(key: string): string | undefined {
    return this.#tables.getMeta(key);
  }

  setMeta(key: string, value: string): void {
    this.#tables.setMeta(key, value);
  }

  putDevice(row: DeviceRow): void {
    this.#tables.putDevice(row);
  }

  getDevice(id: string): DeviceRow | undefined {
    return this.#tables.getDevice(id);
  }

  findDeviceByTokenHash(tokenHash: Uint8Array): DeviceRow | undefined {
    return this.#tables.findDeviceByTokenHash(tokenHash);
  }

  listDevices(): DeviceRow[] {
    return this.#tables.listDevices();
  }

  revokeDevice(id: string, atUs: number): boolean {
    return this.#tables.revokeDevice(id, atUs);
  }

  putApiToken(row: ApiTokenRow): void {
    this.#tables.putApiToken(row);
  }

  findApiTokenByHash(tokenHash: Uint8Array): ApiTokenRow | undefined {
    return this.#tables.findApiTokenByHash(tokenHash);
  }

  getCursor(device: string, stream: string): StreamCursor | undefined {
    return this.#tables.getCursor(device, stream);
  }

  listCursors(device: string): StreamCursor[] {
    return this.#tables.listCursors(device);
  }

  listGaps(device: string, stream?: string): StreamGap[] {
    return this.#log.gaps.list(device, stream);
  }

  findChainHash(device: string, stream: string, seq: number, time: string): Hash | undefined {
    return this.#log.findChainHash(device, stream, seq, time);
  }

  sealBefore(device: string, stream: string, seq: number): StreamSeal | undefined {
    return this.#log.seals.before(device, stream, seq);
  }

  sealAfter(device: string, stream: string, seq: number): StreamSeal | undefined {
    return this.#log.seals.after(device, stream, seq);
  }

  commitBatches(batches: readonly BatchWrite[]): number[][] {
    return this.#log.commitBatches(batches);
  }

  eventCount(): number {
    return this.#log.eventCount();
  }

  readEvents(fromPos: number, toPos: number): StoredEvent[] {
    return this.#log.readEvents(fromPos, toPos);
  }

  getEvent(pos: number): StoredEvent | undefined {
    return this.#log.getEvent(pos);
  }

  queryEvents(q: EventQuery): EventPage {
    return this.#query.queryEvents(q);
  }

  getEventById(id: string): StoredEvent | undefined {
    return this.#query.getEventById(id);
  }

  summarizeEvents(fromUs: number, toUs: number): EventSummaryRow[] {
    checkWindow(fromUs, toUs);
    // The hour bucket lets events_time_hour narrow the scan to the window's hours.
    const rows = this.#db
      .prepare(
        `SELECT device, name, json_extract(canonical, '$.tq.synced') AS synced, count(*) AS count FROM events
         WHERE time_us / 3600000000 BETWEEN ? AND ? AND time_us >= ? AND time_us < ? AND canonical <> ''
         GROUP BY device, name, synced`,
      )
      .all(Math.floor(fromUs / 3_600_000_000), Math.floor(toUs / 3_600_000_000), fromUs, toUs) as {
      device: string;
      name: string;
      synced: number | null;
      count: number;
    }[];
    return sortSummary(rows.map((r) => ({ ...r, synced: r.synced === null ? null : r.synced === 1 })));
  }

  nodeStore(): SqliteNodeStore {
    return this.#nodes;
  }

  putCheckpoint(cp: StoredCheckpoint): void {
    this.#tables.putCheckpoint(cp);
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return this.#tables.latestCheckpoint();
  }

  listCheckpoints(): StoredCheckpoint[] {
    return this.#tables.listCheckpoints();
  }

  alerts(): SqliteAlerts {
    this.#alerts ??= new SqliteAlerts(this.#db);
    return this.#alerts;
  }

  users(): SqliteUsers {
    this.#users ??= new SqliteUsers(this.#db);
    return this.#users;
  }

  retention(): SqliteRetention {
    this.#retention ??= new SqliteRetention(this.#db);
    return this.#retention;
  }

  reviews(): SqliteReviews {
    this.#reviews ??= new SqliteReviews(this.#db);
    return this.#reviews;
  }

  get #outbox(): SqliteOutbox {
    this.#outboxTable ??= new SqliteOutbox(this.#db);
    return this.#outboxTable;
  }

  enqueueOutbox(rows: readonly OutboxInsert[]): number {
    return this.#outbox.enqueue(rows);
  }

  claimOutbox(nowUs: number, leaseUntilUs: number, limit: number): OutboxRow[] {
    return this.#outbox.claim(nowUs, leaseUntilUs, limit);
  }

  settleOutbox(id: number, attempts: number, outcome: OutboxOutcome): boolean {
    return this.#outbox.settle(id, attempts, outcome);
  }

  nextOutboxDueUs(): number | undefined {
    return this.#outbox.nextDueUs();
  }

  getOutboxRow(alertId: string, channel: string): OutboxRow | undefined {
    return this.#outbox.get(alertId, channel);
  }

  unreportedDeadOutbox(limit: number): OutboxRow[] {
    return this.#outbox.unreportedDead(limit);
  }

  markOutboxReported(ids: readonly number[]): void {
    this.#outbox.markReported(ids);
  }

  countOutbox(): OutboxCounts {
    return this.#outbox.counts();
  }
}
