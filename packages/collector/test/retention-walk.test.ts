/**
 * The retention walk over more than one chunk (8,192 rows) of positions: a
 * chunk whose old rows are all pruned already (by a whole-month rewrite on
 * PostgreSQL, or an earlier size cap) does not end the walk, so the expired
 * rows after it are pruned in the same run, and the walk's floor never
 * passes rows it has not looked at.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { policyOf } from '../src/retention/policy.js';
import { META_FLOOR, runRetention } from '../src/retention/retention-run.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import type { BatchWrite } from '../src/store/types.js';
import { StreamWriter } from './store-conformance.js';

const DAY_US = 86_400_000_000;
const CHUNK = 8192;

test('a chunk of old rows already pruned does not end the walk: the expired rows after it go in the same run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-walk-'));
  const store = openSqliteStore(join(dir, 'seclog.db'));
  try {
    const w = new StreamWriter();
    const oldUs = Date.UTC(2025, 0, 10) * 1000;
    const old = (b: BatchWrite): BatchWrite => ({
      ...b,
      records: b.records.map((r) => ({ ...r, receivedUs: oldUs + (r.record.seq ?? 0) * 1000 })),
    });
    // Two chunks and a bit, all received long ago, every one an authentication event.
    const total = 2 * CHUNK + 300;
    for (let done = 0; done < total; done += 1000) {
      store.transaction(() =>
        store.commitBatches([old(w.batch('dev-w', 's', Math.min(1000, total - done), { name: 'authn_login_fail' }))]),
      );
    }
    assert.equal(store.eventCount(), total);
    store.putCheckpoint({ treeSize: total, root: new Uint8Array(32) as never, note: 'test', createdUs: Date.now() * 1000 });
    // The first chunk went already, as a month rewrite would leave it.
    const first = Array.from({ length: CHUNK }, (_, i) => i);
    assert.equal(store.retention().prune(first, Date.now() * 1000).pruned, CHUNK);

    const policy = policyOf({ defaultDays: 3650, groups: { authentication: 30 }, maxPayloadBytes: 0 });
    const r = await runRetention(store, policy, { trigger: 'manual' });
    assert.equal(r.deleted, total - CHUNK, 'every expired row after the pruned chunk');
    assert.equal(store.retention().payloadBetween(0, total).count, 0);
    assert.equal(store.getMeta(META_FLOOR), String(total));

    // A young chunk of pruned rows stops the walk; the floor stays at it, not past the live rows that follow.
    const young = (b: BatchWrite): BatchWrite => ({
      ...b,
      records: b.records.map((rec) => ({ ...rec, receivedUs: Date.now() * 1000 - DAY_US })),
    });
    for (let done = 0; done < CHUNK + 500; done += 1000) {
      store.transaction(() =>
        store.commitBatches([young(w.batch('dev-w', 's', Math.min(1000, CHUNK + 500 - done), { name: 'authn_login_fail' }))]),
      );
    }
    const end = store.eventCount();
    store.putCheckpoint({ treeSize: end, root: new Uint8Array(32) as never, note: 'test 2', createdUs: Date.now() * 1000 });
    assert.equal(
      store.retention().prune(
        Array.from({ length: CHUNK }, (_, i) => total + i),
        Date.now() * 1000,
      ).pruned,
      CHUNK,
    );
    const again = await runRetention(store, policy, { trigger: 'manual' });
    assert.equal(again.deleted, 0, 'nothing young expires');
    assert.ok(Number(store.getMeta(META_FLOOR)) <= total + CHUNK, `floor ${store.getMeta(META_FLOOR)} stays before the live rows`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
