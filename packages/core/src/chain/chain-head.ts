/**
 * Stamping records into a stream, and linking a new stream to the previous one.
 *
 * The logger keeps one ChainHead per stream (persisted with the ring): the seq
 * and chain hash of the last record appended. A new record gets seq = head + 1
 * and prev = head hash; appending it moves the head. When the persisted head
 * cannot be continued (first start, state lost or corrupt, re-enrolment) the
 * device opens a new stream whose record 1 is `stream_start`, naming the last
 * record it knows of the previous stream, so the collector can tell a restart
 * from a truncation or a fork (DESIGN.md §5).
 */
import { SeclogError } from '../errors.js';
import type { Attrs, ChainedEvent, ChainFields } from '../event/types.js';
import { ZERO_HASH_HEX } from '../event/types.js';
import { recordChainHashHex } from './chain-hash.js';

/** The end of a stream as the logger (or the collector) knows it. */
export interface ChainHead {
  readonly stream: string;
  /** Seq of the last record; 0 before the first. */
  readonly seq: number;
  /** Chain hash of that record, 64 lowercase hex; zeros before the first. */
  readonly hash: string;
}

/** The head of a stream with no record yet: record 1 carries zeros as prev. */
export function genesisHead(stream: string): ChainHead {
  return { stream, seq: 0, hash: ZERO_HASH_HEX };
}

/** The chain fields of the next record after `head`. */
export function nextChainFields(head: ChainHead, at: { boot: string; monoMs: number }): ChainFields {
  return { stream: head.stream, seq: head.seq + 1, boot: at.boot, mono_ms: at.monoMs, prev: head.hash };
}

/**
 * The head after appending `rec`. Throws CHAIN_LINK_INVALID when `rec` does
 * not continue `head`: appending it would write a broken chain that every
 * verifier would then report as tampering.
 */
export function advanceHead(head: ChainHead, rec: ChainedEvent): ChainHead {
  if (rec.stream !== head.stream || rec.seq !== head.seq + 1 || rec.prev !== head.hash) {
    throw new SeclogError('CHAIN_LINK_INVALID', `record ${rec.stream}#${rec.seq} does not continue ${head.stream}#${head.seq}`, {
      stream: rec.stream,
      seq: rec.seq,
      headStream: head.stream,
      headSeq: head.seq,
    });
  }
  return { stream: head.stream, seq: rec.seq, hash: recordChainHashHex(rec) };
}

export type StreamStartReason = 'first_start' | 'state_lost' | 'state_corrupt' | 'reenrolled' | 'other';

/** attrs of the `stream_start` record (seq 1 of the new stream); `previous` is the last record known of the old stream. */
export function streamStartAttrs(reason: StreamStartReason, previous?: ChainHead): Attrs {
  if (previous === undefined || previous.seq === 0) return { reason };
  return { reason, prev_stream: previous.stream, prev_seq: previous.seq, prev_hash: previous.hash };
}

/** What checking a `stream_start` against the collector's head of the previous stream found. */
export type StreamLinkCheck =
  | {
      ok: true /** false when the start names a record the collector has not received, so its hash could not be compared */;
      linked: boolean;
    }
  | { ok: false; kind: 'modified' | 'truncated' | 'forked' | 'foreign_stream'; seq: number; detail: string };

/**
 * Check that `start` opens a new stream after `known` (the collector's head of
 * the device's previous stream, if any). Failures name a seq of the OLD stream,
 * except `modified` (seq 1 of the new one):
 * - the start names seq P < known.seq: records P+1.. were dropped from the
 *   device's view of the old stream, reported as `truncated` at P+1;
 * - the start names known.seq with another hash: `forked` at that seq;
 * - the start names another stream than `known`: `foreign_stream`.
 */
export function checkStreamLink(start: ChainedEvent, known?: ChainHead): StreamLinkCheck {
  if (start.name !== 'stream_start' || start.seq !== 1 || start.prev !== ZERO_HASH_HEX) {
    return { ok: false, kind: 'modified', seq: 1, detail: 'a stream must open with a stream_start record at seq 1 with a zero prev' };
  }
  if (known === undefined || known.seq === 0) return { ok: true, linked: false };
  const { prev_stream: prevStream, prev_seq: prevSeq, prev_hash: prevHash } = start.attrs;
  if (start.stream === known.stream) {
    return { ok: false, kind: 'foreign_stream', seq: known.seq, detail: 'the new stream reuses the id of the previous one' };
  }
  if (prevStream !== known.stream) {
    return {
      ok: false,
      kind: 'foreign_stream',
      seq: known.seq,
      detail: `stream_start names ${String(prevStream)} as previous, not ${known.stream}`,
    };
  }
  if (typeof prevSeq !== 'number') return { ok: false, kind: 'truncated', seq: 1, detail: 'stream_start names no previous seq' };
  if (prevSeq < known.seq) {
    return {
      ok: false,
      kind: 'truncated',
      seq: prevSeq + 1,
      detail: `the new stream continues from seq ${prevSeq}, the collector holds up to ${known.seq}`,
    };
  }
  if (prevSeq > known.seq) return { ok: true, linked: false };
  if (prevHash !== known.hash) {
    return {
      ok: false,
      kind: 'forked',
      seq: known.seq,
      detail: `stream_start names another record as seq ${known.seq} (hash ${String(prevHash)}, collector has ${known.hash})`,
    };
  }
  return { ok: true, linked: true };
}
