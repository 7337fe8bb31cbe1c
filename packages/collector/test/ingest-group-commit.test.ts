import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SeclogError } from '@seclog/core';
import { classifyBatch } from '../src/ingest/classify.js';
import { KeyedLock } from '../src/ingest/keyed-lock.js';
import { zeroCursor } from '../src/ingest/own-stream.js';
import { RateLimiter } from '../src/ingest/rate-limit.js';
import type { Store } from '../src/store/types.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

let t: TestCollector;
before(async () => {
  t = await startTestCollector({ ingest: { groupCommitWindowMs: 20 } });
});
after(() => t.cleanup());

test('concurrent batches of many devices share one commitBatches call', async () => {
  const devices = Array.from({ length: 8 }, (_, i) => t.enrol(`gc-${i}`));
  const store = t.c.data.store as Store;
  const real = store.commitBatches.bind(store);
  const groups: number[] = [];
  store.commitBatches = (batches) => {
    groups.push(batches.length);
    return real(batches);
  };
  try {
    const replies = await Promise.all(
      devices.map((d) => {
        const recs = deviceChain(d.device, 5);
        return t.c.app.inject({
          method: 'POST',
          url: '/api/v1/ingest',
          headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
          payload: { device: d.device, stream: recs[0]!.stream, records: recs },
        });
      }),
    );
    for (const r of replies) assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(groups, [8]);
  } finally {
    store.commitBatches = real;
  }
});

test('the reply is sent only after the commit returned', async () => {
  const d = t.enrol('gc-ack');
  const store = t.c.data.store as Store;
  const real = store.commitBatches.bind(store);
  let committed = false;
  store.commitBatches = (b) => {
    const out = real(b);
    committed = true;
    return out;
  };
  try {
    const recs = deviceChain('gc-ack', 2);
    const r = await t.c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
      payload: { device: 'gc-ack', stream: recs[0]!.stream, records: recs },
    });
    assert.equal(r.statusCode, 200);
    assert.ok(committed);
  } finally {
    store.commitBatches = real;
  }
});

test('two batches of one stream in flight: the second classifies against the first’s cursor', async () => {
  const d = t.enrol('gc-seq');
  const recs = deviceChain('gc-seq', 6);
  const send = (part: typeof recs) =>
    t.c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
      payload: { device: 'gc-seq', stream: recs[0]!.stream, records: part },
    });
  const [a, b] = await Promise.all([send(recs.slice(0, 3)), send(recs.slice(3))]);
  assert.deepEqual([a.json().acked.seq, b.json().acked.seq, b.json().accepted], [3, 6, 3]);
});

test('KeyedLock runs holders of one key in order and forgets idle keys', async () => {
  const lock = new KeyedLock();
  const seen: number[] = [];
  await Promise.all(
    [1, 2, 3].map((n) =>
      lock.run('k', async () => {
        await new Promise((r) => setTimeout(r, 5 - n));
        seen.push(n);
      }),
    ),
  );
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(lock.size, 0);
});

const recs = deviceChain('cls', 5);
const cases = [
  { name: 'fresh stream from seq 1', records: recs, acked: 0, want: { kind: 'ok', accepted: 5, duplicates: 0, gap: undefined } },
  {
    name: 'window after a lost front',
    records: recs.slice(2),
    acked: 0,
    want: { kind: 'ok', accepted: 3, duplicates: 0, gap: { from: 1, to: 3 } },
  },
];
for (const c of cases) {
  test(`classify: ${c.name}`, () => {
    const r = classifyBatch(
      { device: 'cls', stream: recs[0]!.stream, records: c.records },
      { cursor: zeroCursor('cls', recs[0]!.stream), gaps: [], storedHash: () => undefined },
      { maxBatchRecords: 100, maxBatchBytes: 1 << 20 },
      1,
    );
    assert.equal(r.kind, c.want.kind);
    if (r.kind === 'ok') assert.deepEqual({ kind: r.kind, accepted: r.accept.length, duplicates: r.duplicates, gap: r.gap }, c.want);
  });
}

test('RateLimiter: one second of burst, refills at the rate, 429 with a retry hint', () => {
  let now = 0;
  const rl = new RateLimiter(10, () => now);
  rl.take('d', 10);
  assert.throws(
    () => rl.take('d', 1),
    (e: SeclogError) => e.code === 'INGEST_RATE_LIMITED' && e.status === 429 && e.details.retryAfterMs === 100,
  );
  rl.take('other', 10); // per device
  now = 500;
  rl.take('d', 5);
  now = 10_000;
  rl.take('d', 25); // a batch above the budget passes on a full bucket
  assert.throws(() => rl.take('d', 1));
});
