/**
 * Verify any contiguous window of a device stream, without its genesis.
 *
 * The anchor is the first record's own `prev` (DESIGN.md §5): a ring whose
 * oldest records were overwritten still verifies from what is left. Only a
 * window starting at seq 1 is anchored absolutely (its prev must be zeros).
 * What a window alone cannot show: records cut from its front (seals and the
 * ring capacity can, see seal/), a change to its last record (give
 * expectedHead), and a cut tail (give expectedLastSeq).
 *
 * Where each failure is located (`seq`):
 * - modified:  the seq of the changed record. A content change of record p
 *   breaks only the link p → p+1; a change of p's prev (or a replacement of p)
 *   breaks p−1 → p and p → p+1. One lookahead tells them apart.
 * - deleted:   the first missing seq.
 * - inserted:  the seq the extra record claims (a seq another record holds).
 * - reordered: the first displaced seq (for a swap of p < q, p).
 * - forked:    the first seq with two continuing records.
 * - truncated: the window's last seq + 1 (the first one missing at the end).
 * - foreign_stream: the seq of this stream at which the foreign record sits.
 * `index` is the position of the record concerned (for truncated, the
 * window's length). Only the first failure is reported: after it, positions
 * are no longer trustworthy.
 */

import type { ChainedEvent } from '../event/types.js';
import { ZERO_HASH_HEX } from '../event/types.js';
import { classifyBreak } from './chain-break.js';
import { recordChainHash } from './chain-hash.js';
import { type ChainVerification, chainFailure, type VerifyChainOptions } from './chain-result.js';

/** Chain hash of each record (hex), null where the record cannot be hashed (bad seq, bad prev, unsupported JSON value). */
export function windowHashes(records: readonly ChainedEvent[]): (string | null)[] {
  const out: (string | null)[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    try {
      out[i] = recordChainHash(records[i] as ChainedEvent).toString('hex');
    } catch {
      // A malformed record is reported by the link checks around it, not thrown.
      out[i] = null;
    }
  }
  return out;
}

/** verifyChain with the window's hashes passed in (the seal verifier computes them once for both). */
export function verifyChainHashed(
  records: readonly ChainedEvent[],
  hashes: readonly (string | null)[],
  opts: VerifyChainOptions = {},
): ChainVerification {
  const n = records.length;
  const first = records[0];
  if (first === undefined) {
    if ((opts.expectedLastSeq ?? 0) > 0)
      return chainFailure('truncated', 1, 0, `the window is empty; seq ${opts.expectedLastSeq} was expected`);
    return { ok: true, first: 0, last: 0, head: ZERO_HASH_HEX };
  }
  const stream = opts.stream ?? first.stream;
  const headSeq = opts.expectedHead === undefined ? undefined : (opts.expectedLastSeq ?? (records[n - 1] as ChainedEvent).seq);
  const head = headSeq === undefined || opts.expectedHead === undefined ? undefined : { seq: headSeq, hash: opts.expectedHead };

  if (first.stream !== stream)
    return chainFailure('foreign_stream', first.seq, 0, `record 0 belongs to stream ${String(first.stream)}, not ${stream}`);
  if (hashes[0] === null) return chainFailure('modified', first.seq, 0, 'record 0 cannot be hashed (malformed seq or prev)');
  // Seq 1 must carry zeros. If another record also claims seq 1, the scan below names the extra one (inserted or forked).
  if (first.seq === 1 && first.prev !== ZERO_HASH_HEX && !records.some((r, i) => i > 0 && r.seq === 1)) {
    return chainFailure('modified', 1, 0, 'seq 1 must carry a zero prev', { expected: ZERO_HASH_HEX, actual: first.prev });
  }

  for (let i = 1; i < n; i++) {
    const r = records[i] as ChainedEvent;
    const p = records[i - 1] as ChainedEvent;
    const hp = hashes[i - 1];
    if (r.seq === p.seq + 1 && hp !== null && r.prev === hp && r.stream === stream) continue;
    return classifyBreak({ records, hashes, stream, ...(head ? { head } : {}) }, i);
  }

  const last = (records[n - 1] as ChainedEvent).seq;
  if (opts.expectedLastSeq !== undefined && last < opts.expectedLastSeq) {
    return chainFailure('truncated', last + 1, n, `the window ends at seq ${last}; seq ${opts.expectedLastSeq} was expected`);
  }
  if (head !== undefined) {
    const j = head.seq - first.seq;
    const actual = j >= 0 && j < n ? hashes[j] : undefined;
    // A head before the window cannot be checked from it; the window's own anchor stands.
    if (actual !== undefined && actual !== head.hash) {
      return chainFailure('modified', head.seq, j, `the chain hash of seq ${head.seq} is not the expected head`, {
        expected: head.hash,
        actual: actual ?? '',
      });
    }
  }
  return { ok: true, first: first.seq, last, head: hashes[n - 1] as string };
}

/** Verify a contiguous window of one stream; see the module comment for what each failure means and where it is located. */
export function verifyChain(records: readonly ChainedEvent[], opts: VerifyChainOptions = {}): ChainVerification {
  return verifyChainHashed(records, windowHashes(records), opts);
}
