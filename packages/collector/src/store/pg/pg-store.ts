/**
 * The collector's Store on PostgreSQL (issue I), through the synchronous
 * bridge of pg-bridge.ts: every method is a blocking round trip to the
 * connection thread, so the Store interface and its callers stay as they are.
 *
 * transaction(fn): BEGIN on the store's one connection (every call inside fn
 * runs on it), COMMIT or ROLLBACK at the end; a nested call is a SAVEPOINT.
 * `{ durable: false }` adds `SET LOCAL synchronous_commit = off`: the commit
 * returns before its WAL flush, yet stays ordered before every later commit,
 * whose flush covers it (PostgreSQL's WAL is sequential) — SQLite's
 * synchronous=NORMAL commit in PostgreSQL's terms.
 */
import type { Hash } from '@seclog/core';
import { checkWindow, sortSummary } from '../event-summary.js';
import type { MigrationReport } from '../migrations.js';
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
} from '../types.js';
import { PgAlerts } from './pg-alerts.js';
import type { PgBridgeOptions } from './pg-bridge.js';
import { PgBridge } from './pg-bridge.js';
import { PgEventLog } from './pg-event-log.js';
import { PgLease } from './pg-lease.js';
import type { PgMigration } from './pg-migrations.js';
import { runPgMigrations } from './pg-migrations.js';
import { PgNodeStore } from './pg-node-store.js';
import { PgOutbox } from './pg-outbox.js';
import { EventPartitions } from './pg-partitions.js';
import { PgEventQuery } from './pg-query.js';
import { PgRetention } from './pg-retention.js';
import { PgReviews } from './pg-reviews.js';
import { PG_MIGRATIONS } from './pg-schema.js';
import { PgTables } from './pg-tables.js';
import { PgUsers } from './pg-users.js';

export interface PgStoreOptions extends PgBridgeOptions {
  /** The schema to migrate to (default: PG_MIGRATIONS; tests pass other lists). */
  migrations?: readonly PgMigration[];
}

/** Session settings an ACK relies on, as the server reports them (for `seclog check` and tests). */
export interface PgSettings {
  /** 'on' outside a non-durable transaction: a COMMIT returns after its WAL is flushed. */
  synchronousCommit: string;
  /** e.g. 150010 for 15.10 (server_version_num). */
  serverVersionNum: number;
}

/**
 * Connects to the database at `url` (postgres://…), migrates it and returns the store; blocks
 * until connected, like every Store method. Throws STORE_PG_UNAVAILABLE when the server cannot be reached, STORE_SCHEMA_TOO_NEW for a
 * database migrated by a newer seclog.
 */
export function openPgStore(url: string, opts: PgStoreOptions = {}): PgStore {
  const db = PgBridge.open(url, opts);
  try {
    const migrations = opts.migrations ?? PG_MIGRATIONS;
    runPgMigrations(db, migrations);
    return new PgStore(db, migrations, url);
  } catch (err) {
    db.close();
    throw err;
  }
}

export class PgStore implements Store {
  readonly #db: PgBridge;
  readonly #migrations: readonly PgMigration[];
  readonly #tables: PgTables;
  readonly #log: PgEventLog;
  readonly #nodes: PgNodeStore;
  readonly #outbox: PgOutbox;
  readonly #query: PgEventQuery;
  readonly #alerts: PgAlerts;
  readonly #users: PgUsers;
  #retention: PgRetention | undefined;
  readonly #reviews: PgReviews;
  readonly #partitions: EventPartitions;

  readonly #url: string | undefined;

  /** `url`: where a second connection reaches the same database (whole-month retention); none, no such rewrites. */
  constructor(db: PgBridge, migrations: readonly PgMigration[], url?: string) {
    this.#db = db;
    this.#url = url;
    this.#migrations = migrations;
    this.#tables = new PgTables(db);
    this.#log = new PgEventLog(db);
    this.#nodes = new PgNodeStore(db);
    this.#outbox = new PgOutbox(db);
    this.#query = new PgEventQuery(db);
    this.#alerts = new PgAlerts(db);
    this.#users = new PgUsers(db);
    this.#reviews = new PgReviews(db);
    this.#partitions = new EventPartitions(db);
    this.#partitions.ensure(Date.now() * 1000);
  }

  migrate(): MigrationReport {
    return runPgMigrations(this.#db, this.#migrations);
  }

  close(): void {
    this.#db.close();
  }

  /** The month partitions of the events table (pg-partitions.ts), oldest first. */
  eventPartitions(): ReturnType<EventPartitions['list']> {
    return this.#partitions.list();
  }

  settings(): PgSettings {
    const row = this.#db.query<{ sc: string; v: string }>(
      "SELECT current_setting('synchronous_commit') AS sc, current_setting('server_version_num') AS v",
    ).rows[0];
    return { synchronousCommit: row?.sc ?? '', serverVersionNum: Number(row?.v) };
  }

  transaction<T>(fn: () => T, options?: TransactionOptions): T {
    const db = this.#db;
    const outer = db.depth === 0;
    const sp = `tx_${db.depth}`;
    // Writes kept by the node store belong to the level they were made at: send them before a savepoint opens.
    const open = outer
      ? [{ text: 'BEGIN' }, ...(options?.durable === false ? [{ text: 'SET LOCAL synchronous_commit = off' }] : [])]
      : [...this.#nodes.flushStatements(), { text: `SAVEPOINT ${sp}` }];
    db.many(open);
    db.depth++;
    try {
      let result: T;
      try {
        result = fn();
      } catch (err) {
        this.#nodes.discard();
        this.#rollback(outer, sp);
        throw err;
      }
      try {
        db.many([...this.#nodes.flushStatements(), { text: outer ? 'COMMIT' : `RELEASE SAVEPOINT ${sp}` }]);
      } catch (err) {
        this.#rollback(outer, sp);
        throw err;
      }
      return result;
    } finally {
      db.depth--;
    }
  }

  #rollback(outer: boolean, sp: string): void {
    if (this.#db.closed) return;
    try {
      if (outer) this.#db.query('ROLLBACK');
      else this.#db.many([{ text: `ROLLBACK TO SAVEPOINT ${sp}` }, { text: `RELEASE SAVEPOINT ${sp}` }]);
    } catch {
      // The connection is gone: the server rolls the transaction back itself.
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
    return this.#tables.listGaps(device, stream);
  }

  findChainHash(device: string, stream: string, seq: number, time: string): Hash | undefined {
    return this.#log.findChainHash(device, stream, seq, time);
  }

  sealBefore(device: string, stream: string, seq: number): StreamSeal | undefined {
    return this.#tables.sealBefore(device, stream, seq);
  }

  sealAfter(device: string, stream: string, seq: number): StreamSeal | undefined {
    return this.#tables.sealAfter(device, stream, seq);
  }

  commitBatches(batches: readonly BatchWrite[]): number[][] {
    this.#partitions.ensure(Date.now() * 1000);
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
    return this.#log.getEventById(id);
  }

  summarizeEvents(fromUs: number, toUs: number): EventSummaryRow[] {
    checkWindow(fromUs, toUs);
    return sortSummary(
      this.#db.query<EventSummaryRow>(
        `SELECT device, name, (canonical::jsonb #>> '{tq,synced}')::boolean AS synced, count(*)::int AS count FROM events
       WHERE time_us >= $1 AND time_us < $2 AND canonical <> ''
       GROUP BY device, name, synced`,
        [fromUs, toUs],
      ).rows,
    );
  }

  nodeStore(): PgNodeStore {
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

  alerts(): PgAlerts {
    return this.#alerts;
  }

  users(): PgUsers {
    return this.#users;
  }

  retention(): PgRetention {
    this.#retention ??= new PgRetention(this.#db, this.#url);
    return this.#retention;
  }

  reviews(): PgReviews {
    return this.#reviews;
  }

  /**
   * The lease `name` as `holder` sees it, on this store's connection (fence() must run inside
   * the store's own transactions). Not part of Store: only a shared database has several nodes.
   */
  lease(name: string, holder: string, ttlMs: number): PgLease {
    return new PgLease(this.#db, name, holder, ttlMs);
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
