/**
 * Classifies one ingest batch (one device stream) against the stream's
 * cursor. Pure over its inputs; the caller holds the stream's lock.
 *
 *   seq < acked                 duplicate (re-ack; verified through the batch's
 *                               own links up to the record at `acked`)
 *   seq = acked, hash = head    duplicate
 *   seq = acked, hash ≠ head    fork
 *   seq = acked + 1             next: its prev must be the head, else fork
 *   first seq > acked + 1       gap [acked + 1, seq): store what chains, report the range
 *
 * Inside the batch seqs must be contiguous and each `prev` must be the chain
 * hash of the record before it (DESIGN.md §5), so one check against the
 * cursor vouches for the whole batch.
 */
import { createHash } from 'node:crypto';
import type { ChainedEvent, Hash } from '@seclog/core';
import { canonicalize, chainHash, SeclogError, validateEvent } from '@seclog/core';
import type { IncomingRecord, StreamCursor } from '../store/types.js';

export interface IngestBatch {
  device: string;
  stream: string;
  records: unknown[];
}

export interface IngestLimits {
  maxBatchRecords: number;
  maxBatchBytes: number;
}

export type Classification =
  | {
      kind: 'ok';
      accept: IncomingRecord[];
      duplicates: number;
      /** Missing seqs, half-open [from, to). */
      gap: { from: number; to: number } | undefined;
      cursor: StreamCursor;
    }
  | { kind: 'fork' | 'broken'; index: number; seq: number; expected: string; actual: string };

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');

export function classifyBatch(batch: IngestBatch, cursor: StreamCursor, limits: IngestLimits, receivedUs: number): Classification {
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
    const digest = createHash('sha256').update(canonical).digest() as Uint8Array as Hash;
    if (before !== undefined && rec.prev !== hex(before.chainHash)) {
      return { kind: 'broken', index: i, seq: rec.seq, expected: hex(before.chainHash), actual: rec.prev };
    }
    const h = chainHash(rec.seq, Buffer.from(rec.prev, 'hex'), digest) as Uint8Array as Hash;
    items.push({ record: rec, canonical, digest, chainHash: h, receivedUs });
  }
  return againstCursor(items, cursor);
}

function againstCursor(items: IncomingRecord[], cursor: StreamCursor): Classification {
  const acked = cursor.ackedSeq;
  let duplicates = 0;
  let gap: { from: number; to: number } | undefined;
  const accept: IncomingRecord[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const seq = it.record.seq!;
    if (seq < acked) {
      duplicates++;
    } else if (seq === acked) {
      if (!Buffer.from(it.chainHash).equals(cursor.head)) {
        return { kind: 'fork', index: i, seq, expected: hex(cursor.head), actual: hex(it.chainHash) };
      }
      duplicates++;
    } else {
      if (accept.length === 0) {
        if (seq === acked + 1 && it.record.prev !== hex(cursor.head)) {
          return { kind: 'fork', index: i, seq, expected: hex(cursor.head), actual: it.record.prev! };
        }
        if (seq > acked + 1) gap = { from: acked + 1, to: seq };
      }
      accept.push(it);
    }
  }
  const last = accept.at(-1);
  const next = last === undefined ? cursor : { ...cursor, ackedSeq: last.record.seq!, head: last.chainHash };
  return { kind: 'ok', accept, duplicates, gap, cursor: next };
}

function batchInvalid(index: number, field: string, why: string): SeclogError {
  return new SeclogError('INGEST_BATCH_INVALID', `record ${index}: ${field} ${why}`, { index, field });
}
