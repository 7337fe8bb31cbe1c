/**
 * The ingest pipeline for one device batch: authorise the stream, classify
 * it against the cursor under the stream's lock, record forks and gaps in the
 * collector's own stream, and commit through the group committer. The answer
 * is built only after the commit returned (an ACK means durable).
 */
import { SeclogError } from '@seclog/core';
import type { DeviceRow, Store, StreamCursor } from '../store/types.js';
import { classifyBatch, type IngestBatch, type IngestLimits } from './classify.js';
import type { GroupCommitter } from './group-commit.js';
import { KeyedLock } from './keyed-lock.js';
import { nowUs, OwnStream, OwnStreamBuilder, zeroCursor } from './own-stream.js';
import { RateLimiter } from './rate-limit.js';

export interface IngestAck {
  acked: { stream: string; seq: number; head: string };
  accepted: number;
  duplicates: number;
}

export interface CursorView {
  stream: string;
  seq: number;
  head: string;
}

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');

export class IngestService {
  readonly #store: Store;
  readonly #committer: GroupCommitter;
  readonly #limits: IngestLimits;
  readonly #lock = new KeyedLock();
  readonly #rate: RateLimiter;
  readonly own: OwnStream;

  constructor(store: Store, committer: GroupCommitter, origin: string, limits: IngestLimits & { perDeviceRatePerSec: number }) {
    this.#store = store;
    this.#rate = new RateLimiter(limits.perDeviceRatePerSec);
    this.#committer = committer;
    this.#limits = limits;
    this.own = new OwnStream(new OwnStreamBuilder(store, origin), this.#lock, (b) => committer.submit(b));
  }

  /** `device` is the authenticated device (from its token). */
  async ingest(device: DeviceRow, batch: IngestBatch): Promise<IngestAck> {
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
    this.#rate.take(device.id, batch.records.length);
    return this.#lock.run(`${device.id}\0${batch.stream}`, () => this.#ingestLocked(batch));
  }

  async #ingestLocked(batch: IngestBatch): Promise<IngestAck> {
    const { device, stream } = batch;
    const cursor = this.#store.getCursor(device, stream) ?? zeroCursor(device, stream);
    const c = classifyBatch(batch, cursor, this.#limits, nowUs());
    if (c.kind !== 'ok') {
      const kind = c.kind === 'fork' ? 'forked' : 'modified';
      await this.own.append({
        name: 'log_integrity_fail',
        input: {
          attrs: { kind, stream, seq: c.seq, device_id: device, expected_hash: c.expected, actual_hash: c.actual },
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
    const work: Promise<unknown>[] = [];
    if (c.gap !== undefined) {
      const { from, to } = c.gap;
      // Submitted before the batch so both usually share one group (one transaction).
      work.push(
        this.own.append({
          name: 'log_gap',
          input: {
            attrs: { stream, from_seq: from, to_seq: to - 1, count: to - from, device_id: device },
            message: `device ${device} stream ${stream}: seq ${from}..${to - 1} missing`,
          },
        }),
      );
    }
    if (c.accept.length > 0) work.push(this.#committer.submit({ device, stream, records: c.accept, cursor: c.cursor }));
    await Promise.all(work);
    return { acked: view(c.cursor), accepted: c.accept.length, duplicates: c.duplicates };
  }

  /** The acknowledged seq and head of every stream of `device`, for resume. */
  cursors(device: string): CursorView[] {
    return this.#store.listCursors(device).map(view);
  }
}

function view(c: StreamCursor): CursorView {
  return { stream: c.stream, seq: c.ackedSeq, head: hex(c.head) };
}
