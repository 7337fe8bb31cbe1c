/**
 * The leaf of a stored record: what the collector appends for it, and what an
 * auditor recomputes from the record and its receive time alone. The record
 * is hashed once; its digest feeds both the chain hash and the leaf.
 */
import { hash } from 'node:crypto';
import { canonicalize } from '../canon/jcs.js';
import { chainHash, hashFromHex } from '../chain/chain-hash.js';
import { SeclogError } from '../errors.js';
import type { ChainedEvent } from '../event/types.js';
import type { Hash } from '../merkle/hash.js';
import { type LeafData, leafHash } from './leaf.js';

/**
 * The leaf data of `record` received at `receivedUs`, from its RFC 8785 text
 * when the caller already has it (the exporter, the verifier) or computed here.
 * Throws LEAF_INVALID when the record lacks what a leaf binds.
 */
export function recordLeaf(record: ChainedEvent, receivedUs: number, canonicalText?: string): LeafData {
  const deviceId = record.device?.id;
  if (typeof deviceId !== 'string') {
    throw new SeclogError('LEAF_INVALID', 'leaf deviceId: the record has no device.id', { field: 'deviceId' });
  }
  if (typeof record.prev !== 'string') {
    throw new SeclogError('LEAF_INVALID', 'leaf chainHash: the record has no prev, so it is in no chain', { field: 'chainHash' });
  }
  const recordDigest = hash('sha256', canonicalText ?? canonicalize(record), 'buffer');
  return {
    deviceId,
    stream: record.stream,
    seq: record.seq,
    chainHash: chainHash(record.seq, hashFromHex(record.prev), recordDigest),
    receivedUs,
    recordDigest,
  };
}

/** leafHash(recordLeaf(record, receivedUs)): the hash the log appends for the record. */
export function recordLeafHash(record: ChainedEvent, receivedUs: number): Hash {
  return leafHash(recordLeaf(record, receivedUs));
}
