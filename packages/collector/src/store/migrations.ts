/**
 * Numbered schema migrations for SQLite.
 *
 * Each migration runs in its own IMMEDIATE transaction together with the row
 * that records it in `schema_migrations`, so a crash or a failing statement
 * leaves the schema at the previous migration, never half-way (SQLite DDL is
 * transactional). The pending list is re-read inside that transaction, so two
 * processes opening the same file at once apply each migration once.
 *
 * A database whose newest applied migration is newer than the code knows is
 * refused: an older binary must not write rows a newer schema reads
 * differently. Migrations are append-only: never edit or renumber a released
 * one, add the next id instead.
 *
 * A migration that rebuilds a table (SQLite's 12-step ALTER procedure) cannot
 * turn foreign_keys off inside its transaction; it uses
 * `PRAGMA defer_foreign_keys = ON` and `PRAGMA foreign_key_check` instead.
 */

import { SeclogError } from '@seclog/core';
import type Database from 'better-sqlite3';

export type SqliteDb = Database.Database;

export interface Migration {
  /** Positive, strictly increasing across the list. */
  readonly id: number;
  /** snake_case; recorded with the id and checked on every open. */
  readonly name: string;
  /** SQL run with `exec` (no BEGIN/COMMIT of its own: the runner wraps it), or a function for steps that need code. */
  readonly up: string | ((db: SqliteDb) => void);
}

export interface AppliedMigration {
  id: number;
  name: string;
  appliedUs: number;
}

export interface MigrationReport {
  /** Ids applied by this call, in order (empty when the schema was current). */
  applied: number[];
  /** The newest migration id now in the database (0 for none). */
  current: number;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_us INTEGER NOT NULL
) STRICT`;

function checkList(migrations: readonly Migration[]): void {
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

/** The migrations recorded in the database, oldest first (empty for a new database). */
export function appliedMigrations(db: SqliteDb): AppliedMigration[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").pluck().get();
  if (exists === undefined) return [];
  return db.prepare('SELECT id, name, applied_us AS appliedUs FROM schema_migrations ORDER BY id').all() as AppliedMigration[];
}

/** Throws unless every applied migration is one the code knows, under the same name. */
function checkApplied(applied: readonly AppliedMigration[], known: ReadonlyMap<number, Migration>, newestKnown: number): void {
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

/**
 * Applies the pending migrations in id order, each in its own transaction.
 * Idempotent: a current database costs two reads and no write. Throws STORE_SCHEMA_TOO_NEW
 * before touching anything when the database is ahead of the code.
 */
export function runMigrations(
  db: SqliteDb,
  migrations: readonly Migration[],
  nowUs: () => number = () => Date.now() * 1000,
): MigrationReport {
  checkList(migrations);
  const known = new Map(migrations.map((m) => [m.id, m]));
  const newestKnown = migrations.at(-1)?.id ?? 0;
  // Checked before CREATE TABLE so that a refused database is not written to.
  const before = appliedMigrations(db);
  checkApplied(before, known, newestKnown);
  const done = new Set(before.map((a) => a.id));
  if (migrations.every((m) => done.has(m.id))) return { applied: [], current: before.at(-1)?.id ?? 0 };
  db.exec(CREATE_TABLE);
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE id = ?').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (id, name, applied_us) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    const step = db.transaction(() => {
      if (isApplied.get(m.id) !== undefined) return false; // another process was first
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      record.run(m.id, m.name, nowUs());
      return true;
    });
    try {
      if (step.immediate()) applied.push(m.id);
    } catch (err) {
      throw new SeclogError(
        'STORE_MIGRATION_FAILED',
        `migration ${m.id} (${m.name}) failed and was rolled back: ${(err as Error).message}`,
        {
          id: m.id,
          name: m.name,
        },
        { cause: err },
      );
    }
  }
  const after = appliedMigrations(db);
  checkApplied(after, known, newestKnown);
  return { applied, current: after.at(-1)?.id ?? 0 };
}
