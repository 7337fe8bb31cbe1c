// The SQLite Store: the shared conformance suites (Store and core's NodeStore)
// on a file in a temporary directory and on ':memory:', then what is specific
// to SQLite: the pragmas an ACK relies on, the indexes queries rely on, and
// the absence of a UNIQUE index on the hot path.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeNodeStoreConformance } from '../../core/test/merkle-node-store-conformance.js';
import { RecordTimeParser } from '../src/store/record-time.js';
import type { SqliteStore } from '../src/store/sqlite-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import type { StoreFixture } from './store-conformance.js';
import { describeStoreConformance, StreamWriter } from './store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'seclog-store-'));
const open: SqliteStore[] = [];
after(() => {
  for (const s of open) s.close();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
const newPath = (): string => join(dir, `store-${files++}.db`);
const removeDb = (path: string): void => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
};

function fileFixture(): StoreFixture {
  const path = newPath();
  let store = openSqliteStore(path);
  return {
    get store() {
      return store;
    },
    reopen() {
      store.close();
      store = openSqliteStore(path);
      return store;
    },
    markSchemaNewer() {
      const db = new Database(path);
      db.prepare("INSERT INTO schema_migrations (id, name, applied_us) VALUES (9999, 'from_a_newer_seclog', 0)").run();
      db.close();
    },
    dispose() {
      store.close();
      removeDb(path);
    },
  };
}

function memoryFixture(): StoreFixture {
  const store = openSqliteStore(':memory:');
  return { store, dispose: () => store.close() };
}

describeStoreConformance('SQLite file', fileFixture);
describeStoreConformance('SQLite :memory:', memoryFixture);

const tracked = (s: SqliteStore): SqliteStore => {
  open.push(s);
  return s;
};
describeNodeStoreConformance('SQLite file', () => tracked(openSqliteStore(newPath())).nodeStore());
describeNodeStoreConformance('SQLite :memory:', () => tracked(openSqliteStore(':memory:')).nodeStore());

/** A second connection to a file store, to look at what it wrote. */
function inspect<T>(path: string, fn: (db: Database.Database) => T, readonly = true): T {
  const db = new Database(path, { readonly });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('SQLite store specifics', () => {
  test('the connection runs WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    const path = newPath();
    const store = tracked(openSqliteStore(path));
    assert.deepEqual(store.settings(), { journalMode: 'wal', synchronous: 2, foreignKeys: true, busyTimeoutMs: 5000 });
    assert.equal(tracked(openSqliteStore(path, { busyTimeoutMs: 250 })).settings().busyTimeoutMs, 250);
  });

  test('a non-durable transaction runs at synchronous=NORMAL and puts FULL back, also when it throws', () => {
    const store = tracked(openSqliteStore(newPath()));
    const seen = store.transaction(() => store.settings().synchronous, { durable: false });
    assert.equal(seen, 1);
    assert.equal(store.settings().synchronous, 2);
    assert.throws(() =>
      store.transaction(
        () => {
          throw new Error('boom');
        },
        { durable: false },
      ),
    );
    assert.equal(store.settings().synchronous, 2);
    assert.equal(
      store.transaction(() => store.transaction(() => store.settings().synchronous, { durable: false })),
      2,
    );
  });

  test('events has the query indexes of migration 4 and no UNIQUE index (the cursor row deduplicates)', () => {
    const path = newPath();
    tracked(openSqliteStore(path));
    const indexes = inspect(path, (db) => db.prepare('SELECT name, "unique" FROM pragma_index_list(\'events\') ORDER BY name').all());
    assert.deepEqual(indexes, [
      { name: 'events_actor_ip_time', unique: 0 },
      { name: 'events_device_time', unique: 0 },
      { name: 'events_id', unique: 0 },
      { name: 'events_time_hour', unique: 0 },
    ]);
  });

  const plans = [
    { index: 'events_device_time', where: 'device = ? AND time_us >= ? AND time_us < ?', order: 'time_us', args: ['cam-1', 0, 1] },
    { index: 'events_actor_ip_time', where: 'actor_ip = ? AND time_us >= ? AND time_us < ?', order: 'time_us', args: ['192.0.2.7', 0, 1] },
    { index: 'events_time_hour', where: 'time_us / 3600000000 = ?', order: 'pos DESC', args: [490_000] },
  ];
  for (const p of plans) {
    test(`a query on ${p.where} searches ${p.index}`, () => {
      const path = newPath();
      const store = tracked(openSqliteStore(path));
      const w = new StreamWriter();
      store.commitBatches([w.batch('cam-1', 's', 50), w.batch('cam-2', 's', 50)]);
      const plan = inspect(
        path,
        (db) => {
          db.exec('ANALYZE');
          const rows = db
            .prepare(`EXPLAIN QUERY PLAN SELECT pos FROM events WHERE ${p.where} ORDER BY ${p.order} LIMIT 100`)
            .all(...p.args);
          return (rows as { detail: string }[]).map((r) => r.detail).join('; ');
        },
        false,
      );
      assert.match(plan, new RegExp(`SEARCH events USING (COVERING )?INDEX ${p.index} `), plan);
      assert.doesNotMatch(plan, /TEMP B-TREE/, plan);
    });
  }

  test('query columns are filled from the record, time as µs since the epoch', () => {
    const path = newPath();
    const store = tracked(openSqliteStore(path));
    const b = new StreamWriter().batch('cam-1', 'cam-1.s1', 1);
    const rec = b.records[0]?.record;
    assert.ok(rec);
    store.commitBatches([b]);
    const row = inspect(path, (db) => db.prepare('SELECT time_us, name, outcome, severity, actor_ip, actor_user FROM events').get());
    assert.deepEqual(row, {
      time_us: Date.parse(rec.time) * 1000 + Number(rec.time.slice(23, 26)),
      name: rec.name,
      outcome: rec.outcome,
      severity: rec.severity,
      actor_ip: rec.actor?.ip,
      actor_user: rec.actor?.user,
    });
  });

  const times = [
    { name: 'record time', time: '2026-11-27T13:33:43.123456Z', us: Date.UTC(2026, 10, 27, 13, 33, 43) * 1000 + 123_456 },
    { name: 'zero fraction', time: '1970-01-01T00:00:00.000000Z', us: 0 },
    { name: 'before the epoch', time: '1969-12-31T23:59:59.999999Z', us: -1 },
    { name: 'offset (slow path)', time: '2026-11-27T14:33:43.5+01:00', us: Date.UTC(2026, 10, 27, 13, 33, 43) * 1000 + 500_000 },
    { name: 'same second, other fraction', time: '2026-11-27T13:33:43.000001Z', us: Date.UTC(2026, 10, 27, 13, 33, 43) * 1000 + 1 },
  ];
  const parser = new RecordTimeParser();
  for (const c of times) test(`record time to µs: ${c.name}`, () => assert.equal(parser.toUs(c.time), c.us));
  test('record time to µs: not a date-time is TIME_INVALID', () => {
    assert.throws(
      () => parser.toUs('2026-11-27 13:33:43'),
      (e: unknown) => (e as { code?: string }).code === 'TIME_INVALID',
    );
  });
});
