/**
 * Turning what the ring overwrote into `log_dropped` records (DropLedger
 * keeps which record describes which range): the first report at once, then
 * at most every `intervalMs`, so an overflowing ring is not filled with its
 * own reports; `report(true)` for flush() and close(). After a restart,
 * `rebuild` finds the unacknowledged `log_dropped` records still in the
 * ring and accounts for what the ring's recovery says was overwritten since
 * its last state write.
 */
import type { ChainedEvent } from '@seclog/core';
import type { RingStore } from '../ring/ring-store.js';
import type { DropReport, SeqRange } from '../ring/ring-types.js';
import { DropLedger, type SeqRun } from './drop-ledger.js';
import { droppedEvent, type OwnEvent } from './own-events.js';
import { scanRecords } from './ring-scan.js';

export class LossReporter {
  readonly #ledger = new DropLedger();
  readonly #record: (ev: OwnEvent) => number;
  readonly #inFlight: () => readonly SeqRun[];
  readonly #intervalMs: number;
  #lastAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #reporting = false;
  /** Some undescribed records were in flight at the last report. */
  #held = false;
  #stopped = false;

  /**
   * `record` appends an event and returns its seq (0 when it could not);
   * `inFlight` gives the records the shipper has been handed and not yet
   * had acknowledged.
   */
  constructor(record: (ev: OwnEvent) => number, intervalMs: number, inFlight: () => readonly SeqRun[] = () => []) {
    this.#record = record;
    this.#intervalMs = intervalMs;
    this.#inFlight = inFlight;
  }

  get hasPending(): boolean {
    return this.#ledger.hasPending;
  }

  get pendingCount(): number {
    return this.#ledger.pendingCount;
  }

  /** The ring overwrote unacknowledged records (an append's DropReport). */
  overwritten(d: DropReport): void {
    this.#ledger.overwritten({ from: d.fromSeq, to: d.toSeq, count: d.count });
  }

  /** The collector acknowledged up to `seq`, storing the records in `delivered` (handed to the shipper). */
  acked(seq: number, delivered: readonly SeqRun[] = []): void {
    this.#ledger.acked(seq);
    this.#ledger.delivered(delivered);
    // What was held back while in flight, and was not delivered, is described now.
    if (this.#held) {
      this.#held = false;
      this.report(false);
    }
  }

  /**
   * Record `log_dropped` for the undescribed runs: now when `force` or when
   * the interval has passed, else by a timer. Records the shipper has in
   * flight are held back until the collector answers (if it stores them,
   * they were not lost), unless `all` (closing: nothing is in flight after).
   */
  report(force: boolean, all = false): void {
    if (this.#reporting || this.#stopped || !this.#ledger.hasPending) return;
    // The monotonic clock: a step of the wall clock must not hold reports back.
    const now = performance.now();
    const due = this.#lastAt + this.#intervalMs;
    if (!force && now < due) {
      if (this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.report(true);
        }, due - now);
        this.#timer.unref();
      }
      return;
    }
    this.#lastAt = now;
    this.#reporting = true;
    try {
      const inFlight = all ? [] : this.#inFlight();
      const ranges = this.#ledger.take(inFlight);
      this.#held = this.#ledger.hasPending && inFlight.length > 0;
      for (const r of ranges) {
        const seq = this.#record(droppedEvent(r, 'overwritten', 'were overwritten before the collector acknowledged them'));
        if (seq > 0) this.#ledger.describedBy(seq, r);
      }
    } finally {
      this.#reporting = false;
    }
    // Describing may itself have overwritten records: those wait for the next report.
    if (this.#ledger.hasPending && !this.#held) this.report(false);
  }

  /**
   * After a restart: which ranges the `log_dropped` records in (ackedSeq,
   * headSeq] describe, and a report for `overwritten` (the ring's recovery)
   * where none of them covers it.
   */
  rebuild(ring: RingStore, ackedSeq: number, headSeq: number, overwritten: SeqRange | null): void {
    const covered: { from: number; to: number }[] = [];
    scanRecords(ring, 'log_dropped', ackedSeq + 1, headSeq, [], (rec: ChainedEvent) => {
      const a = rec.attrs as { from_seq?: number; to_seq?: number; count?: number; reason?: string; stream?: string };
      if (a.reason !== 'overwritten' || a.stream !== undefined || a.from_seq === undefined || a.to_seq === undefined) return true;
      const range = { from: a.from_seq, to: a.to_seq, count: a.count ?? a.to_seq - a.from_seq + 1 };
      this.#ledger.describedBy(rec.seq, range);
      covered.push(range);
      return true;
    });
    if (overwritten === null) return;
    let from = overwritten.fromSeq;
    const to = overwritten.toSeq;
    for (const c of covered.sort((a, b) => a.from - b.from)) {
      if (c.to < from || c.from > to) continue;
      if (c.from > from) this.#ledger.overwritten({ from, to: c.from - 1, count: c.from - from });
      from = Math.max(from, c.to + 1);
    }
    if (from <= to) this.#ledger.overwritten({ from, to, count: to - from + 1 });
    this.report(true);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
