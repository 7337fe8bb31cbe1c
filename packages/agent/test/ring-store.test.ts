/** The ring store's behaviour: append/read, wrap-around, overwrite order and drop counts, acks, state, recovery of damaged files. */
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { FRAME_HEADER_BYTES } from '../src/ring/frame.js';
import { DATA_OFFSET, SLOT_OFFSETS, SUPERBLOCK_OFFSET } from '../src/ring/layout.js';
import { RingStore } from '../src/ring/ring-store.js';
import type { RingOptions } from '../src/ring/ring-types.js';
import { decodeSlot } from '../src/ring/slot.js';
import { StorageLevelWatch } from '../src/ring/storage-level.js';
import { prng, scratchDir } from './ring-fixtures.js';

const scratch = scratchDir('ring-store');
after(scratch.cleanup);
let n = 0;
const fresh = (): string => join(scratch.dir, `r${n++}.ring`);
const open = (path: string, capacityBytes = 4096, extra: Partial<RingOptions> = {}): RingStore =>
  RingStore.open({ path, capacityBytes, preallocate: false, ...extra });
/** A payload of exactly `size` bytes that names its seq (so a test can find it in the file). */
const rec = (seq: number, size = 100): Buffer => {
  const b = Buffer.alloc(size, 'x');
  b.write(`{"seq":${seq},`);
  return b;
};
const seqsOf = (r: RingStore, from = 0): number[] => r.read(from, 1e6, 1e9, { includeUnsynced: true }).records.map((x) => x.seq);
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('append, read back, close, reopen: the same records, no damage reported', async () => {
  const path = fresh();
  const r = open(path, 64 * 1024);
  assert.equal(r.recovery.created, true);
  const payloads = range(1, 50).map((s) => rec(s, 50 + ((s * 37) % 200)));
  for (const [i, p] of payloads.entries()) r.append(p, i + 1);
  await r.durable();
  assert.deepEqual(
    r.read(1).records.map((x) => Buffer.from(x.payload)),
    payloads,
  );
  await r.close();
  const again = open(path, 64 * 1024);
  assert.deepEqual(again.recovery.corrupt, []);
  assert.equal(again.recovery.torn, null);
  assert.equal(again.recovery.records, 50);
  assert.deepEqual(
    again.read(1).records.map((x) => Buffer.from(x.payload)),
    payloads,
  );
  assert.equal(again.stats().nextSeq, 51);
  await again.close();
});

test('read: only durable records unless asked; fromSeq, maxRecords and maxBytes (at least one record)', async () => {
  const r = open(fresh(), 64 * 1024);
  for (let s = 1; s <= 20; s++) r.append(rec(s, 100), s);
  assert.deepEqual(r.read(1).records, [], 'nothing is fsynced yet');
  assert.equal(r.read(1, 100, 1e6, { includeUnsynced: true }).records.length, 20);
  await r.durable(10);
  assert.deepEqual(
    r.read(1).records.map((x) => x.seq),
    range(1, r.stats().durableSeq),
  );
  await r.durable();
  assert.deepEqual(
    r.read(5, 3).records.map((x) => x.seq),
    [5, 6, 7],
  );
  assert.deepEqual(
    r.read(5, 100, 250).records.map((x) => x.seq),
    [5, 6],
  );
  assert.deepEqual(
    r.read(5, 100, 1).records.map((x) => x.seq),
    [5],
    'one record even when it alone exceeds maxBytes',
  );
  assert.deepEqual(r.read(21).records, []);
  // Sequential reads continue where the last ended.
  const got: number[] = [];
  for (let from = 1; ; ) {
    const b = r.read(from, 7).records;
    if (b.length === 0) break;
    got.push(...b.map((x) => x.seq));
    from = (b[b.length - 1]?.seq ?? 0) + 1;
  }
  assert.deepEqual(got, range(1, 20));
  await r.close();
});

test('wrap-around: the ring keeps exactly the newest records that fit, in order, across reopen', async () => {
  const path = fresh();
  const cap = 4096;
  const r = open(path, cap);
  const rand = prng(3);
  const sizes: number[] = [];
  for (let s = 1; s <= 500; s++) {
    const size = 20 + Math.floor(rand() * 400);
    sizes.push(size);
    r.append(rec(s, size), s);
    // Model: drop the oldest whole records until the frames fit the capacity.
    let oldest = 1;
    let used = 0;
    for (let k = s; k >= 1; k--) {
      const f = (sizes[k - 1] as number) + FRAME_HEADER_BYTES;
      if (used + f > cap) break;
      used += f;
      oldest = k;
    }
    const st = r.stats();
    assert.equal(st.oldestSeq, oldest, `after seq ${s}`);
    assert.equal(st.usedBytes, used);
    assert.equal(st.records, s - oldest + 1);
  }
  const before = seqsOf(r);
  assert.deepEqual(before, range(r.stats().oldestSeq, 500));
  await r.close();
  const again = open(path, cap);
  assert.deepEqual(seqsOf(again), before);
  assert.deepEqual(again.recovery.corrupt, []);
  assert.equal(again.stats().usedBytes, r.stats().usedBytes);
  await again.close();
});

test('overwrite order: acknowledged records go first, then the oldest unacknowledged, each counted exactly once', async () => {
  const r = open(fresh(), 4096);
  // 100-byte payloads: 128-byte frames, 32 fill the ring.
  for (let s = 1; s <= 32; s++) assert.equal(r.append(rec(s), s).dropped, null);
  r.markAcked(10);
  const reports: { fromSeq: number; toSeq: number; count: number }[] = [];
  for (let s = 33; s <= 42; s++) {
    const d = r.append(rec(s), s).dropped;
    assert.equal(d, null, `seq ${s} only overwrites acknowledged records`);
  }
  assert.equal(r.stats().oldestSeq, 11);
  for (let s = 43; s <= 45; s++) {
    const d = r.append(rec(s), s).dropped;
    assert.ok(d !== null);
    reports.push(d);
  }
  assert.deepEqual(reports, [
    { fromSeq: 11, toSeq: 11, count: 1 },
    { fromSeq: 12, toSeq: 12, count: 1 },
    { fromSeq: 13, toSeq: 13, count: 1 },
  ]);
  // A large record overwrites several at once: one report for all.
  const big = r.append(rec(46, 1000), 46).dropped;
  assert.deepEqual(big, { fromSeq: 14, toSeq: 22, count: 9 }); // 1,028 bytes need nine 128-byte frames
  // Mixed: acknowledged and unacknowledged in one append; only the latter are reported.
  r.markAcked(24);
  assert.deepEqual(r.append(rec(47, 500), 47).dropped, { fromSeq: 25, toSeq: 26, count: 2 });
  assert.deepEqual(seqsOf(r), range(27, 47));
  await r.close();
});

test('unacknowledged share: bytes above the acknowledged mark over the capacity', async () => {
  const r = open(fresh(), 4096);
  for (let s = 1; s <= 16; s++) r.append(rec(s), s);
  assert.equal(r.stats().unackedShare, 0.5);
  r.markAcked(8);
  assert.equal(r.stats().unackedBytes, 8 * 128);
  assert.equal(r.stats().unackedShare, 0.25);
  r.markAcked(8);
  r.markAcked(3);
  assert.equal(r.stats().ackedSeq, 8, 'the mark never moves back');
  r.markAcked(16);
  assert.equal(r.stats().unackedBytes, 0);
  for (let s = 17; s <= 60; s++) r.append(rec(s), s);
  assert.equal(r.stats().unackedShare, 1);
  await r.close();
});

test('the acknowledged mark survives a clean reopen and a crash once synced', async () => {
  const path = fresh();
  const r = open(path, 8192);
  for (let s = 1; s <= 30; s++) r.append(rec(s), s);
  r.markAcked(12);
  await r.close();
  const a = open(path, 8192);
  assert.equal(a.stats().ackedSeq, 12);
  a.markAcked(20);
  a.sync();
  a.abandon();
  const b = open(path, 8192);
  assert.equal(b.stats().ackedSeq, 20);
  assert.equal(b.stats().unackedBytes, 10 * 128);
  b.abandon();
});

test('records acknowledged only in memory are not overwritten before the mark is on disk', () => {
  const path = fresh();
  const r = open(path, 4096);
  for (let s = 1; s <= 32; s++) r.append(rec(s), s);
  r.sync();
  r.markAcked(5);
  r.append(rec(33), 33); // overwrites seq 1, acknowledged only in memory so far
  r.abandon(); // crash: no close, no further sync
  const again = open(path, 4096);
  assert.equal(again.stats().ackedSeq, 5);
  assert.deepEqual(again.recovery.corrupt, [], 'seq 1 was acknowledged: its loss is no loss');
  again.abandon();
});

test('a record over the limit is refused with AGENT_RING_RECORD_TOO_LARGE and nothing is written', () => {
  const r = open(fresh(), 64 * 1024, { maxRecordBytes: 1000 });
  r.append(rec(1), 1);
  assert.throws(
    () => r.append(Buffer.alloc(1001), 2),
    (e: unknown) => isSeclogError(e, 'AGENT_RING_RECORD_TOO_LARGE') && (e.details as { maxBytes: number }).maxBytes === 1000,
  );
  assert.equal(r.stats().records, 1);
  r.append(rec(2), 2);
  // The limit is never above what the ring can hold.
  const tiny = open(fresh(), 1024);
  assert.equal(tiny.stats().maxRecordBytes, 1024 - FRAME_HEADER_BYTES);
  assert.throws(
    () => tiny.append(Buffer.alloc(1024 - FRAME_HEADER_BYTES + 1), 1),
    (e: unknown) => isSeclogError(e, 'AGENT_RING_RECORD_TOO_LARGE'),
  );
  r.abandon();
  tiny.abandon();
});

test('seqs never go backwards (AGENT_RING_SEQ_ORDER); a jump forward is a declared gap, not damage', async () => {
  const path = fresh();
  const r = open(path, 8192);
  r.append(rec(1), 1);
  r.append(rec(2), 2);
  for (const bad of [2, 1, 0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => r.append(rec(9), bad),
      (e: unknown) => isSeclogError(e, 'AGENT_RING_SEQ_ORDER'),
      `seq ${bad}`,
    );
  }
  r.append(rec(10), 10);
  r.append(rec(11), 11);
  await r.close();
  const again = open(path, 8192);
  assert.deepEqual(again.recovery.corrupt, []);
  assert.deepEqual(seqsOf(again), [1, 2, 10, 11]);
  assert.throws(
    () => again.append(rec(5), 5),
    (e: unknown) => isSeclogError(e, 'AGENT_RING_SEQ_ORDER'),
  );
  again.abandon();
});

test('state blob: durable at once, kept across reopen; erase overwrites the old blob in both slots', () => {
  const path = fresh();
  const r = open(path, 8192);
  const k1 = Buffer.from('KEY-ONE-0123456789abcdef-0123456789abcdef');
  const k2 = Buffer.from('KEY-TWO-fedcba9876543210-fedcba9876543210');
  const k3 = Buffer.from('KEY-333-aaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb');
  r.setState(k1);
  r.abandon();
  const a = open(path, 8192);
  assert.deepEqual(Buffer.from(a.state), k1);
  // Without erase the previous blob stays in the other slot until that slot is written again.
  a.setState(k2);
  assert.ok(readFileSync(path).includes(k1), 'the old blob is still in the other slot');
  a.setState(k3, { erase: true });
  const bytes = readFileSync(path);
  assert.ok(!bytes.includes(k1) && !bytes.includes(k2), 'no earlier blob is left anywhere in the file');
  assert.ok(bytes.subarray(SLOT_OFFSETS[0], SLOT_OFFSETS[0] + 4096).includes(k3));
  assert.ok(bytes.subarray(SLOT_OFFSETS[1], SLOT_OFFSETS[1] + 4096).includes(k3));
  a.abandon();
  assert.deepEqual(Buffer.from(open(path, 8192).state), k3);
  assert.throws(
    () => a.setState(new Uint8Array(10)),
    (e: unknown) => isSeclogError(e, 'AGENT_RING_CLOSED'),
  );
  const b = open(fresh(), 8192);
  assert.throws(
    () => b.setState(new Uint8Array(3073)),
    (e: unknown) => isSeclogError(e, 'AGENT_RING_STATE_TOO_LARGE'),
  );
  b.abandon();
});

test('group commit: many concurrent durable() calls share a few fsyncs; syncSoon waits at most its delay', async () => {
  const r = open(fresh(), 1024 * 1024);
  const waits: Promise<void>[] = [];
  for (let s = 1; s <= 200; s++) {
    r.append(rec(s), s);
    waits.push(r.durable(s));
  }
  await Promise.all(waits);
  assert.equal(r.stats().durableSeq, 200);
  assert.ok(r.stats().fsyncs <= 2, `200 waiters took ${r.stats().fsyncs} fsyncs`);
  // Waiters that arrive while an fsync runs are served together by the next one.
  const more: Promise<void>[] = [];
  for (let s = 201; s <= 300; s++) {
    r.append(rec(s), s);
    more.push(r.durable(s));
    if (s % 10 === 0) await new Promise((res) => setImmediate(res));
  }
  await Promise.all(more);
  assert.ok(r.stats().fsyncs <= 2 + 10);
  const before = r.stats().fsyncs;
  const t0 = performance.now();
  const soon: Promise<void>[] = [];
  for (let s = 301; s <= 350; s++) {
    r.append(rec(s), s);
    soon.push(r.syncSoon(s, 30));
  }
  await Promise.all(soon);
  assert.ok(performance.now() - t0 >= 25, 'syncSoon did not wait for its batch');
  assert.equal(r.stats().fsyncs - before, 1);
  await r.durable(); // nothing new: resolves at once
  await r.close();
});

test('a file that holds no ring is started afresh with a report, never an exception', () => {
  const rand = prng(9);
  const garbage = Buffer.from(Array.from({ length: 20000 }, () => Math.floor(rand() * 256)));
  const cases: { name: string; content: Buffer; reason: RegExp }[] = [
    { name: 'random bytes', content: garbage, reason: /neither state slot nor the superblock/ },
    { name: 'empty file', content: Buffer.alloc(0), reason: /empty/ },
    { name: 'zeros', content: Buffer.alloc(DATA_OFFSET + 4096), reason: /neither/ },
  ];
  for (const c of cases) {
    const path = fresh();
    writeFileSync(path, c.content);
    const r = open(path, 4096);
    assert.match(r.recovery.reinitialised ?? '', c.reason, c.name);
    assert.equal(r.stats().records, 0);
    assert.equal(statSync(path).size, DATA_OFFSET + 4096);
    r.append(rec(1), 1);
    r.sync();
    r.abandon();
    const again = open(path, 4096);
    assert.equal(again.recovery.reinitialised, null, `${c.name}: a good ring afterwards`);
    assert.deepEqual(seqsOf(again), [1]);
    again.abandon();
  }
});

test('slot damage: a corrupt newer slot loses to the older one, the records are still found, the slot is repaired', async () => {
  const path = fresh();
  const r = open(path, 8192);
  for (let s = 1; s <= 20; s++) r.append(rec(s), s);
  r.markAcked(5);
  r.setState(Buffer.from('old'));
  r.markAcked(9);
  r.setState(Buffer.from('new'));
  r.abandon();
  const bytes = readFileSync(path);
  const newer = bytes.subarray(SLOT_OFFSETS[0], SLOT_OFFSETS[0] + 4096).includes(Buffer.from('new')) ? 0 : 1;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([0xff, 0xee]), 0, 2, SLOT_OFFSETS[newer] + 30);
  closeSync(fd);
  const a = open(path, 8192);
  assert.equal(a.recovery.slot, newer === 0 ? 'B' : 'A');
  assert.deepEqual(a.recovery.damagedSlots, [newer === 0 ? 'A' : 'B']);
  assert.deepEqual(Buffer.from(a.state), Buffer.from('old'));
  assert.equal(a.stats().ackedSeq, 5);
  assert.deepEqual(seqsOf(a), range(1, 20));
  a.abandon();
  const b = open(path, 8192);
  assert.deepEqual(b.recovery.damagedSlots, [], 'repaired at the previous open');
  b.abandon();
});

test('both slots lost: the records are recovered from the data (ring id from the superblock); state and mark are gone', () => {
  const path = fresh();
  const r = open(path, 8192);
  for (let s = 1; s <= 20; s++) r.append(rec(s), s);
  r.markAcked(7);
  r.setState(Buffer.from('state'));
  r.abandon();
  const fd = openSync(path, 'r+');
  for (const off of SLOT_OFFSETS) writeSync(fd, Buffer.alloc(4096), 0, 4096, off);
  closeSync(fd);
  const a = open(path, 8192);
  assert.equal(a.recovery.slot, null);
  assert.equal(a.recovery.reinitialised, null);
  assert.deepEqual(seqsOf(a), range(1, 20));
  assert.equal(a.stats().ackedSeq, 0);
  assert.equal(a.state.length, 0);
  a.abandon();
  // And with the superblock gone as well as the slots: nothing says which frames are ours; start afresh.
  const fd2 = openSync(path, 'r+');
  for (const off of [...SLOT_OFFSETS, SUPERBLOCK_OFFSET]) writeSync(fd2, Buffer.alloc(4096), 0, 4096, off);
  closeSync(fd2);
  const b = open(path, 8192);
  assert.ok(b.recovery.reinitialised !== null);
  assert.deepEqual(seqsOf(b), []);
  b.abandon();
});

test('a file cut short reopens: the cut part reads as empty and the lost durable records are reported', async () => {
  const path = fresh();
  const r = open(path, 8192);
  // 128-byte frames, 64 fit: seqs 37..100 retained, 65..100 at the front of the data area after the wrap.
  for (let s = 1; s <= 100; s++) r.append(rec(s), s);
  await r.close();
  const size = statSync(path).size;
  truncateSync(path, DATA_OFFSET + 2048);
  const a = open(path, 8192);
  assert.equal(a.recovery.extendedBytes, size - (DATA_OFFSET + 2048));
  assert.equal(statSync(path).size, size);
  assert.deepEqual(seqsOf(a), range(65, 80));
  assert.deepEqual(
    a.recovery.corrupt.map((c) => [c.where, c.fromSeq, c.toSeq, c.count]),
    [
      ['front', 37, 64, 28],
      ['tail', 81, 100, 20],
    ],
  );
  assert.equal(a.stats().nextSeq, 101, 'no seq is used twice');
  a.abandon();
  const crashedAgain = open(path, 8192);
  assert.deepEqual(crashedAgain.recovery.corrupt, [], 'reported once, even if the device dies again before writing');
  assert.equal(crashedAgain.stats().nextSeq, 101);
  crashedAgain.append(rec(101), 101);
  await crashedAgain.close();
  const b = open(path, 8192);
  assert.deepEqual(b.recovery.corrupt, [], 'reported once');
  assert.deepEqual(seqsOf(b), [...range(65, 80), 101]);
  b.abandon();
});

test('the capacity of an existing ring wins over the one asked for, and the difference is reported', () => {
  const path = fresh();
  open(path, 8192).abandon();
  const r = open(path, 16384);
  assert.equal(r.stats().capacityBytes, 8192);
  assert.equal(r.recovery.requestedCapacityBytes, 16384);
  r.abandon();
  assert.throws(
    () => open(fresh(), 100),
    (e: unknown) => isSeclogError(e, 'AGENT_RING_CONFIG_INVALID'),
  );
  assert.throws(
    () => open(fresh(), 8192, { maxRecordBytes: 0 }),
    (e: unknown) => isSeclogError(e, 'AGENT_RING_CONFIG_INVALID'),
  );
});

test('reset: unacknowledged records are reported dropped, seqs may start again, old frames never come back', async () => {
  const path = fresh();
  const r = open(path, 8192);
  for (let s = 1; s <= 40; s++) r.append(rec(s), s);
  r.markAcked(30);
  assert.deepEqual(r.reset(), { fromSeq: 31, toSeq: 40, count: 10 });
  assert.equal(r.stats().records, 0);
  r.append(rec(1), 1);
  r.append(rec(2), 2);
  await r.close();
  const a = open(path, 8192);
  assert.deepEqual(seqsOf(a), [1, 2]);
  assert.equal(a.stats().ackedSeq, 0);
  assert.deepEqual(a.recovery.corrupt, []);
  a.abandon();
});

test('rings checked only near the head at open: a damaged old payload is found when read, reported once, then skipped', async () => {
  const path = fresh();
  const opts = { fullVerifyMaxBytes: 1024, dirtyLimitBytes: 1024, maxRecordBytes: 200 };
  const r = open(path, 16384, opts);
  for (let s = 1; s <= 100; s++) r.append(rec(s), s);
  await r.close();
  // Flip a byte inside the payload of the sixth record.
  const st = open(path, 16384, opts);
  const oldest = st.stats().oldestSeq;
  st.abandon();
  const buf = readFileSync(path);
  const target = buf.indexOf(Buffer.from(`{"seq":${oldest + 5},`), DATA_OFFSET);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([(buf[target + 15] as number) ^ 1]), 0, 1, target + 15);
  closeSync(fd);
  const a = open(path, 16384, opts);
  assert.deepEqual(a.recovery.corrupt, [], 'not checked at open: far from the head');
  assert.ok(a.recovery.payloadBytesVerified < a.recovery.bytesRead);
  const first = a.read(0, 1000);
  assert.deepEqual(
    first.corrupt.map((c) => [c.fromSeq, c.toSeq, c.foundBy]),
    [[oldest + 5, oldest + 5, 'read']],
  );
  assert.ok(!first.records.some((x) => x.seq === oldest + 5));
  assert.equal(first.records.length, a.stats().records);
  assert.deepEqual(a.read(0, 1000).corrupt, [], 'reported once');
  await a.close();
  const b = open(path, 16384, opts);
  assert.deepEqual(b.recovery.corrupt, []);
  assert.ok(!seqsOf(b).includes(oldest + 5));
  b.abandon();
});

test('storage level: 80 % and 95 % fire once each while rising, and re-arm after falling back', () => {
  const w = new StorageLevelWatch([0.8, 0.95]);
  const fired = [0.1, 0.5, 0.79, 0.8, 0.85, 0.96, 0.97, 0.9, 0.96, 0.7, 0.81, 0.99].map((s) => w.update(s));
  assert.deepEqual(fired, [null, null, null, 0.8, null, 0.95, null, null, null, null, 0.8, 0.95]);
});

test('stale records of an older lap that an unwritten page brings back are not taken for retained ones', () => {
  const path = fresh();
  const r = open(path, 4096);
  for (let s = 1; s <= 32; s++) r.append(rec(s), s); // 128-byte frames: positions 0..4096, lap 1
  r.sync();
  const lap1 = readFileSync(path);
  for (let s = 33; s <= 40; s++) r.append(rec(s), s); // lap 2 over positions 0..1024
  r.sync();
  r.abandon();
  // The page holding 37..40 never reached the disk: lap 1's seqs 5..8 are back there, whole and valid.
  const img = readFileSync(path);
  lap1.copy(img, DATA_OFFSET + 512, DATA_OFFSET + 512, DATA_OFFSET + 1024);
  writeFileSync(path, img);
  const a = open(path, 4096);
  assert.deepEqual(seqsOf(a), range(9, 36));
  assert.deepEqual(
    a.recovery.corrupt.map((c) => [c.where, c.fromSeq, c.toSeq]),
    [['tail', 37, 40]],
  );
  a.abandon();
});

test("recovery keeps one run around the circle: a chain inside the newer run's span is left out (no state slot to help)", async () => {
  const { decodeSuperblock } = await import('../src/ring/layout.js');
  const { writeFrameHeader, KIND_RECORD } = await import('../src/ring/frame.js');
  const { crc32c } = await import('../src/ring/crc32c.js');
  const path = fresh();
  open(path, 4096).abandon();
  const img = readFileSync(path);
  const sb = decodeSuperblock(img.subarray(SUPERBLOCK_OFFSET, SUPERBLOCK_OFFSET + 4096));
  assert.ok(sb !== null);
  img.fill(0, 0, 4096);
  img.fill(0, SLOT_OFFSETS[1], SLOT_OFFSETS[1] + 4096);
  const put = (seq: number, pos: number): void => {
    const p = rec(seq);
    const f = Buffer.alloc(FRAME_HEADER_BYTES + p.length);
    writeFrameHeader(f, 0, KIND_RECORD, 0, p.length, seq, sb.ringId, crc32c(p));
    p.copy(f, FRAME_HEADER_BYTES);
    f.copy(img, DATA_OFFSET + pos);
  };
  for (let s = 50; s <= 55; s++) put(s, (s - 50) * 128); // [0, 768)
  put(20, 768); // stale: inside the gap where 56..57 were, between two newer runs
  put(21, 896);
  for (let s = 58; s <= 60; s++) put(s, 1024 + (s - 58) * 128); // [1024, 1408)
  writeFileSync(path, img);
  const a = open(path, 4096);
  assert.equal(a.recovery.slot, null);
  assert.deepEqual(seqsOf(a), [...range(50, 55), ...range(58, 60)]);
  assert.deepEqual(
    a.recovery.corrupt.map((c) => [c.where, c.fromSeq, c.toSeq, c.fromPos, c.toPos]),
    [['middle', 56, 57, 768, 1024]],
  );
  a.abandon();
});

test('group commits write a state slot only for a new mark or after an eighth of the ring of appends; a copy taken then recovers every durable record', async () => {
  const path = fresh();
  const cap = 256 * 1024;
  const r = open(path, cap);
  const generation = (): number => {
    const file = readFileSync(path);
    const gens = SLOT_OFFSETS.map((o) => decodeSlot(file.subarray(o, o + 4096))?.generation ?? -1);
    return Math.max(...gens);
  };
  await r.durable(0);
  const g0 = generation();
  // 100 durable appends of 200 B (~21 KiB, below cap / 8 = 32 KiB): frames only.
  for (let s = 1; s <= 100; s++) {
    r.append(rec(s, 200), s);
    await r.durable(s);
  }
  assert.equal(generation(), g0, 'no slot write for appends below the lag');
  // A power cut now: copy the file as it is on disk and open the copy.
  const cut = `${path}.cut`;
  writeFileSync(cut, readFileSync(path));
  const recovered = open(cut, cap);
  assert.deepEqual(seqsOf(recovered), range(1, 100), 'the frames past the slot are found by their CRCs');
  assert.equal(recovered.stats().nextSeq, 101);
  await recovered.close();
  // The acknowledged mark is written at the next group commit.
  r.markAcked(40);
  r.append(rec(101, 200), 101);
  await r.durable(101);
  assert.equal(generation(), g0 + 1, 'a new mark: one slot write');
  // Keep appending: the lag bound forces a slot write before 32 KiB more have gathered.
  for (let s = 102; s <= 260; s++) {
    r.append(rec(s, 200), s);
    await r.durable(s);
  }
  assert.ok(generation() >= g0 + 2, 'the lag bound wrote a slot');
  await r.close();
  const again = open(path, cap);
  assert.equal(again.stats().ackedSeq, 40);
  assert.equal(again.stats().nextSeq, 261);
  await again.close();
});
