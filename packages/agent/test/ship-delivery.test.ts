import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from './ship-fake-collector.js';
import { nonDecreasing, range, rig, STREAM } from './ship-setup.js';

test('delivers every record once, in order, in batches of at most batchMaxEvents; the mark only moves forward', async () => {
  const r = await rig();
  try {
    r.append(1, 95);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 95));
    const posts = r.fake.posts();
    assert.ok(posts.every((p) => p.count! <= 10));
    assert.deepEqual(
      posts.map((p) => p.first),
      range(0, posts.length - 1).map((i) => i * 10 + 1),
      'batches follow each other, none sent twice',
    );
    assert.equal(r.source.ackedSeq(), 95);
    r.append(96, 100);
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 100));
    assert.ok(nonDecreasing(r.source.ackCalls), `ack calls ${r.source.ackCalls}`);
    assert.deepEqual(r.reports, []);
  } finally {
    await r.done();
  }
});

test('on start it resumes from the collector cursor, not from the source mark', async () => {
  const r = await rig();
  try {
    r.fake.cursors.set(STREAM, 40);
    r.append(1, 50);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.equal(r.fake.posts()[0]!.first, 41);
    assert.deepEqual(r.fake.seqs(STREAM), range(41, 50));
    assert.equal(r.source.ackCalls[0], 40, 'the cursor itself acknowledges what the collector already holds');
  } finally {
    await r.done();
  }
});

test('batches by size: full batches go at once, the rest waits for its age', async () => {
  const r = await rig({ profile: { batchMaxAgeMs: 60_000 } });
  try {
    r.shipper.start();
    await waitFor(() => r.fake.requests.length > 0 && r.shipper.status().state === 'idle', 2000, 'the cursor read, then idle');
    r.append(1, 25);
    await waitFor(() => r.fake.posts().length === 2, 2000, 'two full batches');
    await new Promise((res) => setTimeout(res, 150));
    assert.deepEqual(
      r.fake.posts().map((p) => [p.first, p.last]),
      [
        [1, 10],
        [11, 20],
      ],
      'the last 5 records wait for the batch age',
    );
    await r.shipper.flush({ timeoutMs: 2000 });
    assert.deepEqual(r.fake.posts().at(-1), { ...r.fake.posts().at(-1)!, first: 21, last: 25 });
  } finally {
    await r.done();
  }
});

test('batches by age: a partial batch goes once its oldest record is batchMaxAgeMs old', async () => {
  const r = await rig({ profile: { batchMaxAgeMs: 150, batchMaxEvents: 100 } });
  try {
    r.shipper.start();
    await waitFor(() => r.fake.requests.length > 0 && r.shipper.status().state === 'idle', 2000, 'the cursor read, then idle');
    const t0 = Date.now();
    r.append(1, 3);
    await new Promise((res) => setTimeout(res, 60));
    r.append(4, 4);
    await waitFor(() => r.fake.posts().length === 1, 2000, 'the aged batch');
    const post = r.fake.posts()[0]!;
    assert.ok(post.at - t0 >= 140, `sent after ${post.at - t0} ms`);
    assert.deepEqual([post.first, post.last], [1, 4]);
  } finally {
    await r.done();
  }
});

test('a critical event ships at once under shipCriticalAtOnce, and waits under a periodic profile', async () => {
  const r = await rig({ profile: { batchMaxAgeMs: 60_000, batchMaxEvents: 100 } });
  try {
    r.shipper.start();
    await waitFor(() => r.fake.requests.length > 0 && r.shipper.status().state === 'idle', 2000, 'the cursor read, then idle');
    r.append(1, 3);
    await new Promise((res) => setTimeout(res, 80));
    assert.equal(r.fake.posts().length, 0, 'ordinary events wait for the batch');
    r.append(4, 4, true);
    await waitFor(() => r.fake.posts().length === 1, 1000, 'the immediate upload');
    assert.deepEqual([r.fake.posts()[0]!.first, r.fake.posts()[0]!.last], [1, 4]);
  } finally {
    await r.done();
  }
  const low = await rig({ profile: { realtime: false, uploadIntervalMs: 60_000, shipCriticalAtOnce: false } });
  try {
    low.shipper.start();
    await waitFor(() => low.fake.requests.length > 0 && low.shipper.status().state === 'idle', 2000, 'the cursor read, then idle');
    low.append(1, 3, true);
    await new Promise((res) => setTimeout(res, 120));
    assert.equal(low.fake.posts().length, 0, 'a periodic profile without shipCriticalAtOnce waits for the upload');
    await low.shipper.flush({ timeoutMs: 2000 });
    assert.deepEqual(low.fake.seqs(STREAM), [1, 2, 3], 'flush() uploads at once');
  } finally {
    await low.done();
  }
});

test('periodic uploads: backlog at start, then every uploadIntervalMs', async () => {
  const r = await rig({ profile: { realtime: false, uploadIntervalMs: 300, shipCriticalAtOnce: false } });
  try {
    r.append(1, 4);
    const t0 = Date.now();
    r.shipper.start();
    await waitFor(() => r.fake.posts().length === 1, 2000, 'the upload at start');
    r.append(5, 7);
    await waitFor(() => r.fake.posts().length === 2, 3000, 'the next periodic upload');
    const second = r.fake.posts()[1]!;
    assert.ok(second.at - t0 >= 280, `second upload after ${second.at - t0} ms`);
    assert.deepEqual([second.first, second.last], [5, 7]);
  } finally {
    await r.done();
  }
});

test('reads from the source on demand: never more than one batch per read, never the backlog', async () => {
  const r = await rig({ profile: { batchMaxEvents: 50 } });
  const reads: number[] = [];
  const readFrom = r.source.readFrom.bind(r.source);
  r.source.readFrom = (from, max, bytes) => {
    const got = readFrom(from, max, bytes);
    reads.push(got.length);
    assert.ok(max <= 50, `asked for ${max} records`);
    return got;
  };
  try {
    r.append(1, 3000);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 10_000 });
    assert.equal(r.fake.seqs(STREAM).length, 3000);
    assert.ok(Math.max(...reads) <= 50);
    assert.ok(r.shipper.status().inFlight <= 1);
  } finally {
    await r.done();
  }
});
