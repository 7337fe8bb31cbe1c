/** RingStore.setStateSoon: the state blob written in the background, in the blocking setState's order. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { SLOT_OFFSETS } from '../src/ring/layout.js';
import { RingStore } from '../src/ring/ring-store.js';
import { scratchDir } from './ring-fixtures.js';

const scratch = scratchDir('ring-state-soon');
after(scratch.cleanup);
let n = 0;
const fresh = (): string => join(scratch.dir, `s${n++}.ring`);
const open = (path: string): RingStore => RingStore.open({ path, capacityBytes: 64 * 1024, preallocate: false });
const rec = (seq: number): Buffer => Buffer.from(`{"seq":${seq},"pad":"${'x'.repeat(200)}"}`);
const key = (tag: string): Buffer => Buffer.from(`KEY-${tag}-${'0123456789abcdef'.repeat(2)}`);
/** How many of the two slots hold `blob`, as the file is now. */
const slotsHolding = (path: string, blob: Buffer): number => {
  const file = readFileSync(path);
  return SLOT_OFFSETS.filter((o) => file.subarray(o, o + 4096).includes(blob)).length;
};

test('setStateSoon returns at once; the blob reaches a slot only once the records before it are durable, then both slots', async () => {
  const path = fresh();
  const r = open(path);
  const k1 = key('one');
  const k2 = key('two');
  r.setState(k1, { erase: true });
  assert.equal(slotsHolding(path, k1), 2);
  for (let s = 1; s <= 20; s++) r.append(rec(s), s);
  assert.ok(r.stats().durableSeq < 20, 'the appends are not durable yet');

  const done = r.setStateSoon(k2, { erase: true });
  assert.equal(r.statePending, true);
  assert.equal(slotsHolding(path, k2), 0, 'nothing was written on the caller’s turn');
  assert.equal(slotsHolding(path, k1), 2);

  // Watch the file from every later macrotask: the first time a slot holds k2, record 20 must already be durable.
  let firstSeen: number | undefined;
  let watching = true;
  const watch = (): void => {
    if (!watching) return;
    if (firstSeen === undefined && slotsHolding(path, k2) > 0) firstSeen = r.stats().durableSeq;
    setImmediate(watch);
  };
  setImmediate(watch);
  await done;
  watching = false;
  assert.equal(r.statePending, false);
  assert.equal(firstSeen ?? r.stats().durableSeq, 20, 'no slot held the new blob before the records under it were durable');
  assert.equal(slotsHolding(path, k2), 2, 'erase: both slots hold the new blob');
  assert.equal(readFileSync(path).includes(k1), false, 'the previous blob is gone from the file');
  r.abandon();
  const again = open(path);
  assert.deepEqual(Buffer.from(again.state), k2);
  assert.deepEqual(
    again.read(1, 100, 1e9).records.map((x) => x.seq),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  await again.close();
});

test('requests coalesce: every promise resolves, the newest blob wins, and only it is left in the file', async () => {
  const path = fresh();
  const r = open(path);
  const keys = [key('aaa'), key('bbb'), key('ccc'), key('ddd')];
  const writes: Promise<void>[] = [];
  for (const [i, k] of keys.entries()) {
    r.append(rec(i + 1), i + 1);
    writes.push(r.setStateSoon(k, { erase: true }));
  }
  await Promise.all(writes);
  const last = keys.at(-1) as Buffer;
  assert.equal(slotsHolding(path, last), 2);
  for (const k of keys.slice(0, -1)) assert.equal(readFileSync(path).includes(k), false, `${k} is not left behind`);
  await r.close();
  assert.deepEqual(Buffer.from(open(path).state), last);
});

test('a blocking setState supersedes a pending one and does the erase it owed; close waits for a pending write', async () => {
  const path = fresh();
  const r = open(path);
  const k1 = key('one');
  r.setState(k1, { erase: true });
  r.append(rec(1), 1);
  const pending = r.setStateSoon(key('two'), { erase: true });
  // No erase asked for here, but the pending request's is owed: the file must not keep k1 (or k2).
  const k3 = key('three');
  r.setState(k3);
  await pending;
  const file = readFileSync(path);
  assert.equal(file.includes(k1), false, 'the owed erase overwrote k1');
  assert.equal(file.includes(key('two')), false, 'the superseded blob was never written');
  assert.equal(slotsHolding(path, k3), 2);

  r.append(rec(2), 2);
  const k4 = key('four');
  const last = r.setStateSoon(k4, { erase: true });
  await r.close();
  await last;
  assert.equal(slotsHolding(path, k4), 2, 'close finished the pending write first');
  assert.deepEqual(Buffer.from(open(path).state), k4);
  await assert.rejects(
    async () => r.setStateSoon(k4),
    (e: unknown) => isSeclogError(e, 'AGENT_RING_CLOSED'),
  );
  const b = open(fresh());
  assert.throws(
    () => b.setStateSoon(new Uint8Array(3073)),
    (e: unknown) => isSeclogError(e, 'AGENT_RING_STATE_TOO_LARGE'),
  );
  b.abandon();
});
