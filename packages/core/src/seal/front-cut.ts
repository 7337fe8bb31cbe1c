/**
 * Telling ring overwrite from a front cut (DESIGN.md §5).
 *
 * A device ring of C usable bytes keeps a contiguous run of records and, to
 * append a record that does not fit, drops the OLDEST whole records until it
 * does. So if record r was overwritten while appending record k, the ring held
 * r..k−1 then and size(r..k) > C; as records are never shrunk,
 *
 *   r overwritten  ⇒  size(r..last) > C  ⇒  size(r+1..last) > C − size(r).
 *
 * A verified seal S says record `oldest_retained_seq` and everything after it
 * were in the ring when S was made. If the window now starts at X >
 * oldest_retained_seq, records oldest..X−1 are gone, X−1 among them, so the
 * window (all of it present and measurable) must satisfy
 *
 *   size(X..last) + size(X−1) > C,   with size(X−1) ≤ maxRecordBytes,
 *
 * i.e. the records written after the seal must have filled what the ring had
 * left. If not, someone removed records from the front: a deletion, not an
 * overwrite. The record X−1 is the one that provably cannot have been
 * overwritten, so the failure is located there. The slack of one record is
 * what the ring model leaves unknown; maxRecordBytes as tight as the device's
 * real record size makes cuts of as little as one such record visible.
 */
import { canonicalize } from '../canon/jcs.js';
import { LIMITS } from '../event/limits.js';
import type { ChainedEvent } from '../event/types.js';
import type { SealFailure } from './seal-result.js';

/** Ring framing per record: the agent ring's frame header (magic, kind, length, seq, ring id, two CRC-32Cs; docs/agent-ring.md). */
export const RING_FRAME_BYTES = 28;

/** Default stored size: UTF-8 bytes of the canonical JSON plus the ring frame. */
export function defaultStoredSize(rec: ChainedEvent): number {
  return Buffer.byteLength(canonicalize(rec), 'utf8') + RING_FRAME_BYTES;
}

export const DEFAULT_MAX_RECORD_BYTES = LIMITS.recordBytes + RING_FRAME_BYTES;

export interface FrontCutInput {
  readonly records: readonly ChainedEvent[];
  /** oldest_retained_seq of every verified seal in the window, with the seal's seq. */
  readonly seals: readonly { readonly seq: number; readonly oldestRetainedSeq: number }[];
  readonly capacityBytes: number;
  readonly storedSize?: (rec: ChainedEvent) => number;
  readonly maxRecordBytes?: number;
}

export function checkFrontCut(input: FrontCutInput): SealFailure | null {
  const first = input.records[0];
  if (first === undefined) return null;
  const x = first.seq;
  // The lowest oldest_retained_seq is the strongest claim: the most records the ring once held that are gone now.
  let witness: { seq: number; oldestRetainedSeq: number } | undefined;
  for (const s of input.seals)
    if (s.oldestRetainedSeq < x && (witness === undefined || s.oldestRetainedSeq < witness.oldestRetainedSeq)) witness = s;
  if (witness === undefined) return null;
  const size = input.storedSize ?? defaultStoredSize;
  let retained = 0;
  for (const r of input.records) retained += size(r);
  const slack = input.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (retained + slack > input.capacityBytes) return null;
  return {
    kind: 'front_cut',
    seq: x - 1,
    index: 0,
    detail:
      `the seal at seq ${witness.seq} had seqs ${witness.oldestRetainedSeq}.. in the ring; ${x - witness.oldestRetainedSeq} are gone, ` +
      `but the ${retained} bytes retained plus one record (${slack}) do not exceed the capacity ${input.capacityBytes}, so seq ${x - 1} was not overwritten`,
  };
}
