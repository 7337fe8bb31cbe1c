/**
 * Retention on PostgreSQL (retention-types.ts), as sqlite-retention.ts. A
 * prune is one statement (data-modifying CTEs), so it is atomic on its own.
 * The emptied rows leave dead tuples that (auto)vacuum makes reusable;
 * PostgreSQL's files shrink only with VACUUM FULL (docs/retention.md).
 */
import type { PartitionRetention, RetentionRunRow, RetentionScanRow, RetentionStore } from '../retention-types.js';
import { checkPositions } from '../sqlite-retention.js';
import type { PgBridge } from './pg-bridge.js';
import { PgPartitionRetention } from './pg-partition-retention.js';

export const PG_RETENTION_SCHEMA = `
CREATE TABLE retention_pruned (
  pos bigint PRIMARY KEY CHECK (pos >= 0),
  pruned_us bigint NOT NULL
);

CREATE TABLE retention_runs (
  id text PRIMARY KEY,
  started_us bigint NOT NULL,
  finished_us bigint NOT NULL,
  trigger text NOT NULL,
  dry_run boolean NOT NULL,
  deleted bigint NOT NULL CHECK (deleted >= 0),
  bytes bigint NOT NULL CHECK (bytes >= 0),
  oldest_kept_us bigint,
  policy text NOT NULL,
  by_group text NOT NULL
);
CREATE INDEX retention_runs_started ON retention_runs (started_us);
`;

const RUN_COLUMNS = `id, started_us AS "startedUs", finished_us AS "finishedUs", trigger, dry_run AS "dryRun", deleted, bytes,
  oldest_kept_us AS "oldestKeptUs", policy, by_group AS "byGroup"`;

export class PgRetention implements RetentionStore {
  readonly #db: PgBridge;
  readonly partitions: PartitionRetention | undefined;

  /** `url`: the database's, for the whole-month rewrites' own connection (none without it). */
  constructor(db: PgBridge, url?: string) {
    this.#db = db;
    this.partitions = url === undefined ? undefined : new PgPartitionRetention(url);
  }

  scan(fromPos: number, toPos: number): RetentionScanRow[] {
    checkPositions(fromPos, toPos);
    return this.#db.query<RetentionScanRow>(
      `SELECT pos, device, name, received_us AS "receivedUs", octet_length(canonical) AS bytes FROM events
       WHERE pos >= $1 AND pos < $2 ORDER BY pos`,
      [fromPos, toPos],
    ).rows;
  }

  prune(positions: readonly number[], atUs: number): { pruned: number; bytes: number } {
    const list = positions.filter((p) => Number.isSafeInteger(p) && p >= 0);
    if (list.length === 0) return { pruned: 0, bytes: 0 };
    const row = this.#db.query<{ n: number; bytes: number }>(
      `WITH p AS (SELECT pos, octet_length(canonical) AS b FROM events WHERE pos = ANY($1::bigint[]) AND canonical <> '' FOR UPDATE),
            u AS (UPDATE events e SET canonical = '', name = '', outcome = '', severity = '', actor_ip = NULL, actor_user = NULL,
                    record_id = NULL FROM p WHERE e.pos = p.pos RETURNING e.pos),
            m AS (INSERT INTO retention_pruned (pos, pruned_us) SELECT pos, $2 FROM u ON CONFLICT (pos) DO NOTHING)
       SELECT count(*)::int AS n, coalesce(sum(b), 0)::bigint AS bytes FROM p`,
      [list, atUs],
    ).rows[0];
    return { pruned: row?.n ?? 0, bytes: row?.bytes ?? 0 };
  }

  prunedAt(pos: number): number | undefined {
    if (!Number.isSafeInteger(pos) || pos < 0) return undefined;
    return this.#db.query<{ us: number }>('SELECT pruned_us AS us FROM retention_pruned WHERE pos = $1', [pos]).rows[0]?.us;
  }

  prunedBetween(fromPos: number, toPos: number): Map<number, number> {
    checkPositions(fromPos, toPos);
    const rows = this.#db.query<{ pos: number; us: number }>(
      'SELECT pos, pruned_us AS us FROM retention_pruned WHERE pos >= $1 AND pos < $2 ORDER BY pos',
      [fromPos, toPos],
    ).rows;
    return new Map(rows.map((r) => [r.pos, r.us]));
  }

  payloadBetween(fromPos: number, toPos: number): { count: number; bytes: number } {
    checkPositions(fromPos, toPos);
    const row = this.#db.query<{ count: number; bytes: number }>(
      `SELECT count(*)::int AS count, coalesce(sum(octet_length(canonical)), 0)::bigint AS bytes FROM events
       WHERE pos >= $1 AND pos < $2 AND canonical <> ''`,
      [fromPos, toPos],
    ).rows[0];
    return { count: row?.count ?? 0, bytes: row?.bytes ?? 0 };
  }

  deviceActivity(fromPos: number, toPos: number): { device: string; count: number; bytes: number }[] {
    checkPositions(fromPos, toPos);
    return this.#db.query<{ device: string; count: number; bytes: number }>(
      `SELECT device, count(*)::int AS count, coalesce(sum(octet_length(canonical)), 0)::bigint AS bytes FROM events
       WHERE pos >= $1 AND pos < $2 GROUP BY device ORDER BY device COLLATE "C"`,
      [fromPos, toPos],
    ).rows;
  }

  databaseBytes(): number {
    return this.#db.query<{ n: number }>('SELECT pg_database_size(current_database())::bigint AS n').rows[0]?.n ?? 0;
  }

  putRun(run: RetentionRunRow): void {
    this.#db.query(
      `INSERT INTO retention_runs (id, started_us, finished_us, trigger, dry_run, deleted, bytes, oldest_kept_us, policy, by_group)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [run.id, run.startedUs, run.finishedUs, run.trigger, run.dryRun, run.deleted, run.bytes, run.oldestKeptUs, run.policy, run.byGroup],
    );
  }

  listRuns(limit: number): RetentionRunRow[] {
    const n = Number.isSafeInteger(limit) && limit > 0 ? Math.min(limit, 1000) : 1;
    return this.#db.query<RetentionRunRow>(`SELECT ${RUN_COLUMNS} FROM retention_runs ORDER BY started_us DESC, id DESC LIMIT $1`, [n])
      .rows;
  }
}
