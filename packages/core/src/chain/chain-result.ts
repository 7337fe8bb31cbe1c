/**
 * Typed results of chain verification. A failure is a value, never an
 * exception: a verifier that throws on the first oddity invites callers to
 * catch and carry on, and tampering then goes unreported.
 */

/**
 * What was done to the window, as far as the chain can tell:
 * - `modified`: a record's content (any field, its seq or its prev) changed;
 * - `deleted`: records are missing between two retained ones (a seq gap);
 * - `inserted`: an extra record claims a seq that another record holds;
 * - `reordered`: records are all present but not in chain order;
 * - `truncated`: the window ends before the seq it must reach;
 * - `forked`: two different records of one seq both continue into a history;
 * - `foreign_stream`: a record of another stream sits in the window.
 */
export type ChainFailureKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'forked' | 'foreign_stream';

export interface ChainOk {
  readonly ok: true;
  /** Seq of the first record of the window (0 for an empty window). */
  readonly first: number;
  /** Seq of the last record of the window (0 for an empty window). */
  readonly last: number;
  /** Chain hash of the last record, 64 lowercase hex: store it, or compare it with a seal's chain_head. */
  readonly head: string;
}

export interface ChainFailure {
  readonly ok: false;
  readonly kind: ChainFailureKind;
  /** The seq the failure is located at; each kind's rule is documented on verifyChain. */
  readonly seq: number;
  /** Position in the window of the record concerned (the window's length for `truncated`). */
  readonly index: number;
  /** One line for humans: what was expected and what was found. */
  readonly detail: string;
  /** For hash mismatches: the hash the chain expected and the one computed, 64 lowercase hex. */
  readonly expectedHash?: string;
  readonly actualHash?: string;
}

export type ChainVerification = ChainOk | ChainFailure;

export interface VerifyChainOptions {
  /** The stream every record must belong to; defaults to the first record's. */
  readonly stream?: string;
  /**
   * The last seq the window must reach (the collector's high-water mark, or a
   * seal's last_seq). A window ending earlier is `truncated` at its last seq + 1.
   * Records after it are allowed: they were appended since.
   */
  readonly expectedLastSeq?: number;
  /**
   * The chain hash of record `expectedLastSeq` (or of the last record when
   * that is not given), e.g. the collector's stored head or a seal's
   * chain_head. Without it a change to the window's last record is invisible:
   * no later record carries its hash.
   */
  readonly expectedHead?: string;
}

export function chainFailure(
  kind: ChainFailureKind,
  seq: number,
  index: number,
  detail: string,
  hashes?: { expected: string; actual: string },
): ChainFailure {
  return hashes === undefined
    ? { ok: false, kind, seq, index, detail }
    : { ok: false, kind, seq, index, detail, expectedHash: hashes.expected, actualHash: hashes.actual };
}
