/**
 * The notification outbox on PostgreSQL (table notify_outbox, PG migration 2;
 * the life of a row is in outbox-types.ts). The claim is one statement whose
 * row pick uses FOR UPDATE SKIP LOCKED, so dispatchers on several collectors
 * never claim the same row and never wait for each other.
 */
import type { OutboxCounts, OutboxInsert, OutboxOutcome, OutboxRow } from '../outbox-types.js';
import type { PgBridge } from './pg-bridge.js';

const COLUMNS =
  'id, alert_id AS "alertId", channel, payload, state, attempts, created_us AS "createdUs", next_attempt_us AS "nextAttemptUs", ' +
  'last_attempt_us AS "lastAttemptUs", last_error AS "lastError", done_us AS "doneUs", reported';

/** Failure texts come from remote servers; a bounded copy is enough to act on (as on SQLite). */
const MAX_ERROR_CHARS = 1000;
const clip = (s: string): string => (s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS - 1)}…` : s);

export class PgOutbox {
  readonly #db: PgBridge;

  constructor(db: PgBridge) {
    this.#db = db;
  }

  enqueue(rows: readonly OutboxInsert[]): number {
    if (rows.length === 0) return 0;
    // One statement is one transaction; a pair repeated inside the list counts once, as on SQLite.
    return this.#db.query(
      `INSERT INTO notify_outbox (alert_id, channel, payload, state, attempts, created_us, next_attempt_us)
       SELECT u.a, u.c, u.p, 'pending', 0, u.cr, u.n
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS u(a, c, p, cr, n, ord)
       ORDER BY u.ord
       ON CONFLICT (alert_id, channel) DO NOTHING`,
      [
        rows.map((r) => r.alertId),
        rows.map((r) => r.channel),
        rows.map((r) => r.payload),
        rows.map((r) => r.createdUs),
        rows.map((r) => r.nextAttemptUs),
      ],
    ).rowCount;
  }

  claim(nowUs: number, leaseUntilUs: number, limit: number): OutboxRow[] {
    if (limit < 1) return [];
    const rows = this.#db.query<OutboxRow>(
      `UPDATE notify_outbox SET attempts = attempts + 1, last_attempt_us = $1, next_attempt_us = $2
       WHERE id IN (SELECT id FROM notify_outbox WHERE state = 'pending' AND next_attempt_us <= $1
                    ORDER BY next_attempt_us, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [nowUs, leaseUntilUs, Math.trunc(limit)],
    ).rows;
    return rows.sort((a, b) => a.id - b.id);
  }

  settle(id: number, attempts: number, outcome: OutboxOutcome): boolean {
    const settled = "id = $2 AND attempts = $3 AND state = 'pending'";
    switch (outcome.state) {
      case 'delivered':
        return (
          this.#db.query(`UPDATE notify_outbox SET state = 'delivered', done_us = $1, last_error = NULL WHERE ${settled}`, [
            outcome.atUs,
            id,
            attempts,
          ]).rowCount === 1
        );
      case 'dead':
        return (
          this.#db.query(`UPDATE notify_outbox SET state = 'dead', done_us = $1, last_error = $4 WHERE ${settled}`, [
            outcome.atUs,
            id,
            attempts,
            clip(outcome.error),
          ]).rowCount === 1
        );
      default:
        return (
          this.#db.query(`UPDATE notify_outbox SET next_attempt_us = $1, last_error = $4 WHERE ${settled}`, [
            outcome.nextAttemptUs,
            id,
            attempts,
            clip(outcome.error),
          ]).rowCount === 1
        );
    }
  }

  nextDueUs(): number | undefined {
    return (
      this.#db.query<{ n: number | null }>("SELECT min(next_attempt_us) AS n FROM notify_outbox WHERE state = 'pending'").rows[0]?.n ??
      undefined
    );
  }

  get(alertId: string, channel: string): OutboxRow | undefined {
    return this.#db.query<OutboxRow>(`SELECT ${COLUMNS} FROM notify_outbox WHERE alert_id = $1 AND channel = $2`, [alertId, channel])
      .rows[0];
  }

  unreportedDead(limit: number): OutboxRow[] {
    return this.#db.query<OutboxRow>(`SELECT ${COLUMNS} FROM notify_outbox WHERE state = 'dead' AND NOT reported ORDER BY id LIMIT $1`, [
      Math.max(0, Math.trunc(limit)),
    ]).rows;
  }

  markReported(ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.#db.query("UPDATE notify_outbox SET reported = true WHERE id = ANY($1::bigint[]) AND state = 'dead'", [[...ids]]);
  }

  counts(): OutboxCounts {
    const out: OutboxCounts = { pending: 0, dead: 0 };
    const rows = this.#db.query<{ state: string; n: number }>(
      "SELECT state, count(*) AS n FROM notify_outbox WHERE state IN ('pending', 'dead') GROUP BY state",
    ).rows;
    for (const { state, n } of rows) if (state === 'pending' || state === 'dead') out[state] = n;
    return out;
  }
}
