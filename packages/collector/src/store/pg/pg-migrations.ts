/**
 * Numbered schema migrations for PostgreSQL: the runner of migrations.ts
 * (SQLite) in PostgreSQL's terms, with its own list (pg-schema.ts).
 *
 * Each migration runs in one transaction with the row that records it (DDL is
 * transactional in PostgreSQL too), under a transaction-scoped advisory lock,
 * so several collectors starting at once on one database apply each migration
 * once: the second waits for the lock, then finds it recorded. A database
 * whose newest migration the code does not know is refused before anything is
 * written, as on SQLite.
 */
import { SeclogError } from '@seclog/core';
import type { AppliedMigration, MigrationReport } from '../migrations.js';
import type { PgBridge } from './pg-bridge.js';

export interface PgMigration {
  /** Positive, strictly increasing across the list. */
  readonly id: number;
  /** snake_case; recorded with the id and checked on every open. */
  readonly name: string;
  /** SQL run as one simple-protocol script inside the runner's transaction. */
  readonly up: string;
}

/** pg_advisory_xact_lock key of the migration runner ('seclogMG' as int8). */
const MIGRATION_LOCK = '8315161604386147655';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id integer PRIMARY KEY,
  name text NOT NULL,
  applied_us bigint NOT NULL
)`;

function checkList(migrations: readonly PgMigration[]): void {
  let prev = 0;
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.id) || m.id <= prev || m.name.length === 0) {
      throw new SeclogError(
        'STORE_MIGRATIONS_INVALID',
        `migration ${JSON.stringify(m.name)} has id ${m.id}: ids must be positive and strictly increasing, names non-empty`,
        { id: m.id, name: m.name, previousId: prev },
      );
    }
    prev = m.id;
  }
}

export function appliedPgMigrations(db: PgBridge): AppliedMigration[] {
  const exists = db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t").rows[0]?.t;
  if (exists === null || exists === undefined) return [];
  return db.query<AppliedMigration>('SELECT id, name, applied_us AS "appliedUs" FROM schema_migrations ORDER BY id').rows;
}

function checkApplied(applied: readonly AppliedMigration[], known: ReadonlyMap<number, PgMigration>, newestKnown: number): void {
  const newest = applied.at(-1);
  if (newest !== undefined && newest.id > newestKnown) {
    throw new SeclogError(
      'STORE_SCHEMA_TOO_NEW',
      `the database schema is at migration ${newest.id} (${newest.name}), newer than this seclog knows (${newestKnown}); ` +
        'run the seclog version that wrote it, or restore a backup taken before the upgrade',
      { databaseMigration: newest.id, databaseMigrationName: newest.name, codeMigration: newestKnown },
    );
  }
  for (const a of applied) {
    const m = known.get(a.id);
    if (m === undefined || m.name !== a.name) {
      throw new SeclogError(
        'STORE_SCHEMA_MISMATCH',
        `the database records migration ${a.id} as ${JSON.stringify(a.name)}, but this seclog has ${m === undefined ? 'no such migration' : JSON.stringify(m.name)}`,
        { id: a.id, databaseName: a.name, codeName: m?.name ?? null },
      );
    }
  }
}

/** Applies the pending migrations in id order, each in its own transaction; idempotent. */
export function runPgMigrations(
  db: PgBridge,
  migrations: readonly PgMigration[],
  nowUs: () => number = () => Date.now() * 1000,
): MigrationReport {
  checkList(migrations);
  const known = new Map(migrations.map((m) => [m.id, m]));
  const newestKnown = migrations.at(-1)?.id ?? 0;
  const before = appliedPgMigrations(db);
  checkApplied(before, known, newestKnown);
  const done = new Set(before.map((a) => a.id));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    db.query('BEGIN');
    db.depth++;
    try {
      db.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      db.query(CREATE_TABLE);
      const first = db.query('SELECT 1 FROM schema_migrations WHERE id = $1', [m.id]).rowCount === 0;
      if (first) {
        db.query(m.up);
        db.query('INSERT INTO schema_migrations (id, name, applied_us) VALUES ($1, $2, $3)', [m.id, m.name, nowUs()]);
      }
      db.query('COMMIT');
      if (first) applied.push(m.id);
    } catch (err) {
      if (!db.closed) {
        try {
          db.query('ROLLBACK');
        } catch {
          // the connection is gone; the server rolled back
        }
      }
      throw new SeclogError(
        'STORE_MIGRATION_FAILED',
        `migration ${m.id} (${m.name}) failed and was rolled back: ${(err as Error).message}`,
        { id: m.id, name: m.name },
        { cause: err },
      );
    } finally {
      db.depth--;
    }
  }
  const after = appliedPgMigrations(db);
  checkApplied(after, known, newestKnown);
  return { applied, current: after.at(-1)?.id ?? 0 };
}
