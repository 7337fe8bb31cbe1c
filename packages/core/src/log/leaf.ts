/**
 * The Merkle leaf that binds one stored record into the collector's log
 * (DESIGN.md §5). Every record the log holds gets one: device records, the
 * collector's own events and foreign (passthrough) records alike, because the
 * collector chains the last two in streams of its own, so each has a device
 * id, a stream, a seq and a chain hash.
 *
 * Byte layout of leaf data v1 (all integers big-endian; n1, n2 ≥ 1):
 *
 *   0        15      17        17+n1   19+n1     19+n1+n2  27+n1+n2   59+n1+n2   67+n1+n2    99+n1+n2
 *   +--------+-------+---------+-------+---------+---------+----------+----------+-----------+
 *   | domain | u16   | device  | u16   | stream  | u64     | chain    | u64      | record    |
 *   | (15)   | n1    | id UTF-8| n2    | UTF-8   | seq     | hash (32)| recv µs  | digest(32)|
 *   +--------+-------+---------+-------+---------+---------+----------+----------+-----------+
 *
 *   domain = "seclog/leaf/v1\0"; leaf hash = SHA-256(0x00 ‖ leaf data) (RFC 9162 §2.1.1)
 *
 * Length prefixes and fixed-width fields make the encoding injective: no two
 * leaves share bytes, so no leaf can be read as another. The domain keeps a
 * leaf apart from every other seclog hash input and names the version.
 */
import { hash } from 'node:crypto';
import { SeclogError } from '../errors.js';
import type { Hash } from '../merkle/hash.js';

export const LEAF_DOMAIN = 'seclog/leaf/v1\0';
/** Bytes of a leaf besides its two strings. */
export const LEAF_FIXED_BYTES = 99;
/** The longest device id or stream a leaf can hold, in UTF-8 bytes (a u16 length). */
export const LEAF_MAX_STRING_BYTES = 0xffff;

const DOMAIN = Buffer.from(LEAF_DOMAIN, 'latin1');
const HASH_BYTES = 32;
const TWO_32 = 0x1_0000_0000;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The fields a leaf binds. */
export interface LeafData {
  readonly deviceId: string;
  readonly stream: string;
  readonly seq: number;
  /** The device chain hash h_seq of the record (chain/chain-hash.ts). */
  readonly chainHash: Uint8Array;
  /** When the collector received the record, µs since the Unix epoch. */
  readonly receivedUs: number;
  /** SHA-256 of the record's RFC 8785 canonical JSON. */
  readonly recordDigest: Uint8Array;
}

function invalid(field: string, why: string): never {
  throw new SeclogError('LEAF_INVALID', `leaf ${field} ${why}`, { field });
}

function stringBytes(s: unknown, field: string): number {
  if (typeof s !== 'string' || s === '') invalid(field, 'must be a non-empty string');
  const n = Buffer.byteLength(s, 'utf8');
  if (n > LEAF_MAX_STRING_BYTES) invalid(field, `is ${n} UTF-8 bytes, at most ${LEAF_MAX_STRING_BYTES}`);
  // Buffer would write U+FFFD for a lone surrogate, so two different strings would share one leaf.
  if (LONE_SURROGATE.test(s)) invalid(field, 'contains a lone surrogate (not UTF-8)');
  return n;
}

function checkInt(v: unknown, min: number, field: string): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) invalid(field, `must be a safe integer ≥ ${min}`);
}

function checkHash(v: unknown, field: string): void {
  if (!(v instanceof Uint8Array) || v.length !== HASH_BYTES) invalid(field, 'must be 32 bytes');
}

function writeU64(buf: Buffer, v: number, at: number): void {
  buf.writeUInt32BE(Math.floor(v / TWO_32), at);
  buf.writeUInt32BE(v >>> 0, at + 4);
}

/** Checks every field and writes the encoding at `at` of `buf` (which must have room); returns its length. */
function writeLeaf(leaf: LeafData, n1: number, n2: number, buf: Buffer, at: number): number {
  let p = at + DOMAIN.copy(buf, at);
  buf.writeUInt16BE(n1, p);
  p += 2 + buf.write(leaf.deviceId, p + 2, 'utf8');
  buf.writeUInt16BE(n2, p);
  p += 2 + buf.write(leaf.stream, p + 2, 'utf8');
  writeU64(buf, leaf.seq, p);
  buf.set(leaf.chainHash, p + 8);
  writeU64(buf, leaf.receivedUs, p + 40);
  buf.set(leaf.recordDigest, p + 48);
  return p + 80 - at;
}

function measure(leaf: LeafData): { n1: number; n2: number } {
  const n1 = stringBytes(leaf.deviceId, 'deviceId');
  const n2 = stringBytes(leaf.stream, 'stream');
  checkInt(leaf.seq, 1, 'seq');
  checkInt(leaf.receivedUs, 0, 'receivedUs');
  checkHash(leaf.chainHash, 'chainHash');
  checkHash(leaf.recordDigest, 'recordDigest');
  return { n1, n2 };
}

/** The exact leaf data bytes; throws LEAF_INVALID naming the field. */
export function encodeLeaf(leaf: LeafData): Buffer {
  const { n1, n2 } = measure(leaf);
  const buf = Buffer.allocUnsafe(LEAF_FIXED_BYTES + n1 + n2);
  writeLeaf(leaf, n1, n2, buf, 0);
  return buf;
}

// One buffer for the hot path (a verifier computes a leaf per record): 0x00 ‖ leaf data,
// hashed in one crypto.hash call. Safe to share: crypto.hash is synchronous. Leaves with
// longer strings than fit fall back to a fresh buffer.
const scratch = Buffer.alloc(1024);

/** RFC 6962 leaf hash of the encoding: SHA-256(0x00 ‖ encodeLeaf(leaf)). */
export function leafHash(leaf: LeafData): Hash {
  const { n1, n2 } = measure(leaf);
  const total = 1 + LEAF_FIXED_BYTES + n1 + n2;
  const buf = total <= scratch.length ? scratch : Buffer.allocUnsafe(total);
  buf[0] = 0x00;
  writeLeaf(leaf, n1, n2, buf, 1);
  return hash('sha256', buf.subarray(0, total), 'buffer') as Uint8Array as Hash;
}

function malformed(reason: string, message: string): never {
  throw new SeclogError('LEAF_ENCODING_INVALID', `not a seclog/leaf/v1 leaf: ${message}`, { reason });
}

function readU64(buf: Buffer, at: number, field: string): number {
  const high = buf.readUInt32BE(at);
  // Above 2^53 − 1 a number would round, and two encodings would decode alike.
  if (high >= 0x20_0000) malformed('range', `${field} exceeds 2^53 − 1`);
  return high * TWO_32 + buf.readUInt32BE(at + 4);
}

/** Strict inverse of encodeLeaf: any byte string it accepts re-encodes to itself. */
export function decodeLeaf(bytes: Uint8Array): LeafData {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < LEAF_FIXED_BYTES + 2) malformed('length', `${buf.length} bytes is shorter than any leaf`);
  if (!buf.subarray(0, DOMAIN.length).equals(DOMAIN)) malformed('domain', 'the domain prefix is not seclog/leaf/v1\\0');
  let p = DOMAIN.length;
  const str = (field: string): string => {
    if (p + 2 > buf.length) malformed('length', `the ${field} length runs past the end`);
    const n = buf.readUInt16BE(p);
    if (n === 0) malformed('length', `the ${field} is empty`);
    if (p + 2 + n > buf.length) malformed('length', `the ${field} runs past the end`);
    let s: string;
    try {
      s = utf8.decode(buf.subarray(p + 2, p + 2 + n));
    } catch {
      return malformed('utf8', `the ${field} is not valid UTF-8`);
    }
    p += 2 + n;
    return s;
  };
  const deviceId = str('device id');
  const stream = str('stream');
  if (buf.length !== p + 80) {
    malformed(buf.length < p + 80 ? 'length' : 'trailing', `${buf.length - p} bytes follow the stream, the fixed fields take 80`);
  }
  const seq = readU64(buf, p, 'seq');
  if (seq === 0) malformed('range', 'seq is 0');
  return {
    deviceId,
    stream,
    seq,
    chainHash: new Uint8Array(buf.subarray(p + 8, p + 40)),
    receivedUs: readU64(buf, p + 40, 'receivedUs'),
    recordDigest: new Uint8Array(buf.subarray(p + 48, p + 80)),
  };
}
