/** Frames, state slots and the superblock: encoding, damage detection, and which slot wins. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crc32c } from '../src/ring/crc32c.js';
import {
  FLAG_GAP_BEFORE,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  KIND_PAD,
  KIND_RECORD,
  newFrameHeader,
  readFrameHeader,
  writeFrameHeader,
} from '../src/ring/frame.js';
import { decodeSuperblock, encodeSuperblock } from '../src/ring/layout.js';
import { decodeSlot, encodeSlot, pickSlot, RING_MAX_STATE_BYTES, type SlotState } from '../src/ring/slot.js';

function header(seq: number, length = 300, kind = KIND_RECORD, flags = 0): Buffer {
  const b = Buffer.alloc(FRAME_HEADER_BYTES);
  writeFrameHeader(b, 0, kind, flags, length, seq, 0xa1b2c3d4, 0x01020304);
  return b;
}

test('frame header: round trip of every field, seqs up to 2^53 − 1', () => {
  for (const seq of [1, 255, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1]) {
    const h = newFrameHeader();
    assert.ok(readFrameHeader(header(seq, 16384, KIND_RECORD, FLAG_GAP_BEFORE), 0, h));
    assert.deepEqual(h, { kind: KIND_RECORD, flags: FLAG_GAP_BEFORE, length: 16384, seq, ringId: 0xa1b2c3d4, payloadCrc: 0x01020304 });
  }
  const pad = newFrameHeader();
  assert.ok(readFrameHeader(header(0, 4000, KIND_PAD), 0, pad));
  assert.equal(pad.kind, KIND_PAD);
});

test('frame header: the size the core front-cut check assumes per record', async () => {
  const { RING_FRAME_BYTES } = await import('@seclog/core');
  assert.equal(RING_FRAME_BYTES, FRAME_HEADER_BYTES);
});

test('frame header: every single bit flip is caught', () => {
  const good = header(123456789);
  const h = newFrameHeader();
  for (let bit = 0; bit < FRAME_HEADER_BYTES * 8; bit++) {
    const b = Buffer.from(good);
    b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
    assert.equal(readFrameHeader(b, 0, h), false, `bit ${bit} flipped went unnoticed`);
  }
});

test('frame header: unknown kinds and zeros are not frames', () => {
  const h = newFrameHeader();
  assert.equal(readFrameHeader(Buffer.alloc(FRAME_HEADER_BYTES), 0, h), false);
  const b = header(5);
  b[2] = 3;
  b.writeUInt32BE(crc32c(b, 0, 24), 24);
  assert.equal(readFrameHeader(b, 0, h), false);
});

test('frame magic never occurs in UTF-8 text, so it cannot hide in a canonical-JSON payload', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
      assert.equal(Buffer.from(s, 'utf8').indexOf(FRAME_MAGIC), -1);
    }),
    { numRuns: 300 },
  );
});

const slotOf = (generation: number, extra: Partial<SlotState> = {}): SlotState => ({
  generation,
  ringId: 7,
  capacity: 65536,
  tailPos: 100,
  tailSeq: 5,
  headPos: 9000,
  lastSeq: 80,
  nextSeq: 81,
  ackedSeq: 40,
  state: new Uint8Array([1, 2, 3]),
  ...extra,
});

const page = (s: SlotState): Buffer => {
  const p = Buffer.alloc(4096);
  encodeSlot(s).copy(p);
  return p;
};

test('slot: round trip, including an empty and a full state blob', () => {
  for (const state of [new Uint8Array(0), new Uint8Array([9, 9]), new Uint8Array(RING_MAX_STATE_BYTES).fill(0x5a)]) {
    const s = slotOf(2 ** 40 + 3, { state, ackedSeq: 2 ** 52 });
    assert.deepEqual(decodeSlot(page(s)), s);
  }
});

test('slot: a torn or flipped slot does not decode', () => {
  const good = page(slotOf(9));
  const used = encodeSlot(slotOf(9)).length;
  for (let i = 0; i < used; i++) {
    const b = Buffer.from(good);
    b[i] = (b[i] as number) ^ 0x10;
    assert.equal(decodeSlot(b), null, `byte ${i} flipped`);
  }
  // Torn: only the first sectors' worth made it, the rest is what was there before (zeros here).
  for (const cut of [1, 40, 80, used - 1]) {
    const b = Buffer.alloc(4096);
    good.copy(b, 0, 0, cut);
    assert.equal(decodeSlot(b), null, `cut at ${cut}`);
  }
});

test('slot selection: the newer valid slot wins; a damaged one never does', () => {
  const a = slotOf(10);
  const b = slotOf(11);
  const cases: { name: string; a: SlotState | null; b: SlotState | null; want: 0 | 1 | -1 }[] = [
    { name: 'B newer', a, b, want: 1 },
    { name: 'A newer', a: slotOf(12), b, want: 0 },
    { name: 'A corrupt: B wins', a: null, b, want: 1 },
    { name: 'B corrupt: A wins though older', a, b: null, want: 0 },
    { name: 'both corrupt', a: null, b: null, want: -1 },
  ];
  for (const c of cases) assert.equal(pickSlot(c.a, c.b), c.want, c.name);
  // The same through the byte level: flip a byte of the newer slot, the older one is picked.
  const pb = page(b);
  pb[20] = (pb[20] as number) ^ 1;
  assert.equal(pickSlot(decodeSlot(page(a)), decodeSlot(pb)), 0);
});

test('superblock: round trip, and damage is detected', () => {
  const sb = { version: 1, ringId: 0xdeadbeef, capacity: 1 << 20, createdMs: 1_790_000_000_000 };
  const b = encodeSuperblock(sb);
  assert.deepEqual(decodeSuperblock(b), sb);
  for (let i = 0; i < b.length; i++) {
    const c = Buffer.from(b);
    c[i] = (c[i] as number) ^ 4;
    assert.equal(decodeSuperblock(c), null, `byte ${i}`);
  }
});
