/**
 * The Merkle leaf of a stored record: core's seclog/leaf/v1 (DESIGN.md §5)
 * over device, stream, seq, chain hash, receive µs and record digest. Every
 * stored record has a stream and a seq: device records carry them, and the
 * collector chains its own events in a stream of its own.
 */
import type { Hash, LeafData } from '@seclog/core';
import { encodeLeaf, leafHash, SeclogError } from '@seclog/core';
import type { StoredEvent } from '../store/types.js';

function leafOf(e: StoredEvent): LeafData {
  if (e.stream === null || e.seq === null) {
    throw new SeclogError('LEAF_INVALID', `record at position ${e.pos} has no stream/seq`, { field: e.stream === null ? 'stream' : 'seq' });
  }
  return { deviceId: e.device, stream: e.stream, seq: e.seq, chainHash: e.chainHash, receivedUs: e.receivedUs, recordDigest: e.digest };
}

/** Leaf data bytes of a stored record. */
export function storedLeafData(e: StoredEvent): Buffer {
  return encodeLeaf(leafOf(e));
}

/** RFC 6962 leaf hash SHA-256(0x00 ‖ leaf data). */
export function storedLeafHash(e: StoredEvent): Hash {
  return leafHash(leafOf(e));
}
