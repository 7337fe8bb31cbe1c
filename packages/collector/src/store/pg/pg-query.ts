/**
 * Queries of the event log on PostgreSQL (Store.queryEvents), with the
 * paging contract of sqlite-query.ts: newest first by position, a page ends at
 * a position and the next starts below it, and one call examines at most
 * `scanLimit` candidate rows, so a page may be short with a cursor to go on.
 *
 * Every filter is a condition of one statement over `events`, read downwards
 * from the page's upper position; PostgreSQL's planner picks the index
 * (device+time, ip+time, the time BRIN, or the primary key walked backwards).
 * A candidate is a row all of them pass. Free text is a LIKE prefilter on the
 * canonical JSON, both sides through lower() so it lets through at least what
 * the exact rule accepts, which then decides (query/text-match.ts), as on
 * SQLite. Rows come in chunks of what the page still needs plus one, so a page
 * that holds the last matches says so instead of sending the caller to an
 * empty page.
 *
 * Not yet tuned: SQLite's per-plan bounds (keyed counts, hour buckets) are not
 * repeated here; issue I's query benchmark over 10M events decides which are
 * needed on PostgreSQL.
 */
import { recordHasText, textLikePattern } from '../../query/text-match.js';
import { checkQuery, QUERY_LIMITS } from '../sqlite-query.js';
import type { EventPage, EventQuery, StoredEvent } from '../types.js';
import type { PgBridge } from './pg-bridge.js';
import { EVENT_COLUMNS } from './pg-event-log.js';

const FILTERS = [
  ['device', 'device'],
  ['name', 'name'],
  ['outcome', 'outcome'],
  ['severity', 'severity'],
  ['ip', 'actor_ip'],
  ['user', 'actor_user'],
] as const;

export class PgEventQuery {
  readonly #db: PgBridge;

  constructor(db: PgBridge) {
    this.#db = db;
  }

  queryEvents(q: EventQuery): EventPage {
    checkQuery(q);
    const empty: EventPage = { events: [], nextBeforePos: undefined };
    if (q.fromUs !== undefined && q.toUs !== undefined && q.fromUs >= q.toUs) return empty;
    const scanLimit = q.scanLimit ?? QUERY_LIMITS.scanLimit;
    const lo = q.fromPos ?? 0;
    // $1 lower bound, $2 upper bound (moves down chunk by chunk), $3 chunk size, then the filters.
    const where = ['pos >= $1', 'pos < $2'];
    const values: unknown[] = [lo, 0, 0];
    const param = (v: unknown): string => `$${values.push(v)}`;
    if (q.fromUs !== undefined) where.push(`time_us >= ${param(q.fromUs)}`);
    if (q.toUs !== undefined) where.push(`time_us < ${param(q.toUs)}`);
    for (const [field, column] of FILTERS) {
      const v = q[field];
      if (v !== undefined) where.push(`${column} = ${param(v)}`);
    }
    if (q.text !== undefined) where.push(`lower(canonical) LIKE lower(${param(textLikePattern(q.text))}) ESCAPE '\\'`);
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY pos DESC LIMIT $3`;

    const events: StoredEvent[] = [];
    let cursor = q.beforePos ?? Number.MAX_SAFE_INTEGER;
    let examined = 0;
    for (;;) {
      const budget = scanLimit - examined;
      if (budget <= 0) return { events, nextBeforePos: cursor > lo ? cursor : undefined };
      const want = Math.min(budget, q.limit - events.length + 1);
      values[1] = cursor;
      values[2] = want;
      const rows = this.#db.query<StoredEvent>(sql, values).rows;
      for (const row of rows) {
        const match = q.text === undefined || recordHasText(row.canonical, q.text);
        if (match && events.length === q.limit) return { events, nextBeforePos: (events.at(-1) as StoredEvent).pos };
        examined++;
        cursor = row.pos;
        if (match) events.push(row);
      }
      if (rows.length < want) return { events, nextBeforePos: undefined };
    }
  }
}
