/**
 * Naming the first break of a chain window: which kind of tampering, at which seq.
 *
 * The scan in verify-chain.ts stops at the first position i whose link to
 * i − 1 fails (seq not +1, or prev not the hash of i − 1). One broken link
 * has several explanations, so this module looks around it, at the whole
 * window's seqs and hashes, and picks the one a single tampering would
 * produce. The rules, in the order they are tried (P = record i − 1,
 * R = record i, s = P.seq + 1, the seq expected at i):
 *
 *  1. R of another stream                      → foreign_stream at s
 *  2. R's seq not a positive integer           → modified at s
 *  3. R byte-identical to another record       → inserted (a replay) at R.seq
 *  4. the predecessor of P or R (the record
 *     whose hash it carries as prev) sits
 *     only LATER in the window                 → reordered at the first displaced seq
 *  5. R carries P's hash but seq ≠ s           → modified at s (R's seq edited)
 *  6. R.seq = s, and no other record has s:
 *     look ahead — does record i + 1 (or the
 *     expected head, for the last record) still
 *     chain to R?  yes                          → modified at P.seq (P's content changed)
 *                  no                           → modified at s (R's prev changed / R replaced)
 *     (no lookahead possible → P, the common case of an edited record)
 *  7. R.seq > s                                → deleted at s (the first missing seq)
 *  8. two or more records hold one seq t       → forked at t if a successor continues each
 *                                                of them; else inserted at t, at the record
 *                                                no successor continues (if none is: the one
 *                                                not carrying its predecessor's hash, then
 *                                                the one off the expected head, then the later)
 *  9. R.seq < s, no other record of that seq   → inserted at R.seq (a record from elsewhere)
 */
import type { ChainedEvent } from '../event/types.js';
import { ZERO_HASH_HEX } from '../event/types.js';
import { type ChainFailure, chainFailure } from './chain-result.js';

/** Hashes of the window and the facts the rules need; indexes are built on the first break only. */
export interface BreakContext {
  readonly records: readonly ChainedEvent[];
  /** Chain hash (hex) of each record, or null when it cannot be computed (malformed seq or prev). */
  readonly hashes: readonly (string | null)[];
  readonly stream: string;
  /** The expected head and its seq, when the caller gave one. */
  readonly head?: { readonly seq: number; readonly hash: string };
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

function push(map: Map<string | number, number[]>, key: string | number, i: number): void {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

class WindowIndex {
  readonly bySeq = new Map<string | number, number[]>();
  readonly byHash = new Map<string | number, number[]>();
  readonly byPrev = new Map<string | number, number[]>();
  constructor(readonly ctx: BreakContext) {
    ctx.records.forEach((r, i) => {
      if (isSeq(r.seq)) push(this.bySeq, r.seq, i);
      const h = ctx.hashes[i];
      if (h) push(this.byHash, h, i);
      if (typeof r.prev === 'string') push(this.byPrev, r.prev, i);
    });
  }
  /** Index of the record that `k` names as its predecessor: the nearest before k, else the first after; -1 if none. */
  pred(k: number): number {
    const r = this.ctx.records[k] as ChainedEvent;
    let after = -1;
    for (const j of this.byHash.get(r.prev) ?? []) {
      if ((this.ctx.records[j] as ChainedEvent).seq !== r.seq - 1) continue;
      if (j < k) return j;
      if (after < 0) after = j;
    }
    return after;
  }
  /** True when some record with seq + 1 carries the hash of record k as its prev. */
  hasSuccessor(k: number): boolean {
    const h = this.ctx.hashes[k];
    if (!h) return false;
    const seq = (this.ctx.records[k] as ChainedEvent).seq;
    return (this.byPrev.get(h) ?? []).some((j) => j !== k && (this.ctx.records[j] as ChainedEvent).seq === seq + 1);
  }
  minSeqFrom(start: number): number {
    let min = Number.POSITIVE_INFINITY;
    for (let j = start; j < this.ctx.records.length; j++) {
      const s = (this.ctx.records[j] as ChainedEvent).seq;
      if (isSeq(s) && s < min) min = s;
    }
    return min;
  }
}

/** Rule 8: among the records holding seq t, the extra ones are those nothing continues. */
function duplicates(ix: WindowIndex, t: number, cands: readonly number[]): ChainFailure {
  const continued = cands.filter((k) => ix.hasSuccessor(k));
  if (continued.length === cands.length) {
    return chainFailure(
      'forked',
      t,
      cands[1] as number,
      `${cands.length} different records hold seq ${t} and each continues into a history`,
    );
  }
  // The extra ones are those nothing continues. When nothing continues any of them (seq t ends the
  // window), ask in turn: which carry the hash of the record before (zeros for seq 1), and which
  // has the expected head's hash; if still undecided, the later one in the window.
  let extra = cands.filter((k) => !continued.includes(k));
  if (continued.length === 0) {
    const unlinked = cands.filter((k) => ix.pred(k) < 0 && !(t === 1 && ix.ctx.records[k]?.prev === ZERO_HASH_HEX));
    if (unlinked.length > 0 && unlinked.length < cands.length) extra = unlinked;
    const head = ix.ctx.head;
    if (extra.length === cands.length && head?.seq === t) extra = cands.filter((k) => ix.ctx.hashes[k] !== head.hash);
  }
  const k = extra.length === cands.length ? (cands[cands.length - 1] as number) : (extra[0] as number);
  return chainFailure('inserted', t, k, `an extra record claims seq ${t}, which another record of the window holds`);
}

/** Classify the break between records i − 1 and i (1 ≤ i < length). */
export function classifyBreak(ctx: BreakContext, i: number): ChainFailure {
  const { records, hashes } = ctx;
  const P = records[i - 1] as ChainedEvent;
  const R = records[i] as ChainedEvent;
  const s = P.seq + 1;
  if (R.stream !== ctx.stream)
    return chainFailure('foreign_stream', s, i, `record ${i} belongs to stream ${String(R.stream)}, not ${ctx.stream}`);
  if (!isSeq(R.seq)) return chainFailure('modified', s, i, `record ${i} has seq ${JSON.stringify(R.seq)}, not a positive integer`);

  const ix = new WindowIndex(ctx);
  const hi = hashes[i];
  if (hi && (ix.byHash.get(hi)?.length ?? 0) > 1)
    return chainFailure('inserted', R.seq, i, `record ${i} is a copy of another record with seq ${R.seq}`);

  const pp = ix.pred(i - 1);
  if (pp > i - 1)
    return chainFailure('reordered', ix.minSeqFrom(i - 1), i - 1, `record ${i - 1} (seq ${P.seq}) precedes the record it chains to`);
  const pr = ix.pred(i);
  if (pr > i)
    return chainFailure('reordered', Math.min(s, ix.minSeqFrom(i)), i, `record ${i} (seq ${R.seq}) precedes the record it chains to`);

  const linksToP = hashes[i - 1] !== null && R.prev === hashes[i - 1];
  if (linksToP && R.seq !== s) return chainFailure('modified', s, i, `record ${i} chains to seq ${P.seq} but claims seq ${R.seq}`);

  if (R.seq === s) {
    const cands = ix.bySeq.get(s) ?? [];
    if (cands.length > 1) return duplicates(ix, s, cands);
    // R sits at the right seq but does not carry P's hash: either P changed or R did.
    let rIntact = true;
    const next = records[i + 1];
    if (next !== undefined) rIntact = hi !== null && next.seq === s + 1 && next.prev === hi;
    else if (ctx.head?.seq === s) rIntact = hi === ctx.head.hash;
    const hashes2 = { expected: R.prev, actual: hashes[i - 1] ?? '' };
    return rIntact
      ? chainFailure(
          'modified',
          P.seq,
          i - 1,
          `record ${i} carries a prev that is not the hash of seq ${P.seq}, and the chain continues from it`,
          hashes2,
        )
      : chainFailure(
          'modified',
          s,
          i,
          `record ${i} (seq ${s}) does not chain to seq ${P.seq} nor does the next record chain to it`,
          hashes2,
        );
  }
  if (R.seq > s) {
    const last = R.seq - 1;
    return chainFailure('deleted', s, i, last === s ? `seq ${s} is missing` : `seqs ${s}..${last} are missing (${last - s + 1} records)`);
  }
  const cands = ix.bySeq.get(R.seq) ?? [];
  if (cands.length > 1) return duplicates(ix, R.seq, cands);
  return chainFailure('inserted', R.seq, i, `record ${i} claims seq ${R.seq}, which does not belong after seq ${P.seq}`);
}
