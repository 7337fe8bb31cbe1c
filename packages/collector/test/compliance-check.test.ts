// The compliance checklist (issue G item 7, compliance/check.ts) over a real collector's store: each
// item passes or fails from what was stored, names the devices and counts it used, and the same report
// comes from GET /api/v1/compliance/check (a read recorded as log_access).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChainedEvent, SecurityEvent } from '@seclog/core';
import { type CheckItem, type CheckReport, runComplianceCheck } from '../src/compliance/check.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

let t: TestCollector;
const tokens = new Map<string, string>();
before(async () => {
  t = await startTestCollector();
  for (const id of ['cam-1', 'cam-2']) tokens.set(id, t.enrol(id).token);
});
after(() => t.cleanup());

async function ingest(device: string, records: ChainedEvent[]): Promise<number> {
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: `Bearer ${tokens.get(device)}` },
    payload: { device, stream: records[0]?.stream, records },
  });
  return res.statusCode;
}

const check = (): CheckReport =>
  runComplianceCheck({ store: t.c.data.store, detection: { enabled: true, alertingRules: 12 }, dataDir: t.dir });
const item = (r: CheckReport, id: CheckItem['id']): CheckItem => r.items.find((i) => i.id === id) as CheckItem;

async function checkpointed(): Promise<void> {
  const s = t.c.data.store;
  for (let i = 0; i < 100; i++) {
    if ((s.latestCheckpoint()?.treeSize ?? -1) === s.eventCount()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no checkpoint over the stored records');
}

test('six items, in the guide order; the documentation item fails honestly', () => {
  const r = check();
  assert.deepEqual(
    r.items.map((i) => i.id),
    ['critical_events', 'integrity', 'timestamps', 'storage', 'analysis', 'documentation'],
  );
  assert.equal(r.window.days, 7);
  assert.equal(item(r, 'documentation').pass, false);
  assert.match(item(r, 'documentation').why ?? '', /not generated/);
  assert.equal(r.pass, false);
});

test('critical events: a device that sent nothing in the window is named, and passes once it logs', async () => {
  assert.equal(await ingest('cam-1', deviceChain('cam-1', 5)), 200);
  let ce = item(check(), 'critical_events');
  assert.equal(ce.pass, false);
  assert.match(ce.why ?? '', /1 enrolled device\(s\) sent nothing in the last 7 days: cam-2/);
  assert.equal(await ingest('cam-2', deviceChain('cam-2', 3, undefined, { tq: { synced: false, source: 'rtc' } })), 200);
  ce = item(check(), 'critical_events');
  assert.equal(ce.pass, true, ce.why);
  assert.match(ce.evidence.join('\n'), /authentication 8/);
});

test('timestamps: the share of synchronised records and the devices below it', () => {
  const ts = item(check(), 'timestamps');
  assert.equal(ts.pass, false);
  assert.match(ts.evidence[0] ?? '', /^62\.5% of 8 device records/);
  assert.match(ts.why ?? '', /unsynced: cam-2 \(0\.0%\)/);
  const lenient = runComplianceCheck({ store: t.c.data.store, detection: { enabled: false }, minSyncedShare: 0.5 });
  assert.match(item(lenient, 'timestamps').why ?? '', /cam-2/, 'a device below the share fails the item even when the total passes');
});

test('integrity: passes with a checkpoint over every record; a fork recorded in the window fails it', async () => {
  await checkpointed();
  const ok = item(check(), 'integrity');
  assert.equal(ok.pass, true, ok.why);
  assert.match(ok.evidence.join('\n'), /integrity failures recorded in the last 7 days .*: 0/);
  // The same seq with another record: a fork, refused and recorded as log_integrity_fail.
  const forked = deviceChain('cam-1', 1, undefined, { attrs: { method: 'password', reason: 'forked' } });
  const stream = (t.c.data.store.listCursors('cam-1')[0] as { stream: string }).stream;
  for (const r of forked) r.stream = stream;
  assert.equal(await ingest('cam-1', forked), 409);
  const bad = item(check(), 'integrity');
  assert.equal(bad.pass, false);
  assert.match(bad.why ?? '', /1 integrity failure\(s\) were recorded/);
});

test('storage: free space is reported; a device that overwrote unshipped records fails it', async () => {
  const st = item(check(), 'storage');
  assert.equal(st.pass, true, st.why);
  assert.match(st.evidence.join('\n'), /collector data file system: \d+\.\d% free/);
  const dropped = deviceChain('cam-2', 1, undefined, {
    name: 'log_dropped',
    severity: 'high',
    outcome: 'failure',
    actor: undefined,
    attrs: { from_seq: 1, to_seq: 40, count: 40, reason: 'overwritten' },
  } as Partial<ChainedEvent>);
  assert.equal(await ingest('cam-2', dropped), 200);
  const after = item(check(), 'storage');
  assert.equal(after.pass, false);
  assert.match(after.why ?? '', /1 device\(s\) overwrote unshipped records/);
});

test('analysis: detection off, or no alerting rule, fails with the reason', () => {
  assert.equal(item(check(), 'analysis').pass, true);
  const off = runComplianceCheck({ store: t.c.data.store, detection: { enabled: false } });
  assert.match(item(off, 'analysis').why ?? '', /detection is off/);
  const none = runComplianceCheck({ store: t.c.data.store, detection: { enabled: true, alertingRules: 0 } });
  assert.match(item(none, 'analysis').why ?? '', /no alerting rule/);
});

test('GET /api/v1/compliance/check answers the report to readers and records the read', async () => {
  const res = await t.c.app.inject({
    method: 'GET',
    url: '/api/v1/compliance/check?days=30',
    headers: { authorization: `Bearer ${t.admin}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  const r = res.json() as CheckReport;
  assert.equal(r.window.days, 30);
  assert.equal(r.items.length, 6);
  const s = t.c.data.store;
  const last = s
    .readEvents(0, s.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent)
    .filter((e) => e.name === 'log_access')
    .at(-1);
  assert.deepEqual(JSON.parse(last?.attrs.filter as string), { compliance: 'check', days: 30 });
  const bad = await t.c.app.inject({
    method: 'GET',
    url: '/api/v1/compliance/check?days=0',
    headers: { authorization: `Bearer ${t.admin}` },
  });
  assert.equal(bad.statusCode, 400);
});
