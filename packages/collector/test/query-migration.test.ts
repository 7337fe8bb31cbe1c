// Migration 4 (the query indexes) on a database that already holds events: it applies, the
// indexes are built over the old rows, and queries and id lookups find them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite-schema.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { StreamWriter } from './store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'seclog-qmig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('migration 4 indexes the events stored before it', () => {
  const path = join(dir, 'old.db');
  const old = openSqliteStore(path, { migrations: SQLITE_MIGRATIONS.filter((m) => m.id < 4) });
  const w = new StreamWriter();
  old.commitBatches([w.batch('cam-1', 's', 30), w.batch('cam-2', 's', 20)]);
  old.close();

  const store = openSqliteStore(path);
  try {
    const db = new Database(path, { readonly: true });
    const applied = db.prepare('SELECT id, name FROM schema_migrations WHERE id = 4').get();
    const indexes = db.prepare("SELECT name FROM pragma_index_list('events') ORDER BY name").pluck().all();
    db.close();
    assert.deepEqual(applied, { id: 4, name: 'query_indexes' });
    assert.ok(indexes.includes('events_id') && indexes.includes('events_time_hour') && !indexes.includes('events_time'), String(indexes));

    assert.deepEqual(
      store.queryEvents({ device: 'cam-2', limit: 100 }).events.map((e) => e.pos),
      Array.from({ length: 20 }, (_, i) => 49 - i),
    );
    assert.equal(store.queryEvents({ name: 'config_change', user: 'admin', limit: 100 }).events.length, 25);
    const e = store.getEvent(7);
    assert.ok(e);
    const id = (JSON.parse(e.canonical) as SecurityEvent).id;
    // StreamWriter ids repeat per device; the lowest position wins.
    assert.equal(store.getEventById(id)?.pos, 7);
  } finally {
    store.close();
  }
});
