/**
 * The device side of forward-secure sealing: a pure state machine. The agent
 * owns time and storage: it asks `sealDue` before appending each record (and
 * on its epoch timer, `epochEndMs`), calls `seal`, appends the returned attrs
 * as a `log_seal` record at seq lastSeq + 1, and persists `state()` in the
 * same write as that record (a crash between the two would leave k_e on disk
 * after its seal exists).
 *
 * Epochs and seals in one stream (t0 + k·E is the grid, E = epochMs; an
 * epoch ends at the next grid line, or early, when the agent is about to
 * append a record to an epoch that already holds maxRecords):
 *
 *   time   t0              t0+E             t0+2E            t0+3E        t0+4E
 *          |-- epoch 0 ----|-- epoch 1 -----|-- epoch 2 -----|- 3 --|- 4 -…
 *   seq     1  2  3  4     5   6  7         8                9  10…14  15  16
 *   record  r  r  r  r    S0   r  r        S1               S2  r … r  S3  r
 *   key     k0 ──────────▶ k1 ────────────▶ k2 ────────────▶ k3 ──────▶ k4
 *                          k0 erased        k1 erased        k2 erased
 *
 *   S1: epoch 1, first_seq 6, last_seq 7, chain_head h_7 (= S1.prev), prev_seal_tag tag(S0)
 *   S2: epoch 2 was empty: first_seq 9, last_seq 8, chain_head h_8 (S1's own hash)
 *   S3: epoch 3 held maxRecords = 5 (10..14): closed when record 16 came, which
 *       opens epoch 4 at that instant; later epochs end on the grid again
 *
 *   S_e = log_seal{ epoch e, first_seq, last_seq = seq(S_e) − 1, chain_head = h_{last_seq},
 *                   prev_seal_tag = tag(S_{e−1}), oldest_retained_seq, epoch_start, epoch_end,
 *                   tag = HMAC(sk_e, JCS(body)) }
 *
 * Every epoch gets a seal, empty or not, and epochs are consecutive: after
 * downtime the agent seals each missed epoch in turn. That is what defeats
 * truncate-and-resume (CVE-2023-31438: a cut tail shows as a missing seal)
 * and re-sealing with a later key (CVE-2023-31439: epoch numbers, prev tags
 * and the key of the claimed epoch must all line up).
 */
import { SeclogError } from '../errors.js';
import { SHA256_HEX_RE } from '../event/patterns.js';
import { ZERO_HASH_HEX } from '../event/types.js';
import { type EpochGrid, eventTimeFromMicros, gridEndUs, microsFromMs } from './epoch-time.js';
import { evolveKey, SEAL_KEY_BYTES, sealKey } from './key-schedule.js';
import { computeSealTag, type LogSealAttrs, sealBody } from './seal-body.js';

export interface SealerPolicy extends EpochGrid {
  /** An epoch holding this many records is closed before the next record is appended (seals not counted). */
  readonly maxRecords: number;
}

/** What the agent persists. It holds only the CURRENT key: earlier ones exist nowhere on the device. */
export interface SealerState extends SealerPolicy {
  readonly v: 1;
  readonly deviceId: string;
  readonly stream: string;
  readonly epoch: number;
  /** k_epoch, 64 lowercase hex. */
  readonly key: string;
  /** Start of the current epoch window, µs since the Unix epoch. */
  readonly epochStartUs: number;
  /** First seq of the current epoch (the previous seal's seq + 1). */
  readonly firstSeq: number;
  readonly prevSealTag: string;
}

export interface SealInput {
  /** Seq of the last record appended (the seal goes at lastSeq + 1). */
  readonly lastSeq: number;
  /** Chain hash of that record (the chain head), 64 lowercase hex. */
  readonly chainHead: string;
  /** Oldest record still in the ring now. */
  readonly oldestRetainedSeq: number;
  /** Wall clock, ms; the epoch ends at min(next grid line, now). */
  readonly nowMs: number;
}

function bad(field: string, why: string): never {
  throw new SeclogError('SEAL_STATE_INVALID', `sealer state: ${field} ${why}`, { field });
}

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/** The state of a new stream's sealer: epoch 0 keyed by k_0, starting at t0. */
export function createSealerState(
  init: SealerPolicy & { deviceId: string; stream: string; k0: Uint8Array; firstSeq?: number },
): SealerState {
  if (init.k0.length !== SEAL_KEY_BYTES)
    throw new SeclogError('SEAL_KEY_INVALID', `k0 must be ${SEAL_KEY_BYTES} bytes, got ${init.k0.length}`, {});
  const { deviceId, stream, t0Ms, epochMs, maxRecords } = init;
  const copy = Buffer.from(init.k0);
  const state: SealerState = {
    v: 1,
    deviceId,
    stream,
    t0Ms,
    epochMs,
    maxRecords,
    epoch: 0,
    key: copy.toString('hex'),
    epochStartUs: microsFromMs(t0Ms),
    firstSeq: init.firstSeq ?? 1,
    prevSealTag: ZERO_HASH_HEX,
  };
  copy.fill(0);
  new Sealer(state).erase(); // validates; its key copy is wiped too. k0 itself is the caller's to escrow, then erase.
  return state;
}

export class Sealer {
  #key: Buffer;
  #s: Omit<SealerState, 'key'>;
  #erased = false;

  constructor(state: SealerState) {
    if (state.v !== 1) bad('v', 'must be 1');
    if (typeof state.deviceId !== 'string' || state.deviceId === '') bad('deviceId', 'must be a non-empty string');
    if (typeof state.stream !== 'string' || state.stream === '') bad('stream', 'must be a non-empty string');
    if (!isInt(state.t0Ms, 0)) bad('t0Ms', 'must be a non-negative integer');
    if (!isInt(state.epochMs, 1)) bad('epochMs', 'must be a positive integer');
    if (!isInt(state.maxRecords, 1)) bad('maxRecords', 'must be a positive integer');
    if (!isInt(state.epoch, 0)) bad('epoch', 'must be a non-negative integer');
    if (!isInt(state.epochStartUs, 0)) bad('epochStartUs', 'must be a non-negative integer');
    if (!isInt(state.firstSeq, 1)) bad('firstSeq', 'must be a positive integer');
    if (typeof state.prevSealTag !== 'string' || !SHA256_HEX_RE.test(state.prevSealTag))
      bad('prevSealTag', 'must be 64 lowercase hex digits');
    if (typeof state.key !== 'string' || !SHA256_HEX_RE.test(state.key)) {
      throw new SeclogError('SEAL_KEY_INVALID', 'sealer state: key must be 64 lowercase hex digits (32 bytes)', { field: 'key' });
    }
    const { key, ...rest } = state;
    this.#key = Buffer.from(key, 'hex');
    this.#s = rest;
  }

  get epoch(): number {
    return this.#s.epoch;
  }

  /** Where the current epoch ends by time (the next grid line), ms: when the agent's timer should fire. */
  epochEndMs(): number {
    return this.#gridEndUs() / 1000;
  }

  /** True when the current epoch must be sealed before a record stamped at `nowMs` is appended after `lastSeq`. */
  sealDue(nowMs: number, lastSeq: number): boolean {
    return microsFromMs(nowMs) >= this.#gridEndUs() || lastSeq - this.#s.firstSeq + 1 >= this.#s.maxRecords;
  }

  /**
   * Close the current epoch: returns the attrs of its `log_seal` record, then
   * evolves the key and overwrites the old one. May be called before the epoch
   * is due (e.g. at shutdown); after downtime, call it once per missed epoch
   * while sealDue holds, each time with the new seal record as the head.
   */
  seal(input: SealInput): LogSealAttrs {
    if (this.#erased) throw new SeclogError('SEAL_KEY_ERASED', 'this sealer was erased', {});
    const s = this.#s;
    const nowUs = microsFromMs(input.nowMs);
    const reject = (why: string): never => {
      throw new SeclogError('SEAL_INPUT_INVALID', `cannot seal epoch ${s.epoch}: ${why}`, { epoch: s.epoch, ...input });
    };
    if (!isInt(input.lastSeq, 0) || input.lastSeq < s.firstSeq - 1)
      reject(`lastSeq ${input.lastSeq} is before the epoch's first seq ${s.firstSeq}`);
    if (typeof input.chainHead !== 'string' || !SHA256_HEX_RE.test(input.chainHead)) reject('chainHead must be 64 lowercase hex digits');
    if (!isInt(input.oldestRetainedSeq, 1) || input.oldestRetainedSeq > input.lastSeq + 1)
      reject(`oldestRetainedSeq ${input.oldestRetainedSeq} is not in 1..lastSeq + 1`);
    if (nowUs < s.epochStartUs) reject('the clock is before the epoch start');
    const endUs = Math.min(this.#gridEndUs(), nowUs);
    const attrs: Omit<LogSealAttrs, 'tag'> = {
      epoch: s.epoch,
      first_seq: s.firstSeq,
      last_seq: input.lastSeq,
      chain_head: input.chainHead,
      prev_seal_tag: s.prevSealTag,
      oldest_retained_seq: input.oldestRetainedSeq,
      epoch_start: eventTimeFromMicros(s.epochStartUs),
      epoch_end: eventTimeFromMicros(endUs),
    };
    const sk = sealKey(this.#key);
    const tag = computeSealTag(sk, sealBody(attrs, s.deviceId, s.stream));
    sk.fill(0);
    // Forward security: k_{e+1} replaces k_e, and the bytes of k_e are overwritten, not left to the GC.
    const next = evolveKey(this.#key, s.epoch);
    this.#key.fill(0);
    this.#key = next;
    this.#s = { ...s, epoch: s.epoch + 1, epochStartUs: endUs, firstSeq: input.lastSeq + 2, prevSealTag: tag };
    return { ...attrs, tag };
  }

  /** The state to persist: only the current key. */
  state(): SealerState {
    if (this.#erased) throw new SeclogError('SEAL_KEY_ERASED', 'this sealer was erased', {});
    return { ...this.#s, key: this.#key.toString('hex') };
  }

  /** Overwrite the key (unenrolment, shutdown after persisting). The sealer is unusable afterwards. */
  erase(): void {
    this.#key.fill(0);
    this.#erased = true;
  }

  #gridEndUs(): number {
    return gridEndUs(this.#s.epochStartUs, this.#s);
  }
}
