/**
 * Seal checks at ingest: the rules of core's SealVerifier (DESIGN.md §5,
 * protocol.md §4) applied batch by batch instead of to a whole window. The
 * state between batches is the store's seal rows (one per log_seal record)
 * and the stream's open gaps; nothing is kept in memory but the verifiers.
 *
 * Each seal of the batch is judged once, in core's order, and the first
 * problem is its verdict:
 *  1. on its own: well-formed; describes its place (last_seq = seq − 1,
 *     chain_head = prev); an epoch the grid allows by now (else no key is
 *     derived for it); its tag under the key of the epoch it claims (else
 *     `resealed` when a later key made it, `bad_seal` when none did);
 *  2. against its predecessor, the seal at first_seq − 1 (epoch + 1,
 *     prev_seal_tag, first_seq, epoch_start = the predecessor's epoch_end; a
 *     stream's first seal is epoch 0 with zero prev_seal_tag). When that seq
 *     is still in an open gap the link is judged when the gap fills;
 *  3. its window fits the grid.
 * Then every stored record of the batch against the seal that covers it
 * (`time_outside_epoch`), and the records after the stream's last seal
 * against the open epoch: a record stamped after the epoch's grid line, or
 * more than maxRecords records, without a seal means a seal is missing
 * (`truncated`, reported once per epoch). A stream that has never carried a
 * seal is not held to the open epoch (agents that do not seal, the front of a
 * stream whose first seal is still to come).
 *
 * A seal that fails is still stored and becomes the reference for the next
 * one: a bad seal is reported once, not again by every seal after it.
 */

import type { Hash } from '@seclog/core';
import { type LogSealAttrs, readSealAttrs, type SealerPolicy, type SealFailureKind, ZERO_HASH_HEX } from '@seclog/core';
import { RecordTimeParser } from '../store/record-time.js';
import type { IncomingRecord, StreamSeal } from '../store/types.js';
import type { SeqRange } from './classify.js';

/** What the checks need of a SealVerifier. */
export interface SealTagChecker {
  readonly policy: SealerPolicy;
  tagValidAt(attrs: LogSealAttrs, stream: string, epoch: number): boolean;
  laterSigningEpoch(attrs: LogSealAttrs, stream: string, horizonFrom: number): number | undefined;
}

export interface SealIssue {
  kind: SealFailureKind;
  /** The seal record, or the record concerned. */
  seq: number;
  epoch?: number;
  detail: string;
}

export interface SealCheckInput {
  device: string;
  stream: string;
  checker: SealTagChecker;
  /** The records this batch stores, in seq order. */
  accept: readonly IncomingRecord[];
  /** The cursor's seq before the batch. */
  ackedSeq: number;
  gapsBefore: readonly SeqRange[];
  gapsAfter: readonly SeqRange[];
  sealBefore: (seq: number) => StreamSeal | undefined;
  sealAfter: (seq: number) => StreamSeal | undefined;
  /** The collector's clock, ms: bounds the epoch a seal may claim. */
  nowMs: number;
}

export interface SealCheckResult {
  /** Seal rows to store with the batch: its seals, and stored ones whose open epoch was just reported. */
  rows: StreamSeal[];
  issues: SealIssue[];
}

const LOG_SEAL = 'log_seal';
const DAY_MS = 86_400_000;
/** Early closes (shutdowns) a device may add to the epochs its grid and record count explain. */
const EARLY_CLOSE_SLACK = 1024;

interface Known {
  seal: StreamSeal;
  inBatch: boolean;
  /** Its own checks failed: its fields are not trusted for the records it covers. */
  failed: boolean;
}

const hexOf = (h: Uint8Array): string => Buffer.from(h).toString('hex');
const inGap = (gaps: readonly SeqRange[], seq: number): boolean => gaps.some((g) => g.from <= seq && seq < g.to);
/** True when an open gap holds a seq strictly between lo and hi. */
const gapBetween = (gaps: readonly SeqRange[], lo: number, hi: number): boolean => gaps.some((g) => g.from < hi && g.to > lo + 1);

function gridEndUs(startUs: number, p: SealerPolicy): number {
  const t0Us = p.t0Ms * 1000;
  const epochUs = p.epochMs * 1000;
  return t0Us + (Math.floor((startUs - t0Us) / epochUs) + 1) * epochUs;
}

const iso = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();

export class SealCheck {
  readonly #in: SealCheckInput;
  readonly #time = new RecordTimeParser();
  readonly #issues: SealIssue[] = [];
  readonly #rows = new Map<number, StreamSeal>();
  /** Seqs of the batch's seal records that are malformed (no row). */
  readonly #malformed = new Set<number>();
  readonly #known = new Map<number, Known>();

  constructor(input: SealCheckInput) {
    this.#in = input;
  }

  run(): SealCheckResult {
    const { accept } = this.#in;
    for (const it of accept) if (it.record.name === LOG_SEAL) this.#readSeal(it);
    this.#gatherStored();
    if (this.#known.size > 0) {
      const list = [...this.#known.values()].sort((a, b) => a.seal.seq - b.seal.seq);
      this.#links(list);
      this.#times(list);
    }
    return { rows: [...this.#rows.values()], issues: this.#issues };
  }

  #issue(kind: SealFailureKind, seq: number, detail: string, epoch?: number): void {
    this.#issues.push(epoch === undefined ? { kind, seq, detail } : { kind, seq, detail, epoch });
  }

  /** Step 1: the seal on its own. */
  #readSeal(it: IncomingRecord): void {
    const { device, stream, checker } = this.#in;
    const rec = it.record;
    const seq = rec.seq as number;
    const a = readSealAttrs(rec.attrs ?? {});
    if (typeof a === 'string') {
      this.#malformed.add(seq);
      this.#issue('bad_seal', seq, `malformed seal: ${a}`);
      return;
    }
    const startUs = this.#us(a.epoch_start);
    const endUs = this.#us(a.epoch_end);
    const seal: StreamSeal = {
      device,
      stream,
      seq,
      epoch: a.epoch,
      firstSeq: a.first_seq,
      startUs,
      endUs,
      tag: Buffer.from(a.tag, 'hex') as Uint8Array as Hash,
      prevTag: Buffer.from(a.prev_seal_tag, 'hex') as Uint8Array as Hash,
      openReported: false,
    };
    this.#rows.set(seq, seal);
    const k: Known = { seal, inBatch: true, failed: true };
    this.#known.set(seq, k);
    const p = checker.policy;
    const maxEpoch = Math.min(
      seq - 1,
      Math.floor((this.#in.nowMs + DAY_MS - p.t0Ms) / p.epochMs) + 1 + Math.floor(seq / p.maxRecords) + EARLY_CLOSE_SLACK,
    );
    if (a.last_seq !== seq - 1 || a.chain_head !== rec.prev) {
      this.#issue(
        'bad_seal',
        seq,
        `the seal does not describe its place: last_seq ${a.last_seq} and chain_head must be seq ${seq - 1} and the seal's prev`,
        a.epoch,
      );
    } else if (a.epoch > maxEpoch) {
      this.#issue(
        'bad_seal',
        seq,
        `epoch ${a.epoch} is more than the stream can have reached at seq ${seq} (at most ${Math.max(0, maxEpoch)})`,
        a.epoch,
      );
    } else if (!checker.tagValidAt(a, stream, a.epoch)) {
      const later = checker.laterSigningEpoch(a, stream, a.epoch);
      if (later !== undefined)
        this.#issue('resealed', seq, `the seal claims epoch ${a.epoch} but its tag was made with the key of epoch ${later}`, a.epoch);
      else this.#issue('bad_seal', seq, `the tag verifies under no key from epoch ${a.epoch} on`, a.epoch);
    } else {
      k.failed = false;
    }
  }

  #us(time: string): number {
    return this.#time.toUs(time);
  }

  /** The stored seals next to each run of the batch, so that every seal's neighbours are known. */
  #gatherStored(): void {
    const { accept, ackedSeq, sealBefore, sealAfter } = this.#in;
    const add = (s: StreamSeal | undefined): void => {
      if (s !== undefined && !this.#known.has(s.seq)) this.#known.set(s.seq, { seal: s, inBatch: false, failed: false });
    };
    let i = 0;
    while (i < accept.length) {
      let j = i;
      while (j + 1 < accept.length && (accept[j + 1]!.record.seq as number) === (accept[j]!.record.seq as number) + 1) j++;
      const from = accept[i]!.record.seq as number;
      const last = accept[j]!.record.seq as number;
      add(sealBefore(from));
      if (last < ackedSeq) add(sealAfter(last));
      i = j + 1;
    }
  }

  /**
   * Step 2 (and 3 for the batch's seals): each seal against the seal before it, once the seq it names
   * as its predecessor (first_seq − 1) is known; while that seq is in an open gap the link waits.
   */
  #links(list: Known[]): void {
    const { gapsBefore, gapsAfter } = this.#in;
    for (let n = 0; n < list.length; n++) {
      const b = list[n]!;
      const a = list[n - 1];
      const x = b.seal.firstSeq - 1;
      if (b.inBatch) {
        if (b.failed) continue;
        if (!inGap(gapsAfter, x) || x < (a?.seal.seq ?? 0)) this.#link(a, b);
        if (!b.failed) this.#window(b);
      } else if ((x > 0 && inGap(gapsBefore, x) && !inGap(gapsAfter, x)) || (a?.inBatch === true && x < a.seal.seq)) {
        // A stored seal whose predecessor's seq was missing when it arrived and was just filled,
        // or one that claims an epoch reaching back over a seal this batch filled in.
        this.#link(a, b);
      }
    }
  }

  #link(a: Known | undefined, b: Known): void {
    const s = b.seal;
    const x = s.firstSeq - 1;
    const fail = (kind: SealFailureKind, detail: string): void => {
      b.failed = true;
      this.#issue(kind, s.seq, detail, s.epoch);
    };
    if (a === undefined) {
      if (x !== 0) {
        if (!this.#malformed.has(x)) fail('resealed', `seq ${x} should be the seal before epoch ${s.epoch}; no seal is stored there`);
      } else if (s.epoch !== 0 || hexOf(s.prevTag) !== ZERO_HASH_HEX) {
        fail('resealed', `the stream's first seal must be epoch 0 with a zero prev_seal_tag (got epoch ${s.epoch})`);
      }
      return;
    }
    const p = a.seal;
    // Seq x is known here (stored or in the batch) and `a` is the last seal before `b`, so x > p.seq is no seal.
    if (x > p.seq) {
      if (!this.#malformed.has(x)) fail('resealed', `seq ${x} should be the seal before epoch ${s.epoch}; it is not a seal`);
    } else if (s.epoch !== p.epoch + 1) {
      fail(
        'resealed',
        `seal of epoch ${s.epoch} follows the seal of epoch ${p.epoch} at seq ${p.seq}: epochs were skipped or sealed again later`,
      );
    } else if (!Buffer.from(s.prevTag).equals(p.tag)) {
      fail('resealed', `prev_seal_tag is not the tag of the seal at seq ${p.seq}`);
    } else if (x !== p.seq) {
      fail('bad_seal', `first_seq ${s.firstSeq} does not follow the previous seal at seq ${p.seq}`);
    } else if (s.startUs !== p.endUs) {
      fail('bad_seal', `epoch_start ${iso(s.startUs)} is not the previous epoch's end ${iso(p.endUs)}`);
    }
  }

  #window(k: Known): void {
    const s = k.seal;
    let problem: string | undefined;
    if (s.endUs < s.startUs) problem = 'it ends before it starts';
    else if (s.endUs > gridEndUs(s.startUs, this.#in.checker.policy)) {
      problem = `it runs past the grid line after its start (epochs are at most ${this.#in.checker.policy.epochMs} ms)`;
    }
    if (problem === undefined) return;
    k.failed = true;
    this.#issue('bad_seal', s.seq, `epoch window ${iso(s.startUs)}..${iso(s.endUs)}: ${problem}`, s.epoch);
  }

  /** Every stored record against the epoch that covers it, and the open epoch after the last seal. */
  #times(list: Known[]): void {
    const { accept, ackedSeq, gapsAfter, checker } = this.#in;
    const reported = new Set<number>();
    let c = 0;
    for (const it of accept) {
      const rec = it.record;
      const seq = rec.seq as number;
      if (rec.name === LOG_SEAL) continue;
      while (c < list.length && list[c]!.seal.seq < seq) c++;
      const cover = list[c];
      if (cover !== undefined) {
        const s = cover.seal;
        if (cover.failed || s.firstSeq > seq || reported.has(s.seq)) continue;
        const t = this.#us(rec.time);
        if (t < s.startUs || t >= s.endUs) {
          reported.add(s.seq);
          this.#issue(
            'time_outside_epoch',
            seq,
            `time ${rec.time} is outside epoch ${s.epoch} [${iso(s.startUs)}, ${iso(s.endUs)})`,
            s.epoch,
          );
        }
        continue;
      }
      // After the last seal known: the open epoch.
      const last = list[list.length - 1]!;
      const s = last.seal;
      if (seq <= ackedSeq || last.failed || s.openReported || gapBetween(gapsAfter, s.seq, seq)) continue;
      const t = this.#us(rec.time);
      const endUs = gridEndUs(s.endUs, checker.policy);
      let problem: [SealFailureKind, string] | undefined;
      if (t < s.endUs)
        problem = ['time_outside_epoch', `time ${rec.time} is before the open epoch, which began when epoch ${s.epoch} ended`];
      else if (t >= endUs) problem = ['truncated', `epoch ${s.epoch + 1} ended at ${iso(endUs)} and no seal for it came before seq ${seq}`];
      else if (seq - s.seq > checker.policy.maxRecords) {
        problem = [
          'truncated',
          `${seq - s.seq} records follow the seal at seq ${s.seq} without a seal; an epoch holds at most ${checker.policy.maxRecords}`,
        ];
      }
      if (problem === undefined) continue;
      this.#issue(problem[0], seq, problem[1], s.epoch + 1);
      this.#rows.set(s.seq, { ...s, openReported: true });
      s.openReported = true;
    }
  }
}

export function checkSeals(input: SealCheckInput): SealCheckResult {
  return new SealCheck(input).run();
}
