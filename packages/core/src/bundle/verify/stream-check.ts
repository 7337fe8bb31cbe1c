/**
 * Device streams inside a bundle. Within each (device, stream) the bundle's
 * records must follow the log's order, and consecutive seqs must chain:
 * record s + 1 carries as prev the chain hash the verifier recomputed for
 * record s, the same hash that went into s's leaf. So every chain link the
 * verifier walks is a link between leaves the batch proof covers (the immudb
 * "linear fake" lesson: a chain shown apart from the tree proves nothing).
 *
 * What each break means, given that both records' leaves verified:
 * - seq s + 1 with another prev: the log holds two histories → forked;
 * - a seq already seen: same chain hash → inserted (stored twice), another →
 *   forked; a lower seq not seen → a late gap fill when it lies in a gap
 *   of this stream seen earlier in the bundle, else reordered;
 * - a seq jump: a gap, explained when the filter selects by name (it may drop
 *   any record), when a log_gap record in the bundle covers it, or when a
 *   record beside it is a log_gap taken only to explain gaps (the records of
 *   its stream between were not selected); otherwise deleted at the first
 *   missing seq.
 * A late gap fill: the collector stores records that arrive after a gap
 * opened when they chain to a stored neighbour (docs/ingest.md), so their
 * leaves come after the records beyond the gap. A fill must chain the same
 * way here: to the record before it when that is in the bundle, and the
 * record after it must carry its chain hash as prev; it shrinks the gap. A
 * seal inside a fill is checked like any other against the seal before its
 * epoch; a seal beyond the gap that came first in the file was checked when
 * the record before its epoch was not yet held, so without that link (the
 * chain links and its tag still bind it).
 * Breaks are kept, not reported at once: whether the log really holds them
 * (forked) or the bundle was altered (modified) is known only once the batch
 * proof has been checked.
 */
import { ZERO_HASH_HEX } from '../../event/types.js';
import { type BundleFailure, bundleFailure } from '../bundle-result.js';
import type { EventLine } from './event-line.js';
import { isSeal, type SealChecks, type SealMark } from './seal-check.js';

interface StreamState {
  lastSeq: number;
  /** The last record was taken only to explain a gap (a log_gap the filter does not select). */
  lastExplains: boolean;
  /** The seals seen, by seq. */
  readonly seals: Map<number, SealMark>;
  /** Seqs seen, ascending, and where their events are kept (for their chain hashes). */
  readonly seqs: number[];
  readonly positions: number[];
  /** The prev of each record that followed a gap, by seq: what a fill ending just below must hash to. */
  readonly prevAfterGap: Map<number, Buffer>;
  /** Seqs whose records retention removed (their leaves are in the bundle). */
  readonly pruned: Set<number>;
}

export interface Gap {
  readonly deviceId: string;
  readonly stream: string;
  /** Missing seqs [from, to], inclusive. */
  readonly from: number;
  readonly to: number;
  readonly line: number;
  readonly index: number;
  /** A record around the gap was taken only as an explanation: the gap is the filter's. */
  readonly byFilter: boolean;
}

/** Where `seq` is, or would go, in the ascending list. */
function lowerBound(seqs: readonly number[], seq: number): number {
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((seqs[mid] as number) < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of `seq` in the ascending list, or −1. */
function indexOfSeq(seqs: readonly number[], seq: number): number {
  const lo = lowerBound(seqs, seq);
  return seqs[lo] === seq ? lo : -1;
}

export class StreamChecks {
  readonly #streams = new Map<string, StreamState>();
  readonly #seals: SealChecks;
  /** The first break found, in file order. */
  firstBreak: BundleFailure | null = null;
  /** Gaps still open: a late fill splits or removes its gap. */
  gaps: Gap[] = [];
  /** Pruned leaves seen, and the first of them. */
  prunedCount = 0;
  firstPruned: { index: number; at: string | null } | undefined;
  /** Ranges named by log_gap records, by device and stream. */
  readonly logGaps = new Map<string, [number, number][]>();

  readonly #chainHashAt: (pos: number) => Buffer;

  /** `chainHashAt`: the chain hash of a kept event, by position. */
  constructor(seals: SealChecks, chainHashAt: (pos: number) => Buffer) {
    this.#seals = seals;
    this.#chainHashAt = chainHashAt;
  }

  get count(): number {
    return this.#streams.size;
  }

  /** Devices with a stream in the bundle. */
  get devices(): number {
    return new Set([...this.#streams.keys()].map((k) => k.slice(0, k.indexOf('\u0000')))).size;
  }

  /**
   * Adds a verified event line (`explains`: taken only as a gap's explanation); returns a seal
   * failure (reported at once), else null.
   */
  add(ev: EventLine, line: number, explains: boolean, pos: number): BundleFailure | null {
    const rec = ev.record;
    const at = { index: ev.leafIndex, seq: rec.seq, deviceId: ev.deviceId, stream: rec.stream };
    const key = `${ev.deviceId}\u0000${rec.stream}`;
    if (ev.pruned !== undefined) {
      this.prunedCount++;
      this.firstPruned ??= { index: ev.leafIndex, at: ev.pruned.at };
    }
    if (rec.name === 'log_gap') this.#noteLogGap(ev);
    let s = this.#streams.get(key);
    if (s === undefined || s.seqs.length === 0) {
      if (s === undefined) {
        s = { lastSeq: 0, lastExplains: false, seals: new Map(), seqs: [], positions: [], prevAfterGap: new Map(), pruned: new Set() };
        this.#streams.set(key, s);
      }
      if (rec.seq === 1 && ev.pruned === undefined && rec.prev !== ZERO_HASH_HEX)
        this.#break('modified', line, 'seq 1 must carry a zero prev', at);
    } else if (rec.seq === s.lastSeq + 1) {
      // A pruned record's prev is unknown: the link into it is not checked, the link out of it is (its chain hash is in its leaf).
      if (ev.pruned === undefined && !ev.prev.equals(this.#chainHashAt(s.positions[s.positions.length - 1] as number))) {
        this.#break('forked', line, `seq ${rec.seq} carries a prev that is not the chain hash of seq ${s.lastSeq} in this bundle`, at);
      }
    } else if (rec.seq > s.lastSeq + 1) {
      const byFilter = explains || s.lastExplains;
      this.gaps.push({
        deviceId: ev.deviceId,
        stream: rec.stream,
        from: s.lastSeq + 1,
        to: rec.seq - 1,
        line,
        index: ev.leafIndex,
        byFilter,
      });
      if (ev.pruned === undefined) s.prevAfterGap.set(rec.seq, Buffer.from(ev.prev));
    } else {
      return this.#repeat(s, ev, line, at, pos);
    }
    if (ev.pruned !== undefined) s.pruned.add(rec.seq);
    if (isSeal(ev)) {
      const seqs = s.seqs;
      const seals = s.seals;
      const pruned = s.pruned;
      // A pruned seq is held as a leaf but not as a record: a seal after it cannot be linked to it.
      const mark = this.#seals.check(
        ev,
        (seq) => indexOfSeq(seqs, seq) >= 0 && !pruned.has(seq),
        (seq) => seals.get(seq),
      );
      if (typeof mark === 'string') return bundleFailure('bad_seal', line, mark, at);
      seals.set(mark.seq, mark);
    }
    s.lastSeq = rec.seq;
    s.lastExplains = explains;
    s.seqs.push(rec.seq);
    s.positions.push(pos);
    return null;
  }

  /** A seq at or below the stream's last: a late gap fill, a repeat, a fork or a record out of order. */
  #repeat(s: StreamState, ev: EventLine, line: number, at: Parameters<typeof bundleFailure>[3], pos: number): BundleFailure | null {
    const seq = ev.record.seq;
    const lo = indexOfSeq(s.seqs, seq);
    if (lo < 0) {
      const gap = this.gaps.findIndex((g) => g.deviceId === ev.deviceId && g.stream === ev.record.stream && g.from <= seq && seq <= g.to);
      if (gap < 0) this.#break('reordered', line, `seq ${seq} comes after seq ${s.lastSeq} of its stream`, at);
      else return this.#fill(s, gap, ev, line, at, pos);
    } else if (this.#chainHashAt(s.positions[lo] as number).equals(ev.chainHash)) {
      this.#break('inserted', line, `seq ${seq} is already in the bundle at an earlier leaf`, at);
    } else {
      this.#break('forked', line, `another record with seq ${seq} of this stream is in the bundle, with another chain hash`, at);
    }
    return null;
  }

  /** Records a late fill of seq inside gap `gi`, checking that it chains to the neighbours the bundle holds. */
  #fill(
    s: StreamState,
    gi: number,
    ev: EventLine,
    line: number,
    at: Parameters<typeof bundleFailure>[3],
    pos: number,
  ): BundleFailure | null {
    const seq = ev.record.seq;
    const before = indexOfSeq(s.seqs, seq - 1);
    if (before >= 0 && ev.pruned === undefined && !ev.prev.equals(this.#chainHashAt(s.positions[before] as number))) {
      this.#break('forked', line, `gap fill seq ${seq} carries a prev that is not the chain hash of seq ${seq - 1} in this bundle`, at);
    }
    const next = s.prevAfterGap.get(seq + 1);
    if (next !== undefined && !next.equals(ev.chainHash)) {
      this.#break('forked', line, `gap fill seq ${seq} does not chain to seq ${seq + 1}, which follows it in this bundle`, at);
    }
    const g = this.gaps[gi] as Gap;
    const rest = [
      { ...g, to: seq - 1 },
      { ...g, from: seq + 1 },
    ].filter((r) => r.from <= r.to);
    this.gaps.splice(gi, 1, ...rest);
    if (seq - 1 >= g.from && ev.pruned === undefined) s.prevAfterGap.set(seq, Buffer.from(ev.prev));
    if (ev.pruned !== undefined) s.pruned.add(seq);
    const i = lowerBound(s.seqs, seq);
    s.seqs.splice(i, 0, seq);
    s.positions.splice(i, 0, pos);
    if (isSeal(ev)) {
      const seqs = s.seqs;
      const seals = s.seals;
      const pruned = s.pruned;
      const mark = this.#seals.check(
        ev,
        (q) => indexOfSeq(seqs, q) >= 0 && !pruned.has(q),
        (q) => seals.get(q),
      );
      if (typeof mark === 'string') return bundleFailure('bad_seal', line, mark, at);
      seals.set(mark.seq, mark);
    }
    return null;
  }

  #break(kind: BundleFailure['kind'], line: number, detail: string, at: Parameters<typeof bundleFailure>[3]): void {
    if (this.firstBreak === null) this.firstBreak = bundleFailure(kind, line, detail, at);
  }

  #noteLogGap(ev: EventLine): void {
    const a = ev.record.attrs ?? {};
    const { device_id: d, stream, from_seq: from, to_seq: to } = a;
    if (typeof d !== 'string' || typeof stream !== 'string' || typeof from !== 'number' || typeof to !== 'number') return;
    const key = `${d}\u0000${stream}`;
    const list = this.logGaps.get(key);
    if (list) list.push([from, to]);
    else this.logGaps.set(key, [[from, to]]);
  }

  /** True when log_gap records together name every seq of the gap as missing. */
  explained(g: Gap): boolean {
    if (g.byFilter) return true;
    const ranges = (this.logGaps.get(`${g.deviceId}\u0000${g.stream}`) ?? []).slice().sort((x, y) => x[0] - y[0]);
    let next = g.from;
    for (const [from, to] of ranges) {
      if (from > next) break;
      if (to >= next) next = to + 1;
      if (next > g.to) return true;
    }
    return false;
  }
}
