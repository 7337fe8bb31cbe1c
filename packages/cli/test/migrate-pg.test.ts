// `seclog migrate --from DIR --to postgres://…` (issue I item 3), end to end: a SQLite data directory with
// devices, a user, an alert and several checkpoints is copied into a throwaway PostgreSQL database; the log
// is the same (positions, leaves, root, every checkpoint row), `seclog verify --data DIR --db URL` passes,
// a collector on the new database accepts the device's next batch and old checkpoints are consistent with
// the grown tree; a second migration into the same database is refused. Skipped without PostgreSQL.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createMerkleTree, verifyConsistency } from '@seclog/core';
import { addUser } from '../../collector/src/auth/users.js';
import { preparePgWorker } from '../../collector/src/store/pg/pg-bridge.js';
import { openPgStore } from '../../collector/src/store/pg/pg-store.js';
import { openSqliteStore } from '../../collector/src/store/sqlite-store.js';
import type { StoredCheckpoint } from '../../collector/src/store/types.js';
import { BRUTE_FORCE_RULES, failedLogins, putRules, startDetectCollector, waitFor } from '../../collector/test/detect-fixtures.js';
import { enrolDevice, ingest } from '../../collector/test/query-fixtures.js';
import { REQUIRE_ALL } from '../../collector/test/support/peers.js';
import { PG_BIN, PG_MISSING, type PgCluster, startPgCluster } from '../../collector/test/support/pg-cluster.js';
import { runCli, startServe } from './support/run-cli.js';

if (!PG_BIN && REQUIRE_ALL) test('PostgreSQL is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(PG_MISSING));

let cluster: PgCluster | undefined;
const dirs: string[] = [];
after(async () => {
  await cluster?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const rowsOf = (cps: StoredCheckpoint[]) =>
  cps.map((c) => ({ size: c.treeSize, root: Buffer.from(c.root).toString('hex'), note: c.note, at: c.createdUs }));

test('migrate copies the SQLite store to PostgreSQL with the same Merkle log; verify and serve work on it', {
  skip: PG_BIN ? false : PG_MISSING,
  timeout: 120_000,
}, async (ctx) => {
  // A SQLite data directory with history: devices, a brute-force alert, a user, checkpoints of several sizes.
  const t = await startDetectCollector();
  dirs.push(t.dir);
  const data = join(t.dir, 'data');
  await putRules(t, BRUTE_FORCE_RULES);
  const cam = enrolDevice(t, 'cam-m1');
  for (let i = 0; i < 4; i++) {
    await ingest(t, cam, failedLogins('192.0.2.44', 3, Date.now() - 50_000 + i * 6000, 2));
    t.c.integrator.checkpoint();
  }
  await waitFor('the alert', () => (t.c.data.store.alerts().queryAlerts({ limit: 10 }).alerts.length > 0 ? true : undefined));
  await addUser(
    t.c.data.enrol,
    'olga',
    'auditor',
    { user: 'cli', interface: 'cli' },
    { password: 'olga has a long password', cost: { ln: 10, r: 8, p: 1 } },
  );
  const admin = t.admin;
  await t.c.close();

  const sqlite = openSqliteStore(join(data, 'seclog.db'));
  const before = {
    events: sqlite.eventCount(),
    checkpoints: rowsOf(sqlite.listCheckpoints()),
    alerts: sqlite
      .alerts()
      .queryAlerts({ limit: 100 })
      .alerts.map((a) => [a.id, a.ruleId, a.count, a.logPos]),
    users: sqlite
      .users()
      .listUsers()
      .map((u) => [u.name, u.role, u.passwordHash]),
    devices: sqlite.listDevices(),
    cursors: sqlite.listCursors('cam-m1'),
  };
  sqlite.close();
  assert.ok(before.checkpoints.length >= 4, 'several checkpoints to carry over');

  cluster = await startPgCluster();
  await preparePgWorker();
  const url = cluster.url();
  const run = runCli(['migrate', '--from', data, '--to', url]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /the same as the source/);
  assert.match(run.stderr, /migrate: \d+\/\d+ rows \(100%\)/, 'a progress line when standard error is not a terminal');
  ctx.diagnostic(run.stdout.split('\n')[0] as string);

  const pg = openPgStore(url);
  try {
    assert.equal(pg.eventCount(), before.events);
    assert.deepEqual(rowsOf(pg.listCheckpoints()), before.checkpoints, 'every checkpoint row as it was');
    assert.deepEqual(
      pg
        .alerts()
        .queryAlerts({ limit: 100 })
        .alerts.map((a) => [a.id, a.ruleId, a.count, a.logPos]),
      before.alerts,
    );
    assert.deepEqual(
      pg
        .users()
        .listUsers()
        .map((u) => [u.name, u.role, u.passwordHash]),
      before.users,
    );
    assert.deepEqual(pg.listDevices(), before.devices);
    assert.deepEqual(pg.listCursors('cam-m1'), before.cursors);
  } finally {
    pg.close();
  }

  const verify = runCli(['verify', '--data', data, '--db', url]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /intact/);

  // export takes --db too: a bundle of the migrated store that verifies offline.
  const bundle = join(t.dir, 'export.jsonl');
  const exported = runCli(['export', '--data', data, '--db', url, '-o', bundle]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stderr, /exported \d+ events \(bundle\)/);
  const offline = runCli(['verify', bundle]);
  assert.equal(offline.code, 0, offline.stdout + offline.stderr);

  const again = runCli(['migrate', '--from', data, '--to', url]);
  assert.equal(again.code, 2, 'a non-empty target is refused');
  assert.match(again.stderr, /already holds events rows/);

  // The collector carries on from the migrated state: the device's next batch chains on, the admin token works.
  const serve = await startServe(['--data', data, '--db', url, '--port', '0', '--no-syslog-tcp', '--no-syslog-udp']);
  try {
    const records = cam.records(failedLogins('192.0.2.45', 2, Date.now() - 10_000, 1));
    const res = await fetch(`${serve.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cam.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device: cam.id, stream: cam.stream, records }),
    });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.equal((JSON.parse(body) as { accepted: number }).accepted, 2);
    const q = await fetch(`${serve.url}/api/v1/events?device=cam-m1&limit=100`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(q.status, 200);
    assert.equal(((await q.json()) as { events: unknown[] }).events.length, 14);
    assert.equal(await serve.stop(), 0, serve.output());
  } finally {
    serve.kill();
  }

  // Old checkpoints are consistent with the grown tree on PostgreSQL.
  const grown = openPgStore(url);
  try {
    const tree = createMerkleTree(grown.nodeStore());
    assert.ok(tree.size > before.events);
    const root = tree.root();
    for (const cp of before.checkpoints) {
      if (cp.size === 0) continue;
      verifyConsistency(cp.size, tree.size, tree.consistencyProof(cp.size, tree.size), Buffer.from(cp.root, 'hex'), root);
    }
  } finally {
    grown.close();
  }
});
