/**
 * The server's retention timer (retention/retention-ticker.ts): a run is recorded with its trigger,
 * runs never overlap, a collector without the integrator lease does not run retention, and the
 * running collector measures storage at start (GET /api/v1/storage has a level at once).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StorageMonitor } from '../src/retention/capacity.js';
import { policyOf } from '../src/retention/policy.js';
import { RetentionTicker } from '../src/retention/retention-ticker.js';
import { startTestCollector, type TestCollector } from './ingest-fixtures.js';

let t: TestCollector;
before(async () => {
  t = await startTestCollector();
});
after(() => t?.cleanup());

function ticker(leading: boolean): RetentionTicker {
  const store = t.c.data.store;
  const record = async (events: Parameters<typeof t.c.ingest.own.append>) => {
    await t.c.ingest.own.append(...events);
  };
  return new RetentionTicker({
    store,
    policy: policyOf({ defaultDays: 365, groups: {}, maxPayloadBytes: 0 }),
    retentionEnabled: true,
    retentionIntervalMs: 3_600_000,
    storageIntervalMs: 3_600_000,
    monitor: new StorageMonitor({
      store,
      settings: {
        warnPercent: 80,
        criticalPercent: 95,
        hardFloorPercent: 99,
        onFull: 'reject',
        checkIntervalSeconds: 60,
        rateWindowDays: 7,
      },
      capBytes: 0,
      record: (events) => record(events),
    }),
    record: (events) => record(events),
    leading: () => leading,
    warn: (message, err) => assert.fail(`${message}: ${String(err)}`),
  });
}

test('a scheduled run is recorded with its trigger; two at once are one run; a follower runs none', async () => {
  const store = t.c.data.store;
  const follower = ticker(false);
  await follower.run('schedule');
  assert.deepEqual(store.retention().listRuns(5), []);
  const leader = ticker(true);
  const a = leader.run('schedule');
  const b = leader.run('pressure');
  assert.equal(a, b, 'the second call joins the running one');
  await a;
  const runs = store.retention().listRuns(5);
  assert.equal(runs.length, 1);
  assert.equal(runs[0]?.trigger, 'schedule');
  await leader.stop();
});

test('the collector measures storage when it starts', async () => {
  const auditor = (await import('../src/enrol/enrol.js')).createApiToken(t.c.data.enrol, 'auditor', 'ticker-test').token;
  const res = await t.c.app.inject({ method: 'GET', url: '/api/v1/storage', headers: { authorization: `Bearer ${auditor}` } });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { usage: { level: string; disk: { totalBytes: number } } };
  assert.ok(['ok', 'warn', 'critical', 'full'].includes(body.usage.level));
  assert.ok(body.usage.disk.totalBytes > 0, 'the data directory’s file system is measured');
});
