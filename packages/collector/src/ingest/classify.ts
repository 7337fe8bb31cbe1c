/**
 * Classifies one ingest batch (one device stream) against what the store holds
 * of the stream: its cursor (acked seq, head hash) and its open gaps. Pure
 * over its inputs; the caller holds the stream's lock.
 *
 * Inside the batch seqs must be contiguous and each `prev` must be the chain
 * hash of the record before it (DESIGN.md §5). So the batch is one chained
 * run, and a known hash at any one of its seqs vouches for every record up to
 * it. The batch is cut into runs by what the store has at those seqs:
 *
 *   seq:    1 ……… 41 │ 42 ……… 57 │ 58 ……… 90 │ 91 …
 *   store:    stored │  open gap │   stored  │ beyond the cursor (acked = 90)
 *   run:   duplicate │    fill   │ duplicate │ new
 *
 * - duplicate: re-acknowledged, not stored. The run's last record is compared
 *   with a hash the store knows there: the head (seq = acked), a gap's
 *   `before` (the seq before a gap), else the stored record's own chain hash
 *   (one indexed lookup). Another hash is a fork.
 * - fill: stored, when it chains to the gap: a run starting at the gap's first
 *   seq must carry prev = `before`, one ending at its last seq must hash to
 *   `after` (the prev the record after the gap names). A run touching neither
 *   end cannot be authenticated yet: refused as unanchored, nothing stored.
 * - new: stored. Its first record must carry prev = head when it is acked + 1,
 *   else it is a fork; a first seq above acked + 1 opens the gap
 *   [acked + 1, seq).
 */
import { hash } from 'node:crypto';
import type { ChainedEvent, Hash } from '@seclog/core';
import { canonicalize, chainHash, SeclogError, validateEvent } from '@seclog/core';
import type { IncomingRecord, StreamCursor, StreamGap } from '../store/types.js';

export interface IngestBatch {
  device: string;
  stream: string;
  records: unknown[];
}

export interface IngestLimits {
  maxBatchRecords: number;
  maxBatchBytes: number;
}

/** What the store holds of the stream, read under the stream's lock. */
export interface StreamView {
  cursor: StreamCursor;
  /** The stream's open gaps, ascending by fromSeq. */
  gaps: readonly StreamGap[];
  /** The stored chain hash of record `seq` whose time is `time` (Store.findChainHash); undefined when there is none. */
  storedHash: (seq: number, time: string) => Uint8Array | undefined;
}

/** A half-open range of seqs [from, to). */
export interface SeqRange {
  from: number;
  to: number;
}

/** Records of an open gap that this batch stores. */
export interface GapFill {
  /** The gap as it was before the batch. */
  gap: SeqRange;
  /** The seqs filled, half-open. */
  filled: SeqRange;
  /** Seqs of that gap still missing after the batch (0: the gap is closed). */
  remaining: number;
}

export type Classification =
  | {
      kind: 'ok';
      /** Records to store, in seq order (fills, then new records). */
      accept: IncomingRecord[];
      duplicates: number;
      /** The gap this batch opens beyond the cursor, half-open [from, to). */
      gap: SeqRange | undefined;
      fills: GapFill[];
      /** The stream's open gaps after the batch, ascending. */
      gaps: SeqRange[];
      cursor: StreamCursor;
    }
  | {
      kind: 'fork' | 'broken';
      index: number;
      seq: number;
      /** The hash the store (or the batch) has there; undefined when the stored record differs but was not read. */
      expected: string | undefined;
      actual: string;
    }
  | { kind: 'unanchored'; index: number; seq: number; gap: SeqRange };

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b);

export function classifyBatch(batch: IngestBatch, view: StreamView, limits: IngestLimits, receivedUs: number): Classification {
  const items = prepareRecords(batch, limits, receivedUs);
  if (!Array.isArray(items)) return items;
  return againstStore(items, view);
}

/** Validates and hashes the batch's records; a broken link inside the batch is returned as such. */
function prepareRecords(batch: IngestBatch, limits: IngestLimits, receivedUs: number): IncomingRecord[] | Classification {
  const { device, stream, records } = batch;
  if (records.length > limits.maxBatchRecords) {
    throw new SeclogError('INGEST_BATCH_TOO_LARGE', `batch has ${records.length} records, limit ${limits.maxBatchRecords}`, {
      records: records.length,
      max: limits.maxBatchRecords,
    });
  }
  const items: IncomingRecord[] = [];
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const raw = records[i];
    const issues = validateEvent(raw, { chained: true });
    if (issues.length > 0) {
      const first = issues[0]!;
      throw new SeclogError('INGEST_RECORD_INVALID', `record ${i}: ${first.path || '(record)'}: ${first.message}`, {
        index: i,
        field: first.path,
        errors: issues,
      });
    }
    const rec = raw as ChainedEvent;
    if (rec.device.id !== device) throw batchInvalid(i, 'device.id', `names device ${rec.device.id}, the batch is ${device}`);
    if (rec.stream !== stream) throw batchInvalid(i, 'stream', `is in stream ${rec.stream}, the batch is ${stream}`);
    const before = items[i - 1];
    if (before !== undefined && rec.seq !== (before.record.seq ?? 0) + 1) {
      throw batchInvalid(i, 'seq', `has seq ${rec.seq} after ${before.record.seq}; seqs must be contiguous and increasing`);
    }
    const canonical = canonicalize(rec);
    bytes += Buffer.byteLength(canonical);
    if (bytes > limits.maxBatchBytes) {
      throw new SeclogError('INGEST_BATCH_TOO_LARGE', `batch exceeds ${limits.maxBatchBytes} canonical bytes at record ${i}`, {
        index: i,
        max: limits.maxBatchBytes,
      });
    }
    const digest = hash('sha256', canonical, 'buffer') as Uint8Array as Hash;
    if (before !== undefined && rec.prev !== hex(before.chainHash)) {
      return { kind: 'broken', index: i, seq: rec.seq, expected: hex(before.chainHash), actual: rec.prev };
    }
    const h = chainHash(rec.seq, Buffer.from(rec.prev, 'hex'), digest) as Uint8Array as Hash;
    items.push({ record: rec, canonical, digest, chainHash: h, receivedUs });
  }
  return items;
}

const seqOf = (it: IncomingRecord): number => it.record.seq as number;

function againstStore(items: IncomingRecord[], view: StreamView): Classification {
  const { cursor, gaps } = view;
  const acked = cursor.ackedSeq;
  const accept: IncomingRecord[] = [];
  const fills: GapFill[] = [];
  const after: SeqRange[] = gaps.map((g) => ({ from: g.fromSeq, to: g.toSeq }));
  let duplicates = 0;
  let gap: SeqRange | undefined;
  let next: StreamCursor = cursor;
  const gapAt = (seq: number): number => gaps.findIndex((g) => g.fromSeq <= seq && seq < g.toSeq);

  for (let i = 0; i < items.length; ) {
    const seq = seqOf(items[i]!);
    if (seq > acked) {
      // New records: the rest of the batch.
      const first = items[i]!;
      if (seq === acked + 1 && i === 0 && first.record.prev !== hex(cursor.head)) {
        return { kind: 'fork', index: i, seq, expected: hex(cursor.head), actual: first.record.prev! };
      }
      if (seq > acked + 1) {
        gap = { from: acked + 1, to: seq };
        after.push(gap);
      }
      accept.push(...items.slice(i));
      const last = items.at(-1)!;
      next = { ...cursor, ackedSeq: seqOf(last), head: last.chainHash };
      break;
    }
    const k = gapAt(seq);
    if (k >= 0) {
      const g = gaps[k]!;
      let j = i;
      while (j + 1 < items.length && seqOf(items[j + 1]!) < g.toSeq) j++;
      const lastSeq = seqOf(items[j]!);
      const front = seq === g.fromSeq;
      const back = lastSeq === g.toSeq - 1;
      if (!front && !back) return { kind: 'unanchored', index: i, seq, gap: { from: g.fromSeq, to: g.toSeq } };
      if (front && items[i]!.record.prev !== hex(g.before)) {
        return { kind: 'fork', index: i, seq, expected: hex(g.before), actual: items[i]!.record.prev! };
      }
      if (back && !same(items[j]!.chainHash, g.after)) {
        return { kind: 'fork', index: j, seq: lastSeq, expected: hex(g.after), actual: hex(items[j]!.chainHash) };
      }
      const range = after.find((r) => r.from === g.fromSeq) as SeqRange;
      if (front && back) after.splice(after.indexOf(range), 1);
      else if (front) range.from = lastSeq + 1;
      else range.to = seq;
      fills.push({
        gap: { from: g.fromSeq, to: g.toSeq },
        filled: { from: seq, to: lastSeq + 1 },
        remaining: g.toSeq - g.fromSeq - (lastSeq + 1 - seq),
      });
      for (let x = i; x <= j; x++) accept.push(items[x]!);
      i = j + 1;
      continue;
    }
    // Stored records up to the cursor, the next gap or the batch's end.
    let j = i;
    while (j + 1 < items.length) {
      const s = seqOf(items[j + 1]!);
      if (s > acked || gapAt(s) >= 0) break;
      j++;
    }
    const last = items[j]!;
    const lastSeq = seqOf(last);
    const anchor = lastSeq === acked ? cursor.head : gaps.find((g) => g.fromSeq === lastSeq + 1)?.before;
    const expected = anchor ?? view.storedHash(lastSeq, last.record.time);
    if (expected === undefined || !same(expected, last.chainHash)) {
      return {
        kind: 'fork',
        index: j,
        seq: lastSeq,
        expected: expected === undefined ? undefined : hex(expected),
        actual: hex(last.chainHash),
      };
    }
    duplicates += j - i + 1;
    i = j + 1;
  }
  after.sort((a, b) => a.from - b.from);
  return { kind: 'ok', accept, duplicates, gap, fills, gaps: after, cursor: next };
}

function batchInvalid(index: number, field: string, why: string): SeclogError {
  return new SeclogError('INGEST_BATCH_INVALID', `record ${index}: ${field} ${why}`, { index, field });
}
