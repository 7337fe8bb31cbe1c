/**
 * The events table on PostgreSQL, partitioned by month of receipt (issue I
 * item 1).
 *
 * Why receipt time: it is the collector's clock, so it only moves forward
 * (within NTP's steps) and a month's partition fills and then stops changing,
 * whatever a device's clock says; retention by age counts from receipt too.
 * A device's own `time_us` stays the query column (indexed in every
 * partition) — a device with a wrong clock lands in the right partition.
 *
 * Shape: `events` is `PARTITION BY RANGE (received_us)` with one partition
 * per calendar month (UTC), named `events_yYYYYmMM`, and a DEFAULT partition
 * that catches a row no month partition covers, so an insert never fails for
 * want of a partition. A partitioned table's primary key must contain the
 * partition key: it is (pos, received_us). Lookups by position alone probe
 * each partition's key index, a few pages per month kept; the Merkle leaves
 * live in tree_nodes, so a dropped partition leaves every proof intact.
 *
 * Months are created ahead: at open and whenever a commit comes within a
 * month of the newest partition, up to three months ahead, by
 * seclog_ensure_event_partitions() under an advisory lock (collectors sharing
 * the database create each month once). The call runs outside any
 * transaction of the store: creating a partition locks the parent table
 * briefly, and inside the group commit it would hold that lock to the COMMIT.
 * A failure there (say, rows in the DEFAULT partition that belong to the new
 * month after a clock jump) is not fatal: rows keep going to the DEFAULT
 * partition, and the next attempt comes an hour later.
 *
 * The migration turns an existing table into the partitioned one by copying
 * its rows (minutes per ten million): it keeps the columns, checks and
 * indexes the table had, whatever migrations before it added.
 */
import type { PgBridge } from './pg-bridge.js';

export const PG_EVENTS_PARTITIONED = `
CREATE FUNCTION seclog_ensure_event_partitions(from_us bigint, until_us bigint) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  m timestamp := date_trunc('month', to_timestamp(from_us / 1000000.0) AT TIME ZONE 'UTC');
  stop timestamp := date_trunc('month', to_timestamp(until_us / 1000000.0) AT TIME ZONE 'UTC');
  made integer := 0;
  part text;
BEGIN
  -- One creator at a time across collectors ('seclogEP' as int8).
  PERFORM pg_advisory_xact_lock(8315161604386140240);
  WHILE m <= stop LOOP
    part := format('events_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
    IF to_regclass(part) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)', part,
        (extract(epoch FROM m AT TIME ZONE 'UTC') * 1000000)::bigint,
        (extract(epoch FROM (m + interval '1 month') AT TIME ZONE 'UTC') * 1000000)::bigint);
      made := made + 1;
    END IF;
    m := m + interval '1 month';
  END LOOP;
  RETURN made;
END
$fn$;

DO $mig$
DECLARE
  defs text[];
  d text;
  i record;
BEGIN
  ALTER TABLE events RENAME TO events_unpartitioned;
  SELECT array_agg(indexdef) INTO defs FROM pg_indexes
   WHERE tablename = 'events_unpartitioned' AND indexname <> 'events_pkey';
  FOR i IN SELECT indexname FROM pg_indexes WHERE tablename = 'events_unpartitioned' LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', i.indexname, i.indexname || '_unpartitioned');
  END LOOP;
  CREATE TABLE events (LIKE events_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (received_us);
  ALTER TABLE events ADD PRIMARY KEY (pos, received_us);
  FOREACH d IN ARRAY coalesce(defs, ARRAY[]::text[]) LOOP
    EXECUTE regexp_replace(d, ' ON (ONLY )?(\\S+\\.)?events_unpartitioned ', ' ON \\2events ');
  END LOOP;
  CREATE TABLE events_default PARTITION OF events DEFAULT;
  PERFORM seclog_ensure_event_partitions(
    coalesce((SELECT min(received_us) FROM events_unpartitioned), (extract(epoch FROM now()) * 1000000)::bigint),
    (extract(epoch FROM now() + interval '3 months') * 1000000)::bigint);
  INSERT INTO events SELECT * FROM events_unpartitioned;
  DROP TABLE events_unpartitioned;
END
$mig$;
`;

/** The partitions of `events` with their bound expressions (pg_get_expr), by name. */
export const LIST_EVENT_PARTITIONS = `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, greatest(c.reltuples, 0)::bigint AS rows
   FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`;

/** A range partition's bounds in µs of receipt, from its bound expression; null for DEFAULT. */
export function rangeBounds(bound: string): { fromUs: number; toUs: number } | null {
  const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(bound);
  return m === null ? null : { fromUs: Number(m[1]), toUs: Number(m[2]) };
}

const MONTH_US = 31 * 24 * 3600 * 1_000_000;
const RETRY_US = 3600 * 1_000_000;

/** Keeps month partitions ahead of the collector's clock (see the comment at the top). */
export class EventPartitions {
  readonly #db: PgBridge;
  /** Receipt times below this are covered by a month partition (as of the last check). */
  #coveredUntilUs = 0;

  constructor(db: PgBridge) {
    this.#db = db;
  }

  /** Creates the month partitions up to three months after `nowUs` when fewer than a month are left; never throws. */
  ensure(nowUs: number): void {
    if (nowUs < this.#coveredUntilUs - MONTH_US || this.#db.depth > 0) return;
    const untilUs = nowUs + 3 * MONTH_US;
    try {
      this.#db.query('SELECT seclog_ensure_event_partitions($1, $2)', [nowUs - MONTH_US, untilUs]);
      // The function creates whole months up to the one holding untilUs: at least that much is covered.
      this.#coveredUntilUs = untilUs;
    } catch {
      // Rows go to the DEFAULT partition meanwhile; try again in an hour.
      this.#coveredUntilUs = nowUs + MONTH_US + RETRY_US;
    }
  }

  /** The partitions of `events`, oldest first, with their bounds (µs; null for DEFAULT) and estimated rows. */
  list(): { name: string; fromUs: number | null; toUs: number | null; rows: number }[] {
    return this.#db.query<{ name: string; bound: string; rows: number }>(LIST_EVENT_PARTITIONS).rows.map((r) => {
      const b = rangeBounds(r.bound);
      return { name: r.name, fromUs: b?.fromUs ?? null, toUs: b?.toUs ?? null, rows: Number(r.rows) };
    });
  }
}
