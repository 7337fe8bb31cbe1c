import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { FakeCollector, waitFor } from './ship-fake-collector.js';
import { range, rig, STREAM } from './ship-setup.js';

const rateLimited = (retryAfterMs: number) => ({
  status: 429,
  body: { error: { code: 'INGEST_RATE_LIMITED', message: 'slow down', details: { retryAfterMs } } },
});

test('429: waits at least details.retryAfterMs, then sends the same records; not reported as an outage', async () => {
  const r = await rig();
  try {
    r.fake.postScript.push(rateLimited(300));
    r.append(1, 5);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    const [refused, retried] = r.fake.posts();
    assert.equal(refused!.status, 429);
    assert.ok(retried!.at - refused!.at >= 300, `retried after ${retried!.at - refused!.at} ms`);
    assert.ok(retried!.at - refused!.at < 300 * 1.1 + 1000, 'not much later than asked (10 % jitter, plus a busy machine)');
    assert.deepEqual([retried!.first, retried!.last], [1, 5]);
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 5));
    assert.deepEqual(r.reports, []);
  } finally {
    await r.done();
  }
});

test('503 with Retry-After (seconds) is honoured and reported as an outage, then as recovered', async () => {
  const r = await rig();
  try {
    r.fake.postScript.push({
      status: 503,
      body: { error: { code: 'HTTP_SHUTTING_DOWN', message: 'bye', details: {} } },
      headers: { 'retry-after': '1' },
    });
    r.append(1, 3);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    const [refused, retried] = r.fake.posts();
    assert.ok(retried!.at - refused!.at >= 1000, `retried after ${retried!.at - refused!.at} ms`);
    assert.deepEqual(
      r.reports.map((x) => x.kind),
      ['collector-unreachable', 'collector-reachable'],
    );
  } finally {
    await r.done();
  }
});

test('5xx: backs off, re-reads the cursor after every failure, delivers each record once', async () => {
  const r = await rig();
  try {
    const err = { status: 500, body: { error: { code: 'HTTP_INTERNAL', message: 'oops', details: {} } } };
    r.fake.postScript.push(err, err, err);
    r.append(1, 12);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    const cursorReads = r.fake.requests.filter((q) => q.method === 'GET').length;
    assert.ok(cursorReads >= 4, `cursor read ${cursorReads} times (start + one per failure)`);
    const ok = r.fake.posts().filter((p) => p.status === 200);
    assert.deepEqual(
      ok.map((p) => [p.first, p.last]),
      [
        [1, 10],
        [11, 12],
      ],
    );
    assert.equal(r.reports.filter((x) => x.kind === 'collector-unreachable').length, 1, 'one report per outage, not per retry');
  } finally {
    await r.done();
  }
});

test('a lost acknowledgement: the records are not sent again, the cursor says they arrived', async () => {
  const r = await rig();
  try {
    r.fake.loseAnswers = 1;
    r.append(1, 20);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    const posts = r.fake.posts();
    assert.equal(posts[0]!.status, -1, 'the first answer was lost');
    assert.deepEqual(
      posts.slice(1).map((p) => p.first),
      [11],
      'shipping resumed after the stored batch',
    );
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 20));
  } finally {
    await r.done();
  }
});

test('collector down at start: retried with backoff until it listens, then everything ships', async () => {
  const fake = new FakeCollector();
  await fake.start();
  const port = Number(new URL(fake.url).port);
  await fake.stop();
  const r = await rig({}, fake);
  try {
    r.append(1, 30);
    r.shipper.start();
    await waitFor(() => r.shipper.status().failures >= 2, 3000, 'a few failures');
    assert.equal(r.reports[0]?.kind, 'collector-unreachable');
    assert.equal(r.shipper.status().state === 'backoff' || r.shipper.status().state === 'shipping', true);
    await fake.start(port);
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(fake.seqs(STREAM), range(1, 30));
    assert.equal(r.reports.at(-1)?.kind, 'collector-reachable');
  } finally {
    await r.done();
  }
});

test('401: shipping stops (no retries) and is reported, until setToken()', async () => {
  const r = await rig({ token: 'sld_wrong' });
  try {
    r.append(1, 5);
    r.shipper.start();
    await waitFor(() => r.reports.length > 0, 2000, 'the report');
    assert.deepEqual(r.reports[0], {
      kind: 'unauthorized',
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      message: 'AUTH_TOKEN_INVALID (fake collector)',
    });
    await new Promise((res) => setTimeout(res, 150));
    assert.equal(r.fake.requests.length, 1, 'no request while the credentials are refused');
    assert.equal(r.shipper.status().state, 'unauthorized');
    r.shipper.setToken(r.fake.token);
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 5));
  } finally {
    await r.done();
  }
});

test('flush() times out with AGENT_FLUSH_TIMEOUT, and close() rejects a waiting flush with AGENT_SHIPPER_CLOSED', async () => {
  const fake = new FakeCollector();
  await fake.start();
  await fake.stop();
  const r = await rig({}, fake);
  r.append(1, 3);
  r.shipper.start();
  await assert.rejects(r.shipper.flush({ timeoutMs: 100 }), (e) => isSeclogError(e, 'AGENT_FLUSH_TIMEOUT'));
  const waiting = r.shipper.flush();
  const t0 = Date.now();
  await r.shipper.close({ graceMs: 100 });
  assert.ok(Date.now() - t0 < 1000);
  await assert.rejects(waiting, (e) => isSeclogError(e, 'AGENT_SHIPPER_CLOSED'));
  await assert.rejects(r.shipper.flush(), (e) => isSeclogError(e, 'AGENT_SHIPPER_CLOSED'));
  assert.equal(r.shipper.status().state, 'closed');
  assert.equal(r.source.ackedSeq(), 0, 'nothing acknowledged, nothing lost: the records stay in the source');
});

test('never throws into the caller: a throwing report handler and a failing source read do not stop shipping', async () => {
  const r = await rig({
    onReport: () => {
      throw new Error('the logger broke');
    },
  });
  let failOnce = true;
  const readFrom = r.source.readFrom.bind(r.source);
  r.source.readFrom = (from, max, bytes) => {
    if (failOnce) {
      failOnce = false;
      throw new Error('EIO reading the ring');
    }
    return readFrom(from, max, bytes);
  };
  try {
    r.fake.postScript.push({ status: 500, body: {} });
    r.append(1, 5);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 5));
  } finally {
    await r.done();
  }
});
