/**
 * What verifying a sealed window reports, like `journalctl --verify`: the
 * range the seals vouch for, the unsealed tail, and the first failure as a
 * typed value.
 */
import type { ChainFailureKind } from '../chain/chain-result.js';
import type { ChainedEvent } from '../event/types.js';

/**
 * The chain kinds, plus what only seals can show:
 * - `resealed`: records sealed (again) under a later epoch's key: the seal's
 *   epoch does not follow the previous seal's, its prev_seal_tag does not
 *   chain, or its tag verifies only under a later key (CVE-2023-31439);
 * - `truncated` (also): an epoch ended and no seal for it is in the window,
 *   so the tail was cut back past a seal (CVE-2023-31438);
 * - `time_outside_epoch`: a sealed record's time lies outside its epoch window;
 * - `front_cut`: records are gone from the front of the ring although the
 *   bytes written since a seal cannot have overwritten them;
 * - `bad_seal`: a seal's tag verifies under no key, or its fields contradict
 *   its place in the stream.
 */
export type SealFailureKind = ChainFailureKind | 'resealed' | 'time_outside_epoch' | 'front_cut' | 'bad_seal';

export interface SealFailure {
  readonly kind: SealFailureKind;
  /**
   * Where: chain kinds as verifyChain; resealed: the first record the bad seal
   * claims to cover; truncated: the first seq no seal covers although its
   * epoch ended (or the window's last seq + 1 when a last seq was expected);
   * time_outside_epoch: that record; front_cut: the newest missing seq (the
   * window's first seq − 1), the one record that provably cannot have been
   * overwritten; bad_seal: the seal record.
   */
  readonly seq: number;
  /** Position in the window of the record concerned (the window's length when past its end, 0 for front_cut). */
  readonly index: number;
  readonly detail: string;
  /** The epoch concerned, for seal failures. */
  readonly epoch?: number;
}

export interface SealVerification {
  readonly ok: boolean;
  /** Seqs of the window's first and last records (0 and 0 when empty). */
  readonly first: number;
  readonly last: number;
  /**
   * Records whose content a verified seal vouches for, inclusive: from the
   * window's first record (the chain carries it to the seal's chain_head) to
   * the last verified seal's last_seq. Counts only seals before the failure.
   */
  readonly sealed: { readonly first: number; readonly last: number } | null;
  /**
   * Records after `sealed.last` (the whole window when nothing is sealed). It
   * includes the last seal record itself: its tag covers its body, but its
   * envelope (id, time, message) is only chained, and so vouched for by the
   * next seal.
   */
  readonly unsealedTail: number;
  /** Seals verified. */
  readonly seals: number;
  /** Epoch of the last verified seal. */
  readonly lastEpoch: number | null;
  readonly failure: SealFailure | null;
}

export interface VerifySealedOptions {
  /** The stream every record must belong to; defaults to the first record's. */
  readonly stream?: string;
  /** The collector's high-water mark: a window ending before it is truncated. */
  readonly expectedLastSeq?: number;
  /**
   * When the window was read (ms since the Unix epoch), e.g. the receive time
   * of the batch. An epoch that ended more than graceMs before it must have a
   * seal in the window. The newest record's time counts as a lower bound of it.
   */
  readonly nowMs?: number;
  /** Slack for the device's epoch timer and the transfer, ms (default 0). */
  readonly graceMs?: number;
  /** Slack for a record's time against its epoch window, ms (default 0). */
  readonly skewMs?: number;
  /** Epoch of the stream's first seal (first_seq 1), default 0. */
  readonly firstEpoch?: number;
  /**
   * Usable bytes of the device ring when the window is the ring's whole
   * content (after worst-case wrap padding). Enables the front_cut check.
   */
  readonly capacityBytes?: number;
  /** Bytes one record takes in the ring (default: UTF-8 of its canonical JSON + RING_FRAME_BYTES, 28, of framing). */
  readonly storedSize?: (rec: ChainedEvent) => number;
  /** The largest stored size of one record (default: the record limit + 28): the slack of one overwrite. */
  readonly maxRecordBytes?: number;
  /**
   * The chain hash of each record (hex, by position), when the caller has
   * already computed and checked them (the collector's store verifier); by
   * default they are computed from the records. With them, the records need
   * only the fields the checks read: stream, seq, prev, name, time, attrs.
   */
  readonly chainHashes?: readonly (string | null)[];
}
