/**
 * The shipper's view of the ring (ship/source.ts): records are read on
 * demand, so the backlog stays on disk, not in the heap. Only durable
 * records are offered (a record a power cut could still take back is never
 * shipped, so a seq never reaches the collector with two contents), which is
 * why the source's last seq is the ring's durable seq and the logger calls
 * `notify` when an fsync has made more of it durable.
 *
 * It also remembers which records it handed to the shipper until they are
 * acknowledged: a record the ring overwrites while its batch is in flight is
 * not lost if the collector takes that batch, so the logger waits for the
 * answer before counting it in a `log_dropped`.
 */
import type { RingStore } from '../ring/ring-store.js';
import type { CorruptRange } from '../ring/ring-types.js';
import type { ShipSource, SourceRecord } from '../ship/source.js';
import type { SeqRun } from './drop-ledger.js';

type Listener = (lastSeq: number, urgent: boolean) => void;

export interface RingSourceHooks {
  /** Damage found while reading (the ring padded it over): the logger records `log_store_corrupt`. */
  onCorrupt?: (ranges: readonly CorruptRange[]) => void;
  /** The acknowledged mark moved; `delivered`: the runs of records handed to the shipper that this acknowledges. */
  onAcked?: (seq: number, delivered: readonly SeqRun[]) => void;
}

export class RingShipSource implements ShipSource {
  readonly stream: string;
  readonly #ring: RingStore;
  readonly #hooks: RingSourceHooks;
  readonly #listeners = new Set<Listener>();
  /**
   * Runs of records handed to the shipper and not yet acknowledged. A read
   * from seq s supersedes what was handed from s on (the shipper reads again
   * only after a failure, from the collector's cursor, or for the next batch).
   */
  #handed: SeqRun[] = [];

  constructor(ring: RingStore, stream: string, hooks: RingSourceHooks = {}) {
    this.#ring = ring;
    this.stream = stream;
    this.#hooks = hooks;
  }

  readFrom(fromSeq: number, maxRecords: number, maxBytes: number): SourceRecord[] {
    const batch = this.#ring.read(fromSeq, maxRecords, maxBytes);
    if (batch.corrupt.length > 0) this.#hooks.onCorrupt?.(batch.corrupt);
    this.#handed = this.#handed.flatMap((h) => (h.from >= fromSeq ? [] : h.to < fromSeq ? [h] : [{ from: h.from, to: fromSeq - 1 }]));
    const out: SourceRecord[] = new Array(batch.records.length);
    let run: { from: number; to: number } | undefined;
    for (let i = 0; i < batch.records.length; i++) {
      const r = batch.records[i]!;
      out[i] = { seq: r.seq, canonical: Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.length).toString('utf8') };
      if (run !== undefined && r.seq === run.to + 1) run.to = r.seq;
      else {
        if (run !== undefined) this.#handed.push(run);
        run = { from: r.seq, to: r.seq };
      }
    }
    if (run !== undefined) this.#handed.push(run);
    return out;
  }

  /** Records handed to the shipper and not yet acknowledged (a batch in flight, or one that failed and is not read again yet). */
  inFlight(): readonly SeqRun[] {
    return this.#handed;
  }

  lastSeq(): number {
    return this.#ring.stats().durableSeq;
  }

  ackedSeq(): number {
    return this.#ring.stats().ackedSeq;
  }

  markAcked(seq: number): void {
    this.#ring.markAcked(seq);
    const delivered: SeqRun[] = [];
    const keep: SeqRun[] = [];
    for (const h of this.#handed) {
      if (h.from <= seq) delivered.push({ from: h.from, to: Math.min(h.to, seq) });
      if (h.to > seq) keep.push(h.from > seq ? h : { from: seq + 1, to: h.to });
    }
    this.#handed = keep;
    this.#hooks.onAcked?.(seq, delivered);
  }

  onAppend(cb: Listener): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  /** Tell the shipper that records up to `durableSeq` may be read; `urgent` asks for an upload at once. */
  notify(durableSeq: number, urgent: boolean): void {
    for (const cb of this.#listeners) cb(durableSeq, urgent);
  }
}
