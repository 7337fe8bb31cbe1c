/**
 * The seclog/leaf/v1 leaf of a stored record, computed in the browser from the
 * record itself (packages/core/src/log/leaf.ts has the byte layout):
 *
 *   "seclog/leaf/v1\0" ‖ u16 n1 ‖ device id ‖ u16 n2 ‖ stream ‖ u64 seq ‖
 *   chain hash (32) ‖ u64 received µs ‖ SHA-256(JCS(record)) (32)
 *
 * with chain hash = SHA-256("seclog/chain/v1\0" ‖ u64 seq ‖ prev ‖ digest).
 * Computing it here, rather than trusting the leaf hash the server sends,
 * ties the proof to the record on screen.
 */
import { concat, fromHex, sha256, u16be, u64be, utf8 } from './bytes.js';
import { canonicalize } from './jcs.js';
import { hashLeaf } from './merkle.js';

const LEAF_DOMAIN = utf8('seclog/leaf/v1\0');
const CHAIN_DOMAIN = utf8('seclog/chain/v1\0');

/** µs since the epoch of an RFC 3339 UTC time with up to six fractional digits; undefined when it is not one. */
export function parseReceivedUs(received: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(received);
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1000 + Number((m[2] ?? '').padEnd(6, '0'));
}

interface ChainedRecord {
  device: { id: string };
  stream: string;
  seq: number;
  prev: string;
}

function chained(record: unknown): ChainedRecord | undefined {
  const r = record as Partial<ChainedRecord> | null;
  if (r === null || typeof r !== 'object') return undefined;
  if (typeof r.device?.id !== 'string' || typeof r.stream !== 'string' || typeof r.seq !== 'number' || typeof r.prev !== 'string') {
    return undefined;
  }
  return r as ChainedRecord;
}

/**
 * The leaf hash of a record as the collector stored it, or undefined when the record does not carry
 * its own chain fields (a foreign record the collector chained in a stream of its own).
 */
export async function recordLeafHash(record: unknown, received: string): Promise<Uint8Array | undefined> {
  const r = chained(record);
  const receivedUs = parseReceivedUs(received);
  if (r === undefined || receivedUs === undefined) return undefined;
  const prev = fromHex(r.prev);
  if (prev === undefined || prev.length !== 32) return undefined;
  const digest = await sha256(utf8(canonicalize(record)));
  const chainHash = await sha256(concat(CHAIN_DOMAIN, u64be(r.seq), prev, digest));
  const device = utf8(r.device.id);
  const stream = utf8(r.stream);
  const data = concat(
    LEAF_DOMAIN,
    u16be(device.length),
    device,
    u16be(stream.length),
    stream,
    u64be(r.seq),
    chainHash,
    u64be(receivedUs),
    digest,
  );
  return hashLeaf(data);
}
