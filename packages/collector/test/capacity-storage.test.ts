/**
 * Storage capacity (docs/retention.md "Capacity"): levels from a fake statfs,
 * a record in the collector's stream at each change of level (which the
 * built-in rules turn into alerts), 507 STORAGE_FULL for non-critical ingest
 * at the critical level while critical events still pass, nothing at all past
 * the hard floor, `prune` running retention first, and GET /api/v1/storage.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import { createApiToken } from '../src/enrol/enrol.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { levelOf, StorageMonitor, type StorageSettings } from '../src/retention/capacity.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

const SETTINGS: StorageSettings = {
  warnPercent: 80,
  criticalPercent: 95,
  hardFloorPercent: 99,
  onFull: 'reject',
  checkIntervalSeconds: 60,
  rateWindowDays: 7,
};
const TOTAL = 1_000_000_000;

let t: TestCollector;
before(async () => {
  t = await startTestCollector();
});
after(() => t?.cleanup());

function ownSince(n: number): SecurityEvent[] {
  const s = t.c.data.store;
  return s
    .readEvents(n, s.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent);
}

/** A monitor on the test collector's store whose disk is `used` percent full (settable). */
function monitor(settings: StorageSettings = SETTINGS, prune?: () => Promise<void>) {
  const disk = { used: 50 };
  const m = new StorageMonitor({
    store: t.c.data.store,
    settings,
    capBytes: 0,
    dataDir: t.dir,
    statfs: () => ({ totalBytes: TOTAL, freeBytes: Math.round(TOTAL * (1 - disk.used / 100)) }),
    record: async (events) => {
      await t.c.ingest.own.append(...events);
    },
    ...(prune === undefined ? {} : { prune }),
  });
  return { m, disk };
}

test('levels by percent', () => {
  assert.deepEqual(
    [0, 79.9, 80, 94.9, 95, 98.9, 99, 100].map((p) => levelOf(p, SETTINGS)),
    ['ok', 'ok', 'warn', 'warn', 'critical', 'critical', 'full', 'full'],
  );
});

test('each change of level is recorded once, with the level; the gate follows the level', async () => {
  const { m, disk } = monitor();
  const start = t.c.data.store.eventCount();
  let s = await m.check();
  assert.equal(s.level, 'ok');
  assert.equal(s.disk?.usedPercent, 50);
  assert.equal(s.rejecting, false);
  assert.deepEqual(ownSince(start), [], 'ok at the start is not news');
  disk.used = 85;
  s = await m.check();
  assert.equal(s.level, 'warn');
  await m.check();
  let recs = ownSince(start).filter((e) => e.name === 'log_storage_low');
  assert.equal(recs.length, 1, 'the same level twice is one record');
  assert.equal(recs[0]?.attrs.level, 'warn');
  assert.equal(recs[0]?.attrs.used_pct, 85);
  assert.equal(recs[0]?.attrs.threshold_pct, 80);
  assert.equal(recs[0]?.attrs.capacity_bytes, TOTAL);
  m.admit(false);
  disk.used = 96;
  s = await m.check();
  assert.equal(s.level, 'critical');
  assert.equal(s.rejecting, true);
  assert.throws(
    () => m.admit(false),
    (e: unknown) => (e as { code?: string }).code === 'STORAGE_FULL',
  );
  m.admit(true);
  disk.used = 99.5;
  s = await m.check();
  assert.equal(s.level, 'full');
  assert.throws(
    () => m.admit(true),
    (e: unknown) => (e as { code?: string }).code === 'STORAGE_FULL',
  );
  disk.used = 10;
  s = await m.check();
  assert.equal(s.level, 'ok');
  assert.equal(s.refused, 2);
  m.admit(false);
  recs = ownSince(start).filter((e) => e.name === 'log_storage_low');
  assert.deepEqual(
    recs.map((r) => [r.attrs.level, r.attrs.on_full]),
    [
      ['warn', 'none'],
      ['critical', 'reject'],
      ['full', 'reject'],
      ['ok', 'none'],
    ],
  );
  assert.deepEqual(
    recs.map((r) => r.severity),
    ['medium', 'high', 'critical', 'info'],
  );
});

test('the level records become alerts through the built-in rules (stored like every alert)', async () => {
  // The records of the test above are in the collector's stream; detection evaluates that stream too.
  // Alerts carry the rule's id (rules/logging/storage-low.yml and storage-critical.yml).
  const LOW = '5b0f8a3e-2c61-4d7e-9a45-3e1f7b6c2d80';
  const CRITICAL = '9e4c2a71-6b3d-4f08-8c5e-1d2a7f9b3e64';
  const find = (rule: string) =>
    t.c.data.store
      .alerts()
      .queryAlerts({ limit: 50 })
      .alerts.filter((a) => a.ruleId === rule);
  const deadline = Date.now() + 15_000;
  while ((find(LOW).length === 0 || find(CRITICAL).length === 0) && Date.now() < deadline) {
    t.c.integrator.integrate();
    await new Promise((r) => setTimeout(r, 100));
  }
  const low = find(LOW);
  const critical = find(CRITICAL);
  assert.equal(low.length, 1, 'one warning alert, the repeats counted on it');
  assert.equal(low[0]?.device, 'collector');
  assert.equal(critical.length, 1);
  assert.equal(critical[0]?.severity, 'critical');
});

test('ingest at the critical level: 507 STORAGE_FULL for ordinary events, critical events accepted, and the refusals are recorded', async () => {
  const { m, disk } = monitor();
  const dev = t.enrol('cam-507');
  t.c.ingest.storageGate = (critical) => m.admit(critical);
  try {
    disk.used = 96;
    await m.check();
    const start = t.c.data.store.eventCount();
    const post = (records: unknown[], stream: string) =>
      t.c.app.inject({
        method: 'POST',
        url: '/api/v1/ingest',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.token}` },
        payload: JSON.stringify({ device: 'cam-507', stream, records }),
      });
    // sys_fault is not a critical catalogue event; failed logins are (catalogue `critical`).
    const plain = deviceChain('cam-507', 3, undefined, { name: 'sys_fault', attrs: { fault: 'watchdog' }, actor: undefined });
    const refused = await post(plain, plain[0]?.stream as string);
    assert.equal(refused.statusCode, 507, refused.body);
    assert.equal((refused.json() as { error: { code: string } }).error.code, 'STORAGE_FULL');
    assert.equal(t.c.data.store.listCursors('cam-507').length, 0, 'nothing stored');
    const critical = deviceChain('cam-507', 2);
    const taken = await post(critical, critical[0]?.stream as string);
    assert.equal(taken.statusCode, 200, taken.body);
    // The next check says how many were refused since the last record.
    await m.check();
    const note = ownSince(start).find((e) => e.name === 'log_storage_low');
    assert.equal(note?.attrs.on_full, 'reject');
    assert.match(note?.message ?? '', /1 batch\(es\) refused with 507/);
  } finally {
    t.c.ingest.storageGate = undefined;
  }
});

test('onFull prune runs retention first and records that it did', async () => {
  let pruned = 0;
  const { m, disk } = monitor({ ...SETTINGS, onFull: 'prune' }, async () => {
    pruned++;
    disk.used = 90;
  });
  const start = t.c.data.store.eventCount();
  disk.used = 97;
  const s = await m.check();
  assert.equal(pruned, 1);
  assert.equal(s.level, 'warn', 'measured again after the prune');
  assert.equal(s.rejecting, false);
  const recs = ownSince(start).filter((e) => e.name === 'log_storage_low');
  assert.deepEqual(
    recs.map((r) => r.attrs.on_full),
    ['prune', 'none'],
  );
});

test('GET /api/v1/storage: usage, projection, policy and runs for admin and auditor', async () => {
  const auditor = createApiToken(t.c.data.enrol, 'auditor', 'storage-test').token;
  const res = await t.c.app.inject({ method: 'GET', url: '/api/v1/storage?fresh=1', headers: { authorization: `Bearer ${auditor}` } });
  assert.equal(res.statusCode, 200, res.body);
  // biome-ignore lint/suspicious/noExplicitAny: read field by field
  const b = res.json() as any;
  assert.ok(['ok', 'warn', 'critical', 'full'].includes(b.usage.level));
  assert.ok(b.usage.disk.totalBytes > 0);
  assert.ok(b.usage.database.bytes > 0);
  assert.ok(b.usage.database.payloadBytes > 0);
  assert.ok(b.usage.projection.payloadBytesPerDay > 0, 'events arrived in the window');
  assert.equal(typeof b.usage.projection.daysUntilFull, 'number');
  assert.deepEqual(b.usage.thresholds, { warnPercent: 80, criticalPercent: 95, hardFloorPercent: 99 });
  assert.equal(b.retention.defaultDays, 365);
  assert.equal(b.retention.groups.system, 90);
  assert.match(b.retention.summary, /^default 365d; /);
  assert.deepEqual(b.runs, []);
  const analyst = createApiToken(t.c.data.enrol, 'analyst', 'storage-test-2').token;
  const denied = await t.c.app.inject({ method: 'GET', url: '/api/v1/storage', headers: { authorization: `Bearer ${analyst}` } });
  assert.equal(denied.statusCode, 403);
});
