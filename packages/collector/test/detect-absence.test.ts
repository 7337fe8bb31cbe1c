// Absence rules run on the sweep timer: a device that was heard from and then stays silent raises one alert
// (count 0 stored; the `alert` record says 1 with rule_type absence, the catalogue's minimum); hearing from it
// again re-arms the rule.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allAlerts, configChanges, detectionIdle, ownRecords, putRules, startDetectCollector, waitFor } from './detect-fixtures.js';
import type { TestCollector } from './ingest-fixtures.js';
import { enrolDevice, ingest } from './query-fixtures.js';

const SILENT = `title: Device gone silent
id: t-silent
level: medium
detection:
  any:
    device.id: cam-*
  condition: any
x-absence:
  by: [device.id]
  for: 1s
`;

let t: TestCollector;
before(async () => {
  t = await startDetectCollector();
  await putRules(t, SILENT);
});
after(() => t.cleanup());

test('a silent device raises one absence alert from the sweep; hearing from it re-arms the rule', async () => {
  const cam = enrolDevice(t, 'cam-s1');
  const [last] = await ingest(t, cam, configChanges(1, Date.now()));
  await detectionIdle(t);
  assert.equal(allAlerts(t).length, 0);
  const alert = await waitFor('the absence alert', () => allAlerts(t).find((a) => a.ruleId === 't-silent' && a.logPos !== null), 4000);
  assert.deepEqual(
    [alert.ruleType, alert.count, alert.device, alert.evidence, alert.triggerEventId],
    ['absence', 0, 'cam-s1', [last!.id], null],
  );
  assert.equal(alert.windowEndUs - alert.windowStartUs, 1_000_000);
  await detectionIdle(t);
  const rec = ownRecords(t, 'alert').find((r) => r.record.attrs.alert_id === alert.id)!;
  assert.deepEqual([rec.record.attrs.count, rec.record.attrs.rule_type, rec.record.attrs.device], [1, 'absence', 'cam-s1']);
  // Still silent: no second alert.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(allAlerts(t).length, 1);
  // Heard from again, then silent again: a new alert.
  await ingest(t, cam, configChanges(1, Date.now()));
  await waitFor('the second absence alert', () => (allAlerts(t).length === 2 ? true : undefined), 4000);
});
