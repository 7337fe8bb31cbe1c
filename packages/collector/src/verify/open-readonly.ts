/**
 * Opening a data directory to verify it, without changing anything: no
 * directory, database or key is created, no migration runs, and the
 * connection is read-only. The log's identity comes from log.vkey (the
 * public key is all verification needs), unless the caller pins a key.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNoteVerifier, SeclogError } from '@seclog/core';
import Database from 'better-sqlite3';
import { LOG_VKEY_FILE } from '../keys/log-key.js';
import { DB_FILE } from '../server/data-store.js';
import { appliedMigrations } from '../store/migrations.js';
import { SQLITE_MIGRATIONS } from '../store/sqlite-schema.js';
import { SqliteStore } from '../store/sqlite-store.js';

export interface ReadOnlyDataDir {
  readonly store: SqliteStore;
  readonly dbPath: string;
  readonly origin: string;
  readonly verifierKey: string;
  close(): void;
}

function invalid(message: string, details: Record<string, unknown>): SeclogError {
  return new SeclogError('VERIFY_INPUT_INVALID', message, details);
}

/** The origin a verifier key string names (name+id+key; the log's key name is its origin). */
export function originOfKey(verifierKey: string): string {
  try {
    return createNoteVerifier(verifierKey).name;
  } catch (err) {
    throw invalid(`the verifier key is malformed: ${(err as Error).message}`, { reason: 'key' });
  }
}

export async function openDataDirReadOnly(dir: string, pinnedKey?: string): Promise<ReadOnlyDataDir> {
  const dbPath = join(dir, DB_FILE);
  try {
    await access(dbPath);
  } catch {
    throw invalid(`${dir} is not a seclog data directory (no ${DB_FILE})`, { path: dir, reason: 'missing' });
  }
  let verifierKey = pinnedKey;
  if (verifierKey === undefined) {
    try {
      verifierKey = (await readFile(join(dir, LOG_VKEY_FILE), 'utf8')).trim();
    } catch {
      throw invalid(`${join(dir, LOG_VKEY_FILE)} cannot be read; pin the log's key with --key`, { path: dir, reason: 'vkey' });
    }
  }
  const origin = originOfKey(verifierKey);
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw invalid(`${dbPath} cannot be opened: ${(err as Error).message}`, { path: dbPath, reason: 'open' });
  }
  try {
    db.pragma('busy_timeout = 5000');
    const newest = appliedMigrations(db).at(-1)?.id ?? 0;
    const expected = SQLITE_MIGRATIONS.at(-1)?.id ?? 0;
    if (newest !== expected) {
      throw invalid(
        newest < expected
          ? `${dbPath} is at schema ${newest}; this seclog reads ${expected}: start the collector once to migrate it`
          : `${dbPath} is at schema ${newest}, newer than this seclog reads (${expected})`,
        { path: dbPath, schema: newest, expected, reason: 'schema' },
      );
    }
    const store = new SqliteStore(db, SQLITE_MIGRATIONS);
    return { store, dbPath, origin, verifierKey, close: () => store.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}
