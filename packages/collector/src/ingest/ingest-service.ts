/**
 * The ingest pipeline for one device batch: authorise the stream, classify
 * it against what the store holds (cursor and open gaps) under the stream's
 * lock, check its seals, record forks, gaps, late fills and seal failures in
 * the collector's own stream, and commit through the group committer. The
 * answer is built only after the commit returned (an ACK means durable).
 */

import { SeclogError } from '@seclog/core';
import { holdsCriticalEvent } from '../retention/capacity.js';
import type { BatchWrite, DeviceRow, Store, StreamCursor, StreamSeal } from '../store/types.js';
import { isCollectorChained } from '../verify/store-walk.js';
import { classifyBatch, type IngestBatch, type IngestLimits, type SeqRange } from './classify.js';
import { ForeignStreams } from './foreign-stream.js';
import type { GroupCommitter } from './group-commit.js';
import { KeyedLock } from './keyed-lock.js';
import type { OwnEvent } from './own-stream.js';
import { nowUs, OwnStream, OwnStreamBuilder, zeroCursor } from './own-stream.js';
import { RateLimiter } from './rate-limit.js';
import { checkSeals, type SealIssue } from './seal-check.js';
import { SealVerifierCache, type SealVerifierCacheOptions } from './seal-verifiers.js';

export interface IngestAck {
  acked: { stream: string; seq: number; head: string };
  accepted: number;
  duplicates: number;
  /** The stream's open gaps after the batch, half-open [from, to): seqs below acked.seq the collector lacks. */
  gaps: SeqRange[];
}

export interface CursorView {
  stream: string;
  seq: number;
  head: string;
  gaps: SeqRange[];
}

export interface IngestServiceOptions {
  sealVerifiers?: SealVerifierCacheOptions;
  /**
   * A batch of duplicates only commits (to move the device's lastSeenUs) when the stored
   * last-seen time is at least this old (default 1000 ms): a retry storm then costs no
   * commit per retry, and `seclog device list` is exact to the second.
   */
  seenResolutionMs?: number;
}

/** Seal failures recorded per batch at most; the last one says how many more there were. */
const MAX_SEAL_REPORTS = 8;

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');

export class IngestService {
  readonly #store: Store;
  readonly #committer: GroupCommitter;
  readonly #limits: IngestLimits;
  readonly #lock = new KeyedLock();
  readonly #rate: RateLimiter;
  readonly #verifiers: SealVerifierCache;
  readonly #seenResolutionUs: number;
  readonly own: OwnStream;
  /** Records without chain fields from other inputs (syslog, OTLP, MQTT), chained per device in `passthrough/<source>`. */
  readonly foreign: ForeignStreams;
  /**
   * Storage admission (retention/capacity.ts StorageMonitor.admit): throws STORAGE_FULL (507) for a batch
   * the storage level does not allow now; `critical` says whether the batch holds a critical event.
   */
  storageGate: ((critical: boolean) => void) | undefined;

  constructor(
    store: Store,
    committer: GroupCommitter,
    origin: string,
    limits: IngestLimits & { perDeviceRatePerSec: number },
    options: IngestServiceOptions = {},
  ) {
    this.#store = store;
    this.#rate = new RateLimiter(limits.perDeviceRatePerSec);
    this.#committer = committer;
    this.#limits = limits;
    this.#verifiers = new SealVerifierCache(options.sealVerifiers);
    this.#seenResolutionUs = (options.seenResolutionMs ?? 1000) * 1000;
    this.own = new OwnStream(new OwnStreamBuilder(store, origin), this.#lock, (b) => committer.submit(b));
    this.foreign = new ForeignStreams(store, committer, this.#lock);
  }

  /** `device` is the authenticated device (from its token); `source` the input for metrics (BatchWrite.source, default 'http'). */
  async ingest(device: DeviceRow, batch: IngestBatch, source?: string): Promise<IngestAck> {
    if (batch.device !== device.id) {
      await this.own.append({
        name: 'authz_fail',
        input: {
          actor: { user: device.id },
          target: { resource: `/api/v1/ingest/${batch.device}` },
          attrs: { action: 'ingest', interface: 'api' },
          message: `device ${device.id} sent a batch for device ${batch.device}`,
        },
      });
      throw new SeclogError('AUTH_DEVICE_MISMATCH', `the token is device ${device.id}'s, the batch names ${batch.device}`, {
        token: device.id,
        batch: batch.device,
      });
    }
    // Those streams are the collector's, and the verifier checks no device seals on them.
    if (isCollectorChained(device.id, batch.stream)) {
      throw new SeclogError('INGEST_STREAM_RESERVED', `stream ${batch.stream} is chained by the collector, not by a device`, {
        field: 'stream',
        stream: batch.stream,
      });
    }
    this.#rate.take(device.id, batch.records.length);
    this.storageGate?.(holdsCriticalEvent(batch.records));
    return this.#lock.run(`${device.id}\0${batch.stream}`, () => this.#ingestLocked(device, batch, source));
  }

  async #ingestLocked(row: DeviceRow, batch: IngestBatch, source: string | undefined): Promise<IngestAck> {
    const { device, stream } = batch;
    const store = this.#store;
    const cursor = store.getCursor(device, stream) ?? zeroCursor(device, stream);
    const gaps = cursor.ackedSeq > 0 ? store.listGaps(device, stream) : [];
    const receivedUs = nowUs();
    const c = classifyBatch(
      batch,
      { cursor, gaps, storedHash: (seq, time) => store.findChainHash(device, stream, seq, time) },
      this.#limits,
      receivedUs,
    );
    if (c.kind === 'unanchored') {
      throw new SeclogError(
        'INGEST_GAP_UNANCHORED',
        `record ${c.index} (seq ${c.seq}) starts a fill inside the open gap [${c.gap.from}, ${c.gap.to}) of ${stream} that reaches neither end of it`,
        { index: c.index, field: 'seq', seq: c.seq, gap: c.gap },
      );
    }
    if (c.kind !== 'ok') {
      const kind = c.kind === 'fork' ? 'forked' : 'modified';
      await this.own.append({
        name: 'log_integrity_fail',
        input: {
          attrs: {
            kind,
            stream,
            seq: c.seq,
            device_id: device,
            ...(c.expected === undefined ? {} : { expected_hash: c.expected }),
            actual_hash: c.actual,
          },
          message: `device ${device} stream ${stream} seq ${c.seq}: ${c.kind === 'fork' ? 'fork' : 'broken chain'}, batch refused`,
        },
      });
      const code = c.kind === 'fork' ? 'INGEST_FORK' : 'INGEST_CHAIN_BROKEN';
      throw new SeclogError(code, `record ${c.index} (seq ${c.seq}) does not continue the stored chain of ${stream}`, {
        index: c.index,
        field: 'prev',
        seq: c.seq,
        ackedSeq: cursor.ackedSeq,
        expected: c.expected,
        actual: c.actual,
      });
    }
    const events: OwnEvent[] = [];
    if (c.gap !== undefined) {
      const { from, to } = c.gap;
      events.push({
        name: 'log_gap',
        input: {
          attrs: { stream, from_seq: from, to_seq: to - 1, count: to - from, device_id: device },
          message: `device ${device} stream ${stream}: seq ${from}..${to - 1} missing`,
        },
      });
    }
    for (const f of c.fills) {
      const { from, to } = f.filled;
      events.push({
        name: 'log_gap_closed',
        input: {
          attrs: { stream, from_seq: from, to_seq: to - 1, count: to - from, remaining: f.remaining, device_id: device },
          message:
            `device ${device} stream ${stream}: seq ${from}..${to - 1} of the gap ${f.gap.from}..${f.gap.to - 1} arrived` +
            (f.remaining === 0 ? '; the gap is closed' : `; ${f.remaining} still missing`),
        },
      });
    }
    let seals: StreamSeal[] = [];
    const verifier = c.accept.length > 0 ? this.#verifiers.get(row) : undefined;
    if (verifier !== undefined) {
      const r = checkSeals({
        device,
        stream,
        checker: verifier,
        accept: c.accept,
        ackedSeq: cursor.ackedSeq,
        gapsBefore: gaps.map((g) => ({ from: g.fromSeq, to: g.toSeq })),
        gapsAfter: c.gaps,
        sealBefore: (seq) => store.sealBefore(device, stream, seq),
        sealAfter: (seq) => store.sealAfter(device, stream, seq),
        nowMs: receivedUs / 1000,
      });
      seals = r.rows;
      events.push(...sealEvents(device, stream, r.issues));
    }
    const ack: IngestAck = { acked: ackedView(c.cursor), accepted: c.accept.length, duplicates: c.duplicates, gaps: c.gaps };
    if (c.accept.length === 0 && events.length === 0 && row.lastSeenUs !== null && receivedUs - row.lastSeenUs < this.#seenResolutionUs) {
      return ack; // nothing new, and the device was seen moments ago
    }
    const write: BatchWrite = { device, stream, records: c.accept, cursor: c.cursor, seenUs: receivedUs };
    if (seals.length > 0) write.seals = seals;
    if (source !== undefined) write.source = source;
    // Submitted together so that they usually share one group (one transaction).
    const work: Promise<unknown>[] = [this.#committer.submit(write)];
    if (events.length > 0) work.push(this.own.append(...events));
    await Promise.all(work);
    return ack;
  }

  /**
   * Counts `records` of an authenticated device that reach the store by another way than
   * ingest() (foreign records of an OTLP request) against its rate; throws INGEST_RATE_LIMITED.
   */
  admit(device: string, records: number): void {
    this.#rate.take(device, records);
    this.storageGate?.(false);
  }

  /**
   * The storage gate alone, for records that reach the store through `foreign` (syslog passthrough):
   * throws STORAGE_FULL while the storage level does not take them (critical ones are taken longer).
   */
  admitStorage(records: readonly unknown[]): void {
    this.storageGate?.(holdsCriticalEvent(records));
  }

  /** Records one batch or request may hold (config ingest.maxBatchRecords). */
  get maxBatchRecords(): number {
    return this.#limits.maxBatchRecords;
  }

  /** The acknowledged seq, head and open gaps of every stream of `device`, for resume. */
  cursors(device: string): CursorView[] {
    const gaps = new Map<string, SeqRange[]>();
    for (const g of this.#store.listGaps(device)) {
      const list = gaps.get(g.stream) ?? [];
      list.push({ from: g.fromSeq, to: g.toSeq });
      gaps.set(g.stream, list);
    }
    return this.#store.listCursors(device).map((c) => ({ ...ackedView(c), gaps: gaps.get(c.stream) ?? [] }));
  }
}

function ackedView(c: StreamCursor): { stream: string; seq: number; head: string } {
  return { stream: c.stream, seq: c.ackedSeq, head: hex(c.head) };
}

/** One log_integrity_fail per seal failure, at most MAX_SEAL_REPORTS per batch. */
function sealEvents(device: string, stream: string, issues: readonly SealIssue[]): OwnEvent[] {
  const shown = issues.slice(0, MAX_SEAL_REPORTS);
  return shown.map((s, i) => {
    const more =
      i === shown.length - 1 && issues.length > shown.length
        ? ` (and ${issues.length - shown.length} more seal failures in this batch)`
        : '';
    return {
      name: 'log_integrity_fail',
      input: {
        attrs: { kind: s.kind, stream, seq: s.seq, device_id: device, ...(s.epoch === undefined ? {} : { epoch: s.epoch }) },
        message: `device ${device} stream ${stream} seq ${s.seq}: ${s.kind}: ${s.detail}; stored${more}`,
      },
    };
  });
}
