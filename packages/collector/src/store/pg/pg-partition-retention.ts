/**
 * Retention by whole month partitions on PostgreSQL (issue I item 1,
 * docs/retention.md "PostgreSQL: whole months").
 *
 * Pruning row by row (pg-retention.ts) rewrites every pruned row in place:
 * each one costs a new tuple, its WAL and index entries, and leaves a dead
 * tuple behind that only VACUUM FULL gives back to the file system. A month
 * whose events have all (or mostly) outlived their policy is cheaper to
 * replace: copy its rows into a new table with the payloads of the expired
 * ones already emptied (the same columns a row prune empties; the leaf
 * inputs stay), build its indexes, then swap it for the old partition — the
 * old one is dropped, and its files with it. Readers see the same rows
 * before and after; the Merkle leaves live in tree_nodes and are untouched.
 *
 * One transaction on a connection of its own (async, so a long copy does not
 * stall the store's synchronous connection or the event loop):
 *
 *   1. lock the month against writes (SHARE ROW EXCLUSIVE; reads go on) and
 *      count what would go: fewer than half its rows, or a row the newest
 *      checkpoint does not cover yet, and the month is left to the row walk;
 *   2. note the pruning time of each expired row in retention_pruned;
 *   3. CREATE the new table with the month's bounds as a CHECK (so ATTACH
 *      need not scan it), copy, and add the month's primary key and indexes;
 *   4. DETACH and DROP the old month, rename the new one and its indexes,
 *      ATTACH it. Only this step locks `events` itself (ACCESS EXCLUSIVE,
 *      milliseconds); lock_timeout bounds the wait so ingest never queues
 *      behind a swap for long — on a timeout the whole run rolls back.
 *
 * Step 1 reads the whole month, and a daily run would read every old month
 * again although nothing in it changed. So each judgement is remembered in
 * `meta` (`retention.month.<name>`) as a fingerprint of what decided it: the
 * month's table (a rewrite makes a new one), its highest position (rows
 * imported later raise it; ingest itself only writes the current month) and
 * the selection (which names have expired there; it grows as the month
 * ages, or changes with the policy). A month with the same fingerprint is
 * skipped: with the same rows and the same selection its count cannot have
 * grown, because pruning only ever empties rows. A month left because the
 * newest checkpoint does not cover it yet is not remembered.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PartitionPruneSelection, PartitionRetention, PrunedPartition } from '../retention-types.js';
import { LIST_EVENT_PARTITIONS, rangeBounds } from './pg-partitions.js';

/** The name of a month partition (pg-partitions.ts); only those are rewritten. */
const MONTH = /^events_y\d{4}m\d{2}$/;

/** The advisory lock seclog_ensure_event_partitions takes ('seclogEP'): no month is created while one is swapped. */
const PARTITION_LOCK = '8315161604386140240';
/** The columns a prune empties (pg-retention.ts) and what they become. */
const EMPTIED: Readonly<Record<string, string>> = {
  canonical: "''",
  name: "''",
  outcome: "''",
  severity: "''",
  actor_ip: 'NULL',
  actor_user: 'NULL',
  record_id: 'NULL',
};
const quote = (id: string): string => `"${id.replaceAll('"', '""')}"`;
/** The meta key holding a month's last judgement. */
const JUDGED = 'retention.month.';

/** How often rewrite() read a month, and how often a remembered judgement spared it (tests, logs). */
export interface MonthJudgements {
  readonly read: number;
  readonly skipped: number;
}

export interface PgPartitionRetentionOptions {
  /** How long the swap waits for its lock on `events` before giving up, ms. */
  lockTimeoutMs?: number;
}

export class PgPartitionRetention implements PartitionRetention {
  readonly #url: string;
  readonly #lockTimeoutMs: number;
  #read = 0;
  #skipped = 0;

  constructor(url: string, opts: PgPartitionRetentionOptions = {}) {
    this.#url = url;
    this.#lockTimeoutMs = opts.lockTimeoutMs ?? 5000;
  }

  async months(beforeUs: number): Promise<{ name: string; fromUs: number; toUs: number }[]> {
    return this.#with(async (c) => {
      const out: { name: string; fromUs: number; toUs: number }[] = [];
      for (const r of (await c.query<{ name: string; bound: string }>(LIST_EVENT_PARTITIONS)).rows) {
        const b = rangeBounds(r.bound);
        if (b !== null && MONTH.test(r.name) && b.toUs <= beforeUs) out.push({ name: r.name, ...b });
      }
      return out.sort((a, b) => a.fromUs - b.fromUs);
    });
  }

  judgements(): MonthJudgements {
    return { read: this.#read, skipped: this.#skipped };
  }

  async rewrite(month: string, sel: PartitionPruneSelection, limit: number, atUs: number): Promise<PrunedPartition | null> {
    if (!MONTH.test(month)) throw new RangeError(`not a month partition of events: ${month}`);
    return this.#with(async (c) => {
      const key = `${JUDGED}${month}`;
      const seen = await fingerprint(c, month, sel);
      const judged = (await c.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
      if (judged === seen) {
        this.#skipped++;
        return null;
      }
      this.#read++;
      const part = quote(month);
      const fresh = quote(`${month}_new`);
      // $1 names that expired, $2 every catalogue name, $3 whether names outside the catalogue expired.
      const expired = `(canonical <> '' AND (name = ANY($1::text[]) OR ($3::boolean AND NOT name = ANY($2::text[]))))`;
      const params = [sel.names, sel.catalogue, sel.unknownExpired];
      await c.query('BEGIN');
      try {
        await c.query('SET LOCAL statement_timeout = 0');
        await c.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
        await c.query(`LOCK TABLE ${part} IN SHARE ROW EXCLUSIVE MODE`);
        const stats = (
          await c.query<{ rows: string; expired: string; max_pos: string | null }>(
            `SELECT count(*) AS rows, count(*) FILTER (WHERE ${expired}) AS expired, max(pos) AS max_pos FROM ${part}`,
            params,
          )
        ).rows[0];
        const rows = Number(stats?.rows ?? 0);
        const gone = Number(stats?.expired ?? 0);
        const uncovered = Number(stats?.max_pos ?? -1) >= limit;
        if (gone === 0 || gone * 2 < rows || uncovered) {
          await c.query('ROLLBACK');
          if (!uncovered) await remember(c, key, seen);
          return null;
        }
        const byName = (
          await c.query<{ name: string; n: string; bytes: string }>(
            `SELECT name, count(*) AS n, sum(octet_length(canonical)) AS bytes FROM ${part} WHERE ${expired} GROUP BY name`,
            params,
          )
        ).rows;
        await c.query(
          `INSERT INTO retention_pruned (pos, pruned_us) SELECT pos, $4 FROM ${part} WHERE ${expired} ON CONFLICT (pos) DO NOTHING`,
          [...params, atUs],
        );
        const bound = (
          await c.query<{ bound: string }>('SELECT pg_get_expr(relpartbound, oid) AS bound FROM pg_class WHERE oid = $1::regclass', [month])
        ).rows[0]?.bound;
        const b = bound === undefined ? null : rangeBounds(bound);
        if (b === null) throw new Error(`${month} has no range bounds (${bound})`);
        const [from, to] = [b.fromUs, b.toUs];
        const columns = (
          await c.query<{ name: string }>(
            `SELECT attname AS name FROM pg_attribute WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
          )
        ).rows.map((r) => r.name);
        const select = columns.map((col) =>
          EMPTIED[col] === undefined ? quote(col) : `CASE WHEN ${expired} THEN ${EMPTIED[col]} ELSE ${quote(col)} END`,
        );
        await c.query(
          `CREATE TABLE ${fresh} (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
             CONSTRAINT ${quote(`${month}_bounds`)} CHECK (received_us >= ${from} AND received_us < ${to}))`,
        );
        await c.query(`INSERT INTO ${fresh} SELECT ${select.join(', ')} FROM ${part}`, params);
        // The month's indexes, under temporary names: a constraint's (the primary key) as that constraint, so ATTACH can adopt it.
        const indexes = (
          await c.query<{ name: string; def: string; constraint: string | null; condef: string | null }>(
            `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def, con.conname AS constraint, pg_get_constraintdef(con.oid) AS condef
               FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.conrelid = x.indrelid
              WHERE x.indrelid = $1::regclass`,
            [month],
          )
        ).rows;
        const renames: string[] = [];
        for (const [k, ix] of indexes.entries()) {
          const temp = `${month}_new_ix${k}`;
          if (ix.constraint !== null && ix.condef !== null) {
            await c.query(`ALTER TABLE ${fresh} ADD CONSTRAINT ${quote(temp)} ${ix.condef}`);
          } else {
            const def = ix.def.replace(
              /^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?(\S+\.)?\S+ /,
              (_all, u: string | undefined) => `CREATE ${u ?? ''}INDEX ${quote(temp)} ON ${fresh} `,
            );
            if (def === ix.def) throw new Error(`cannot rewrite the index definition ${ix.def}`);
            await c.query(def);
          }
          renames.push(`ALTER INDEX ${quote(temp)} RENAME TO ${quote(ix.name)}`);
        }
        await c.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(this.#lockTimeoutMs))}`);
        await c.query(`ALTER TABLE events DETACH PARTITION ${part}`);
        await c.query(`DROP TABLE ${part}`);
        await c.query(`ALTER TABLE ${fresh} RENAME TO ${part}`);
        for (const r of renames) await c.query(r);
        await c.query(`ALTER TABLE events ATTACH PARTITION ${part} FOR VALUES FROM (${from}) TO (${to})`);
        await c.query(`ALTER TABLE ${part} DROP CONSTRAINT ${quote(`${month}_bounds`)}`);
        // Judged under this selection too: what it selected is emptied now.
        await remember(c, key, await fingerprint(c, month, sel));
        await c.query('COMMIT');
        return {
          rows,
          pruned: gone,
          bytes: byName.reduce((s, r) => s + Number(r.bytes), 0),
          byName: Object.fromEntries(byName.map((r) => [r.name, Number(r.n)])),
        };
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async #with<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: this.#url, application_name: 'seclog-retention', connectionTimeoutMillis: 10_000 });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}

/** What a month's judgement depends on, hashed: its table, its highest position, the selection. */
async function fingerprint(c: pg.Client, month: string, sel: PartitionPruneSelection): Promise<string> {
  const row = (
    await c.query<{ oid: string; max_pos: string | null }>(
      `SELECT $1::regclass::oid::text AS oid, (SELECT max(pos) FROM ${quote(month)})::text AS max_pos`,
      [month],
    )
  ).rows[0];
  const what = [row?.oid, row?.max_pos, [...sel.names].sort(), [...sel.catalogue].sort(), sel.unknownExpired];
  return createHash('sha256').update(JSON.stringify(what)).digest('hex');
}

async function remember(c: pg.Client, key: string, value: string): Promise<void> {
  await c.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
}
