// Restarts neither lose nor duplicate an alert: a window open across a close and reopen still fires once; a
// replay from an older state snapshot (as after a crash) raises the alert again under the same key and stores
// nothing twice; an alert stored without its `alert` record gets exactly one; one not handed to the notifier is
// handed over after the restart, once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/load.js';
import { addDevice } from '../src/enrol/enrol.js';
import { type Collector, type OpenCollectorOptions, openCollector } from '../src/server/collector.js';
import type { StoredAlert } from '../src/store/alert-types.js';
import { BRUTE_FORCE_RULES, DETECT_TEST_FLAGS, failedLogins, ownRecords, putRules } from './detect-fixtures.js';
import type { TestCollector } from './ingest-fixtures.js';
import { ingest, TestDevice } from './query-fixtures.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A collector on a data dir that survives close(), reopened as often as a test likes. */
class Site {
  readonly dir = mkdtempSync(join(tmpdir(), 'seclog-dr-'));
  admin = '';
  c!: Collector;

  constructor() {
    dirs.push(this.dir);
  }

  get db(): string {
    return join(this.dir, 'data', 'seclog.db');
  }

  async open(options: OpenCollectorOptions = {}): Promise<this> {
    const config = loadConfig({ env: {}, cwd: this.dir, flags: { dataDir: join(this.dir, 'data'), ...DETECT_TEST_FLAGS } });
    this.c = await openCollector(config, options);
    this.admin ||= this.c.adminToken!;
    return this;
  }

  /** The TestCollector shape the fixtures take. */
  get t(): TestCollector {
    return {
      c: this.c,
      dir: this.dir,
      admin: this.admin,
      enrol: (id) => addDevice(this.c.data.enrol, id, 'low', 'http://127.0.0.1'),
      cleanup: () => this.c.close(),
    };
  }

  alerts(): StoredAlert[] {
    return this.c.data.store.alerts().queryAlerts({ limit: 1000 }).alerts.reverse();
  }

  async idle(): Promise<void> {
    const end = Date.now() + 5000;
    while (this.c.detection!.service.nextLeaf < this.c.data.store.eventCount() || this.c.integrator.size < this.c.data.store.eventCount()) {
      if (Date.now() > end) throw new Error('detection did not catch up');
      await new Promise((r) => setTimeout(r, 5));
    }
    // Let the `alert` appends of what was just raised commit and be integrated too.
    await new Promise((r) => setTimeout(r, 30));
    while (this.c.detection!.service.nextLeaf < this.c.data.store.eventCount()) await new Promise((r) => setTimeout(r, 5));
  }

  /** Raw SQL on the closed database (what a crash would have left). */
  sql(fn: (db: Database.Database) => void): void {
    const db = new Database(this.db);
    try {
      fn(db);
    } finally {
      db.close();
    }
  }
}

const IP = '203.0.113.50';

test('a window open across close and reopen fires once, with the evidence of both runs', async () => {
  const s = await new Site().open();
  await putRules(s.t, BRUTE_FORCE_RULES);
  const dev = new TestDevice('gw-r1', s.t.enrol('gw-r1').token);
  const t0 = Date.now() - 120_000;
  const first = await ingest(s.t, dev, failedLogins(IP, 6, t0, 2));
  await s.idle();
  await s.c.close();

  await s.open();
  assert.equal(s.alerts().length, 0);
  const second = await ingest(s.t, dev, failedLogins(IP, 5, t0 + 12_000, 2));
  await s.idle();
  const alerts = s.alerts();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.count, 11);
  assert.deepEqual(
    alerts[0]!.evidence,
    [...first, ...second].map((r) => r.id),
  );
  assert.equal(ownRecords(s.t, 'alert').length, 1);
  await s.c.close();
});

test('a replay from an older snapshot (a crash after the alert) stores and logs nothing twice', async () => {
  const s = await new Site().open();
  await putRules(s.t, BRUTE_FORCE_RULES);
  const dev = new TestDevice('gw-r2', s.t.enrol('gw-r2').token);
  const t0 = Date.now() - 120_000;
  await ingest(s.t, dev, failedLogins(IP, 6, t0, 2));
  await s.idle();
  // The snapshot a crash would leave: mid-window, before the alert.
  s.c.detection!.service.saveState();
  const snapshot = s.c.data.store.alerts().getDetectState()!;
  await ingest(s.t, dev, failedLogins(IP, 5, t0 + 12_000, 2));
  await s.idle();
  const [alert] = s.alerts();
  assert.ok(alert?.logPos !== null && alert !== undefined);
  await s.c.close();

  // The crash: state back to the snapshot, and the alert's record not yet noted on its row.
  s.sql((db) => {
    db.prepare('UPDATE detect_state SET next_leaf = ?, state = ? WHERE id = 0').run(snapshot.nextLeaf, snapshot.state);
    db.prepare('UPDATE alerts SET log_pos = NULL').run();
  });
  await s.open();
  await s.idle();
  const svc = s.c.detection!.service;
  assert.ok(svc.stats.repeats >= 1, `the replay raised the alert again (${JSON.stringify(svc.stats)})`);
  const alerts = s.alerts();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.key, alert.key);
  // The replay met the committed record and noted it instead of appending a second one.
  assert.equal(alerts[0]!.logPos, alert.logPos);
  assert.equal(ownRecords(s.t, 'alert').length, 1);
  await s.c.close();
});

test('an alert stored without its record gets exactly one, at the next start', async () => {
  const s = await new Site().open();
  await putRules(s.t, BRUTE_FORCE_RULES);
  const dev = new TestDevice('gw-r3', s.t.enrol('gw-r3').token);
  await ingest(s.t, dev, failedLogins(IP, 11, Date.now() - 60_000, 1));
  await s.idle();
  const [alert] = s.alerts();
  assert.ok(alert !== undefined);
  await s.c.close();
  // As if the process died between storing the row and appending its record: a row with no record in the log.
  s.sql((db) => {
    db.prepare(
      `INSERT INTO alerts (id, key, rule_id, rule_version, rule_title, rule_type, severity, tags, group_json, group_key, device, count,
         window_start_us, window_end_us, evidence, evidence_total, created_us, updated_us)
       SELECT 'alr-' || substr('0000000000000000' || hex(randomblob(8)), -32), 'orphan', rule_id, rule_version, rule_title, rule_type, severity,
         tags, group_json, group_key, device, count, window_start_us, window_end_us, evidence, evidence_total, created_us, updated_us
       FROM alerts`,
    ).run();
  });
  await s.open();
  await s.idle();
  const orphan = s.alerts().find((a) => a.key === 'orphan')!;
  assert.notEqual(orphan.logPos, null);
  const records = ownRecords(s.t, 'alert');
  assert.deepEqual(records.map((r) => r.record.attrs.alert_id).sort(), [alert.id, orphan.id].sort());
  await s.c.close();
  await s.open();
  await s.idle();
  assert.equal(ownRecords(s.t, 'alert').length, 2);
  await s.c.close();
});

test('an alert the notifier did not take is handed over after the restart, once', async () => {
  const s = await new Site().open({
    onAlertStored: () => {
      throw new Error('notifier down');
    },
  });
  await putRules(s.t, BRUTE_FORCE_RULES);
  const dev = new TestDevice('gw-r4', s.t.enrol('gw-r4').token);
  await ingest(s.t, dev, failedLogins(IP, 11, Date.now() - 60_000, 1));
  await s.idle();
  const [alert] = s.alerts();
  assert.equal(alert?.notified, false);
  await s.c.close();

  const seen: string[] = [];
  await s.open({ onAlertStored: (a) => seen.push(a.id) });
  assert.deepEqual(seen, [alert.id]);
  assert.equal(s.alerts()[0]!.notified, true);
  // Live alerts are handed over as they are stored.
  await ingest(s.t, dev, failedLogins('198.51.100.77', 11, Date.now() - 30_000, 1));
  await s.idle();
  assert.equal(seen.length, 2);
  await s.c.close();

  await s.open({ onAlertStored: (a) => seen.push(a.id) });
  assert.equal(seen.length, 2);
  await s.c.close();
});

test('a failed write stops evaluation; the next tick rebuilds from the saved state, replays, and stores the alert once', async () => {
  const s = await new Site().open();
  await putRules(s.t, BRUTE_FORCE_RULES);
  const dev = new TestDevice('gw-r5', s.t.enrol('gw-r5').token);
  const alerts = s.c.data.store.alerts();
  const insert = alerts.insertAlerts.bind(alerts);
  let failures = 0;
  alerts.insertAlerts = (rows) => {
    if (rows.length > 0 && failures === 0) {
      failures++;
      throw new Error('disk full');
    }
    return insert(rows);
  };
  try {
    await ingest(s.t, dev, failedLogins(IP, 11, Date.now() - 60_000, 1));
    const svc = s.c.detection!.service;
    const end = Date.now() + 5000;
    while (s.alerts().length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.equal(failures, 1);
    assert.equal(svc.running, true);
    assert.ok(svc.stats.recoveries >= 1);
    await s.idle();
    assert.equal(s.alerts().length, 1);
    assert.equal(ownRecords(s.t, 'alert').length, 1);
  } finally {
    alerts.insertAlerts = insert;
    await s.c.close();
  }
});
