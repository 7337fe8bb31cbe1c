/**
 * The notification outbox on SQLite (table notify_outbox, migration 6; the
 * life of a row is in outbox-types.ts). Off the ingest path: a few rows per
 * alert, read by the dispatcher through the (state, next_attempt_us) index.
 */
import type { SqliteDb } from './migrations.js';
import type { OutboxCounts, OutboxInsert, OutboxOutcome, OutboxRow, OutboxState } from './outbox-types.js';

/**
 * Migration 6. One row per (alert, channel): the UNIQUE pair is the
 * idempotency of enqueue. The (state, next_attempt_us) index serves the claim
 * (due pending rows, soonest first), the next due time, and the counts of
 * pending and dead rows; delivered rows stay, so a late second hand-over of
 * the same alert still finds its row.
 */
export const OUTBOX_SCHEMA = `
CREATE TABLE notify_outbox (
  id INTEGER PRIMARY KEY,
  alert_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL CHECK (attempts >= 0),
  created_us INTEGER NOT NULL,
  next_attempt_us INTEGER NOT NULL,
  last_attempt_us INTEGER,
  last_error TEXT,
  done_us INTEGER,
  reported INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
  UNIQUE (alert_id, channel)
) STRICT;
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_attempt_us);
`;

const COLUMNS =
  'id, alert_id AS alertId, channel, payload, state, attempts, created_us AS createdUs, next_attempt_us AS nextAttemptUs, ' +
  'last_attempt_us AS lastAttemptUs, last_error AS lastError, done_us AS doneUs, reported';

/** Failure texts come from remote servers; a bounded copy is enough to act on. */
const MAX_ERROR_CHARS = 1000;

interface Row extends Omit<OutboxRow, 'reported'> {
  reported: number;
}

const fromRow = (r: Row): OutboxRow => ({ ...r, reported: r.reported === 1 });
const clip = (s: string): string => (s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS - 1)}…` : s);

export class SqliteOutbox {
  readonly #db: SqliteDb;
  readonly #insert;
  readonly #claim;
  readonly #delivered;
  readonly #dead;
  readonly #retry;
  readonly #nextDue;
  readonly #get;
  readonly #unreported;
  readonly #markReported;
  readonly #counts;

  constructor(db: SqliteDb) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO notify_outbox (alert_id, channel, payload, state, attempts, created_us, next_attempt_us)
       VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (alert_id, channel) DO NOTHING`,
    );
    // One statement, so the pick and the lease are atomic without an explicit transaction.
    this.#claim = db.prepare(
      `UPDATE notify_outbox SET attempts = attempts + 1, last_attempt_us = @now, next_attempt_us = @lease
       WHERE id IN (SELECT id FROM notify_outbox WHERE state = 'pending' AND next_attempt_us <= @now
                    ORDER BY next_attempt_us, id LIMIT @limit)
       RETURNING ${COLUMNS}`,
    );
    const settled = "WHERE id = ? AND attempts = ? AND state = 'pending'";
    this.#delivered = db.prepare(`UPDATE notify_outbox SET state = 'delivered', done_us = ?, last_error = NULL ${settled}`);
    this.#dead = db.prepare(`UPDATE notify_outbox SET state = 'dead', done_us = ?, last_error = ? ${settled}`);
    this.#retry = db.prepare(`UPDATE notify_outbox SET next_attempt_us = ?, last_error = ? ${settled}`);
    this.#nextDue = db.prepare("SELECT min(next_attempt_us) FROM notify_outbox WHERE state = 'pending'").pluck();
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM notify_outbox WHERE alert_id = ? AND channel = ?`);
    this.#unreported = db.prepare(`SELECT ${COLUMNS} FROM notify_outbox WHERE state = 'dead' AND reported = 0 ORDER BY id LIMIT ?`);
    this.#markReported = db.prepare("UPDATE notify_outbox SET reported = 1 WHERE id = ? AND state = 'dead'");
    this.#counts = db.prepare("SELECT state, count(*) AS n FROM notify_outbox WHERE state IN ('pending', 'dead') GROUP BY state");
  }

  enqueue(rows: readonly OutboxInsert[]): number {
    return this.#db.transaction(() => {
      let added = 0;
      for (const r of rows) added += this.#insert.run(r.alertId, r.channel, r.payload, r.createdUs, r.nextAttemptUs).changes;
      return added;
    })();
  }

  claim(nowUs: number, leaseUntilUs: number, limit: number): OutboxRow[] {
    if (limit < 1) return [];
    const rows = this.#claim.all({ now: nowUs, lease: leaseUntilUs, limit: Math.trunc(limit) }) as Row[];
    return rows.map(fromRow).sort((a, b) => a.id - b.id);
  }

  settle(id: number, attempts: number, outcome: OutboxOutcome): boolean {
    switch (outcome.state) {
      case 'delivered':
        return this.#delivered.run(outcome.atUs, id, attempts).changes === 1;
      case 'dead':
        return this.#dead.run(outcome.atUs, clip(outcome.error), id, attempts).changes === 1;
      default:
        return this.#retry.run(outcome.nextAttemptUs, clip(outcome.error), id, attempts).changes === 1;
    }
  }

  nextDueUs(): number | undefined {
    return (this.#nextDue.get() as number | null) ?? undefined;
  }

  get(alertId: string, channel: string): OutboxRow | undefined {
    const r = this.#get.get(alertId, channel) as Row | undefined;
    return r === undefined ? undefined : fromRow(r);
  }

  unreportedDead(limit: number): OutboxRow[] {
    return (this.#unreported.all(Math.max(0, Math.trunc(limit))) as Row[]).map(fromRow);
  }

  markReported(ids: readonly number[]): void {
    this.#db.transaction(() => {
      for (const id of ids) this.#markReported.run(id);
    })();
  }

  counts(): OutboxCounts {
    const out: OutboxCounts = { pending: 0, dead: 0 };
    for (const { state, n } of this.#counts.all() as { state: OutboxState; n: number }[]) {
      if (state === 'pending' || state === 'dead') out[state] = n;
    }
    return out;
  }
}
