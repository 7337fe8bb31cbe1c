/**
 * The frame that wraps every record in the ring's data area (big-endian):
 *
 *   0     2     3     4          8               16       20          24          28
 *   +-----+-----+-----+----------+---------------+--------+-----------+-----------+------------------
 *   |FE 53|kind |flags| length   | seq (u64)     | ringId | payload   | header    | payload
 *   |     |     |     | (u32)    |               | (u32)  | CRC-32C   | CRC-32C   | (length bytes)
 *   +-----+-----+-----+----------+---------------+--------+-----------+-----------+------------------
 *
 * - The magic starts with 0xFE, a byte that never occurs in UTF-8, so a frame
 *   header cannot hide inside a canonical-JSON payload and a resync search
 *   (Buffer.indexOf) finds only real candidates.
 * - `ringId` is drawn at random when the file is (re)initialised: frames of
 *   an earlier life of the file are never taken for current ones.
 * - `seq` is the record's sequence number. It doubles as the lap counter: a
 *   frame left over from the previous lap has a lower seq than the records
 *   around it, so stale frames are recognised without a separate generation.
 * - The header CRC covers bytes 0–23 (payload CRC included), so a header can
 *   be trusted, and the next frame found, without reading the payload; the
 *   payload CRC says the record was written completely.
 * - kind `pad` marks bytes to skip: recovery writes one over a damaged range
 *   between two good records, so the damage is reported once, not at every
 *   open. Its payload is not checked.
 * - flag `gapBefore`: the writer skipped seqs on purpose before this record
 *   (after a recovery that found records missing); not corruption.
 */
import { crc32c } from './crc32c.js';

export const FRAME_HEADER_BYTES = 28;
export const FRAME_MAGIC0 = 0xfe;
export const FRAME_MAGIC1 = 0x53;
export const FRAME_MAGIC = Buffer.from([FRAME_MAGIC0, FRAME_MAGIC1]);

export const KIND_RECORD = 1;
export const KIND_PAD = 2;
export const FLAG_GAP_BEFORE = 1;

const TWO_32 = 0x1_0000_0000;

/** A decoded header; one instance is reused across a scan to keep allocation off the hot path. */
export interface FrameHeader {
  kind: number;
  flags: number;
  length: number;
  seq: number;
  ringId: number;
  payloadCrc: number;
}

export function newFrameHeader(): FrameHeader {
  return { kind: 0, flags: 0, length: 0, seq: 0, ringId: 0, payloadCrc: 0 };
}

/**
 * Decode the header at `buf[off, off + 28)` into `out`. False when the magic,
 * the kind or the header CRC is wrong; the caller checks ringId and length
 * against the ring it belongs to.
 */
export function readFrameHeader(buf: Uint8Array, off: number, out: FrameHeader): boolean {
  if (buf[off] !== FRAME_MAGIC0 || buf[off + 1] !== FRAME_MAGIC1) return false;
  const kind = buf[off + 2]!;
  if (kind !== KIND_RECORD && kind !== KIND_PAD) return false;
  if (crc32c(buf, off, off + 24) !== readU32(buf, off + 24)) return false;
  out.kind = kind;
  out.flags = buf[off + 3]!;
  out.length = readU32(buf, off + 4);
  out.seq = readU32(buf, off + 8) * TWO_32 + readU32(buf, off + 12);
  out.ringId = readU32(buf, off + 16);
  out.payloadCrc = readU32(buf, off + 20);
  return true;
}

/** Encode a header into `buf[off, off + 28)`. */
export function writeFrameHeader(
  buf: Uint8Array,
  off: number,
  kind: number,
  flags: number,
  length: number,
  seq: number,
  ringId: number,
  payloadCrc: number,
): void {
  buf[off] = FRAME_MAGIC0;
  buf[off + 1] = FRAME_MAGIC1;
  buf[off + 2] = kind;
  buf[off + 3] = flags;
  writeU32(buf, off + 4, length);
  writeU32(buf, off + 8, Math.floor(seq / TWO_32));
  writeU32(buf, off + 12, seq >>> 0);
  writeU32(buf, off + 16, ringId);
  writeU32(buf, off + 20, payloadCrc);
  writeU32(buf, off + 24, crc32c(buf, off, off + 24));
}

export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

export function readU64(buf: Uint8Array, off: number): number {
  return readU32(buf, off) * TWO_32 + readU32(buf, off + 4);
}

export function writeU64(buf: Uint8Array, off: number, v: number): void {
  writeU32(buf, off, Math.floor(v / TWO_32));
  writeU32(buf, off + 4, v >>> 0);
}
