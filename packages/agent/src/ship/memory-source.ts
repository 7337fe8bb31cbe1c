/**
 * An in-memory ShipSource over an array of canonical records: the double for
 * tests and examples (STYLE.md "In-memory doubles"). `dropBefore` imitates a
 * ring that overwrote its oldest records.
 */
import type { ShipSource, SourceRecord } from './source.js';

export class MemoryShipSource implements ShipSource {
  readonly stream: string;
  readonly #records: SourceRecord[] = [];
  readonly #listeners = new Set<(lastSeq: number, urgent: boolean) => void>();
  #acked = 0;
  /** Every markAcked call, in order (tests check the mark only moves forward). */
  readonly ackCalls: number[] = [];

  constructor(stream: string) {
    this.stream = stream;
  }

  /** Append one record; its seq must follow the last one (gaps allowed, never backwards). */
  append(rec: SourceRecord, urgent = false): void {
    const last = this.#records.at(-1);
    if (last !== undefined && rec.seq <= last.seq) throw new Error(`seq ${rec.seq} does not follow ${last.seq}`);
    this.#records.push(rec);
    for (const cb of this.#listeners) cb(rec.seq, urgent);
  }

  /** Forget records below `seq`, as a ring does when it overwrites. */
  dropBefore(seq: number): void {
    while (this.#records.length > 0 && this.#records[0]!.seq < seq) this.#records.shift();
  }

  readFrom(fromSeq: number, maxRecords: number, maxBytes: number): SourceRecord[] {
    const out: SourceRecord[] = [];
    let bytes = 0;
    let i = this.#lowerBound(fromSeq);
    for (; i < this.#records.length && out.length < maxRecords; i++) {
      const r = this.#records[i]!;
      bytes += Buffer.byteLength(r.canonical);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(r);
    }
    return out;
  }

  lastSeq(): number {
    return this.#records.at(-1)?.seq ?? 0;
  }

  ackedSeq(): number {
    return this.#acked;
  }

  markAcked(seq: number): void {
    this.ackCalls.push(seq);
    if (seq > this.#acked) this.#acked = seq;
  }

  onAppend(cb: (lastSeq: number, urgent: boolean) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  #lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.#records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#records[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
