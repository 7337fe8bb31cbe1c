/**
 * Which overwritten records a surviving `log_dropped` record accounts for.
 *
 * The ring reports every unacknowledged record it overwrites (exact counts).
 * The logger must say so in the stream, but a `log_dropped` record is itself
 * a record of the ring and may be overwritten in turn, taking its
 * information with it. So the ledger keeps, for each `log_dropped` record
 * still in the ring and not yet acknowledged, the range it describes; when
 * that record is overwritten its range is undescribed again and goes into
 * the next `log_dropped` (merged with what is contiguous). The collector
 * therefore ends up with `log_dropped` records whose ranges are disjoint and
 * cover every overwritten seq: delivered + Σ count = recorded. A record
 * overwritten while the shipper has it in flight is held back (`take(held)`)
 * until the answer says whether the collector stored it (`delivered`).
 * What remains inexact is listed in docs/agent.md, and always errs towards
 * counting twice, never towards silence.
 *
 * Memory: one entry per `log_dropped` record in the ring that the collector
 * has not acknowledged, and one per undescribed run; both are small because
 * the logger records them at most every `dropReportMs`.
 */

/** A run of lost seqs [from, to] and how many records it held (seqs may be missing inside a run for other reasons). */
export interface LossRange {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** A run of consecutive seqs [from, to], every one of them present. */
export interface SeqRun {
  readonly from: number;
  readonly to: number;
}

/**
 * The parts of `r` inside and outside `runs`. Only a range whose seqs are
 * all lost (count = its span) can be cut exactly; another stays whole, on
 * the outside.
 */
function split(r: LossRange, runs: readonly SeqRun[]): { inside: LossRange[]; outside: LossRange[] } {
  if (r.count !== r.to - r.from + 1) return { inside: [], outside: [r] };
  const inside: LossRange[] = [];
  const outside: LossRange[] = [];
  let from = r.from;
  for (const u of [...runs].sort((a, b) => a.from - b.from)) {
    if (u.to < from || u.from > r.to) continue;
    if (u.from > from) outside.push({ from, to: u.from - 1, count: u.from - from });
    const a = Math.max(from, u.from);
    const b = Math.min(r.to, u.to);
    inside.push({ from: a, to: b, count: b - a + 1 });
    from = b + 1;
  }
  if (from <= r.to) outside.push({ from, to: r.to, count: r.to - from + 1 });
  return { inside, outside };
}

export class DropLedger {
  /** Undescribed runs, ascending and merged where contiguous. */
  #pending: LossRange[] = [];
  /** seq of a `log_dropped` record in the ring → the range it describes. */
  readonly #described = new Map<number, LossRange>();

  /** Records in runs not yet described. */
  get pendingCount(): number {
    let n = 0;
    for (const r of this.#pending) n += r.count;
    return n;
  }

  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /** The ring overwrote unacknowledged records [from, to]; descriptions among them are lost, so their ranges are undescribed again. */
  overwritten(r: LossRange): void {
    this.#add(r);
    for (const [seq, range] of this.#described) {
      if (seq >= r.from && seq <= r.to) {
        this.#described.delete(seq);
        this.#add(range);
      }
    }
  }

  /** The collector holds every record up to `seq`: descriptions among them are safe. */
  acked(seq: number): void {
    for (const s of this.#described.keys()) if (s <= seq) this.#described.delete(s);
  }

  /**
   * Take the undescribed runs, to be recorded now, except the seqs in
   * `held` (records the shipper has in flight: if the collector takes them
   * they were not lost after all; `delivered` then removes them).
   */
  take(held: readonly SeqRun[] = []): LossRange[] {
    const p = this.#pending;
    this.#pending = [];
    if (held.length === 0) return p;
    const out: LossRange[] = [];
    for (const r of p) {
      const { inside, outside } = split(r, held);
      for (const x of inside) this.#add(x);
      out.push(...outside);
    }
    return out;
  }

  /** The collector stored these records (the shipper's batch was acknowledged): whatever the ring overwrote of them was not lost. */
  delivered(runs: readonly SeqRun[]): void {
    if (runs.length === 0 || this.#pending.length === 0) return;
    const p = this.#pending;
    this.#pending = [];
    for (const r of p) for (const x of split(r, runs).outside) this.#add(x);
  }

  /** Record `seq` (a `log_dropped`) now describes `range`. */
  describedBy(seq: number, range: LossRange): void {
    this.#described.set(seq, range);
  }

  #add(r: LossRange): void {
    const p = this.#pending;
    let i = 0;
    while (i < p.length && p[i]!.to < r.from) i++;
    p.splice(i, 0, r);
    // Merge with the neighbours where the seqs run on.
    if (i + 1 < p.length && p[i]!.to + 1 >= p[i + 1]!.from) {
      const a = p[i]!;
      const b = p[i + 1]!;
      p.splice(i, 2, { from: Math.min(a.from, b.from), to: Math.max(a.to, b.to), count: a.count + b.count });
    }
    if (i > 0 && p[i - 1]!.to + 1 >= p[i]!.from) {
      const a = p[i - 1]!;
      const b = p[i]!;
      p.splice(i - 1, 2, { from: Math.min(a.from, b.from), to: Math.max(a.to, b.to), count: a.count + b.count });
    }
  }
}
