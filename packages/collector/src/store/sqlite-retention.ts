/**
 * Retention on SQLite (retention-types.ts). Pruning rewrites the row in
 * place: SQLite keeps the freed space inside the events pages (new events
 * are appended at the end of the table), so the file does not shrink until
 * a VACUUM; docs/retention.md says so.
 */
import { SeclogError } from '@seclog/core';
import type { SqliteDb } from './migrations.js';
import type { RetentionRunRow, RetentionScanRow, RetentionStore } from './retention-types.js';

export const RETENTION_SCHEMA = `
CREATE TABLE retention_pruned (
  pos INTEGER PRIMARY KEY CHECK (pos >= 0),
  pruned_us INTEGER NOT NULL
) STRICT;

CREATE TABLE retention_runs (
  id TEXT PRIMARY KEY,
  started_us INTEGER NOT NULL,
  finished_us INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
  deleted INTEGER NOT NULL CHECK (deleted >= 0),
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  oldest_kept_us INTEGER,
  policy TEXT NOT NULL,
  by_group TEXT NOT NULL
) STRICT;
CREATE INDEX retention_runs_started ON retention_runs (started_us);
`;

const RUN_COLUMNS = `id, started_us AS startedUs, finished_us AS finishedUs, trigger, dry_run AS dryRun, deleted, bytes,
  oldest_kept_us AS oldestKeptUs, policy, by_group AS byGroup`;

export function checkPositions(fromPos: number, toPos: number): void {
  if (!Number.isSafeInteger(fromPos) || !Number.isSafeInteger(toPos) || fromPos < 0 || toPos < fromPos) {
    throw new SeclogError('STORE_RANGE_INVALID', `[${fromPos}, ${toPos}) is not a range of positions`, { fromPos, toPos });
  }
}

export class SqliteRetention implements RetentionStore {
  readonly #db: SqliteDb;
  readonly #scan;
  readonly #prune;
  readonly #mark;
  readonly #size;
  readonly #prunedAt;
  readonly #prunedBetween;
  readonly #payload;
  readonly #activity;
  readonly #putRun;
  readonly #listRuns;

  constructor(db: SqliteDb) {
    this.#db = db;
    this.#scan = db.prepare(
      'SELECT pos, device, name, received_us AS receivedUs, octet_length(canonical) AS bytes FROM events WHERE pos >= ? AND pos < ? ORDER BY pos',
    );
    this.#prune = db.prepare(
      `UPDATE events SET canonical = '', name = '', outcome = '', severity = '', actor_ip = NULL, actor_user = NULL
       WHERE pos = ? AND canonical <> ''`,
    );
    this.#size = db.prepare('SELECT octet_length(canonical) FROM events WHERE pos = ?').pluck();
    this.#mark = db.prepare('INSERT INTO retention_pruned (pos, pruned_us) VALUES (?, ?) ON CONFLICT (pos) DO NOTHING');
    this.#prunedAt = db.prepare('SELECT pruned_us FROM retention_pruned WHERE pos = ?').pluck();
    this.#prunedBetween = db.prepare('SELECT pos, pruned_us AS us FROM retention_pruned WHERE pos >= ? AND pos < ? ORDER BY pos');
    this.#payload = db.prepare(
      "SELECT count(*) AS count, coalesce(sum(octet_length(canonical)), 0) AS bytes FROM events WHERE pos >= ? AND pos < ? AND canonical <> ''",
    );
    this.#activity = db.prepare(
      `SELECT device, count(*) AS count, coalesce(sum(octet_length(canonical)), 0) AS bytes FROM events
       WHERE pos >= ? AND pos < ? GROUP BY device ORDER BY device`,
    );
    this.#putRun = db.prepare(
      `INSERT INTO retention_runs (id, started_us, finished_us, trigger, dry_run, deleted, bytes, oldest_kept_us, policy, by_group)
       VALUES (@id, @startedUs, @finishedUs, @trigger, @dryRun, @deleted, @bytes, @oldestKeptUs, @policy, @byGroup)`,
    );
    this.#listRuns = db.prepare(`SELECT ${RUN_COLUMNS} FROM retention_runs ORDER BY started_us DESC, id DESC LIMIT ?`);
  }

  scan(fromPos: number, toPos: number): RetentionScanRow[] {
    checkPositions(fromPos, toPos);
    return this.#scan.all(fromPos, toPos) as RetentionScanRow[];
  }

  prune(positions: readonly number[], atUs: number): { pruned: number; bytes: number } {
    const size = this.#size;
    return this.#db
      .transaction(() => {
        let pruned = 0;
        let bytes = 0;
        for (const pos of positions) {
          if (!Number.isSafeInteger(pos) || pos < 0) continue;
          const b = size.get(pos) as number | undefined;
          if (b === undefined || b === 0) continue;
          if (this.#prune.run(pos).changes === 1) {
            this.#mark.run(pos, atUs);
            pruned++;
            bytes += b;
          }
        }
        return { pruned, bytes };
      })
      .immediate();
  }

  prunedAt(pos: number): number | undefined {
    if (!Number.isSafeInteger(pos) || pos < 0) return undefined;
    return this.#prunedAt.get(pos) as number | undefined;
  }

  prunedBetween(fromPos: number, toPos: number): Map<number, number> {
    checkPositions(fromPos, toPos);
    const out = new Map<number, number>();
    for (const r of this.#prunedBetween.all(fromPos, toPos) as { pos: number; us: number }[]) out.set(r.pos, r.us);
    return out;
  }

  payloadBetween(fromPos: number, toPos: number): { count: number; bytes: number } {
    checkPositions(fromPos, toPos);
    return this.#payload.get(fromPos, toPos) as { count: number; bytes: number };
  }

  deviceActivity(fromPos: number, toPos: number): { device: string; count: number; bytes: number }[] {
    checkPositions(fromPos, toPos);
    return this.#activity.all(fromPos, toPos) as { device: string; count: number; bytes: number }[];
  }

  databaseBytes(): number {
    const pages = Number(this.#db.pragma('page_count', { simple: true }));
    const free = Number(this.#db.pragma('freelist_count', { simple: true }));
    const size = Number(this.#db.pragma('page_size', { simple: true }));
    return (pages - free) * size;
  }

  putRun(run: RetentionRunRow): void {
    this.#putRun.run({ ...run, dryRun: run.dryRun ? 1 : 0 });
  }

  listRuns(limit: number): RetentionRunRow[] {
    const n = Number.isSafeInteger(limit) && limit > 0 ? Math.min(limit, 1000) : 1;
    return (this.#listRuns.all(n) as (Omit<RetentionRunRow, 'dryRun'> & { dryRun: number })[]).map((r) => ({
      ...r,
      dryRun: r.dryRun === 1,
    }));
  }
}
