import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ERROR_CODES } from '@seclog/core';
import { revokeDevice } from '../src/enrol/enrol.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

let t: TestCollector;
before(async () => {
  t = await startTestCollector({ ingest: { maxBatchRecords: 50, maxBatchBytes: 32 * 1024 }, http: { bodyLimitBytes: 64 * 1024 } });
});
after(() => t.cleanup());

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field in assertions
type Json = Record<string, any>;
async function post(token: string | undefined, body: unknown, headers: Record<string, string> = {}) {
  const payload = Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    payload,
  });
  return { status: res.statusCode, body: res.json() as Json };
}

function expectError(r: { status: number; body: Json }, code: keyof typeof ERROR_CODES): Json {
  assert.equal(r.body.error?.code, code, JSON.stringify(r.body));
  assert.equal(r.status, ERROR_CODES[code].status);
  assert.equal(typeof r.body.error.message, 'string');
  return r.body.error.details as Json;
}

/** The names of the collector's own events, in stream order. */
function ownEvents(): string[] {
  const s = t.c.data.store;
  return s
    .readEvents(0, s.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical).name as string);
}

describe('POST /api/v1/ingest', () => {
  test('happy path: accepted, acked seq and head; gzip too', async () => {
    const d = t.enrol('cam-1');
    const recs = deviceChain('cam-1', 6);
    const r1 = await post(d.token, { device: 'cam-1', stream: recs[0]!.stream, records: recs.slice(0, 3) });
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    assert.deepEqual(r1.body.acked.seq, 3);
    assert.equal(r1.body.accepted, 3);
    const gz = gzipSync(JSON.stringify({ device: 'cam-1', stream: recs[0]!.stream, records: recs.slice(3) }));
    const r2 = await post(d.token, gz, { 'content-encoding': 'gzip' });
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    assert.equal(r2.body.acked.seq, 6);
    const cur = await t.c.app.inject({ method: 'GET', url: '/api/v1/ingest/cursor', headers: { authorization: `Bearer ${d.token}` } });
    assert.deepEqual(cur.json().streams, [{ stream: recs[0]!.stream, seq: 6, head: r2.body.acked.head, gaps: [] }]);
  });

  test('duplicate: idempotent re-ack, stored once', async () => {
    const d = t.enrol('cam-2');
    const recs = deviceChain('cam-2', 4);
    const body = { device: 'cam-2', stream: recs[0]!.stream, records: recs };
    await post(d.token, body);
    const before = t.c.data.store.eventCount();
    const again = await post(d.token, body);
    assert.equal(again.status, 200);
    assert.deepEqual([again.body.accepted, again.body.duplicates, again.body.acked.seq], [0, 4, 4]);
    const overlap = await post(d.token, { ...body, records: [...recs.slice(2), ...deviceChain('cam-2', 0)] });
    assert.equal(overlap.body.duplicates, 2);
    assert.equal(t.c.data.store.eventCount(), before);
  });

  test('fork: same seq, other hash → 409 INGEST_FORK and a log_integrity_fail event', async () => {
    const d = t.enrol('cam-3');
    const recs = deviceChain('cam-3', 3);
    await post(d.token, { device: 'cam-3', stream: recs[0]!.stream, records: recs });
    const other = deviceChain('cam-3', 3, recs[0]!.stream);
    const details = expectError(await post(d.token, { device: 'cam-3', stream: recs[0]!.stream, records: other }), 'INGEST_FORK');
    // seq 1–2 are below the cursor (duplicates as far as the cursor can tell); seq 3 meets the stored head.
    assert.equal(details.seq, 3);
    assert.equal(ownEvents().at(-1), 'log_integrity_fail');
  });

  test('broken link inside a batch → 409 INGEST_CHAIN_BROKEN', async () => {
    const d = t.enrol('cam-4');
    const recs = deviceChain('cam-4', 3);
    recs[1]!.attrs = { method: 'password', reason: 'tampered' };
    const details = expectError(await post(d.token, { device: 'cam-4', stream: recs[0]!.stream, records: recs }), 'INGEST_CHAIN_BROKEN');
    assert.equal(details.index, 2);
  });

  test('gap: stores what chains and records log_gap with the range', async () => {
    const d = t.enrol('cam-5');
    const recs = deviceChain('cam-5', 10);
    await post(d.token, { device: 'cam-5', stream: recs[0]!.stream, records: recs.slice(0, 2) });
    const r = await post(d.token, { device: 'cam-5', stream: recs[0]!.stream, records: recs.slice(6) });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.accepted, r.body.acked.seq], [4, 10]);
    const s = t.c.data.store;
    const gap = s
      .readEvents(0, s.eventCount())
      .map((e) => JSON.parse(e.canonical))
      .filter((e) => e.name === 'log_gap')
      .at(-1);
    assert.deepEqual([gap.attrs.from_seq, gap.attrs.to_seq, gap.attrs.count, gap.attrs.device_id], [3, 6, 4, 'cam-5']);
  });

  test('gap then fill: the answers and the cursor list the open gaps; a piece in the middle is 409 INGEST_GAP_UNANCHORED', async () => {
    const d = t.enrol('cam-5b');
    const recs = deviceChain('cam-5b', 12);
    const stream = recs[0]!.stream;
    await post(d.token, { device: 'cam-5b', stream, records: recs.slice(0, 2) });
    const r1 = await post(d.token, { device: 'cam-5b', stream, records: recs.slice(9) });
    assert.deepEqual(r1.body.gaps, [{ from: 3, to: 10 }]);
    const cursor = async () =>
      (await t.c.app.inject({ method: 'GET', url: '/api/v1/ingest/cursor', headers: { authorization: `Bearer ${d.token}` } })).json();
    assert.deepEqual((await cursor()).streams[0].gaps, [{ from: 3, to: 10 }]);
    const middle = expectError(await post(d.token, { device: 'cam-5b', stream, records: recs.slice(4, 6) }), 'INGEST_GAP_UNANCHORED');
    assert.deepEqual([middle.index, middle.field, middle.gap], [0, 'seq', { from: 3, to: 10 }]);
    const r2 = await post(d.token, { device: 'cam-5b', stream, records: recs.slice(2, 9) });
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    assert.deepEqual([r2.body.accepted, r2.body.acked.seq, r2.body.gaps], [7, 12, []]);
    assert.deepEqual((await cursor()).streams[0].gaps, []);
    assert.equal(ownEvents().at(-1), 'log_gap_closed');
    assert.ok((t.c.data.store.getDevice('cam-5b')?.lastSeenUs ?? 0) > 0);
  });

  test('revoked device → 401 AUTH_DEVICE_REVOKED, refusal logged', async () => {
    const d = t.enrol('cam-6');
    revokeDevice(t.c.data.enrol, 'cam-6');
    const recs = deviceChain('cam-6', 1);
    expectError(await post(d.token, { device: 'cam-6', stream: recs[0]!.stream, records: recs }), 'AUTH_DEVICE_REVOKED');
    assert.equal(ownEvents().at(-1), 'authn_login_fail');
  });

  test('wrong device → 403 AUTH_DEVICE_MISMATCH, logged', async () => {
    const d = t.enrol('cam-7');
    const recs = deviceChain('cam-8', 1);
    expectError(await post(d.token, { device: 'cam-8', stream: recs[0]!.stream, records: recs }), 'AUTH_DEVICE_MISMATCH');
    assert.equal(ownEvents().at(-1), 'authz_fail');
  });

  const recs = deviceChain('cam-9', 2);
  const ok = { device: 'cam-9', stream: recs[0]!.stream, records: recs };
  const bad: {
    name: string;
    token?: 'none' | 'garbage' | 'api';
    body: () => unknown;
    headers?: Record<string, string>;
    code: keyof typeof ERROR_CODES;
    field?: string;
  }[] = [
    { name: 'no token', token: 'none', body: () => ok, code: 'AUTH_TOKEN_MISSING' },
    { name: 'garbage token', token: 'garbage', body: () => ok, code: 'AUTH_TOKEN_INVALID' },
    { name: 'API token on ingest', token: 'api', body: () => ok, code: 'AUTH_TOKEN_INVALID' },
    { name: 'malformed JSON', body: () => '{"device":', code: 'HTTP_BODY_INVALID' },
    { name: 'empty body', body: () => '', code: 'HTTP_BODY_INVALID' },
    { name: 'missing records', body: () => ({ device: 'cam-9', stream: 's' }), code: 'HTTP_BODY_INVALID' },
    {
      name: 'corrupt gzip',
      body: () => Buffer.from('not gzip at all'),
      headers: { 'content-encoding': 'gzip' },
      code: 'HTTP_BODY_INVALID',
    },
    { name: 'brotli', body: () => ok, headers: { 'content-encoding': 'br' }, code: 'HTTP_UNSUPPORTED_MEDIA_TYPE' },
    { name: 'text/plain', body: () => 'hello', headers: { 'content-type': 'text/plain' }, code: 'HTTP_UNSUPPORTED_MEDIA_TYPE' },
    { name: 'oversize body', body: () => ({ ...ok, pad: 'x'.repeat(70 * 1024) }), code: 'HTTP_BODY_TOO_LARGE' },
    {
      name: 'gzip bomb',
      body: () => gzipSync(JSON.stringify({ ...ok, pad: 'x'.repeat(1024 * 1024) })),
      headers: { 'content-encoding': 'gzip' },
      code: 'HTTP_BODY_TOO_LARGE',
    },
    { name: 'too many records', body: () => ({ ...ok, records: deviceChain('cam-9', 51) }), code: 'INGEST_BATCH_TOO_LARGE' },
    {
      name: 'invalid record names index and field',
      body: () => ({ ...ok, records: [recs[0], { ...recs[1], severity: 'loud' }] }),
      code: 'INGEST_RECORD_INVALID',
      field: 'severity',
    },
    { name: 'record of another stream', body: () => ({ ...ok, stream: 'other' }), code: 'INGEST_BATCH_INVALID', field: 'stream' },
    { name: 'seqs not contiguous', body: () => ({ ...ok, records: [recs[1], recs[0]] }), code: 'INGEST_BATCH_INVALID', field: 'seq' },
  ];
  for (const c of bad) {
    test(`refused: ${c.name} → ${c.code}`, async () => {
      const d = t.c.data.store.getDevice('cam-9') === undefined ? t.enrol('cam-9') : undefined;
      if (d !== undefined) tokens.device = d.token;
      const token = c.token === 'none' ? undefined : c.token === 'garbage' ? 'sld_nope' : c.token === 'api' ? t.admin : tokens.device;
      const details = expectError(await post(token, c.body(), c.headers), c.code);
      if (c.field !== undefined) assert.equal(details.field, c.field);
      if (c.code === 'INGEST_RECORD_INVALID') assert.equal(details.index, 1);
    });
  }
});
const tokens = { device: '' };

test('unknown route → 404 HTTP_NOT_FOUND in the error shape', async () => {
  const res = await t.c.app.inject({ method: 'GET', url: '/nope' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'HTTP_NOT_FOUND');
});
