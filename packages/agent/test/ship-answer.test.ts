import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyCursorAnswer, classifyIngestAnswer } from '../src/ship/answer.js';
import { encodeBatch, readBatch } from '../src/ship/batch.js';
import { MemoryShipSource } from '../src/ship/memory-source.js';
import { splitRefused } from '../src/ship/split.js';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});
const err = (code: string, details: Record<string, unknown> = {}) => ({ error: { code, message: code, details } });

const cases: {
  name: string;
  status: number;
  body: unknown;
  gzipped?: boolean;
  headers?: Record<string, string>;
  kind: string;
  extra?: object;
}[] = [
  {
    name: '200 ack',
    status: 200,
    body: { acked: { stream: 's', seq: 9, head: 'h' }, accepted: 3, duplicates: 0 },
    kind: 'acked',
  },
  { name: '200 without ack is retried', status: 200, body: { ok: true }, kind: 'transient' },
  { name: '200 not JSON is retried', status: 200, body: '<html>', kind: 'transient' },
  { name: '401', status: 401, body: err('AUTH_TOKEN_INVALID'), kind: 'unauthorized' },
  { name: '403 device mismatch', status: 403, body: err('AUTH_DEVICE_MISMATCH'), kind: 'unauthorized' },
  {
    name: '429 with retryAfterMs',
    status: 429,
    body: err('INGEST_RATE_LIMITED', { retryAfterMs: 120 }),
    kind: 'transient',
    extra: { hintMs: 120 },
  },
  {
    name: '503 Retry-After',
    status: 503,
    body: err('HTTP_SHUTTING_DOWN'),
    headers: { 'retry-after': '2' },
    kind: 'transient',
    extra: { hintMs: 2000 },
  },
  { name: '500', status: 500, body: err('HTTP_INTERNAL'), kind: 'transient', extra: { hintMs: undefined } },
  { name: '502 from a proxy, HTML body', status: 502, body: '<html>bad gateway</html>', kind: 'transient' },
  { name: '408', status: 408, body: '', kind: 'transient' },
  {
    name: '400 invalid record with index',
    status: 400,
    body: err('INGEST_RECORD_INVALID', { index: 4 }),
    kind: 'refused',
    extra: { index: 4, tooLarge: false },
  },
  { name: '409 fork', status: 409, body: err('INGEST_FORK', { index: 0 }), kind: 'refused', extra: { index: 0 } },
  { name: '409 broken chain', status: 409, body: err('INGEST_CHAIN_BROKEN', { index: 2 }), kind: 'refused', extra: { index: 2 } },
  { name: '413 too large', status: 413, body: err('INGEST_BATCH_TOO_LARGE'), kind: 'refused', extra: { tooLarge: true, index: undefined } },
  { name: '415 on gzip', status: 415, body: err('HTTP_UNSUPPORTED_MEDIA_TYPE'), gzipped: true, kind: 'gzip-refused' },
  { name: '415 on plain JSON', status: 415, body: err('HTTP_UNSUPPORTED_MEDIA_TYPE'), kind: 'systematic' },
  { name: '404', status: 404, body: err('HTTP_NOT_FOUND'), kind: 'systematic' },
  { name: '301 redirect', status: 301, body: '', kind: 'systematic' },
  { name: '422 unknown 4xx is a refusal', status: 422, body: 'nope', kind: 'refused' },
];
for (const c of cases) {
  test(`ingest answer: ${c.name}`, () => {
    const out = classifyIngestAnswer(answer(c.status, c.body, c.headers), c.gzipped ?? false) as unknown as Record<string, unknown>;
    assert.equal(out.kind, c.kind);
    for (const [k, v] of Object.entries(c.extra ?? {})) assert.deepEqual(out[k], v, k);
  });
}

test('an error answer without a seclog body is named by its status', () => {
  const out = classifyIngestAnswer(answer(400, 'bad'), false);
  assert.equal(out.kind === 'refused' && out.error.code, 'HTTP_400');
});

test('cursor answer: our stream, gaps when listed, seq 0 when the stream is unknown', () => {
  const body = {
    device: 'd',
    streams: [
      { stream: 'other', seq: 99, head: 'x' },
      {
        stream: 's',
        seq: 40,
        head: 'h',
        gaps: [
          { from: 5, to: 9 },
          { from: 9, to: 9 },
          { from: 'x', to: 3 },
        ],
      },
    ],
  };
  assert.deepEqual(classifyCursorAnswer(answer(200, body), 's'), {
    kind: 'cursor',
    cursor: { stream: 's', seq: 40, head: 'h', gaps: [{ from: 5, to: 9 }] },
  });
  assert.deepEqual(classifyCursorAnswer(answer(200, { streams: [] }), 's'), {
    kind: 'cursor',
    cursor: { stream: 's', seq: 0, head: '', gaps: [] },
  });
  assert.equal(classifyCursorAnswer(answer(401, err('AUTH_DEVICE_REVOKED')), 's').kind, 'unauthorized');
  assert.equal(classifyCursorAnswer(answer(200, { nope: 1 }), 's').kind, 'transient');
  assert.equal(classifyCursorAnswer(answer(400, ''), 's').kind, 'systematic');
});

test('splitRefused: at the named record, else in halves; left part on top of the stack', () => {
  assert.deepEqual(splitRefused({ from: 11, to: 20 }, 11, 20, 6), [
    { from: 17, to: 20, suspectFirst: true },
    { from: 11, to: 16 },
  ]);
  assert.deepEqual(splitRefused({ from: 11, to: 20 }, 11, 20, 0), [
    { from: 12, to: 20 },
    { from: 11, to: 11 },
  ]);
  assert.deepEqual(splitRefused({ from: 1, to: 10 }, 1, 10, undefined), [
    { from: 6, to: 10 },
    { from: 1, to: 5 },
  ]);
  assert.deepEqual(
    splitRefused({ from: 1, to: 10 }, 1, 10, 99),
    [
      { from: 6, to: 10 },
      { from: 1, to: 5 },
    ],
    'an index outside the batch is ignored',
  );
  assert.deepEqual(
    splitRefused({ from: 1, to: 30 }, 1, 4, undefined),
    [
      { from: 3, to: 30 },
      { from: 1, to: 2 },
    ],
    'the rest of the range beyond the batch stays in the right part',
  );
});

test('readBatch: contiguous runs only, cut at a missing seq, a skipped seq or toSeq; encodeBatch keeps the bytes', async () => {
  const src = new MemoryShipSource('s');
  for (const seq of [1, 2, 3, 5, 6, 7, 8]) src.append({ seq, canonical: `{"seq":${seq}}` });
  const limits = { maxRecords: 10, maxBytes: 1 << 20 };
  assert.deepEqual(await readBatch(src, 1, 99, limits, new Set()), { first: 1, last: 3, records: ['{"seq":1}', '{"seq":2}', '{"seq":3}'] });
  assert.deepEqual((await readBatch(src, 4, 99, limits, new Set()))?.first, 5, 'starts at the next record the source has');
  assert.deepEqual((await readBatch(src, 5, 99, limits, new Set([7])))?.last, 6);
  assert.deepEqual((await readBatch(src, 5, 99, limits, new Set([5])))?.first, 6);
  assert.deepEqual((await readBatch(src, 5, 6, limits, new Set()))?.last, 6);
  assert.equal(await readBatch(src, 9, 99, limits, new Set()), undefined);
  assert.deepEqual((await readBatch(src, 5, 99, { maxRecords: 10, maxBytes: 20 }, new Set()))?.last, 6, 'byte limit');
  const { body, gzipped } = await encodeBatch('dev"1', 's', { first: 1, last: 2, records: ['{"seq":1}', '{"seq":2}'] }, 4096);
  assert.equal(gzipped, false);
  assert.deepEqual(JSON.parse(body.toString()), { device: 'dev"1', stream: 's', records: [{ seq: 1 }, { seq: 2 }] });
  assert.equal((await encodeBatch('d', 's', { first: 1, last: 1, records: ['{}'] }, 0)).gzipped, true);
});
