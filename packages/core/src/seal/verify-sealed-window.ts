/**
 * The walk behind SealVerifier.verify. Order matters, because only the first
 * failure is reported and each check trusts the ones before it:
 *
 *  1. the chain (verify-chain.ts); records from its failure on are not trusted;
 *  2. each seal before that point, in stream order: well-formed, describes its
 *     own place (last_seq = its seq − 1, chain_head = its prev), its tag under
 *     the key of the epoch it claims (else: under a later key → resealed,
 *     under none → bad_seal), continuity with the previous seal (epoch + 1,
 *     prev_seal_tag, first_seq, window) and the times of the records it covers;
 *  3. the front, against the ring capacity (front-cut.ts);
 *  4. the tail: the expected last seq, then whether the open epoch must have
 *     ended by now (a missing seal: truncated), its record count, and its times.
 */
import { verifyChainHashed, windowHashes } from '../chain/verify-chain.js';
import type { ChainedEvent } from '../event/types.js';
import { ZERO_HASH_HEX } from '../event/types.js';
import { epochWindowProblem, gridEndUs, microsFromEventTime, microsFromMs, tryMicros } from './epoch-time.js';
import { checkFrontCut } from './front-cut.js';
import { LOG_SEAL_EVENT, type LogSealAttrs, readSealAttrs } from './seal-body.js';
import type { SealFailure, SealVerification, VerifySealedOptions } from './seal-result.js';
import type { SealerPolicy } from './sealer.js';

/** What the walk needs from the verifier (SealVerifier implements it). */
export interface SealChecker {
  readonly policy: SealerPolicy;
  tagValidAt(attrs: LogSealAttrs, stream: string, epoch: number): boolean;
  laterSigningEpoch(attrs: LogSealAttrs, stream: string, horizonFrom: number): number | undefined;
}

interface VerifiedSeal {
  seq: number;
  index: number;
  epoch: number;
  tag: string;
  endUs: number;
  lastSeq: number;
  oldestRetainedSeq: number;
}

interface Walk {
  readonly checker: SealChecker;
  readonly records: readonly ChainedEvent[];
  readonly stream: string;
  readonly x: number;
  readonly skewUs: number;
  readonly firstEpoch: number;
  readonly verified: VerifiedSeal[];
}

const fail = (kind: SealFailure['kind'], seq: number, index: number, detail: string, epoch?: number): SealFailure =>
  epoch === undefined ? { kind, seq, index, detail } : { kind, seq, index, detail, epoch };

/** Step 2 for the seal at position k: the verified seal, or the failure. */
function checkSeal(w: Walk, k: number): VerifiedSeal | SealFailure {
  const rec = w.records[k] as ChainedEvent;
  const sigma = rec.seq;
  const a = readSealAttrs(rec.attrs);
  if (typeof a === 'string') return fail('bad_seal', sigma, k, `malformed seal: ${a}`);
  if (a.last_seq !== sigma - 1 || a.chain_head !== rec.prev) {
    return fail(
      'bad_seal',
      sigma,
      k,
      `the seal does not describe its place: last_seq ${a.last_seq} / chain_head must be seq ${sigma - 1} and the seal's prev`,
      a.epoch,
    );
  }
  const prev = w.verified.at(-1);
  const coverFrom = Math.max(a.first_seq, w.x);
  if (!w.checker.tagValidAt(a, w.stream, a.epoch)) {
    const later = w.checker.laterSigningEpoch(a, w.stream, prev?.epoch ?? a.epoch);
    if (later !== undefined) {
      return fail(
        'resealed',
        coverFrom,
        k,
        `the seal claims epoch ${a.epoch} but its tag was made with the key of epoch ${later}`,
        a.epoch,
      );
    }
    return fail('bad_seal', sigma, k, `the tag verifies under no key from epoch ${a.epoch} on`, a.epoch);
  }
  const startUs = microsFromEventTime(a.epoch_start);
  const endUs = microsFromEventTime(a.epoch_end);
  if (prev !== undefined) {
    if (a.epoch !== prev.epoch + 1) {
      return fail(
        'resealed',
        coverFrom,
        k,
        `seal of epoch ${a.epoch} follows the seal of epoch ${prev.epoch}: epochs were skipped or sealed again later`,
        a.epoch,
      );
    }
    if (a.prev_seal_tag !== prev.tag)
      return fail('resealed', coverFrom, k, `prev_seal_tag is not the tag of the seal at seq ${prev.seq}`, a.epoch);
    if (a.first_seq !== prev.seq + 1)
      return fail('bad_seal', sigma, k, `first_seq ${a.first_seq} does not follow the previous seal at seq ${prev.seq}`, a.epoch);
    if (startUs !== prev.endUs) return fail('bad_seal', sigma, k, `epoch_start ${a.epoch_start} is not the previous epoch's end`, a.epoch);
  } else if (a.first_seq === 1) {
    if (a.epoch !== w.firstEpoch || a.prev_seal_tag !== ZERO_HASH_HEX) {
      return fail(
        'resealed',
        1,
        k,
        `the stream's first seal must be epoch ${w.firstEpoch} with a zero prev_seal_tag (got epoch ${a.epoch})`,
        a.epoch,
      );
    }
  } else if (a.first_seq > w.x) {
    // Seq first_seq − 1 is in the window and must be the previous seal; it is not a seal at all.
    return fail(
      'resealed',
      a.first_seq - 1,
      a.first_seq - 1 - w.x,
      `seq ${a.first_seq - 1} should be the seal before epoch ${a.epoch}`,
      a.epoch,
    );
  }
  const windowProblem = epochWindowProblem(startUs, endUs, w.checker.policy);
  if (windowProblem !== undefined)
    return fail('bad_seal', sigma, k, `epoch window ${a.epoch_start}..${a.epoch_end}: ${windowProblem}`, a.epoch);
  for (let seq = coverFrom; seq <= a.last_seq; seq++) {
    const i = seq - w.x;
    const t = tryMicros((w.records[i] as ChainedEvent).time);
    if (t === undefined || t < startUs - w.skewUs || t >= endUs + w.skewUs) {
      return fail(
        'time_outside_epoch',
        seq,
        i,
        `time ${String(w.records[i]?.time)} is outside epoch ${a.epoch} [${a.epoch_start}, ${a.epoch_end})`,
        a.epoch,
      );
    }
  }
  return { seq: sigma, index: k, epoch: a.epoch, tag: a.tag, endUs, lastSeq: a.last_seq, oldestRetainedSeq: a.oldest_retained_seq };
}

/** Step 4: the tail after the last verified seal. */
function checkTail(w: Walk, opts: VerifySealedOptions): SealFailure | null {
  const { records, verified, x } = w;
  const n = records.length;
  const last = (records[n - 1] as ChainedEvent).seq;
  if (opts.expectedLastSeq !== undefined && last < opts.expectedLastSeq) {
    return fail('truncated', last + 1, n, `the window ends at seq ${last}; seq ${opts.expectedLastSeq} was expected`);
  }
  const seal = verified.at(-1);
  const from = seal === undefined ? 0 : seal.index + 1;
  const cutSeq = seal === undefined ? x : seal.seq + 1;
  const { maxRecords } = w.checker.policy;
  // Without a seal, the open epoch began at or before the first record, so it ends by the grid line after that.
  const openStartUs = seal?.endUs ?? tryMicros(records[0]?.time);
  let nowUs = opts.nowMs === undefined ? Number.NEGATIVE_INFINITY : microsFromMs(opts.nowMs);
  for (let i = from; i < n; i++) nowUs = Math.max(nowUs, tryMicros((records[i] as ChainedEvent).time) ?? Number.NEGATIVE_INFINITY);
  if (openStartUs !== undefined) {
    const openEndUs = gridEndUs(openStartUs, w.checker.policy);
    if (nowUs >= openEndUs + (opts.graceMs ?? 0) * 1000) {
      return fail(
        'truncated',
        cutSeq,
        from,
        `the epoch after seq ${cutSeq - 1} ended at ${new Date(openEndUs / 1000).toISOString()} and no seal for it is in the window`,
      );
    }
  }
  if (n - from > maxRecords) {
    return fail(
      'truncated',
      cutSeq,
      from,
      `${n - from} records follow seq ${cutSeq - 1} without a seal; an epoch holds at most ${maxRecords}`,
    );
  }
  if (seal !== undefined) {
    for (let i = from; i < n; i++) {
      const t = tryMicros((records[i] as ChainedEvent).time);
      if (t === undefined || t < seal.endUs - w.skewUs) {
        return fail(
          'time_outside_epoch',
          x + i,
          i,
          `time ${String(records[i]?.time)} is before the open epoch, which began when epoch ${seal.epoch} ended`,
        );
      }
    }
  }
  return null;
}

export function verifySealedWindow(checker: SealChecker, records: readonly ChainedEvent[], opts: VerifySealedOptions): SealVerification {
  const first = records[0];
  if (first === undefined) {
    const failure =
      (opts.expectedLastSeq ?? 0) > 0 ? fail('truncated', 1, 0, `the window is empty; seq ${opts.expectedLastSeq} was expected`) : null;
    return { ok: failure === null, first: 0, last: 0, sealed: null, unsealedTail: 0, seals: 0, lastEpoch: null, failure };
  }
  const w: Walk = {
    checker,
    records,
    stream: opts.stream ?? first.stream,
    x: first.seq,
    skewUs: (opts.skewMs ?? 0) * 1000,
    firstEpoch: opts.firstEpoch ?? 0,
    verified: [],
  };
  const chain = verifyChainHashed(records, opts.chainHashes ?? windowHashes(records), { stream: w.stream });
  const limit = chain.ok ? records.length : chain.index;
  // Seals are judged only before the chain's first failure, and only for seqs
  // below it: a forged copy of a seal that claims the failing seq is an
  // inserted record (the chain's verdict), not a bad seal.
  const limitSeq = chain.ok ? Number.POSITIVE_INFINITY : chain.seq;
  let failure: SealFailure | null = null;
  for (let k = 0; k < limit && failure === null; k++) {
    const rec = records[k] as ChainedEvent;
    if (rec.name !== LOG_SEAL_EVENT || rec.seq >= limitSeq) continue;
    const r = checkSeal(w, k);
    if ('kind' in r) failure = r;
    else w.verified.push(r);
  }
  if (failure === null && !chain.ok) failure = fail(chain.kind, chain.seq, chain.index, chain.detail);
  if (opts.capacityBytes !== undefined) {
    // The front is the earliest place of all: a front cut outranks what was found later.
    const cut = checkFrontCut({
      records,
      seals: w.verified.map((s) => ({ seq: s.seq, oldestRetainedSeq: s.oldestRetainedSeq })),
      capacityBytes: opts.capacityBytes,
      ...(opts.storedSize ? { storedSize: opts.storedSize } : {}),
      ...(opts.maxRecordBytes !== undefined ? { maxRecordBytes: opts.maxRecordBytes } : {}),
    });
    if (cut !== null) failure = cut;
  }
  if (failure === null) failure = checkTail(w, opts);

  const last = (records[records.length - 1] as ChainedEvent).seq;
  const seal = w.verified.at(-1);
  const sealed = seal !== undefined && seal.lastSeq >= w.x ? { first: w.x, last: seal.lastSeq } : null;
  return {
    ok: failure === null,
    first: w.x,
    last,
    sealed,
    unsealedTail: last - (sealed?.last ?? w.x - 1),
    seals: w.verified.length,
    lastEpoch: seal?.epoch ?? null,
    failure,
  };
}
