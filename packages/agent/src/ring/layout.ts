/**
 * The ring file: one preallocated file of fixed size, like a flash partition.
 *
 *   offset 0          4096         8192         12288                      12288 + capacity
 *          +------------+------------+------------+----------------------------+
 *          |  slot A    | superblock |  slot B    | data area: frames, written |
 *          |  (state)   | (fixed)    |  (state)   | circularly (frame.ts)      |
 *          +------------+------------+------------+----------------------------+
 *
 * The superblock is written once, when the file is created or reinitialised:
 * magic, version, capacity and the ring id. The two state slots are written
 * in place, alternately, each with a generation number and a CRC; at open the
 * valid slot with the higher generation wins (slot.ts). The superblock sits
 * between the slots so that no single 4 KiB span of damage can reach both of
 * them. Capacity and ring id are kept in all three, so any one of them is
 * enough to find the records again.
 */
import { crc32c } from './crc32c.js';
import { readU32, readU64, writeU32, writeU64 } from './frame.js';

export const PAGE_BYTES = 4096;
export const SLOT_OFFSETS = [0, 2 * PAGE_BYTES] as const;
export const SUPERBLOCK_OFFSET = PAGE_BYTES;
export const DATA_OFFSET = 3 * PAGE_BYTES;

/** Smallest data area accepted: room for a few small records. */
export const MIN_CAPACITY_BYTES = 1024;
/** Positions are JS numbers and the slot stores them as u64; 2^40 (1 TiB) keeps every sum exact. */
export const MAX_CAPACITY_BYTES = 2 ** 40;

const SUPER_MAGIC = Buffer.from('SCLGRING', 'latin1');
export const RING_FORMAT_VERSION = 1;
const SUPER_BYTES = 36;

export interface Superblock {
  readonly version: number;
  readonly ringId: number;
  readonly capacity: number;
  readonly createdMs: number;
}

export function encodeSuperblock(sb: Superblock): Buffer {
  const b = Buffer.alloc(SUPER_BYTES);
  SUPER_MAGIC.copy(b, 0);
  b.writeUInt16BE(sb.version, 8);
  b.writeUInt16BE(28, 10);
  writeU32(b, 12, sb.ringId);
  writeU64(b, 16, sb.capacity);
  writeU64(b, 24, sb.createdMs);
  writeU32(b, 32, crc32c(b, 0, 32));
  return b;
}

/** The superblock in `page`, or null when it is missing, damaged or of another format. */
export function decodeSuperblock(page: Uint8Array): Superblock | null {
  if (page.length < SUPER_BYTES) return null;
  if (Buffer.compare(page.subarray(0, 8), SUPER_MAGIC) !== 0) return null;
  if (crc32c(page, 0, 32) !== readU32(page, 32)) return null;
  const version = (page[8]! << 8) | page[9]!;
  if (version !== RING_FORMAT_VERSION) return null;
  const capacity = readU64(page, 16);
  if (!validCapacity(capacity)) return null;
  return { version, ringId: readU32(page, 12), capacity, createdMs: readU64(page, 24) };
}

export function validCapacity(n: number): boolean {
  return Number.isSafeInteger(n) && n >= MIN_CAPACITY_BYTES && n <= MAX_CAPACITY_BYTES;
}

/** Bytes a ring of `capacity` data bytes takes on disk. */
export function fileBytesFor(capacity: number): number {
  return DATA_OFFSET + capacity;
}
