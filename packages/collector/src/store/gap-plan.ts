/**
 * The seq rules of commitBatches, for any Store implementation: what a batch
 * does to its stream's open gaps, or why it is refused. Pure: the caller
 * passes the stored cursor and a loader of the stream's gaps (read inside its
 * transaction), and writes the returned gap list back in the same one.
 *
 * Walking the batch's chained records of its stream, in order:
 * - seq above everything so far: appended; a skip over seqs opens a gap
 *   [last + 1, seq) with `before` = the last hash and `after` = the record's prev;
 * - seq at or below the stored ackedSeq: a fill. The run of consecutive seqs
 *   inside one open gap must touch an end of it, and chain there: starting at
 *   fromSeq with prev = before (the gap shrinks from the front, before moves to
 *   the run's last hash), or ending at toSeq − 1 with its chain hash = after
 *   (the gap shrinks from the back, after becomes the run's first prev). Both:
 *   the gap closes. A run in the middle cannot be authenticated yet (neither
 *   neighbour is stored) and is refused;
 * - anything else (at or below ackedSeq outside a gap, or not increasing) is a
 *   duplicate or out of order and refused.
 * The loader runs only when a batch skips or fills, so the common in-order
 * batch costs one integer comparison per record here.
 */
import type { Hash } from '@seclog/core';
import { SeclogError } from '@seclog/core';
import type { StreamGap } from './stream-state.js';
import type { BatchWrite, IncomingRecord } from './types.js';

export interface GapPlan {
  /** The stream's open gaps after the batch, ascending; undefined when they did not change. */
  gaps: StreamGap[] | undefined;
}

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');

function refuse(batch: BatchWrite, seq: number, reason: string, why: string, extra: Record<string, unknown> = {}): SeclogError {
  return new SeclogError('STORE_BATCH_INVALID', `record seq ${seq} of ${batch.device}/${batch.stream} ${why}`, {
    device: batch.device,
    stream: batch.stream,
    seq,
    reason,
    ...extra,
  });
}

function chainedSeq(r: IncomingRecord, stream: string): number | undefined {
  return r.record.stream === stream ? r.record.seq : undefined;
}

/**
 * Checks the seqs of `batch` against the stored cursor (`ackedSeq`, `head`) and the stream's open gaps.
 * Throws STORE_BATCH_INVALID (details.reason: duplicate, gap_fill_unanchored, gap_fill_unchained).
 */
export function planGaps(batch: BatchWrite, ackedSeq: number, head: Hash, loadGaps: () => StreamGap[]): GapPlan {
  const { records, stream } = batch;
  let gaps: StreamGap[] | undefined;
  let changed = false;
  const load = (): StreamGap[] => {
    gaps ??= loadGaps().map((g) => ({ ...g }));
    return gaps;
  };
  let lastSeq = ackedSeq;
  let lastHash: Uint8Array = head;
  let prevInBatch = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as IncomingRecord;
    const seq = chainedSeq(r, stream);
    if (seq === undefined) continue;
    if (seq <= prevInBatch) throw refuse(batch, seq, 'duplicate', `is not above seq ${prevInBatch} before it in the batch`);
    if (seq > lastSeq) {
      if (seq > lastSeq + 1) {
        load().push({
          device: batch.device,
          stream,
          fromSeq: lastSeq + 1,
          toSeq: seq,
          before: Buffer.from(lastHash) as Uint8Array as Hash,
          after: Buffer.from(r.record.prev ?? '', 'hex') as Uint8Array as Hash,
          openedUs: r.receivedUs,
        });
        changed = true;
      }
      lastSeq = seq;
      lastHash = r.chainHash;
      prevInBatch = seq;
      continue;
    }
    // At or below the stored cursor: only a fill of an open gap passes.
    const open = load();
    const k = open.findIndex((g) => g.fromSeq <= seq && seq < g.toSeq);
    const g = open[k];
    if (g === undefined) {
      throw refuse(batch, seq, 'duplicate', `is at or below the stored cursor (${ackedSeq}) and in no open gap: a duplicate`, {
        storedAckedSeq: ackedSeq,
      });
    }
    let j = i;
    while (j + 1 < records.length) {
      const next = chainedSeq(records[j + 1] as IncomingRecord, stream);
      if (next === undefined || next !== (chainedSeq(records[j] as IncomingRecord, stream) as number) + 1 || next >= g.toSeq) break;
      j++;
    }
    const first = r;
    const last = records[j] as IncomingRecord;
    const lastRunSeq = seq + (j - i);
    const front = seq === g.fromSeq;
    const back = lastRunSeq === g.toSeq - 1;
    const gap = { gapFrom: g.fromSeq, gapTo: g.toSeq };
    if (!front && !back) {
      throw refuse(
        batch,
        seq,
        'gap_fill_unanchored',
        `fills ${seq}..${lastRunSeq} inside the open gap [${g.fromSeq}, ${g.toSeq}) touching neither end`,
        gap,
      );
    }
    if (front && first.record.prev !== hex(g.before)) {
      throw refuse(
        batch,
        seq,
        'gap_fill_unchained',
        `opens a fill of [${g.fromSeq}, ${g.toSeq}) with a prev that is not the hash before the gap`,
        gap,
      );
    }
    if (back && !Buffer.from(last.chainHash).equals(g.after)) {
      throw refuse(
        batch,
        lastRunSeq,
        'gap_fill_unchained',
        `ends a fill of [${g.fromSeq}, ${g.toSeq}) with a hash the record after the gap does not name`,
        gap,
      );
    }
    if (front && back) open.splice(k, 1);
    else if (front) open[k] = { ...g, fromSeq: lastRunSeq + 1, before: Buffer.from(last.chainHash) as Uint8Array as Hash };
    else open[k] = { ...g, toSeq: seq, after: Buffer.from(first.record.prev ?? '', 'hex') as Uint8Array as Hash };
    changed = true;
    prevInBatch = lastRunSeq;
    i = j;
  }
  return { gaps: changed ? gaps : undefined };
}
