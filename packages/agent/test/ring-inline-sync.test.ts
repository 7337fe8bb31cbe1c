/** Where the ring's fsyncs run: critical ones on the event-loop thread while the disk is fast, the rest in the pool. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { InlineSyncPolicy, MAX_BACKOFF, MIN_BACKOFF, SLOW_OF_WINDOW, WINDOW } from '../src/ring/inline-sync.js';
import { RingStore } from '../src/ring/ring-store.js';
import { scratchDir } from './ring-fixtures.js';

const scratch = scratchDir('ring-inline-sync');
after(scratch.cleanup);
let n = 0;
const fresh = (): string => join(scratch.dir, `r${n++}.ring`);
const rec = (seq: number): Buffer => Buffer.from(`{"seq":${seq},"pad":"${'x'.repeat(80)}"}`);

/** How many of the next `k` urgent syncs the policy runs inline. */
function inlineOf(p: InlineSyncPolicy, k: number, ms = 0.1): number {
  let inline = 0;
  for (let i = 0; i < k; i++) {
    if (p.useInline()) {
      inline++;
      p.record(ms);
    }
  }
  return inline;
}

test('policy: a fast disk stays inline; isolated slow fsyncs (disk tails) do not move it to the pool', () => {
  const p = new InlineSyncPolicy(2);
  assert.equal(inlineOf(p, 1000), 1000);
  let slow = 0;
  for (let i = 0; i < 100; i++) {
    assert.equal(p.useInline(), true);
    const tail = i % WINDOW === 0; // one slow in every window
    if (tail) slow++;
    p.record(tail ? 9 : 0.1);
  }
  assert.equal(p.slow, slow);
  assert.equal(p.inline, 1100);
  assert.equal(inlineOf(p, 10), 10);
});

test('policy: a disk slow for a window sends the next urgent syncs to the pool, doubling while it stays slow, resetting once fast', () => {
  const p = new InlineSyncPolicy(2);
  const slowRun = (): number => {
    // Inline syncs until the window holds SLOW_OF_WINDOW slow ones.
    let k = 0;
    while (p.useInline()) {
      p.record(20);
      k++;
    }
    return k;
  };
  assert.equal(slowRun(), SLOW_OF_WINDOW);
  let backoff = MIN_BACKOFF;
  // The first useInline() after the run already answered false; MIN_BACKOFF - 1 more go to the pool.
  for (let round = 0; round < 10; round++) {
    let pooled = 1;
    while (!p.useInline()) pooled++;
    assert.equal(pooled, backoff, `round ${round}`);
    // The probe after the backoff is slow again: SLOW_OF_WINDOW more before the next, longer, backoff.
    p.record(20);
    for (let i = 1; i < SLOW_OF_WINDOW; i++) {
      assert.equal(p.useInline(), true);
      p.record(20);
    }
    assert.equal(p.useInline(), false);
    backoff = Math.min(MAX_BACKOFF, backoff * 2);
  }
  assert.equal(backoff, MAX_BACKOFF, 'the backoff is capped');
  // The disk recovers: after the backoff, a fast window brings the backoff back to its minimum.
  while (!p.useInline());
  for (let i = 0; i < WINDOW; i++) {
    p.record(0.1);
    assert.equal(p.useInline(), true);
  }
  for (let i = 0; i < SLOW_OF_WINDOW; i++) p.record(20);
  let pooled = 0;
  while (!p.useInline()) pooled++;
  assert.equal(pooled, MIN_BACKOFF);
});

test('policy: maxMs 0 never runs inline', () => {
  const p = new InlineSyncPolicy(0);
  assert.equal(inlineOf(p, 100), 0);
});

test('ring: durable() (critical) syncs run inline, syncSoon() ones in the pool; inlineSyncMaxMs 0 keeps every one in the pool', async () => {
  const r = RingStore.open({ path: fresh(), capacityBytes: 1024 * 1024, preallocate: false });
  for (let s = 1; s <= 20; s++) {
    r.append(rec(s), s);
    await r.durable(s);
  }
  let st = r.stats();
  assert.equal(st.fsyncs, 20);
  assert.equal(st.inlineFsyncs, 20, 'each critical fsync ran on this thread');
  assert.equal(st.durableSeq, 20);
  for (let s = 21; s <= 30; s++) {
    r.append(rec(s), s);
    await r.syncSoon(s, 1);
  }
  st = r.stats();
  assert.equal(st.fsyncs, 30);
  assert.equal(st.inlineFsyncs, 20, 'ordinary syncs went to the pool');
  // A group with a critical waiter among ordinary ones is urgent as a whole.
  r.append(rec(31), 31);
  const soon = r.syncSoon(31, 50);
  r.append(rec(32), 32);
  await Promise.all([soon, r.durable(32)]);
  assert.equal(r.stats().inlineFsyncs, 21);
  assert.equal(r.stats().fsyncs, 31, 'one fsync served both');
  await r.close();

  const pool = RingStore.open({ path: fresh(), capacityBytes: 1024 * 1024, preallocate: false, inlineSyncMaxMs: 0 });
  for (let s = 1; s <= 5; s++) {
    pool.append(rec(s), s);
    await pool.durable(s);
  }
  assert.equal(pool.stats().fsyncs, 5);
  assert.equal(pool.stats().inlineFsyncs, 0);
  await pool.close();
});

test('ring: an inline fsync resolves its waiters from a later macrotask, so a loop of awaited critical appends lets timers run', async () => {
  const r = RingStore.open({ path: fresh(), capacityBytes: 1024 * 1024, preallocate: false });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const t0 = performance.now();
  let s = 0;
  while (performance.now() - t0 < 60) {
    s++;
    r.append(rec(s), s);
    await r.durable(s);
  }
  clearInterval(timer);
  assert.ok(r.stats().inlineFsyncs >= s - 1);
  assert.ok(ticks >= 5, `a 1 ms interval ran ${ticks} times in 60 ms of awaited critical appends`);
  await r.close();
});

test('ring: inlineSyncMaxMs must be a number ≥ 0', () => {
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => RingStore.open({ path: fresh(), capacityBytes: 65536, inlineSyncMaxMs: bad }),
      (e: unknown) =>
        isSeclogError(e) && e.code === 'AGENT_RING_CONFIG_INVALID' && (e.details as { path: string }).path === 'inlineSyncMaxMs',
    );
  }
});
