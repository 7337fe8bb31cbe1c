// The integrator lease of collectors sharing one PostgreSQL database (issue I item 2): the lease row
// itself (take, renew, expire, fence, release), and two collectors in this process on one database —
// the follower's commits become leaves on the leader, a leader that stops renewing is replaced, its
// later tree writes are fenced off, the tree stays consistent with the earlier checkpoint, and a brute
// force split across the switch raises its alert once. The kill -9 test with three processes is
// packages/cli/test/cluster-failover.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createMerkleTree, verifyConsistency } from '@seclog/core';
import { loadConfig } from '../src/config/load.js';
import { addDevice } from '../src/enrol/enrol.js';
import { storedLeafData } from '../src/integrate/leaf-hash.js';
import { type Collector, openCollector } from '../src/server/collector.js';
import { PgBridge, preparePgWorker } from '../src/store/pg/pg-bridge.js';
import { openPgStore, type PgStore } from '../src/store/pg/pg-store.js';
import { allAlerts, BRUTE_FORCE_RULES, failedLogins, putRules, waitFor } from './detect-fixtures.js';
import type { TestCollector } from './ingest-fixtures.js';
import { enrolDevice, ingest } from './query-fixtures.js';
import { REQUIRE_ALL } from './support/peers.js';
import { PG_BIN, PG_MISSING, type PgCluster, startPgCluster } from './support/pg-cluster.js';

if (!PG_BIN && REQUIRE_ALL) test('PostgreSQL is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(PG_MISSING));
const skip = PG_BIN ? false : PG_MISSING;

let cluster: PgCluster | undefined;
let admin: PgBridge | undefined;
const root = mkdtempSync(join(tmpdir(), 'seclog-lease-'));
const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
  admin?.close();
  await cluster?.dispose();
  rmSync(root, { recursive: true, force: true });
});

let databases = 0;
async function newDatabase(): Promise<string> {
  if (cluster === undefined) {
    cluster = await startPgCluster();
    await preparePgWorker();
    admin = PgBridge.open(cluster.url());
  }
  const name = `lease_${databases++}`;
  (admin as PgBridge).query(`CREATE DATABASE ${name}`);
  return cluster.url(name);
}

const code = (c: string) => (err: unknown) => (err as { code?: unknown }).code === c;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the lease row: one holder, renewals, expiry with a new term, fencing, release', { skip }, async () => {
  const url = await newDatabase();
  const a = openPgStore(url);
  // A short statement timeout: B's takeover must wait for A's fenced transaction, and gives up here.
  const b = openPgStore(url, { statementTimeoutMs: 300 });
  closers.push(
    () => a.close(),
    () => b.close(),
  );
  const la = a.lease('integrator', 'node-a', 1000);
  const lb = b.lease('integrator', 'node-b', 1000);
  assert.equal(la.tryAcquire(), true);
  assert.equal(la.term, 1);
  assert.equal(lb.tryAcquire(), false, 'held by A');
  assert.equal(la.renew(), true);
  a.transaction(() => la.fence(0));
  assert.throws(() => a.transaction(() => la.fence(7)), code('CLUSTER_LEASE_LOST'), 'the stored tree has 0 leaves');
  assert.equal(la.term, 1, 'a tree mismatch does not drop the lease');

  // While A's fenced transaction is open, a takeover waits for its commit (here: until B's statement timeout).
  await sleep(1100);
  a.transaction(() => {
    la.fence(0);
    assert.throws(() => lb.tryAcquire(), code('STORE_PG_TIMEOUT'));
  });
  // The fence renewed the lease: still A's.
  assert.equal(lb.tryAcquire(), false);
  assert.equal(la.read()?.holder, 'node-a');

  await sleep(1100);
  assert.equal(lb.tryAcquire(), true, 'expired: B takes it');
  assert.equal(lb.term, 2);
  assert.equal(la.renew(), false, 'A learns it lost the lease');
  assert.throws(() => a.transaction(() => la.fence(0)), code('CLUSTER_LEASE_LOST'));
  assert.equal(la.term, undefined);
  const state = lb.read();
  assert.equal(state?.holder, 'node-b');
  assert.equal(state?.live, true);

  lb.release();
  assert.equal(la.tryAcquire(), true, 'released: taken at once');
  assert.equal(la.term, 3);
});

// Both collectors share this process's event loop: a TTL well above its stalls under a loaded machine.
const TIMINGS = { ttlMs: 1500, renewMs: 300, tryMs: 100, pollMs: 50 };

async function startNode(url: string, dir: string): Promise<Collector> {
  const config = loadConfig({
    env: {},
    cwd: root,
    flags: {
      dataDir: dir,
      db: url,
      // Saves (and rule reloads from the database) every 200 ms: a rule put through one node reaches the leader.
      detect: { builtinRules: false, sweepIntervalMs: 50, stateSaveIntervalMs: 200 },
      log: { checkpointIntervalMs: 50 },
    },
  });
  const c = await openCollector(config, { cluster: TIMINGS, processMetrics: false });
  closers.push(() => c.close());
  return c;
}

function asTest(c: Collector, adminToken: string): TestCollector {
  return {
    c,
    dir: root,
    admin: adminToken,
    enrol: (id) => addDevice(c.data.enrol, id, 'low', 'http://127.0.0.1'),
    cleanup: () => c.close(),
  };
}

async function health(c: Collector): Promise<{ role: string; treeSize: number; events: number }> {
  return (await c.app.inject({ method: 'GET', url: '/healthz' })).json();
}

test('two collectors on one database: the follower ingests, the leader integrates; a stalled leader is replaced and fenced', {
  skip,
}, async () => {
  const url = await newDatabase();
  const dir = join(root, 'data');
  const a = await startNode(url, dir);
  // Rules first: a rule put through one node reaches another's engine at its next reload, for later leaves only.
  await putRules(asTest(a, a.adminToken as string), BRUTE_FORCE_RULES);
  const b = await startNode(url, dir);
  const ta = asTest(a, a.adminToken as string);
  const tb = asTest(b, a.adminToken as string);
  assert.equal((await health(a)).role, 'leader');
  assert.equal((await health(b)).role, 'follower');
  assert.equal(b.cluster?.state()?.holder, a.cluster?.holder);

  // Six failed logins through the follower, five through the leader: leaves on the leader, nothing alerts yet.
  const t0 = Date.now() - 60_000;
  const gw = enrolDevice(tb, 'gw-lease');
  const shapes = failedLogins('198.51.100.7', 11, t0, 2);
  await ingest(tb, gw, shapes.slice(0, 6));
  await ingest(ta, gw, shapes.slice(6, 10));
  await waitFor('the leader to integrate the follower’s commits', () =>
    a.integrator.size === a.data.store.eventCount() ? true : undefined,
  );
  assert.equal(b.integrator.size, a.integrator.size, 'the follower reads the leader’s tree');
  const before = await waitFor('a checkpoint of every leaf', () => {
    const cp = a.data.store.latestCheckpoint();
    return cp?.treeSize === a.integrator.size ? cp : undefined;
  });
  assert.equal(allAlerts(ta).filter((x) => x.ruleId === 't-brute-force').length, 0);

  assert.deepEqual([a.notifier.dispatching, b.notifier.dispatching], [true, false], 'only the leader sends notifications');

  // A stops renewing (as if frozen): B takes over after the TTL and catches up.
  const stalled = performance.now();
  await a.cluster?.stop();
  await waitFor('B to take the lease', () => (b.cluster?.role === 'leader' ? true : undefined), 5000);
  const tookMs = performance.now() - stalled;
  assert.ok(tookMs < TIMINGS.ttlMs + 1000, `took over in ${tookMs.toFixed(0)} ms`);
  assert.equal((await health(b)).role, 'leader');
  assert.equal(b.cluster?.term, 2);

  // A still believes it leads; its next tree write is refused by the fence and it steps down.
  await ingest(ta, gw, shapes.slice(10));
  await waitFor('A to step down', () => (a.integrator.leading ? undefined : true));
  assert.equal(a.cluster?.role, 'follower');
  assert.deepEqual([a.notifier.dispatching, b.notifier.dispatching], [false, true], 'the notifications moved with the lease');
  await waitFor('B to integrate everything', () => (b.integrator.size === b.data.store.eventCount() ? true : undefined));

  // The tree B extends is the one A's checkpoint signed.
  const now = await waitFor('B’s checkpoint', () => {
    const cp = b.data.store.latestCheckpoint();
    return cp !== undefined && cp.treeSize === b.integrator.size ? cp : undefined;
  });
  const proof = b.integrator.tree.consistencyProof(before.treeSize, now.treeSize);
  verifyConsistency(before.treeSize, now.treeSize, proof, before.root, now.root);
  // Every position is one leaf, once: a tree built afresh from the stored rows has the stored root.
  const fresh = createMerkleTree();
  fresh.appendLeaves(b.data.store.readEvents(0, now.treeSize).map(storedLeafData));
  assert.deepEqual(Buffer.from(fresh.root()), Buffer.from(now.root));

  // The eleventh failure, on the new leader, completes the brute force: one alert, evidence from both leaders' times.
  const bf = await waitFor('the brute-force alert', () => allAlerts(tb).find((x) => x.ruleId === 't-brute-force'), 5000);
  assert.equal(bf.count, 11);
  await sleep(300);
  assert.equal(allAlerts(tb).filter((x) => x.ruleId === 't-brute-force').length, 1, 'raised once');
  assert.equal(new Set(bf.evidence).size, 11, 'evidence from before and after the switch');
  assert.equal(allAlerts(tb).length, 1, 'no other alert');
});

test('a leader that closes lets the lease go at once', { skip }, async () => {
  const url = await newDatabase();
  const dir = join(root, 'data-2');
  const a = await startNode(url, dir);
  const b = await startNode(url, dir);
  assert.equal(a.cluster?.role, 'leader');
  await a.close();
  // Measured from the release, the last step of close().
  const closed = performance.now();
  await waitFor('B to take the lease', () => (b.cluster?.role === 'leader' ? true : undefined), 3000);
  const ms = performance.now() - closed;
  assert.ok(ms < TIMINGS.ttlMs, `released lease taken in ${ms.toFixed(0)} ms, before it would have expired`);
  const store: PgStore = b.data.store as PgStore;
  assert.equal(store.latestCheckpoint()?.treeSize, b.integrator.size);
});
