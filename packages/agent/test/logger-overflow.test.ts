/**
 * The ring filling up while the collector is away (with the fake collector
 * of the shipper tests): `log_storage_low` at the profile's 80 % and 95 %,
 * then `log_dropped` for what is overwritten, at most every dropReportMs,
 * and on reconnection every record accounted for exactly once. The memory
 * stays bounded: the backlog is in the ring.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecurityLogger } from '../src/index.js';
import { deviceConfig, scratch } from './logger-setup.js';
import { FakeCollector, waitFor } from './ship-fake-collector.js';

const dir = scratch('logger-overflow');

/** A fake collector that is down now and can be started later on the URL the logger was given. */
async function downCollector(): Promise<{ fake: FakeCollector; up: () => Promise<void> }> {
  const fake = new FakeCollector();
  await fake.start();
  const port = Number(new URL(fake.url).port);
  await fake.stop();
  return { fake, up: () => fake.start(port).then(() => undefined) };
}

function stored(fake: FakeCollector): { seq: number; name: string; attrs: Record<string, unknown> }[] {
  const stream = [...fake.stored.keys()][0]!;
  return fake.seqs(stream).map((seq) => {
    const rec = JSON.parse(fake.stored.get(stream)!.get(seq)!) as { name: string; attrs: Record<string, unknown> };
    return { seq, name: rec.name, attrs: rec.attrs };
  });
}

test('log_storage_low is recorded once at 80 % and once at 95 % of the ring held by unacknowledged records', async () => {
  const { fake, up } = await downCollector();
  const cfg = deviceConfig(dir, { collector: fake.url, token: fake.token, store: { path: `${dir}/a.ring`, capacity: 64 * 1024 } });
  const log = await SecurityLogger.open(cfg);
  try {
    let n = 0;
    while (log.status().ring!.unackedShare < 0.97) await log.sessionStarted({ user: `u${n++}`, source: 'web' });
    assert.equal(log.status().undescribedDrops, 0, 'nothing overwritten yet');
    await up();
    await log.flush({ timeoutMs: 10_000 });
    const lows = stored(fake).filter((r) => r.name === 'log_storage_low');
    assert.deepEqual(
      lows.map((r) => r.attrs.threshold_pct),
      [80, 95],
    );
    assert.ok((lows[1]!.attrs.used_pct as number) >= 95);
    assert.equal(lows[1]!.attrs.capacity_bytes, 64 * 1024);
    assert.equal(stored(fake).filter((r) => r.name === 'log_dropped').length, 0);
  } finally {
    await log.close();
    await fake.stop();
  }
});

test('overflow: log_dropped at once, then at most every dropReportMs; after reconnection delivered + Σ count = recorded', async () => {
  const { fake, up } = await downCollector();
  const cfg = deviceConfig(dir, {
    collector: fake.url,
    token: fake.token,
    store: { path: `${dir}/b.ring`, capacity: 16 * 1024 },
    dropReportMs: 60_000,
  });
  const log = await SecurityLogger.open(cfg);
  try {
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 2000; i++) await log.sessionStarted({ user: `user-${i}`, source: 'web', message: 'x'.repeat(200) });
    const s = log.status();
    assert.ok(s.ring!.oldestSeq > 1900, 'the ring holds only the newest records');
    assert.ok(s.undescribedDrops > 1500, 'after the first log_dropped, the rest waits for dropReportMs');
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 16 * 1024 * 1024, 'the backlog is not kept in the heap');

    await up();
    await log.flush({ timeoutMs: 10_000 });
    assert.equal(log.status().undescribedDrops, 0, 'flush described what was pending');
    const recs = stored(fake);
    const recorded = recs.at(-1)!.seq;
    const dropped = recs.filter((r) => r.name === 'log_dropped').map((r) => r.attrs as { from_seq: number; to_seq: number; count: number });
    const sum = dropped.reduce((n, d) => n + d.count, 0);
    assert.equal(recs.length + sum, recorded);
    const covered = new Set(recs.map((r) => r.seq));
    for (const d of dropped) {
      for (let q = d.from_seq; q <= d.to_seq; q++) {
        assert.equal(covered.has(q), false, `seq ${q} counted twice`);
        covered.add(q);
      }
    }
    assert.equal(covered.size, recorded);
    assert.ok(dropped.length <= 4, `${dropped.length} log_dropped records, not one per overwrite`);
  } finally {
    await log.close();
    await fake.stop();
  }
});

test('records overwritten while their batch is in flight are not counted as dropped when the collector takes the batch', async () => {
  const fake = new FakeCollector();
  await fake.start();
  const cfg = deviceConfig(dir, { collector: fake.url, token: fake.token, store: { path: `${dir}/c.ring`, capacity: 16 * 1024 } });
  const log = await SecurityLogger.open(cfg);
  try {
    for (let i = 0; i < 5; i++) await log.loginFailed({ user: `u${i}`, method: 'password', reason: 'bad_password' });
    await log.flush({ timeoutMs: 10_000 });
    // The next batch is held at the collector for a while: a critical event ships at once, and its batch waits.
    fake.answerDelayMs = () => 800;
    const posts = fake.posts().length;
    for (let i = 0; i < 10; i++) await log.accessDenied({ user: `u${i}`, resource: '/admin', action: 'write' });
    await waitFor(() => fake.posts().length > posts, 5000, 'the batch in flight');
    const inFlight = fake.posts().at(-1)!;
    // Overwrite the whole ring, the records of the batch in flight included.
    for (let i = 0; i < 80; i++) await log.sessionStarted({ user: `user-${i}`, source: 'web', message: 'y'.repeat(200) });
    assert.ok(log.status().ring!.oldestSeq > inFlight.last!, 'the ring overwrote the batch in flight');
    fake.answerDelayMs = () => 0;
    await log.flush({ timeoutMs: 10_000 });
    const recs = stored(fake);
    const have = new Set(recs.map((r) => r.seq));
    for (let q = inFlight.first!; q <= inFlight.last!; q++) assert.ok(have.has(q), `seq ${q} of the batch in flight was stored`);
    const dropped = recs.filter((r) => r.name === 'log_dropped').map((r) => r.attrs as { from_seq: number; to_seq: number; count: number });
    for (const d of dropped) {
      for (let q = d.from_seq; q <= d.to_seq; q++) assert.equal(have.has(q), false, `seq ${q} is both delivered and counted as dropped`);
    }
    const recorded = recs.at(-1)!.seq;
    assert.equal(recs.length + dropped.reduce((n, d) => n + d.count, 0), recorded);
  } finally {
    await log.close();
    await fake.stop();
  }
});
