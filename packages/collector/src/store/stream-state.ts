/**
 * What the store keeps about a device stream beside its records and cursor:
 * the open gaps (seqs skipped by the cursor, waiting to be filled) and the
 * seals seen (one row per `log_seal` record). Both are written by
 * commitBatches in the batch's own transaction.
 *
 *   seq   1 … 41 │ 42 ……… 57 │ 58 … 90          cursor: ackedSeq 90
 *         stored │  open gap │ stored
 *                ▲           ▲
 *       before = h_41     after = h_57 = prev of record 58
 *
 * A gap is half-open [fromSeq, toSeq). `before` and `after` are the chain
 * hashes on both sides of it, which a late fill must meet: its first record
 * must carry `prev = before` (filling from the front) and its last record must
 * hash to `after` (filling up to the end).
 */
import type { Hash } from '@seclog/core';

export interface StreamGap {
  device: string;
  stream: string;
  /** First missing seq. */
  fromSeq: number;
  /** The seq of the stored record after the gap (exclusive end). */
  toSeq: number;
  /** Chain hash of record fromSeq − 1 (zeros when fromSeq is 1). */
  before: Hash;
  /** Chain hash of record toSeq − 1, as the `prev` of the stored record toSeq names it. */
  after: Hash;
  /** Receive time of the batch that opened the gap, µs. */
  openedUs: number;
}

/**
 * A `log_seal` record of a device stream as ingest read it (verified or not:
 * a seal that failed is still the reference its successor must continue, so
 * one bad seal is reported once). The fields mirror the seal's attrs.
 */
export interface StreamSeal {
  device: string;
  stream: string;
  /** Seq of the log_seal record itself. */
  seq: number;
  epoch: number;
  /** attrs.first_seq: the first seq of the epoch. */
  firstSeq: number;
  /** Epoch window [startUs, endUs), µs since the Unix epoch. */
  startUs: number;
  endUs: number;
  tag: Hash;
  prevTag: Hash;
  /** True once ingest reported the epoch after this seal as ended without a seal (reported once). */
  openReported: boolean;
}
