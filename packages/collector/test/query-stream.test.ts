// GET /api/v1/events/stream over a real socket: server-sent events as records are committed,
// Last-Event-ID resume, heartbeats, a dropped slow client, the log_access of a tail, and shutdown.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Hash, SecurityEvent } from '@seclog/core';
import { canonicalize } from '@seclog/core';
import { loadConfig } from '../src/config/load.js';
import { addDevice, createApiToken } from '../src/enrol/enrol.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { type Collector, openCollector } from '../src/server/collector.js';
import type { BatchWrite } from '../src/store/types.js';
import type { TestCollector } from './ingest-fixtures.js';
import { ingest, parseSse, TestDevice } from './query-fixtures.js';

let c: Collector;
let url: string;
let dir: string;
let analyst: { id: string; token: string };
let t: TestCollector;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seclog-tail-'));
  const config = loadConfig({ env: {}, cwd: dir, flags: { dataDir: join(dir, 'data'), http: { port: 0 } } });
  c = await openCollector(config, { processMetrics: false, tail: { heartbeatMs: 40, pollMs: 50, maxLag: 200, chunk: 100 } });
  url = await c.listen();
  analyst = createApiToken(c.data.enrol, 'analyst', 'tail-test');
  t = { c, dir, admin: c.adminToken as string, enrol: (id) => addDevice(c.data.enrol, id, 'low', url), cleanup: async () => {} };
});
after(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Tail {
  status: number;
  text: () => string;
  events: () => ReturnType<typeof parseSse>;
  ended: Promise<void>;
  pause(): void;
  resume(): void;
  close(): void;
}

/** Opens a tail; resolves once the response headers are in. */
function tail(query: string, headers: Record<string, string> = {}, token = analyst.token): Promise<Tail> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1/events/stream${query}`, { headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({
        status: res.statusCode ?? 0,
        text: () => text,
        events: () => parseSse(text),
        ended,
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const own = (): SecurityEvent[] =>
  c.data.store
    .readEvents(0, c.data.store.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent);

test('delivers the matching events committed after connecting, with the leaf index as id; the tail is recorded', async () => {
  const d = new TestDevice('tail-1', t.enrol('tail-1').token);
  const other = new TestDevice('tail-2', t.enrol('tail-2').token);
  await ingest(t, d, [{ message: 'before the tail' }]);
  const s = await tail('?device=tail-1');
  assert.equal(s.status, 200);
  const log = own().at(-1) as SecurityEvent;
  assert.deepEqual(
    [log.name, log.attrs.action, log.attrs.role, JSON.parse(log.attrs.filter as string)],
    ['log_access', 'tail', 'analyst', { device: 'tail-1' }],
  );
  assert.equal(log.actor?.user, `api-token/${analyst.id}`);
  const sent = await ingest(t, d, [{ message: 'one' }, { message: 'two' }]);
  await ingest(t, other, [{ message: 'not this device' }]);
  const more = await ingest(t, d, [{ message: 'three' }]);
  await until('three events', () => s.events().length >= 3);
  const got = s.events().map((e) => ({ id: Number(e.id), ...JSON.parse(e.data as string) }));
  assert.deepEqual(
    got.map((e) => e.record.id),
    [...sent, ...more].map((r) => r.id),
  );
  for (const e of got) {
    assert.equal(e.id, e.leafIndex);
    assert.equal(JSON.parse(c.data.store.getEvent(e.leafIndex)!.canonical).id, e.record.id);
  }
  assert.ok(got[0]!.leafIndex < got[1]!.leafIndex && got[1]!.leafIndex < got[2]!.leafIndex);
  s.close();
  await s.ended;
  await until('the subscription to go', () => c.feed.size === 0);
});

test('Last-Event-ID resumes right after that leaf', async () => {
  const d = new TestDevice('tail-3', t.enrol('tail-3').token);
  const recs = await ingest(t, d, [{ message: 'a' }, { message: 'b' }, { message: 'c' }]);
  const first = await tail('?device=tail-3', { 'last-event-id': '0' });
  await until('the three', () => first.events().length >= 3);
  const ids = first.events().map((e) => Number(e.id));
  first.close();
  const resumed = await tail('?device=tail-3', { 'last-event-id': String(ids[0]) });
  await until('two', () => resumed.events().length >= 2);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    resumed.events().map((e) => JSON.parse(e.data as string).record.id),
    recs.slice(1).map((r) => r.id),
  );
  assert.equal(JSON.parse((own().at(-1) as SecurityEvent).attrs.filter as string).lastEventId, ids[0]);
  resumed.close();
});

test('heartbeats keep an idle tail alive', async () => {
  const s = await tail('?device=nobody-here');
  await until('a heartbeat', () => s.text().includes(': keep-alive'));
  s.close();
});

test('bad parameters and a bad Last-Event-ID are refused before streaming', async () => {
  for (const [q, headers, field] of [
    ['?limit=5', {}, 'limit'],
    ['?severity=loud', {}, 'severity'],
    ['', { 'last-event-id': 'x' }, 'Last-Event-ID'],
    ['', { 'last-event-id': '999999999' }, 'Last-Event-ID'],
  ] as const) {
    const s = await tail(q, headers);
    await s.ended;
    assert.equal(s.status, 400);
    assert.equal(JSON.parse(s.text()).error.details.field, field);
  }
  const dev = await tail('', {}, 'sld_nope');
  await dev.ended;
  assert.equal(dev.status, 401);
});

/** Batches straight into the store (faster than HTTP for volume); the feed is told as the committer would. */
function bulk(device: string, n: number, startSeq: number): BatchWrite {
  const stream = `${device}.bulk`;
  const h = new Uint8Array(32) as Hash;
  const records = Array.from({ length: n }, (_, i) => {
    const record: SecurityEvent = {
      v: 1,
      id: `019ac5e2-7b10-7c3a-9d41-${(startSeq + i).toString(16).padStart(12, '0')}`,
      name: 'net_conn_blocked',
      time: '2026-11-27T13:33:43.000001Z',
      severity: 'low',
      outcome: 'failure',
      device: { id: device },
      attrs: { pad: 'x'.repeat(1000) },
      stream,
      seq: startSeq + i,
      boot: 'b',
      mono_ms: i,
      prev: '00',
    };
    return { record, canonical: canonicalize(record), digest: h, chainHash: h, receivedUs: 1 };
  });
  return { device, stream, records, cursor: { device, stream, ackedSeq: startSeq + n - 1, head: h } };
}

test('a client that stops reading is dropped with a final error event, and can resume from its Last-Event-ID', async () => {
  const s = await tail('?device=flood');
  s.pause();
  let seq = 1;
  // ~1.2 MB a batch until the socket buffers (a few MB on loopback) are full and the server sees the client push back.
  for (let i = 0; i < 80 && c.feed.size > 0; i++) {
    c.data.store.commitBatches([bulk('flood', 1000, seq)]);
    seq += 1000;
    c.feed.notify();
    await new Promise((r) => setTimeout(r, 20));
  }
  await until('the drop', () => c.feed.size === 0, 30_000);
  s.resume();
  await s.ended;
  const events = s.events();
  const last = events.at(-1);
  assert.equal(last?.event, 'error');
  const err = JSON.parse(last?.data as string).error;
  assert.equal(err.code, 'QUERY_TAIL_TOO_SLOW');
  const data = events.filter((e) => e.event === undefined);
  assert.equal(err.details.lastEventId, Number(data.at(-1)?.id), 'the error names the last id the client got');
  const resumed = await tail('?device=flood', { 'last-event-id': String(err.details.lastEventId) });
  await until('the next event after the drop', () => resumed.events().length > 0);
  assert.equal(Number(resumed.events()[0]?.id), err.details.lastEventId + 1);
  resumed.close();
});

test('shutdown ends open tails instead of waiting for them', async () => {
  const s = await tail('?device=anything');
  const before = c.feed.size;
  assert.ok(before >= 1);
  // A second collector on another data dir would be cleaner, but closing the app is what matters here:
  // the preClose hook ends the feed, so app.close() returns.
  await c.app.close();
  await s.ended;
  assert.equal(c.feed.size, 0);
});
