/**
 * The main thread's walk over the checked rows, in position order: every
 * stream's chain across batches, its gaps and their explanations, and its
 * seals. A stream's state is its frontier (highest seq and its chain hash),
 * the gaps opened on the way and the records that filled them later; seal
 * windows hold at most one epoch. So memory grows with streams and gaps, not
 * with rows.
 *
 *   seq = last + 1   its prev must be the last chain hash. A break is placed
 *                    with one record of lookahead: when the record after it
 *                    links on, the earlier record changed; else this one did.
 *   seq > last + 1   a gap [last + 1, seq − 1] opens (a recorded gap, or a deletion)
 *   seq ≤ last       a late record filling an open gap, else a record the stream already holds
 *
 * At the end each gap is settled: the records that filled it must chain to
 * its ends; what is still missing must be named by log_gap records (the
 * collector's own record of the gap, which ingest writes whenever it opens
 * one, anywhere in the log), else it was deleted. A gap that filled up but
 * was never recorded means the records were stored out of seq order.
 */
import { equalHashes, type SealVerifier } from '@seclog/core';
import { type ChunkResult, FLAG_BROKEN, FLAG_LOG_GAP, FLAG_PRUNED } from './chunk-check.js';
import { type SealWindowFailure, SealWindows } from './seal-windows.js';
import { FirstFailure, type StoreFailure, storeFailure } from './store-result.js';

interface Fill {
  readonly seq: number;
  readonly prev: Buffer;
  readonly chain: Buffer;
  readonly pos: number;
}

interface Gap {
  /** Missing seqs [from, to], inclusive, when it opened. */
  readonly from: number;
  readonly to: number;
  /** Position of the record after the gap. */
  readonly pos: number;
  readonly before: Buffer;
  readonly afterPrev: Buffer;
  readonly fills: Fill[];
}

interface PendingBreak {
  readonly p: { pos: number; seq: number };
  readonly q: { pos: number; seq: number; chain: Buffer };
}

export interface StreamState {
  readonly device: string;
  readonly stream: string;
  lastSeq: number;
  lastHash: Buffer;
  lastPos: number;
  records: number;
  pending: PendingBreak | undefined;
  readonly gaps: Gap[];
  readonly seals: SealWindows | undefined;
}

const ZERO = Buffer.alloc(32);

/** Streams the collector chains itself (its own events, foreign records): no device seals them. */
export function isCollectorChained(device: string, stream: string): boolean {
  return device === 'collector' || stream.startsWith('collector.') || stream.startsWith('passthrough/');
}

export class StoreWalk {
  readonly streams = new Map<string, StreamState>();
  readonly first = new FirstFailure();
  /** Rows whose record retention removed (checked as leaves only). */
  pruned = 0;
  /** Ranges named by log_gap records, by device and stream. */
  readonly #logGaps = new Map<string, [number, number][]>();
  readonly #sealVerifiers: ReadonlyMap<string, SealVerifier>;
  /** Gaps a log_gap record explains. */
  gapsExplained = 0;
  /** Deletions found by seq continuity (to name the stream of a missing position). */
  readonly seqDeletions: StoreFailure[] = [];

  constructor(sealVerifiers: ReadonlyMap<string, SealVerifier>) {
    this.#sealVerifiers = sealVerifiers;
  }

  #state(device: string, stream: string): StreamState {
    const key = `${device}\u0000${stream}`;
    let s = this.streams.get(key);
    if (s === undefined) {
      const verifier = isCollectorChained(device, stream) ? undefined : this.#sealVerifiers.get(device);
      s = {
        device,
        stream,
        lastSeq: 0,
        lastHash: ZERO,
        lastPos: -1,
        records: 0,
        pending: undefined,
        gaps: [],
        seals: verifier === undefined ? undefined : new SealWindows(verifier, stream),
      };
      this.streams.set(key, s);
    }
    return s;
  }

  #sealFailure(s: StreamState, f: SealWindowFailure | null): void {
    if (f === null) return;
    this.first.offer(
      storeFailure(f.failure.kind, 'stream', f.pos, `seal check: ${f.failure.detail}`, {
        device: s.device,
        stream: s.stream,
        seq: f.failure.seq,
      }),
    );
  }

  /** The rows of the next chunk, in position order. */
  add(c: ChunkResult): void {
    // One state lookup per (device, stream) pair of the chunk.
    const local = new Map<number, StreamState>();
    const width = c.strs.length;
    for (let i = 0; i < c.n; i++) {
      const d = c.ids[i * 3] as number;
      const st = c.ids[i * 3 + 1] as number;
      const pairKey = d * width + st;
      let s = local.get(pairKey);
      if (s === undefined) {
        s = this.#state(c.strs[d] as string, c.strs[st] as string);
        local.set(pairKey, s);
      }
      const flags = c.flags[i] as number;
      const pos = c.pos[i] as number;
      const seq = c.seq[i] as number;
      const prev = Buffer.from(c.hashes.buffer, c.hashes.byteOffset + i * 64, 32);
      const chain = Buffer.from(c.hashes.buffer, c.hashes.byteOffset + i * 64 + 32, 32);
      s.records++;
      if ((flags & FLAG_LOG_GAP) !== 0) this.#noteLogGap(c.attrs[i]);
      if ((flags & FLAG_PRUNED) !== 0) {
        // Retention removed the record: its seal window ends here, the chain goes on from its stored chain hash.
        this.pruned++;
        s.pending = undefined;
        this.#sealFailure(s, s.seals?.cut() ?? null);
        if (seq > s.lastSeq) this.#advance(s, seq, Buffer.from(chain), pos);
        continue;
      }
      if ((flags & FLAG_BROKEN) !== 0) {
        // Reported by the chunk; the chain resumes from the stored chain hash.
        this.#sealFailure(s, s.seals?.cut() ?? null);
        if (seq > s.lastSeq) this.#advance(s, seq, Buffer.from(chain), pos);
        continue;
      }
      this.#row(s, c, i, pos, seq, prev, chain);
    }
  }

  #row(s: StreamState, c: ChunkResult, i: number, pos: number, seq: number, prev: Buffer, chain: Buffer): void {
    const at = { device: s.device, stream: s.stream, seq };
    if (seq === s.lastSeq + 1) {
      this.#settleBreak(s, seq, prev);
      if (!prev.equals(s.lastHash)) {
        if (s.lastPos < 0) {
          this.first.offer(storeFailure('modified', 'stream', pos, `seq ${seq} opens the stream with a prev that is not zeros`, at));
        } else {
          s.pending = { p: { pos: s.lastPos, seq: s.lastSeq }, q: { pos, seq, chain: Buffer.from(chain) } };
        }
        this.#sealFailure(s, s.seals?.cut() ?? null);
      }
      this.#window(s, c, i, pos, seq, prev, chain);
      this.#advance(s, seq, Buffer.from(chain), pos);
      return;
    }
    if (seq > s.lastSeq + 1) {
      this.#settleBreak(s, seq, prev);
      s.gaps.push({ from: s.lastSeq + 1, to: seq - 1, pos, before: s.lastHash, afterPrev: Buffer.from(prev), fills: [] });
      this.#sealFailure(s, s.seals?.cut() ?? null);
      this.#window(s, c, i, pos, seq, prev, chain);
      this.#advance(s, seq, Buffer.from(chain), pos);
      return;
    }
    const gap = s.gaps.find((g) => g.from <= seq && seq <= g.to);
    if (gap !== undefined) {
      gap.fills.push({ seq, prev: Buffer.from(prev), chain: Buffer.from(chain), pos });
      return;
    }
    this.first.offer(
      storeFailure('inserted', 'stream', pos, `seq ${seq} comes after seq ${s.lastSeq} of its stream, which already holds it`, at),
    );
  }

  #window(s: StreamState, c: ChunkResult, i: number, pos: number, seq: number, prev: Buffer, chain: Buffer): void {
    if (s.seals === undefined) return;
    const name = c.strs[c.ids[i * 3 + 2] as number] as string;
    const f = s.seals.add({
      pos,
      seq,
      name,
      prev: prev.toString('hex'),
      chainHash: chain.toString('hex'),
      time: c.times[i] as string,
      attrs: c.attrs[i],
    });
    this.#sealFailure(s, f);
  }

  #advance(s: StreamState, seq: number, chain: Buffer, pos: number): void {
    s.lastSeq = seq;
    s.lastHash = chain;
    s.lastPos = pos;
  }

  /** The record after a break tells which side of it changed. */
  #settleBreak(s: StreamState, seq: number, prev: Buffer): void {
    const b = s.pending;
    if (b === undefined) return;
    s.pending = undefined;
    const qIntact = seq === b.q.seq + 1 && prev.equals(b.q.chain);
    this.#reportBreak(s, b, qIntact);
  }

  #reportBreak(s: StreamState, b: PendingBreak, qIntact: boolean): void {
    if (qIntact) {
      this.first.offer(
        storeFailure('modified', 'stream', b.p.pos, `the chain hash of seq ${b.p.seq} is not the prev of seq ${b.q.seq}, which chains on`, {
          device: s.device,
          stream: s.stream,
          seq: b.p.seq,
        }),
      );
    } else {
      this.first.offer(
        storeFailure('modified', 'stream', b.q.pos, `seq ${b.q.seq} does not chain to seq ${b.p.seq} nor to the record after it`, {
          device: s.device,
          stream: s.stream,
          seq: b.q.seq,
        }),
      );
    }
  }

  #noteLogGap(attrs: Record<string, unknown> | undefined): void {
    const { device_id: d, stream, from_seq: from, to_seq: to } = attrs ?? {};
    if (typeof d !== 'string' || typeof stream !== 'string' || typeof from !== 'number' || typeof to !== 'number') return;
    const key = `${d}\u0000${stream}`;
    const list = this.#logGaps.get(key);
    if (list === undefined) this.#logGaps.set(key, [[from, to]]);
    else list.push([from, to]);
  }

  /** Whether log_gap records together name every seq of [from, to]. */
  #recorded(s: StreamState, from: number, to: number): boolean {
    const ranges = (this.#logGaps.get(`${s.device}\u0000${s.stream}`) ?? []).slice().sort((x, y) => x[0] - y[0]);
    let next = from;
    for (const [a, b] of ranges) {
      if (a > next) break;
      if (b >= next) next = b + 1;
      if (next > to) return true;
    }
    return false;
  }

  /** All rows seen: settle the pending breaks, the seal windows and the gaps. */
  finish(): void {
    for (const s of this.streams.values()) {
      if (s.pending !== undefined) {
        // No record after the break: a changed content of the earlier record is the likelier edit.
        this.#reportBreak(s, s.pending, true);
        s.pending = undefined;
      }
      this.#sealFailure(s, s.seals?.end() ?? null);
      for (const g of s.gaps) this.#settleGap(s, g);
    }
  }

  #settleGap(s: StreamState, g: Gap): void {
    const fills = g.fills.sort((a, b) => a.seq - b.seq || a.pos - b.pos);
    const at = (seq: number) => ({ device: s.device, stream: s.stream, seq });
    // Fills come in runs of consecutive seqs; each run chains inside and to the end of the gap it touches.
    const missing: [number, number][] = [];
    let next = g.from;
    let k = 0;
    while (k < fills.length) {
      const start = fills[k] as Fill;
      if (start.seq < next) {
        this.first.offer(storeFailure('inserted', 'stream', start.pos, `seq ${start.seq} is stored twice`, at(start.seq)));
        k++;
        continue;
      }
      let end = k;
      while (end + 1 < fills.length && (fills[end + 1] as Fill).seq === (fills[end] as Fill).seq + 1) {
        const a = fills[end] as Fill;
        const b = fills[end + 1] as Fill;
        if (!b.prev.equals(a.chain))
          this.first.offer(storeFailure('modified', 'stream', b.pos, `seq ${b.seq} does not chain to seq ${a.seq}`, at(b.seq)));
        end++;
      }
      const last = fills[end] as Fill;
      const front = start.seq === g.from;
      const back = last.seq === g.to;
      if (front && !start.prev.equals(g.before))
        this.first.offer(
          storeFailure('modified', 'stream', start.pos, `seq ${start.seq} does not chain to the record before the gap`, at(start.seq)),
        );
      if (back && !equalHashes(last.chain, g.afterPrev))
        this.first.offer(
          storeFailure('modified', 'stream', last.pos, `the record after seq ${last.seq} does not name its chain hash`, at(last.seq)),
        );
      if (!front && !back)
        this.first.offer(
          storeFailure(
            'inserted',
            'stream',
            start.pos,
            `seqs ${start.seq}..${last.seq} fill the middle of a gap, chained to neither end`,
            at(start.seq),
          ),
        );
      if (start.seq > next) missing.push([next, start.seq - 1]);
      next = last.seq + 1;
      k = end + 1;
    }
    if (next <= g.to) missing.push([next, g.to]);
    if (this.#recorded(s, g.from, g.to)) {
      this.gapsExplained++;
      return;
    }
    const first = missing[0];
    if (first === undefined) {
      this.first.offer(
        storeFailure(
          'reordered',
          'stream',
          g.pos,
          `seq ${g.to + 1} was stored before seqs ${g.from}..${g.to}, and no log_gap records it`,
          at(g.to + 1),
        ),
      );
      return;
    }
    const [a, b] = first;
    const f = storeFailure(
      'deleted',
      'stream',
      g.pos,
      `${a === b ? `seq ${a} is` : `seqs ${a}..${b} are`} missing before this record, and no log_gap record explains it`,
      at(a),
    );
    this.seqDeletions.push(f);
    this.first.offer(f);
  }

  get value(): StoreFailure | null {
    return this.first.value;
  }
}
