/**
 * The two state slots (A/B). Each is written in place, without rename, in
 * its own 4 KiB page:
 *
 *   0        4     6     8             16       20        24          32
 *   +--------+-----+-----+-------------+--------+---------+-----------+
 *   | "SLOT" | ver | 0   | generation  | ringId | blobLen | capacity  |
 *   +--------+-----+-----+-------------+--------+---------+-----------+
 *   32         40         48         56         64         72         80
 *   +----------+----------+----------+----------+----------+----------+------------+---------+
 *   | tailPos  | tailSeq  | headPos  | lastSeq  | nextSeq  | ackedSeq | blob       | CRC-32C |
 *   +----------+----------+----------+----------+----------+----------+------------+---------+
 *
 * The positions describe the ring as of the last completed fsync, so a slot
 * never claims a record that might not be on disk. They are hints and
 * consistency checks for recovery; the records themselves are found in the
 * data area. What only the slots hold: the acknowledged mark, `nextSeq`
 * (seqs are never reused, even after records were lost), and the
 * application's state blob (the logger's seal state).
 *
 * Safety rule (ring-store.ts): a slot is only ever written while the other
 * one holds a valid, fsynced copy, so a torn slot write leaves the previous
 * state readable.
 */
import { crc32c } from './crc32c.js';
import { readU32, readU64, writeU32, writeU64 } from './frame.js';
import { PAGE_BYTES } from './layout.js';

const SLOT_MAGIC = 0x534c4f54; // "SLOT"
const SLOT_VERSION = 1;
const SLOT_FIXED_BYTES = 80;
/** Largest application state blob a slot holds (the rest of the page is the fixed part and the CRC). */
export const RING_MAX_STATE_BYTES = 3072;

export interface SlotState {
  readonly generation: number;
  readonly ringId: number;
  readonly capacity: number;
  /** Oldest retained record as of the durable snapshot (tailSeq 0: the ring was empty). */
  readonly tailPos: number;
  readonly tailSeq: number;
  /** End of the newest durable record, and its seq (0: none). */
  readonly headPos: number;
  readonly lastSeq: number;
  /** The lowest seq the next append may carry (0: any). */
  readonly nextSeq: number;
  readonly ackedSeq: number;
  readonly state: Uint8Array;
}

export function encodeSlot(s: SlotState): Buffer {
  const n = SLOT_FIXED_BYTES + s.state.length + 4;
  const b = Buffer.alloc(n);
  writeU32(b, 0, SLOT_MAGIC);
  b.writeUInt16BE(SLOT_VERSION, 4);
  writeU64(b, 8, s.generation);
  writeU32(b, 16, s.ringId);
  writeU32(b, 20, s.state.length);
  writeU64(b, 24, s.capacity);
  writeU64(b, 32, s.tailPos);
  writeU64(b, 40, s.tailSeq);
  writeU64(b, 48, s.headPos);
  writeU64(b, 56, s.lastSeq);
  writeU64(b, 64, s.nextSeq);
  writeU64(b, 72, s.ackedSeq);
  b.set(s.state, SLOT_FIXED_BYTES);
  writeU32(b, n - 4, crc32c(b, 0, n - 4));
  return b;
}

/** The slot in `page`, or null when it is empty, torn or damaged. */
export function decodeSlot(page: Uint8Array): SlotState | null {
  if (page.length < SLOT_FIXED_BYTES + 4 || readU32(page, 0) !== SLOT_MAGIC) return null;
  if (((page[4]! << 8) | page[5]!) !== SLOT_VERSION) return null;
  const blobLen = readU32(page, 20);
  if (blobLen > RING_MAX_STATE_BYTES) return null;
  const end = SLOT_FIXED_BYTES + blobLen;
  if (end + 4 > Math.min(page.length, PAGE_BYTES)) return null;
  if (crc32c(page, 0, end) !== readU32(page, end)) return null;
  return {
    generation: readU64(page, 8),
    ringId: readU32(page, 16),
    capacity: readU64(page, 24),
    tailPos: readU64(page, 32),
    tailSeq: readU64(page, 40),
    headPos: readU64(page, 48),
    lastSeq: readU64(page, 56),
    nextSeq: readU64(page, 64),
    ackedSeq: readU64(page, 72),
    state: new Uint8Array(page.subarray(SLOT_FIXED_BYTES, end)),
  };
}

/** Index (0 = A, 1 = B) of the valid slot with the higher generation, or -1 when neither is valid. */
export function pickSlot(a: SlotState | null, b: SlotState | null): 0 | 1 | -1 {
  if (a === null) return b === null ? -1 : 1;
  if (b === null) return 0;
  return b.generation > a.generation ? 1 : 0;
}
