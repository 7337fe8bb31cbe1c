/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * iSCSI (RFC 3720 §12.1), ext4 and SCTP. node:zlib's crc32 is CRC-32/IEEE, a
 * different polynomial, so the ring carries its own.
 *
 * Slicing-by-8: eight 256-entry tables let one step fold 8 bytes. Measured on
 * the project's 2-core Xeon (Node 20): ~300 MB/s, against ~145 MB/s for the
 * one-table loop; reading the input as 32-bit words instead of bytes gains
 * another ~40% on large buffers but costs a typed-array view per call, which
 * the ring's ~300-byte records cannot afford.
 */

const POLY = 0x82f63b78;

/** TABLE[k * 256 + b]: CRC of byte b followed by k zero bytes. */
const TABLE = buildTable();

function buildTable(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/**
 * CRC-32C of `data[start, end)`, as an unsigned 32-bit number. Pass a
 * previous result as `seed` to continue over a second piece (the CRC of a
 * concatenation equals the chained CRCs of its parts).
 */
export function crc32c(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  const t = TABLE;
  let c = ~seed;
  let i = start;
  const end8 = start + ((end - start) & ~7);
  for (; i < end8; i += 8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ c;
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
