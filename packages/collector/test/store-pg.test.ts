// The PostgreSQL Store (store/pg/): the shared conformance suites (Store and
// core's NodeStore) against a throwaway cluster this file starts
// (support/pg-cluster.ts), one database per fixture cloned from a migrated
// template, then what is specific to PostgreSQL: the sync bridge's failure
// modes, non-durable commits, and two collector processes committing one
// device's batches at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Hash } from '@seclog/core';
import { createMerkleTree } from '@seclog/core';
import { describeNodeStoreConformance } from '../../core/test/merkle-node-store-conformance.js';
import { storedLeafHash } from '../src/integrate/leaf-hash.js';
import { policyOf } from '../src/retention/policy.js';
import { runRetention } from '../src/retention/retention-run.js';
import { PgBridge, preparePgWorker } from '../src/store/pg/pg-bridge.js';
import type { PgPartitionRetention } from '../src/store/pg/pg-partition-retention.js';
import { PG_MIGRATIONS } from '../src/store/pg/pg-schema.js';
import { openPgStore, type PgStore } from '../src/store/pg/pg-store.js';
import type { BatchWrite } from '../src/store/types.js';
import type { StoreFixture } from './store-conformance.js';
import { describeStoreConformance, StreamWriter } from './store-conformance.js';
import { REQUIRE_ALL } from './support/peers.js';
import { PG_BIN, PG_MISSING, type PgCluster, startPgCluster } from './support/pg-cluster.js';

if (!PG_BIN && REQUIRE_ALL) test('PostgreSQL is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(PG_MISSING));
if (!PG_BIN) test('PostgreSQL store', { skip: PG_MISSING }, () => {});

const hasCode = (code: string) => (err: unknown) => (err as { code?: unknown }).code === code;

let cluster: PgCluster | undefined;
let admin: PgBridge | undefined;
if (PG_BIN) {
  cluster = await startPgCluster();
  await preparePgWorker();
  admin = PgBridge.open(cluster.url());
  admin.query('CREATE DATABASE seclog_template');
  openPgStore(cluster.url('seclog_template')).close();
}
const open: PgStore[] = [];
after(async () => {
  for (const s of open) s.close();
  admin?.close();
  await cluster?.dispose();
});

let databases = 0;
/** A new database cloned from the migrated template: its URL, and a dispose that drops it. */
function newDatabase(): { url: string; drop: () => void } {
  const name = `f_${databases++}`;
  // FILE_COPY: ~20 ms for the small template against ~65 ms for PostgreSQL 15's default WAL_LOG (fsync is off here).
  (admin as PgBridge).query(`CREATE DATABASE ${name} TEMPLATE seclog_template STRATEGY FILE_COPY`);
  return {
    url: (cluster as PgCluster).url(name),
    drop: () => (admin as PgBridge).query(`DROP DATABASE ${name} WITH (FORCE)`),
  };
}

function fixture(): StoreFixture {
  const db = newDatabase();
  let store = openPgStore(db.url);
  return {
    get store() {
      return store;
    },
    reopen() {
      store.close();
      store = openPgStore(db.url);
      return store;
    },
    markSchemaNewer() {
      const raw = PgBridge.open(db.url);
      raw.query("INSERT INTO schema_migrations (id, name, applied_us) VALUES (9999, 'from_a_newer_seclog', 0)");
      raw.close();
    },
    dispose() {
      store.close();
      db.drop();
    },
  };
}

const tracked = (s: PgStore): PgStore => {
  open.push(s);
  return s;
};

if (PG_BIN) {
  describeStoreConformance('PostgreSQL', fixture);
  describeNodeStoreConformance('PostgreSQL', () => tracked(openPgStore(newDatabase().url)).nodeStore());
}

/** Blocks the thread for `ms` (a sync test cannot await). */
const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** Ends the server session(s) of one store, as a server restart or a network cut would. */
function killSessions(applicationName: string): number {
  const r = (admin as PgBridge).query<{ n: number }>(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  sleepSync(100);
  return r.rows[0]?.n ?? 0;
}

describe('PostgreSQL store specifics', { skip: PG_BIN ? false : PG_MISSING }, () => {
  test('a non-durable transaction runs with synchronous_commit off; before, after and nested in a durable one it is on', () => {
    const db = newDatabase();
    const store = openPgStore(db.url);
    try {
      assert.equal(store.settings().synchronousCommit, 'on');
      assert.ok(store.settings().serverVersionNum >= 130_000);
      assert.equal(
        store.transaction(() => store.settings().synchronousCommit, { durable: false }),
        'off',
      );
      assert.equal(store.settings().synchronousCommit, 'on');
      assert.equal(
        store.transaction(() => store.transaction(() => store.settings().synchronousCommit, { durable: false })),
        'on',
      );
    } finally {
      store.close();
      db.drop();
    }
  });

  test('the integrator pattern: a tree appended inside a transaction is written at COMMIT, and reopens at the same root', () => {
    const db = newDatabase();
    const store = openPgStore(db.url);
    try {
      const w = new StreamWriter();
      store.commitBatches([w.batch('cam-1', 's', 300)]);
      const tree = createMerkleTree(store.nodeStore());
      store.transaction(() => tree.appendLeaves(store.readEvents(0, 300).map((e) => e.digest)), { durable: false });
      const other = openPgStore(db.url);
      try {
        const reopened = createMerkleTree(other.nodeStore());
        assert.equal(reopened.size, 300);
        assert.deepEqual(Buffer.from(reopened.root()), Buffer.from(tree.root()));
      } finally {
        other.close();
      }
    } finally {
      store.close();
      db.drop();
    }
  });

  test('node writes kept inside a transaction: a nested rollback drops only its own, the outer commit writes the rest', () => {
    const db = newDatabase();
    const store = openPgStore(db.url);
    try {
      const nodes = store.nodeStore();
      const h = (n: number) => Buffer.alloc(32, n) as Uint8Array as Hash;
      store.transaction(() => {
        nodes.putNode(0, 0, h(1));
        nodes.setLeafCount(1);
        assert.throws(() =>
          store.transaction(() => {
            nodes.putNode(0, 1, h(2));
            nodes.setLeafCount(2);
            assert.deepEqual(Buffer.from(nodes.getNode(0, 1) as Hash), Buffer.from(h(2)), 'a kept write reads back');
            throw new Error('inner');
          }),
        );
        assert.equal(nodes.getNode(0, 1), undefined);
        assert.equal(nodes.getLeafCount(), 1);
      });
      const other = openPgStore(db.url);
      try {
        const o = other.nodeStore();
        assert.deepEqual([o.getLeafCount(), Buffer.from(o.getNode(0, 0) as Hash), o.getNode(0, 1)], [1, Buffer.from(h(1)), undefined]);
      } finally {
        other.close();
      }
    } finally {
      store.close();
      db.drop();
    }
  });

  test('a refused statement inside a transaction (a taken token hash) fails alone, as on SQLite', () => {
    const f = fixture();
    try {
      const { store } = f;
      const device = (id: string) => ({
        id,
        profile: 'high' as const,
        tokenHash: Buffer.alloc(32, 9),
        sealKey: Buffer.alloc(32, 1),
        createdUs: 1,
        revokedUs: null,
        lastSeenUs: null,
        sealT0Ms: 0,
        sealEpochMs: 60_000,
        sealMaxRecords: 1_000,
      });
      store.transaction(() => {
        store.putDevice(device('cam-1'));
        assert.throws(() => store.putDevice(device('cam-2')), hasCode('STORE_TOKEN_HASH_TAKEN'));
        store.setMeta('after', 'yes');
      });
      assert.deepEqual([store.getDevice('cam-1')?.id, store.getDevice('cam-2'), store.getMeta('after')], ['cam-1', undefined, 'yes']);
    } finally {
      f.dispose();
    }
  });

  test('a batch of a stream whose cursor another store holds locked waits, and fails with STORE_PG_TIMEOUT at the statement timeout', () => {
    const db = newDatabase();
    const a = openPgStore(db.url);
    const b = openPgStore(db.url, { statementTimeoutMs: 300 });
    try {
      const first = new StreamWriter().batch('cam-1', 's', 2);
      a.transaction(() => {
        a.commitBatches([first]);
        const t0 = Date.now();
        assert.throws(() => b.commitBatches([first]), hasCode('STORE_PG_TIMEOUT'));
        assert.ok(Date.now() - t0 >= 250, 'b waited for the lock');
      });
      // b is still usable, and now sees a's commit: the same batch again is a duplicate.
      assert.throws(() => b.commitBatches([first]), hasCode('STORE_BATCH_INVALID'));
      assert.equal(b.eventCount(), 2);
      assert.deepEqual(b.commitBatches([new StreamWriter().batch('cam-2', 's', 1)]), [[2]]);
    } finally {
      a.close();
      b.close();
      db.drop();
    }
  });

  test('a call the connection thread does not answer in time is STORE_PG_TIMEOUT, and the store is closed after it', () => {
    const db = newDatabase();
    const raw = PgBridge.open(db.url, { callTimeoutMs: 200 });
    try {
      const t0 = Date.now();
      assert.throws(() => raw.query('SELECT pg_sleep(3)'), hasCode('STORE_PG_TIMEOUT'));
      assert.ok(Date.now() - t0 < 2_000, 'the wait ended at the call timeout, not with the statement');
      assert.equal(raw.closed, true);
      assert.throws(() => raw.query('SELECT 1'), hasCode('STORE_CLOSED'));
    } finally {
      raw.close();
      db.drop();
    }
  });

  test('a session the server ends: outside a transaction the next call reconnects; inside one the transaction fails whole', () => {
    const db = newDatabase();
    const store = openPgStore(db.url, { applicationName: 'seclog-victim' });
    try {
      store.setMeta('k', 'before');
      assert.equal(killSessions('seclog-victim'), 1);
      assert.equal(store.getMeta('k'), 'before', 'reconnected');
      assert.throws(
        () =>
          store.transaction(() => {
            store.setMeta('k', 'inside');
            killSessions('seclog-victim');
            store.setMeta('k2', 'inside');
          }),
        hasCode('STORE_PG_UNAVAILABLE'),
      );
      assert.deepEqual([store.getMeta('k'), store.getMeta('k2')], ['before', undefined], 'nothing of the transaction committed');
      assert.deepEqual(store.commitBatches([new StreamWriter().batch('cam-1', 's', 2)]), [[0, 1]]);
    } finally {
      store.close();
      db.drop();
    }
  });

  test('an unreachable server is STORE_PG_UNAVAILABLE at open', () => {
    const url = (cluster as PgCluster).url('postgres').replace(`:${(cluster as PgCluster).port}/`, ':1/');
    assert.throws(() => openPgStore(url, { connectTimeoutMs: 2_000 }), hasCode('STORE_PG_UNAVAILABLE'));
  });

  test('two collector processes committing the same device stream store each batch once, at dense positions', async () => {
    const db = newDatabase();
    const batches = 25;
    const script = fileURLToPath(new URL('./support/pg-committer.ts', import.meta.url));
    const children = ['node-a', 'node-b'].map((name) =>
      spawn(process.execPath, ['--import', 'tsx', script, db.url, name, String(batches)], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    try {
      const outputs = children.map((c) => {
        let out = '';
        c.stdout.on('data', (d) => {
          out += d;
        });
        return () => out;
      });
      // Both open their store first, then start together, so their commits interleave.
      for (const out of outputs) while (!out().includes('ready')) await new Promise((r) => setTimeout(r, 20));
      for (const c of children) c.stdin.write('go\n');
      const codes = await Promise.all(children.map(async (c) => (await once(c, 'exit'))[0]));
      assert.deepEqual(codes, [0, 0]);
      const results = outputs.map((o) => JSON.parse(o().split('\n')[1] as string) as { committed: number; refused: number });
      const sum = (k: 'committed' | 'refused') => results.reduce((n, r) => n + r[k], 0);
      assert.equal(sum('committed'), batches, JSON.stringify(results));
      assert.equal(sum('refused'), batches);
      const store = openPgStore(db.url);
      try {
        const total = 5 * batches + 2 * 3 * batches;
        assert.equal(store.eventCount(), total);
        const all = store.readEvents(0, total);
        assert.deepEqual(
          all.map((e) => e.pos),
          Array.from({ length: total }, (_, i) => i),
        );
        assert.deepEqual(
          all.filter((e) => e.device === 'shared').map((e) => e.seq),
          Array.from({ length: 5 * batches }, (_, i) => i + 1),
          'every record of the shared stream once, in seq order',
        );
        assert.equal(store.getCursor('shared', 's')?.ackedSeq, 5 * batches);
        for (const n of ['node-a', 'node-b']) assert.equal(store.getCursor(n, 's')?.ackedSeq, 3 * batches);
      } finally {
        store.close();
      }
    } finally {
      for (const c of children) c.kill();
      db.drop();
    }
  });
});

describe('PostgreSQL events partitioned by month of receipt', { skip: PG_BIN ? false : PG_MISSING }, () => {
  const monthName = (us: number) => {
    const d = new Date(us / 1000);
    return `events_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };

  test('a new store has the months from last month to three ahead and a DEFAULT; rows land in their month of receipt', () => {
    const db = newDatabase();
    const store = openPgStore(db.url);
    try {
      const names = store.eventPartitions().map((p) => p.name);
      const now = Date.now() * 1000;
      const month = 31 * 24 * 3600 * 1e6;
      for (const at of [now - month / 2, now, now + month, now + 3 * month - month / 2])
        assert.ok(names.includes(monthName(at)), `${monthName(at)} in ${names}`);
      assert.ok(names.includes('events_default'));
      const w = new StreamWriter();
      const b = w.batch('dev-p', 's', 3);
      // One record received far in the future, beyond every month partition: the DEFAULT one takes it.
      const far = Date.UTC(2031, 5, 1) * 1000;
      const records = b.records.map((r, i) => (i === 2 ? { ...r, receivedUs: far } : r));
      store.commitBatches([{ ...b, records }]);
      // Read through a connection to the fixture's database.
      const bridge = PgBridge.open(db.url);
      try {
        const parts = bridge.query<{ part: string; n: number }>(
          'SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM events GROUP BY 1 ORDER BY 1',
        ).rows;
        assert.deepEqual(parts, [
          { part: 'events_default', n: 1 },
          { part: monthName(b.records[0]?.receivedUs as number), n: 2 },
        ]);
      } finally {
        bridge.close();
      }
      assert.deepEqual(
        store.readEvents(0, 3).map((e) => e.seq),
        [1, 2, 3],
        'reads by position see every partition',
      );
    } finally {
      store.close();
      db.drop();
    }
  });

  test('retention rewrites a month whose events expired as a new partition; a mostly-kept month is pruned row by row', async () => {
    const db = newDatabase();
    const store = openPgStore(db.url);
    const bridge = PgBridge.open(db.url);
    try {
      const FEB = Date.UTC(2025, 1, 10) * 1000;
      const MAR = Date.UTC(2025, 2, 10) * 1000;
      bridge.query('SELECT seclog_ensure_event_partitions($1, $2)', [FEB, MAR]);
      const w = new StreamWriter();
      const at = (b: BatchWrite, us: number): BatchWrite => ({
        ...b,
        records: b.records.map((r, i) => ({ ...r, receivedUs: us + i * 1000 })),
      });
      // February: 8 expiring events among 12 of a group kept ten years. March: 40 expiring, a stream_start and 4 kept.
      store.commitBatches([at(w.batch('dev-b', 's', 8), FEB), at(w.batch('dev-b', 's', 12, { name: 'sys_fault' }), FEB + 1e9)]);
      store.commitBatches([at(w.batch('dev-a', 's', 1, { name: 'stream_start' }), MAR)]);
      store.commitBatches([at(w.batch('dev-a', 's', 40), MAR + 1e9), at(w.batch('dev-a', 's', 4, { name: 'sys_fault' }), MAR + 2e9)]);
      store.commitBatches([w.batch('dev-a', 's', 10)]);
      const total = store.eventCount();
      assert.equal(total, 75);
      store.putCheckpoint({ treeSize: total, root: new Uint8Array(32) as Hash, note: 'test', createdUs: Date.now() * 1000 });
      const before = store.readEvents(0, total);
      const expiring = (e: { receivedUs: number; canonical: string }) =>
        e.receivedUs < MAR + 3e9 && /"name":"(authn_login_fail|config_change)"/.test(e.canonical);
      const want = before.filter(expiring).map((e) => e.pos);
      assert.equal(want.length, 48);
      const oid = () => bridge.query<{ oid: number }>("SELECT 'events_y2025m03'::regclass::oid AS oid").rows[0]?.oid;
      const indexes = () =>
        bridge
          .query<{ n: string }>("SELECT indexname AS n FROM pg_indexes WHERE tablename = 'events_y2025m03' ORDER BY 1")
          .rows.map((r) => r.n);
      const [marchOid, marchIndexes, febOid] = [
        oid(),
        indexes(),
        bridge.query("SELECT 'events_y2025m02'::regclass::oid AS oid").rows[0]?.oid,
      ];
      assert.equal(marchIndexes.length, 7);

      const policy = policyOf({ defaultDays: 3650, groups: { authentication: 30, configuration: 30 }, maxPayloadBytes: 0 });
      const nowUs = Date.now() * 1000;
      const r = await runRetention(store, policy, { trigger: 'manual', nowUs });
      assert.deepEqual(r.months, { count: 1, pruned: 40 });
      assert.equal(r.deleted, 48);
      assert.deepEqual(r.groups, { authentication: 24, configuration: 24 });
      assert.notEqual(oid(), marchOid, 'March is a new table');
      assert.deepEqual(indexes(), marchIndexes, 'with the indexes it had, under their names');
      assert.equal(bridge.query("SELECT 'events_y2025m02'::regclass::oid AS oid").rows[0]?.oid, febOid, 'February was pruned in place');

      const after = store.readEvents(0, total);
      assert.deepEqual(
        after.map((e) => [e.pos, e.device, e.seq, e.receivedUs, Buffer.from(storedLeafHash(e)).toString('hex')]),
        before.map((e) => [e.pos, e.device, e.seq, e.receivedUs, Buffer.from(storedLeafHash(e)).toString('hex')]),
        'every slot and leaf as before',
      );
      assert.deepEqual(
        after.filter((e) => e.canonical === '').map((e) => e.pos),
        want,
      );
      for (const e of after) if (!want.includes(e.pos)) assert.equal(e.canonical, before[e.pos]?.canonical);
      for (const p of want) assert.equal(store.retention().prunedAt(p), nowUs);
      assert.deepEqual(
        store
          .queryEvents({ device: 'dev-a', name: 'sys_fault', limit: 50 })
          .events.map((e) => e.pos)
          .sort((a, b) => a - b),
        before.filter((e) => e.device === 'dev-a' && e.canonical.includes('"sys_fault"')).map((e) => e.pos),
        'queries read the rewritten month',
      );
      // The month takes new rows as before, and a second run finds nothing more.
      store.commitBatches([at(w.batch('dev-c', 's', 2, { name: 'sys_fault' }), MAR + 5e9)]);
      assert.equal(store.readEvents(total, total + 2).length, 2);
      store.putCheckpoint({ treeSize: total + 2, root: new Uint8Array(32) as Hash, note: 'test', createdUs: Date.now() * 1000 });
      const months = store.retention().partitions as PgPartitionRetention;
      const judged = months.judgements();
      const again = await runRetention(store, policy, { trigger: 'manual', nowUs: nowUs + 1 });
      assert.deepEqual([again.deleted, again.months.count], [0, 0]);
      // Only March gained rows since its judgement: February is not read again.
      const since = (j: { read: number; skipped: number }) => ({ read: j.read - judged.read, skipped: j.skipped - judged.skipped });
      // Every month the run considered, as runRetention lists them (ended before now − the shortest retention).
      const listed = (await months.months(nowUs + 1 - 30 * 24 * 3600e6)).map((m) => m.name);
      assert.ok(listed.includes('events_y2025m02') && listed.includes('events_y2025m03'), listed.join());
      assert.deepEqual(since(months.judgements()), { read: 1, skipped: listed.length - 1 }, 'March read again, the others skipped');
      // Nothing changed since: no month is read.
      const third = months.judgements();
      await runRetention(store, policy, { trigger: 'manual', nowUs: nowUs + 2 });
      assert.equal(months.judgements().read, third.read);
      // Rows the newest checkpoint does not cover yet: that month is read on every run until one does.
      store.commitBatches([at(w.batch('dev-c', 's', 1, { name: 'sys_fault' }), MAR + 6e9)]);
      for (const k of [3, 4]) {
        const before = months.judgements().read;
        await runRetention(store, policy, { trigger: 'manual', nowUs: nowUs + k });
        assert.equal(months.judgements().read - before, 1, `run ${k}: March read again`);
      }
      store.putCheckpoint({ treeSize: total + 3, root: new Uint8Array(32) as Hash, note: 'test', createdUs: Date.now() * 1000 });
      // A policy under which more has expired there: both months are judged again.
      const shorter = policyOf({ defaultDays: 3650, groups: { authentication: 30, configuration: 30, system: 30 }, maxPayloadBytes: 0 });
      const fourth = months.judgements();
      const r4 = await runRetention(store, shorter, { trigger: 'manual', nowUs: nowUs + 5 });
      assert.equal(months.judgements().read - fourth.read, 2);
      // February's 12 kept rows expire now (12 of 20: rewritten); March's 7 of 48 are pruned row by row.
      assert.deepEqual([r4.months.count, r4.months.pruned, r4.deleted], [1, 12, 19]);
    } finally {
      bridge.close();
      store.close();
      db.drop();
    }
  });

  test('the migration turns a filled unpartitioned table into the partitioned one: same rows, same reads, indexes kept', () => {
    const db = newDatabase();
    (admin as PgBridge).query(`DROP DATABASE ${db.url.split('/').pop()} WITH (FORCE)`);
    (admin as PgBridge).query(`CREATE DATABASE ${db.url.split('/').pop()}`);
    const before = PG_MIGRATIONS.filter((m) => m.name !== 'events_partitioned' && m.id < 7);
    const old = openPgStore(db.url, { migrations: before });
    const w = new StreamWriter();
    try {
      for (let i = 0; i < 4; i++) old.commitBatches([w.batch('dev-a', 's', 25), w.batch('dev-b', 's', 25)]);
    } finally {
      old.close();
    }
    const reference = openPgStore(db.url, { migrations: before });
    const wanted = reference.readEvents(0, 200);
    const byIp = reference.queryEvents({ ip: '192.0.2.7', limit: 50 }).events.map((e) => e.pos);
    reference.close();
    const store = openPgStore(db.url);
    const bridge = PgBridge.open(db.url);
    try {
      assert.equal(store.eventCount(), 200);
      assert.deepEqual(store.readEvents(0, 200), wanted);
      assert.deepEqual(
        store.queryEvents({ ip: '192.0.2.7', limit: 50 }).events.map((e) => e.pos),
        byIp,
      );
      assert.equal(bridge.query<{ k: string }>("SELECT relkind::text AS k FROM pg_class WHERE relname = 'events'").rows[0]?.k, 'p');
      const indexes = bridge
        .query<{ n: string }>("SELECT indexname AS n FROM pg_indexes WHERE tablename = 'events' ORDER BY 1")
        .rows.map((r) => r.n);
      // The old table's indexes, kept by migration 7, and migration 10's two.
      assert.deepEqual(indexes, [
        'events_actor_ip_time',
        'events_actor_user_time',
        'events_device_time',
        'events_name_time',
        'events_pkey',
        'events_record_id',
        'events_time_brin',
      ]);
      assert.equal(bridge.query("SELECT to_regclass('events_unpartitioned') AS t").rows[0]?.t, null);
      // The store goes on committing after the migration, at the next positions.
      store.commitBatches([w.batch('dev-a', 's', 5)]);
      assert.deepEqual(
        store.readEvents(200, 205).map((e) => e.seq),
        [101, 102, 103, 104, 105],
      );
    } finally {
      bridge.close();
      store.close();
      db.drop();
    }
  });
});
