/**
 * GET /api/v1/devices and /api/v1/devices/:id (docs/retention.md "Device
 * horizons"): the fields the dashboard reads, the overwrite horizon from the
 * ring capacity a device reports in stream_start and its byte rate, the
 * devices below devices.minHorizonHours (also failing the storage item of the
 * compliance check), reads recorded as log_access, unknown ids 404.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChainedEvent, SecurityEvent } from '@seclog/core';
import { eventTimeNow, recordChainHashHex, uuidv7, ZERO_HASH_HEX } from '@seclog/core';
import { runComplianceCheck } from '../src/compliance/check.js';
import { createApiToken, revokeDevice } from '../src/enrol/enrol.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { startTestCollector, type TestCollector } from './ingest-fixtures.js';

let t: TestCollector;
let auditor: string;

/** A stream opening with stream_start (ring_capacity when given), then `n` failed logins. */
function stream(device: string, n: number, capacity: number | undefined, fw = '2.4.1'): ChainedEvent[] {
  const out: ChainedEvent[] = [];
  let prev = ZERO_HASH_HEX;
  const s = uuidv7();
  const boot = uuidv7();
  for (let seq = 1; seq <= n + 1; seq++) {
    const start = seq === 1;
    const rec = {
      v: 1,
      id: uuidv7(),
      name: start ? 'stream_start' : 'authn_login_fail',
      time: eventTimeNow(Date.now() - 1500),
      severity: start ? 'low' : 'medium',
      outcome: start ? 'success' : 'failure',
      device: { id: device, fw },
      ...(start ? {} : { actor: { user: 'admin', ip: '203.0.113.9' } }),
      attrs: start
        ? { reason: 'first_start', ...(capacity === undefined ? {} : { ring_capacity: capacity }) }
        : { method: 'password', reason: 'bad_password', note: 'x'.repeat(200) },
      stream: s,
      seq,
      boot,
      mono_ms: seq * 10,
      prev,
      tq: { synced: true, source: 'ntp', accuracy_ms: 4 },
    } as ChainedEvent;
    prev = recordChainHashHex(rec);
    out.push(rec);
  }
  return out;
}

async function send(token: string, device: string, records: ChainedEvent[]): Promise<void> {
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    payload: JSON.stringify({ device, stream: records[0]?.stream, records }),
  });
  assert.equal(res.statusCode, 200, res.body);
}

async function get(url: string, token = auditor) {
  const res = await t.c.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  // biome-ignore lint/suspicious/noExplicitAny: replies are read field by field in assertions
  return { status: res.statusCode, body: res.json() as any };
}

before(async () => {
  // A day's minimum: a 4 KiB ring at ~10 KiB an hour is far below it, 1 GB far above.
  t = await startTestCollector({ devices: { minHorizonHours: 24, rateWindowHours: 24 } });
  auditor = createApiToken(t.c.data.enrol, 'auditor', 'devices-test').token;
  const small = t.enrol('cam-small');
  const big = t.enrol('cam-big');
  t.enrol('cam-silent');
  const old = t.enrol('cam-old');
  await send(small.token, 'cam-small', stream('cam-small', 40, 4096));
  await send(big.token, 'cam-big', stream('cam-big', 5, 1_000_000_000, '3.0.0'));
  await send(old.token, 'cam-old', stream('cam-old', 2, undefined));
  revokeDevice(t.c.data.enrol, 'cam-old');
});
after(() => t?.cleanup());

test('the list carries every enrolled device with the documented fields and the devices below the minimum', async () => {
  const before = t.c.data.store.eventCount();
  const r = await get('/api/v1/devices');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.minHorizonHours, 24);
  assert.deepEqual(
    r.body.devices.map((d: { id: string }) => d.id),
    ['cam-big', 'cam-old', 'cam-silent', 'cam-small'],
  );
  assert.deepEqual(r.body.belowMinimum, ['cam-small']);
  const small = r.body.devices.find((d: { id: string }) => d.id === 'cam-small');
  assert.equal(small.profile, 'low');
  assert.equal(small.status, 'active');
  assert.match(small.enrolledAt, /^\d{4}-\d\d-\d\dT.*Z$/);
  assert.match(small.lastSeen, /^\d{4}-\d\d-\d\dT.*Z$/);
  assert.equal(small.firmware.version, '2.4.1');
  assert.equal(small.events.window, 41);
  assert.ok(small.events.windowBytes > 41 * 200);
  assert.deepEqual(small.integrity, { gaps: 0, openGaps: 0, droppedGaps: 0, forks: 0, sealFailures: 0, lastSealAt: null });
  assert.equal(small.time.quality, 'synced');
  assert.equal(small.time.source, 'ntp');
  assert.equal(small.time.accuracyMs, 4);
  assert.ok(small.time.skewMs >= 1000 && small.time.skewMs < 60_000, `skew ${small.time.skewMs}`);
  assert.equal(small.ring.capacityBytes, 4096);
  // Enrolled just now: the rate is over the one-hour floor of the window, bytes per hour = bytes received.
  assert.equal(small.ring.bytesPerHour, small.events.windowBytes);
  assert.equal(small.ring.horizonHours, Math.round((4096 / small.events.windowBytes) * 10) / 10);
  assert.equal(small.ring.belowMinimum, true);
  const big = r.body.devices.find((d: { id: string }) => d.id === 'cam-big');
  assert.equal(big.firmware.version, '3.0.0');
  assert.equal(big.ring.belowMinimum, false);
  assert.ok(big.ring.horizonHours > 24);
  const silent = r.body.devices.find((d: { id: string }) => d.id === 'cam-silent');
  assert.deepEqual(silent.ring, { capacityBytes: null, bytesPerHour: null, horizonHours: null, belowMinimum: null });
  assert.equal(silent.time.quality, 'unknown');
  assert.equal(silent.lastSeen, null);
  const old = r.body.devices.find((d: { id: string }) => d.id === 'cam-old');
  assert.equal(old.status, 'revoked');
  assert.equal(old.ring.capacityBytes, null, 'no ring_capacity reported: unknown, not zero');
  // The read is recorded.
  const own = t.c.data.store
    .readEvents(before, t.c.data.store.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent);
  const access = own.find((e) => e.name === 'log_access');
  assert.equal(access?.attrs.action, 'query');
  assert.equal(access?.attrs.results, 4);
});

test('one device by id; an unknown id is 404 DEVICE_NOT_FOUND, a malformed one 400', async () => {
  const one = await get('/api/v1/devices/cam-small');
  assert.equal(one.status, 200);
  assert.equal(one.body.id, 'cam-small');
  assert.equal(one.body.ring.belowMinimum, true);
  const none = await get('/api/v1/devices/cam-none');
  assert.equal(none.status, 404);
  assert.equal(none.body.error.code, 'DEVICE_NOT_FOUND');
  const bad = await get('/api/v1/devices/%20bad');
  assert.equal(bad.status, 400);
});

test('the storage item of the compliance check fails naming the device below the minimum horizon', () => {
  const report = runComplianceCheck({
    store: t.c.data.store,
    detection: { enabled: true, alertingRules: 1 },
    horizons: { minHorizonHours: 24, rateWindowHours: 24 },
  });
  const item = report.items.find((i) => i.id === 'storage');
  assert.equal(item?.pass, false);
  assert.match(item?.why ?? '', /cam-small/);
  assert.ok(item?.evidence.some((e) => /below the minimum horizon: cam-small/.test(e)));
  const lenient = runComplianceCheck({
    store: t.c.data.store,
    detection: { enabled: true, alertingRules: 1 },
    horizons: { minHorizonHours: 0.01, rateWindowHours: 24 },
  });
  assert.equal(lenient.items.find((i) => i.id === 'storage')?.pass, true);
});
