// The numbered-migration runner and the SQLite schema's migrations.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Migration } from '../src/store/migrations.js';
import { appliedMigrations, runMigrations } from '../src/store/migrations.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite-schema.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';

const hasCode = (code: string) => (err: unknown) => (err as { code?: unknown }).code === code;
const tables = (db: Database.Database): string[] =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];

const M1: Migration = { id: 1, name: 'create_a', up: 'CREATE TABLE a (x INTEGER)' };
const M2: Migration = { id: 2, name: 'create_b', up: (db) => db.exec('CREATE TABLE b (y INTEGER)') };
const M3: Migration = { id: 3, name: 'create_c', up: 'CREATE TABLE c (z INTEGER); INSERT INTO a VALUES (1)' };

describe('runMigrations', () => {
  test('applies every migration in order on a new database, string and function alike', () => {
    const db = new Database(':memory:');
    assert.deepEqual(
      runMigrations(db, [M1, M2], () => 42),
      { applied: [1, 2], current: 2 },
    );
    assert.deepEqual(tables(db), ['a', 'b', 'schema_migrations']);
    assert.deepEqual(appliedMigrations(db), [
      { id: 1, name: 'create_a', appliedUs: 42 },
      { id: 2, name: 'create_b', appliedUs: 42 },
    ]);
  });

  test('is idempotent: a current database gets no write', () => {
    const db = new Database(':memory:');
    runMigrations(db, [M1, M2]);
    const changes = db.prepare('SELECT total_changes()').pluck();
    const before = changes.get();
    assert.deepEqual(runMigrations(db, [M1, M2]), { applied: [], current: 2 });
    assert.equal(changes.get(), before);
  });

  test('applies only what is new when the code gains a migration', () => {
    const db = new Database(':memory:');
    runMigrations(db, [M1]);
    assert.deepEqual(runMigrations(db, [M1, M2, M3]), { applied: [2, 3], current: 3 });
    assert.equal(db.prepare('SELECT count(*) FROM a').pluck().get(), 1);
  });

  test('a failing migration is rolled back whole; earlier ones stay; fixed, it applies', () => {
    const db = new Database(':memory:');
    const broken: Migration = { id: 3, name: 'create_c', up: 'CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1)' };
    assert.throws(
      () => runMigrations(db, [M1, M2, broken]),
      (err: unknown) => hasCode('STORE_MIGRATION_FAILED')(err) && /migration 3 \(create_c\)/.test((err as Error).message),
    );
    assert.deepEqual(tables(db), ['a', 'b', 'schema_migrations']);
    assert.deepEqual(
      appliedMigrations(db).map((m) => m.id),
      [1, 2],
    );
    assert.deepEqual(runMigrations(db, [M1, M2, M3]).applied, [3]);
  });

  test('a database ahead of the code is refused before anything is written (STORE_SCHEMA_TOO_NEW)', () => {
    const db = new Database(':memory:');
    runMigrations(db, [M1, M2, M3]);
    const changes = db.prepare('SELECT total_changes()').pluck();
    const before = changes.get();
    assert.throws(
      () => runMigrations(db, [M1, M2]),
      (err: unknown) =>
        hasCode('STORE_SCHEMA_TOO_NEW')(err) && /migration 3 \(create_c\), newer than this seclog knows \(2\)/.test(String(err)),
    );
    assert.equal(changes.get(), before);
  });

  test('an applied migration the code names differently is refused (STORE_SCHEMA_MISMATCH)', () => {
    const db = new Database(':memory:');
    runMigrations(db, [M1, M2]);
    assert.throws(() => runMigrations(db, [M1, { ...M2, name: 'create_b_renamed' }]), hasCode('STORE_SCHEMA_MISMATCH'));
  });

  const badLists: { name: string; list: Migration[] }[] = [
    { name: 'ids not increasing', list: [M2, M1] },
    { name: 'duplicate id', list: [M1, { ...M2, id: 1 }] },
    { name: 'id zero', list: [{ ...M1, id: 0 }] },
    { name: 'fractional id', list: [{ ...M1, id: 1.5 }] },
    { name: 'empty name', list: [{ ...M1, name: '' }] },
  ];
  for (const c of badLists) {
    test(`a malformed list is refused (STORE_MIGRATIONS_INVALID): ${c.name}`, () => {
      assert.throws(() => runMigrations(new Database(':memory:'), c.list), hasCode('STORE_MIGRATIONS_INVALID'));
    });
  }
});

describe('SQLite schema migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-migrations-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('SQLITE_MIGRATIONS starts at 1 and is a valid list', () => {
    assert.equal(SQLITE_MIGRATIONS[0]?.id, 1);
    assert.deepEqual(runMigrations(new Database(':memory:'), SQLITE_MIGRATIONS).current, SQLITE_MIGRATIONS.at(-1)?.id);
  });

  test('opening a file twice migrates once', () => {
    const path = join(dir, 'twice.db');
    openSqliteStore(path).close();
    const store = openSqliteStore(path);
    assert.deepEqual(store.migrate(), { applied: [], current: SQLITE_MIGRATIONS.at(-1)?.id });
    store.close();
  });

  test('openSqliteStore refuses a file a newer seclog migrated, and releases it', () => {
    const path = join(dir, 'newer.db');
    const future: Migration = { id: 1000, name: 'from_the_future', up: 'CREATE TABLE future (x INTEGER)' };
    openSqliteStore(path, { migrations: [...SQLITE_MIGRATIONS, future] }).close();
    assert.throws(() => openSqliteStore(path), hasCode('STORE_SCHEMA_TOO_NEW'));
    // The refused handle was closed: the newer code still opens the file.
    openSqliteStore(path, { migrations: [...SQLITE_MIGRATIONS, future] }).close();
  });
});
