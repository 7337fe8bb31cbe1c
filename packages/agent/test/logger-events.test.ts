/**
 * What the logger records about its surroundings: a step of the wall clock
 * (`time_change`, and record times that never go back within the stream),
 * the shipper's security reports (a refused record becomes `log_dropped`
 * reason `rejected`, refused credentials `sys_fault`), and a critical event
 * under the high profile starting an upload at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecurityLogger } from '../src/index.js';
import { deviceConfig, ringRecords, scratch, TestClock } from './logger-setup.js';
import { FakeCollector, waitFor } from './ship-fake-collector.js';

const dir = scratch('logger-events');

test('a step of the wall clock is recorded as time_change; record times never go back in the stream', async () => {
  const clock = new TestClock();
  const cfg = deviceConfig(dir, { store: { path: `${dir}/a.ring` }, now: clock.now, time: { servers: [], jumpCheckMs: 10 } });
  const log = await SecurityLogger.open(cfg);
  await log.loginFailed({ user: 'a', method: 'password', reason: 'bad_password' });
  clock.advance(-3_600_000);
  await waitFor(() => log.status().lastSeq >= 3, 5000, 'time_change');
  await log.loginFailed({ user: 'b', method: 'password', reason: 'bad_password' });
  await log.close();
  const recs = ringRecords(cfg.store.path);
  const change = recs.find((r) => r.name === 'time_change')!;
  assert.ok(change, recs.map((r) => r.name).join());
  assert.equal(change.severity, 'medium', 'a step back is what hides evidence');
  assert.ok(Math.abs((change.attrs.delta_ms as number) + 3_600_000) < 1000);
  const times = recs.map((r) => r.time);
  assert.deepEqual(times, [...times].sort(), 'times are non-decreasing although the clock went back an hour');
});

test("the shipper's reports: a refused record becomes log_dropped (rejected), refused credentials sys_fault", async () => {
  const fake = new FakeCollector();
  await fake.start();
  fake.refuse.add(3);
  const cfg = deviceConfig(dir, { collector: fake.url, token: fake.token, store: { path: `${dir}/b.ring` } });
  const log = await SecurityLogger.open(cfg);
  try {
    for (let i = 0; i < 5; i++) await log.loginFailed({ user: `u${i}`, method: 'password', reason: 'bad_password' });
    await log.flush({ timeoutMs: 10_000 });
    await log.flush({ timeoutMs: 10_000 });
    const stream = log.status().stream;
    assert.deepEqual(fake.seqs(stream).includes(3), false);
    const dropped = fake
      .seqs(stream)
      .map((s) => JSON.parse(fake.stored.get(stream)!.get(s)!) as { name: string; attrs: Record<string, unknown> })
      .filter((r) => r.name === 'log_dropped');
    assert.deepEqual(
      dropped.map((r) => r.attrs),
      [{ from_seq: 3, to_seq: 3, count: 1, reason: 'rejected' }],
    );
  } finally {
    await log.close();
    await fake.stop();
  }

  const locked = new FakeCollector('sld_other');
  await locked.start();
  const cfg2 = deviceConfig(dir, { collector: locked.url, token: 'sld_revoked', store: { path: `${dir}/c.ring` } });
  const log2 = await SecurityLogger.open(cfg2);
  try {
    await log2.loginFailed({ user: 'a', method: 'password', reason: 'bad_password' });
    await waitFor(() => log2.status().ship.state === 'unauthorized', 5000, 'the 401');
  } finally {
    await log2.close();
    await locked.stop();
  }
  const fault = ringRecords(cfg2.store.path).find((r) => r.name === 'sys_fault');
  assert.equal(fault?.attrs.fault, 'collector_credentials_refused');
});

test('under the high profile a critical event ships at once; an optional one waits for the batch', async () => {
  const fake = new FakeCollector();
  await fake.start();
  const cfg = deviceConfig(dir, {
    collector: fake.url,
    token: fake.token,
    store: { path: `${dir}/d.ring` },
    overrides: { batchMaxAgeMs: 60_000 },
  });
  const log = await SecurityLogger.open(cfg);
  try {
    await log.flush({ timeoutMs: 5000 });
    const posts = fake.posts().length;
    await log.sessionStarted({ user: 'a', source: 'web' });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fake.posts().length, posts, 'an optional event waits for the batch age (60 s here)');
    await log.accountLocked({ targetUser: 'a', failures: 5 });
    await waitFor(() => fake.posts().length > posts, 5000, 'the upload');
    assert.equal(fake.posts().at(-1)!.last, log.status().lastSeq, 'the critical event went out with what was pending');
  } finally {
    await log.close();
    await fake.stop();
  }
});
