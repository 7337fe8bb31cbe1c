// kill -9 of a collector child while brute-force bursts raise alerts: each round the child is killed at a
// random moment after a burst was acknowledged (before, while or after its alert is stored, logged and the
// state saved). Afterwards every acknowledged burst has exactly one alert, and every alert exactly one `alert`
// record in the Merkle log, at the leaf its row names. SECLOG_DETECT_KILL_ROUNDS sets the rounds (default 4).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import { loadConfig } from '../src/config/load.js';
import { addDevice } from '../src/enrol/enrol.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { openCollector } from '../src/server/collector.js';
import { openDataDir } from '../src/server/data-store.js';
import { BRUTE_FORCE_RULES, failedLogins } from './detect-fixtures.js';
import { TestDevice } from './query-fixtures.js';
import { type ChildCollector, startChildCollector } from './support/child-collector.js';

const ROUNDS = Number(process.env.SECLOG_DETECT_KILL_ROUNDS ?? 4);
const FLAGS = { detect: { builtinRules: false, sweepIntervalMs: 50, stateSaveIntervalMs: 100 } };

test(`kill -9 while alerts are raised, ${ROUNDS} times: no alert lost, none stored or logged twice`, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'seclog-dkill-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const dd = await openDataDir(dataDir);
  const dev = new TestDevice('gw-k1', addDevice(dd.enrol, 'gw-k1', 'high', 'http://127.0.0.1').token);
  dd.store.alerts().putCustomRule({
    fileId: 'bf',
    text: BRUTE_FORCE_RULES,
    sha256: 'x',
    ruleIds: ['t-failed-login', 't-brute-force'],
    updatedUs: 0,
    updatedBy: 'test',
  });
  dd.close();

  let child: ChildCollector | undefined;
  t.after(() => child?.process.kill('SIGKILL'));
  const ips: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    child = await startChildCollector(dataDir, { flags: FLAGS });
    const bursts = 1 + Math.floor(Math.random() * 4);
    for (let b = 0; b < bursts; b++) {
      const ip = `198.51.100.${ips.length + 1}`;
      const res = await fetch(`${child.url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dev.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ device: dev.id, stream: dev.stream, records: dev.records(failedLogins(ip, 11, Date.now() - 30_000, 1)) }),
      });
      assert.equal(res.status, 200, await res.text());
      ips.push(ip);
      // Sometimes a pause, so a state save or the alert record's commit may fall between bursts.
      if (Math.random() < 0.5) await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
    }
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
    assert.equal(await child.kill9(), 'SIGKILL');
  }
  child = undefined;

  const c = await openCollector(loadConfig({ env: {}, cwd: root, flags: { dataDir, ...FLAGS } }));
  try {
    const s = c.data.store;
    const end = Date.now() + 10_000;
    for (;;) {
      const alerts = s.alerts().queryAlerts({ limit: 1000 }).alerts;
      if (alerts.length >= ips.length && alerts.every((a) => a.logPos !== null) && c.detection!.service.nextLeaf >= s.eventCount()) break;
      if (Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const alerts = s.alerts().queryAlerts({ limit: 1000 }).alerts;
    assert.deepEqual(alerts.map((a) => a.groupKey).sort(), ips.map((ip) => `source.ip=${ip}`).sort(), 'one alert per acknowledged burst');
    const records = s
      .readEvents(0, s.eventCount())
      .filter((e) => e.device === COLLECTOR_DEVICE_ID)
      .map((e) => ({ pos: e.pos, record: JSON.parse(e.canonical) as SecurityEvent }))
      .filter((e) => e.record.name === 'alert');
    assert.equal(records.length, alerts.length, 'one alert record per alert');
    for (const a of alerts) {
      const mine = records.filter((r) => r.record.attrs.alert_id === a.id);
      assert.equal(mine.length, 1, `alert ${a.id} has one record`);
      assert.equal(mine[0]!.pos, a.logPos);
    }
  } finally {
    await c.close();
  }
});
