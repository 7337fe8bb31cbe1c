// Detection in the running collector, through the real ingest path: a brute force raises exactly one alert,
// stored and appended to the Merkle log as an `alert` record within a second; ten failures, or eleven spread
// so no 60 s window holds them all, raise none; suppressed repeats are counted on the alert.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyInclusion } from '@seclog/core';
import { storedLeafHash } from '../src/integrate/leaf-hash.js';
import {
  allAlerts,
  BRUTE_FORCE_RULES,
  CONFIG_CHANGE_RULE,
  configChanges,
  detectionIdle,
  failedLogins,
  ownRecords,
  putRules,
  startDetectCollector,
  waitFor,
} from './detect-fixtures.js';
import type { TestCollector } from './ingest-fixtures.js';
import { enrolDevice, ingest, type TestDevice } from './query-fixtures.js';

let t: TestCollector;
let gw: TestDevice;
// Device time two minutes back: within the allowed lateness of the watermark, which the collector's own records
// (stamped with its clock) keep at now.
const T0 = Date.now() - 120_000;

before(async () => {
  t = await startDetectCollector();
  await putRules(t, BRUTE_FORCE_RULES);
  await putRules(t, CONFIG_CHANGE_RULE);
  gw = enrolDevice(t, 'gw-bf1');
});
after(() => t.cleanup());

describe('brute force through ingest', () => {
  test('11 failed logins from one IP within 60 s raise exactly one alert, stored and in the Merkle log within a second', async (ctx) => {
    const records = await ingest(t, gw, failedLogins('203.0.113.9', 11, T0, 5));
    const acked = performance.now();
    const alert = await waitFor('the alert and its log record', () => {
      const a = allAlerts(t).find((x) => x.ruleId === 't-brute-force' && x.groupKey.includes('203.0.113.9'));
      return a?.logPos === null ? undefined : a;
    });
    const ms = performance.now() - acked;
    ctx.diagnostic(`alert stored and its record committed ${ms.toFixed(1)} ms after the ACK`);
    assert.ok(ms < 1000, `alert stored and logged ${ms.toFixed(0)} ms after the ACK`);
    assert.equal(alert.count, 11);
    assert.equal(alert.severity, 'high');
    assert.equal(alert.device, 'gw-bf1');
    assert.deepEqual(alert.group, { 'source.ip': '203.0.113.9' });
    assert.deepEqual(
      alert.evidence,
      records.map((r) => r.id),
    );
    assert.equal(alert.triggerEventId, records[10]!.id);
    assert.equal(alert.status, 'new');

    // The `alert` record: at the row's leaf, naming the alert, its rule and evidence, provable against a checkpoint.
    await detectionIdle(t);
    const recs = ownRecords(t, 'alert').filter((r) => r.record.attrs.alert_id === alert.id);
    assert.equal(recs.length, 1);
    const rec = recs[0]!;
    assert.equal(rec.pos, alert.logPos);
    assert.equal(rec.record.severity, 'high');
    assert.equal(rec.record.attrs.rule_id, 't-brute-force');
    assert.equal(rec.record.attrs.rule_version, alert.ruleVersion);
    assert.equal(rec.record.attrs.count, 11);
    assert.equal(rec.record.attrs.group_key, 'source.ip=203.0.113.9');
    assert.equal(rec.record.attrs.evidence, records.map((r) => r.id).join(','));
    assert.equal(rec.record.attrs.window_start, records[0]!.time);
    assert.equal(rec.record.attrs.window_end, records[10]!.time);
    const cp = t.c.integrator.checkpoint();
    const proof = t.c.integrator.tree.inclusionProof(rec.pos, cp.treeSize);
    const leaf = storedLeafHash(t.c.data.store.getEvent(rec.pos)!);
    assert.doesNotThrow(() => verifyInclusion(rec.pos, cp.treeSize, leaf, proof, cp.root));
  });

  test('10 failed logins within 60 s raise none', async () => {
    const before = allAlerts(t).length;
    await ingest(t, gw, failedLogins('198.51.100.10', 10, T0, 5));
    await detectionIdle(t);
    t.c.detection!.service.sweep();
    assert.equal(allAlerts(t).length, before);
  });

  test('11 failed logins that no 60 s window holds all of raise none; one more inside the window does', async () => {
    const before = allAlerts(t).length;
    // 0 s, 6 s, … 60 s: the first and the last are a full minute apart.
    await ingest(t, gw, failedLogins('198.51.100.11', 11, T0, 6));
    await detectionIdle(t);
    assert.equal(allAlerts(t).length, before);
    await ingest(t, gw, failedLogins('198.51.100.11', 1, T0 + 59_000, 0));
    await detectionIdle(t);
    const fresh = allAlerts(t).slice(before);
    assert.equal(fresh.length, 1);
    assert.equal(fresh[0]!.count, 11);
  });

  test('22 failures in one burst raise two alerts (each window consumed once)', async () => {
    const before = allAlerts(t).length;
    await ingest(t, gw, failedLogins('198.51.100.22', 22, T0, 1));
    await detectionIdle(t);
    const fresh = allAlerts(t).slice(before);
    assert.equal(fresh.length, 2);
    assert.notEqual(fresh[0]!.key, fresh[1]!.key);
  });
});

describe('suppression', () => {
  test('repeats within x-suppress are counted on the open alert, not raised again', async () => {
    const before = allAlerts(t).length;
    await ingest(t, gw, configChanges(4, T0));
    await detectionIdle(t);
    const fresh = allAlerts(t).slice(before);
    assert.equal(fresh.length, 1);
    assert.equal(fresh[0]!.ruleId, 't-config-change');
    assert.equal(fresh[0]!.suppressed, 3);
    assert.equal(t.c.detection!.service.stats.suppressed >= 3, true);
    // A later batch within the 15 minutes keeps counting on the same alert.
    await ingest(t, gw, configChanges(2, T0 + 60_000));
    await detectionIdle(t);
    assert.equal(allAlerts(t).length, before + 1);
    assert.equal(t.c.data.store.alerts().getAlert(fresh[0]!.id)!.suppressed, 5);
    // Another device opens its own alert.
    const cam = enrolDevice(t, 'cam-bf2');
    await ingest(t, cam, configChanges(1, T0));
    await detectionIdle(t);
    const last = allAlerts(t).slice(before);
    assert.equal(last.length, 2);
    assert.equal(last[1]!.device, 'cam-bf2');
    assert.equal(last[1]!.suppressed, 0);
  });

  test('the collector does not evaluate its own alert records (no alert about alerts)', async () => {
    await putRules(
      t,
      `title: Anything high
id: t-any-high
level: low
detection:
  sel:
    severity: high
  condition: sel
`,
    );
    const before = allAlerts(t).length;
    await ingest(t, gw, failedLogins('198.51.100.33', 11, T0, 1));
    await detectionIdle(t);
    await new Promise((r) => setTimeout(r, 50));
    await detectionIdle(t);
    const fresh = allAlerts(t).slice(before);
    // The brute force alert only: its `alert` record (severity high) raised nothing.
    assert.deepEqual(
      fresh.map((a) => a.ruleId),
      ['t-brute-force'],
    );
  });
});
