/**
 * Queries of the event log on SQLite (Store.queryEvents, getEventById), in
 * hand-written SQL over the query columns of `events` (sqlite-schema.ts).
 *
 * Order: newest first by position. A page ends at a position and the next
 * starts below it, so events committed meanwhile (higher positions) never
 * shift or repeat a page. Every call examines at most `scanLimit` candidate
 * rows (better-sqlite3 runs on the event loop: a query must not stall
 * ingest), so a page may be short, even empty, with a cursor to continue.
 *
 * How a query finds its rows, cheapest first:
 *
 *  1. keyed: device or ip given (indexes ending in time_us). Count the key's
 *     entries in the time window and position range, index only, capped at
 *     20 × scanLimit; the smaller count under the cap wins. Its newest
 *     positions are sorted out of the index and the other filters checked on
 *     those rows only.
 *  1b. by hours: else a time window of up to 48 hours is read from the hour
 *     index (time ÷ 1 h, pos, time), bucket by bucket in position order, the
 *     buckets' newest candidates merged.
 *  2. walk: otherwise, positions are walked downwards through the table
 *     itself, checking every filter on each row, over at most scanLimit
 *     positions (name and user have no index: docs/query.md says why).
 *
 * A time filter also narrows the position range of a walk: the hour index
 * (time_us / 1 h, pos, time_us) gives the lowest and highest position of each
 * hour the window touches — of the rows inside the window in the hours at its
 * edges — a few index seeks instead of a scan.
 *
 * Free text (`text`) is a LIKE prefilter over the canonical JSON, then the
 * exact rule of query/text-match.ts on the rows it lets through. It is not
 * indexed (FTS5 would tokenise every record on the ingest path); it is bounded
 * by the other filters and the scan limit like every residual filter.
 */
import { SeclogError } from '@seclog/core';
import type { Statement } from 'better-sqlite3';
import { recordHasText, textLikePattern } from '../query/text-match.js';
import type { SqliteDb } from './migrations.js';
import type { EventPage, EventQuery, StoredEvent } from './types.js';

export const QUERY_LIMITS = Object.freeze({
  /** Candidate rows one call may examine (see the figures in docs/query.md). */
  scanLimit: 10_000,
  /** A device or ip with up to this many times scanLimit entries in the window is read through its index (sorted). */
  keyedCapFactor: 20,
  /** A time window of up to this many hours (with no device or ip to go by) is read from the hour index, bucket by bucket. */
  maxMergedHours: 48,
  /** Hour buckets the time pruning visits before it gives up and walks the whole range. */
  maxHourBuckets: 10_000,
});

export const HOUR_US = 3_600_000_000;

const COLS = 'pos, device, stream, seq, received_us AS receivedUs, digest, chain_hash AS chainHash, canonical';

/** Filters with an index ending in time_us: the key plus a time window is one index range. */
const KEYED = [
  { key: 'device', index: 'events_device_time' },
  { key: 'ip', index: 'events_actor_ip_time' },
] as const;
type Keyed = (typeof KEYED)[number];

/** Filters a keyed index cannot check by itself. */
const RESIDUAL = ['device', 'ip', 'name', 'outcome', 'severity', 'user', 'text'] as const;

/** events_id: record ids grouped by blocks of 4,096 positions, so inserts stay local (sqlite-schema.ts). */
const ID_BLOCK_SHIFT = 12;
const ID_BLOCK = 2 ** ID_BLOCK_SHIFT;
// Exactly the expression of the index (sqlite-schema.ts): the first 8 bytes of the id, cut out of the canonical JSON.
const ID_PREFIX = `unhex(replace(substr(canonical, instr(canonical, '},"id":"') + 8, 18), '-', ''))`;

type Params = Record<string, string | number>;

// The hour expression must read exactly as in the index (events_time_hour: hour, pos, time) for SQLite to use it.
const HOUR = `time_us / ${HOUR_US}`;
const HOUR_NEXT = `SELECT ${HOUR} FROM events INDEXED BY events_time_hour WHERE ${HOUR} >= ? AND ${HOUR} <= ? ORDER BY 1 LIMIT 1`;
const HOUR_FIRST = `SELECT pos FROM events INDEXED BY events_time_hour WHERE ${HOUR} = @b ORDER BY pos LIMIT 1`;
const HOUR_LAST = `SELECT pos FROM events INDEXED BY events_time_hour WHERE ${HOUR} = @b ORDER BY pos DESC LIMIT 1`;
const IN_WINDOW = 'time_us >= @from AND time_us < @to';
const HOUR_FIRST_IN = `SELECT pos FROM events INDEXED BY events_time_hour WHERE ${HOUR} = @b AND ${IN_WINDOW} ORDER BY pos LIMIT 1`;
const HOUR_LAST_IN = `SELECT pos FROM events INDEXED BY events_time_hour WHERE ${HOUR} = @b AND ${IN_WINDOW} ORDER BY pos DESC LIMIT 1`;

interface Plan {
  lo: number;
  hi: number;
}

function invalid(message: string, field: string, value: unknown): SeclogError {
  return new SeclogError('STORE_QUERY_INVALID', message, { field, value });
}

export function checkQuery(q: EventQuery): void {
  const ints: [string, number | undefined, number][] = [
    ['fromUs', q.fromUs, Number.MIN_SAFE_INTEGER],
    ['toUs', q.toUs, Number.MIN_SAFE_INTEGER],
    ['beforePos', q.beforePos, 0],
    ['fromPos', q.fromPos, 0],
    ['limit', q.limit, 1],
    ['scanLimit', q.scanLimit, 1],
  ];
  for (const [field, v, min] of ints) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < min)) throw invalid(`${field} must be an integer ≥ ${min}`, field, v);
  }
  for (const field of ['device', 'name', 'outcome', 'severity', 'ip', 'user', 'text'] as const) {
    const v = q[field];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) throw invalid(`${field} must be a non-empty string`, field, v);
  }
}

export class SqliteEventQuery {
  readonly #db: SqliteDb;
  readonly #statements = new Map<string, Statement<unknown[], unknown>>();

  constructor(db: SqliteDb) {
    // Statements are prepared on first use: a store opened at an older schema (tests) has no query indexes.
    this.#db = db;
  }

  /**
   * One index seek per block of 4,096 positions, all in one statement (CROSS JOIN keeps the blocks
   * the outer loop): ~2,400 seeks at 10M events, docs/query.md has the time. The whole id is
   * compared on the rows its prefix finds.
   */
  getEventById(id: string): StoredEvent | undefined {
    const end = this.#stmt('SELECT coalesce(max(pos) + 1, 0) FROM events').pluck().get() as number;
    if (end === 0) return undefined;
    const sql =
      `WITH RECURSIVE block(b) AS (SELECT 0 UNION ALL SELECT b + 1 FROM block WHERE b < @last) ` +
      `SELECT ${COLS} FROM block CROSS JOIN events INDEXED BY events_id ON (pos >> ${ID_BLOCK_SHIFT}) = block.b ` +
      `AND ${ID_PREFIX} = unhex(replace(substr(@id, 1, 18), '-', '')) ` +
      `WHERE json_extract(canonical, '$.id') = @id ORDER BY pos LIMIT 1`;
    return this.#stmt(sql).get({ id: id.toLowerCase(), last: Math.floor((end - 1) / ID_BLOCK) }) as StoredEvent | undefined;
  }

  queryEvents(q: EventQuery): EventPage {
    checkQuery(q);
    const scanLimit = q.scanLimit ?? QUERY_LIMITS.scanLimit;
    const end = this.#stmt('SELECT coalesce(max(pos) + 1, 0) FROM events').pluck().get() as number;
    const range: Plan = { lo: q.fromPos ?? 0, hi: Math.min(q.beforePos ?? end, end) };
    if (range.lo >= range.hi || (q.fromUs !== undefined && q.toUs !== undefined && q.fromUs >= q.toUs)) {
      return { events: [], nextBeforePos: undefined };
    }
    const params = this.#params(q, range);
    const keyed = this.#pickKeyed(q, params, scanLimit * QUERY_LIMITS.keyedCapFactor);
    if (keyed !== undefined) return this.#keyed(q, params, keyed, scanLimit);
    if (q.fromUs !== undefined && q.toUs !== undefined && q.toUs - q.fromUs <= QUERY_LIMITS.maxMergedHours * HOUR_US) {
      return this.#byHours(q, params, scanLimit);
    }
    if (q.fromUs !== undefined || q.toUs !== undefined) {
      const narrowed = this.#narrowByHour(q.fromUs, q.toUs, range);
      if (narrowed === undefined) return { events: [], nextBeforePos: undefined };
      params.lo = narrowed.lo;
      params.hi = narrowed.hi;
      if (narrowed.lo >= narrowed.hi) return { events: [], nextBeforePos: undefined };
    }
    return this.#walk(q, params, scanLimit);
  }

  #params(q: EventQuery, range: Plan): Params {
    // One row more than asked: when it comes, the page is full and the next one starts below the page.
    const p: Params = { lo: range.lo, hi: range.hi, limit: q.limit + 1 };
    if (q.fromUs !== undefined) p.fromUs = q.fromUs;
    if (q.toUs !== undefined) p.toUs = q.toUs;
    for (const k of ['device', 'name', 'outcome', 'severity', 'ip', 'user'] as const) if (q[k] !== undefined) p[k] = q[k];
    if (q.text !== undefined) p.like = textLikePattern(q.text);
    return p;
  }

  #stmt(sql: string): Statement<unknown[], unknown> {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.#db.prepare<unknown[], unknown>(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  /** Every filter of the query as SQL conditions on `events` (named parameters of #params). */
  #conditions(q: EventQuery): string[] {
    const c = ['pos >= @lo', 'pos < @hi'];
    if (q.fromUs !== undefined) c.push('time_us >= @fromUs');
    if (q.toUs !== undefined) c.push('time_us < @toUs');
    if (q.device !== undefined) c.push('device = @device');
    if (q.name !== undefined) c.push('name = @name');
    if (q.outcome !== undefined) c.push('outcome = @outcome');
    if (q.severity !== undefined) c.push('severity = @severity');
    if (q.ip !== undefined) c.push('actor_ip = @ip');
    if (q.user !== undefined) c.push('actor_user = @user');
    if (q.text !== undefined) c.push("canonical LIKE @like ESCAPE '\\'");
    return c;
  }

  /**
   * The keyed filter with the fewest entries in the window, counted index only and capped: above
   * the cap a key is common enough that walking the table finds its rows quickly, and sorting all
   * its entries would cost more than the walk.
   */
  #pickKeyed(q: EventQuery, params: Params, cap: number): { k: Keyed; count: number } | undefined {
    let best: { k: Keyed; count: number } | undefined;
    for (const k of KEYED) {
      if (q[k.key] === undefined) continue;
      const sql = `SELECT count(*) FROM (SELECT 1 FROM events INDEXED BY ${k.index} WHERE ${keyedWhere(q, k)} LIMIT @cap)`;
      // A later key only matters if it has fewer entries than the best so far: count no further.
      const limit = best === undefined ? cap : best.count;
      const count = this.#stmt(sql)
        .pluck()
        .get({ ...keyedParams(params), cap: limit }) as number;
      if (count < limit) best = { k, count };
    }
    return best;
  }

  /**
   * The key's newest positions in the window, sorted out of its index (at most the cap of entries
   * read), the other filters checked on those rows. Without other filters the newest limit + 1
   * are all a page needs; with them, up to scanLimit candidates are examined.
   */
  #keyed(q: EventQuery, params: Params, { k, count }: { k: Keyed; count: number }, scanLimit: number): EventPage {
    const residual = RESIDUAL.some((f) => f !== k.key && q[f] !== undefined);
    const take = residual ? scanLimit : q.limit + 1;
    const candidates = `SELECT pos FROM events INDEXED BY ${k.index} WHERE ${keyedWhere(q, k)} ORDER BY pos DESC`;
    const sql =
      `SELECT ${COLS} FROM events NOT INDEXED WHERE pos IN (${candidates} LIMIT @take)` +
      ` AND ${this.#conditions(q).join(' AND ')} ORDER BY pos DESC LIMIT @limit`;
    const rows = this.#stmt(sql).all({ ...params, ...keyedParams(params), take }) as StoredEvent[];
    let floor: number | undefined;
    if (count > take && rows.length <= q.limit) {
      // Not every candidate was examined: go on below the last one that was.
      floor = this.#stmt(`${candidates} LIMIT 1 OFFSET @skip`)
        .pluck()
        .get({ ...keyedParams(params), skip: take - 1 }) as number;
    }
    return this.#page(q, rows, floor);
  }

  /**
   * A bounded time window: the newest candidates of each hour bucket it touches, read from the hour
   * index in position order (index only, no sort, time checked in the index), merged; the other
   * filters are checked on those rows. Without other filters the newest limit + 1 are all a page
   * needs; with them, up to scanLimit candidates are examined.
   */
  #byHours(q: EventQuery, params: Params, scanLimit: number): EventPage {
    const from = q.fromUs as number;
    const to = q.toUs as number;
    const take = RESIDUAL.some((f) => q[f] !== undefined) ? scanLimit : q.limit + 1;
    const last = Math.trunc((to - 1) / HOUR_US);
    const perBucket = this.#stmt(
      `SELECT pos FROM events INDEXED BY events_time_hour WHERE ${HOUR} = @b AND ${IN_WINDOW} AND pos >= @lo AND pos < @hi ORDER BY pos DESC LIMIT @take`,
    ).pluck();
    let candidates: number[] = [];
    let truncated = false;
    for (let b = Math.trunc(from / HOUR_US); b <= last; ) {
      const h = this.#stmt(HOUR_NEXT).pluck().get(b, last) as number | undefined;
      if (h === undefined) break;
      const got = perBucket.all({ b: h, from, to, lo: params.lo as number, hi: params.hi as number, take }) as number[];
      const merged = mergeDesc(candidates, got, take);
      // A bucket with more rows than it gave, or a merge that dropped some: rows below the
      // last candidate are unexamined (the second case once ended a page early).
      if (got.length === take || merged.length < candidates.length + got.length) truncated = true;
      candidates = merged;
      b = h + 1;
    }
    if (candidates.length === 0) return { events: [], nextBeforePos: undefined };
    const sql = `SELECT ${COLS} FROM events NOT INDEXED WHERE pos IN (SELECT value FROM json_each(@candidates)) AND ${this.#conditions(q).join(' AND ')} ORDER BY pos DESC LIMIT @limit`;
    const rows = this.#stmt(sql).all({ ...params, candidates: JSON.stringify(candidates) }) as StoredEvent[];
    // When some bucket had more, positions below the last candidate are still unexamined.
    return this.#page(q, rows, truncated && candidates.length === take ? (candidates.at(-1) as number) : undefined);
  }

  /** Walks positions downwards from `hi` over at most scanLimit of them, checking every filter on each row. */
  #walk(q: EventQuery, params: Params, scanLimit: number): EventPage {
    const hi = params.hi as number;
    const lo = params.lo as number;
    // Positions are dense, so the scanLimit-th below hi is arithmetic.
    const floor = hi - lo > scanLimit ? hi - scanLimit : undefined;
    if (floor !== undefined) params.lo = floor;
    const sql = `SELECT ${COLS} FROM events NOT INDEXED WHERE ${this.#conditions(q).join(' AND ')} ORDER BY pos DESC LIMIT @limit`;
    const rows = this.#stmt(sql).all(params) as StoredEvent[];
    return this.#page(q, rows, floor);
  }

  /** Applies the exact text rule; the cursor is the page's last row when SQL found more, else `floor`. */
  #page(q: EventQuery, rows: StoredEvent[], floor: number | undefined): EventPage {
    let next = floor;
    if (rows.length > q.limit) {
      rows.length = q.limit;
      next = (rows.at(-1) as StoredEvent).pos;
    }
    const text = q.text;
    const events = text === undefined ? rows : rows.filter((r) => recordHasText(r.canonical, text));
    return { events, nextBeforePos: next };
  }

  /**
   * The position range holding every record whose time is in [fromUs, toUs), within `range`: the
   * lowest and highest position of each hour bucket the window touches, and in the two buckets at
   * its edges, of the rows whose time is inside the window (the index holds the time, so that is an
   * index-only walk of one bucket). Undefined when no record has a time in the window; the full
   * range when the window spans more hours than are worth visiting.
   */
  #narrowByHour(fromUs: number | undefined, toUs: number | undefined, range: Plan): Plan | undefined {
    const first = fromUs === undefined ? Number.MIN_SAFE_INTEGER : Math.trunc(fromUs / HOUR_US);
    const last = toUs === undefined ? Number.MAX_SAFE_INTEGER : Math.trunc((toUs - 1) / HOUR_US);
    const window = { from: fromUs ?? Number.MIN_SAFE_INTEGER, to: toUs ?? Number.MAX_SAFE_INTEGER };
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let bucket = first;
    for (let visited = 0; ; visited++) {
      if (visited >= QUERY_LIMITS.maxHourBuckets) return range;
      const h = this.#stmt(HOUR_NEXT).pluck().get(bucket, last) as number | undefined;
      if (h === undefined) break;
      const edge = h === first || h === last;
      const min = this.#stmt(edge ? HOUR_FIRST_IN : HOUR_FIRST)
        .pluck()
        .get(edge ? { b: h, ...window } : { b: h }) as number | undefined;
      if (min !== undefined) {
        lo = Math.min(lo, min);
        hi = Math.max(
          hi,
          (this.#stmt(edge ? HOUR_LAST_IN : HOUR_LAST)
            .pluck()
            .get(edge ? { b: h, ...window } : { b: h }) as number) + 1,
        );
      }
      if (h >= last) break;
      bucket = h + 1;
    }
    if (lo === Number.POSITIVE_INFINITY) return undefined;
    return { lo: Math.max(range.lo, lo), hi: Math.min(range.hi, hi) };
  }
}

/** The conditions a keyed index answers by itself: its key, the time window, the position range. */
function keyedWhere(q: EventQuery, k: Keyed): string {
  const where = [k.key === 'device' ? 'device = @device' : 'actor_ip = @ip', 'pos >= @lo', 'pos < @hi'];
  if (q.fromUs !== undefined) where.push('time_us >= @fromUs');
  if (q.toUs !== undefined) where.push('time_us < @toUs');
  return where.join(' AND ');
}

function keyedParams(p: Params): Params {
  return pick(p, 'device', 'ip', 'lo', 'hi', 'fromUs', 'toUs');
}

/** The `n` largest of two descending lists, descending. */
function mergeDesc(a: number[], b: number[], n: number): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (out.length < n && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && (a[i] as number) > (b[j] as number))) out.push(a[i++] as number);
    else out.push(b[j++] as number);
  }
  return out;
}

function pick(p: Params, ...keys: string[]): Params {
  const out: Params = {};
  for (const k of keys) if (p[k] !== undefined) out[k] = p[k] as string | number;
  return out;
}
