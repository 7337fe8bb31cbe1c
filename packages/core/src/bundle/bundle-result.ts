/**
 * What verifying a bundle is given and what it reports: a summary, or the
 * first failure as a typed value naming its line. A failure is a value, never
 * an exception; only a usage problem (not a bundle, an unknown version,
 * unusable options) throws.
 */

export interface VerifyBundleOptions {
  /** Verifier keys (vkey strings) to trust: at least the log's pinned key; witnesses may be added. */
  readonly verifierKeys: readonly string[];
  /** The pinned origin of the log. */
  readonly origin: string;
  /** A checkpoint note the auditor already holds: the bundle's tree must extend it. */
  readonly trustedCheckpoint?: string;
  /** Escrowed seal keys k_0 by device id: with one, that device's seal tags are verified. */
  readonly sealKeys?: ReadonlyMap<string, Uint8Array>;
}

/**
 * - `modified`: a record, its receive time or leaf index, a proof hash or the
 *   header changed (the recomputed leaf, the canonical form, the root or the
 *   trailer digest disagrees);
 * - `deleted`: a leaf the bundle must hold is missing (the batch proof, the
 *   leaf range or a stream's seq continuity says so);
 * - `inserted`: an extra line (a repeated leaf index, a leaf the proof does
 *   not cover, an event the filter excludes, anything after the trailer);
 * - `reordered`: lines or a stream's records out of order;
 * - `truncated`: the file ends before its trailer;
 * - `forked`: two records of one device/stream/seq with different chain
 *   hashes, a record whose prev is not its predecessor's chain hash although
 *   the log proves both, or a trusted checkpoint the bundle's tree does not extend;
 * - `bad_seal`: a seal that is malformed, contradicts its place or its
 *   predecessor seal, or (with the device's k_0) whose tag does not verify;
 * - `bad_signature`: the checkpoint carries an invalid signature from a pinned key;
 * - `unknown_key`: the checkpoint is not from the pinned log: no signature
 *   from a pinned key, or another origin.
 */
export type BundleFailureKind =
  | 'modified'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'truncated'
  | 'forked'
  | 'bad_seal'
  | 'bad_signature'
  | 'unknown_key';

export interface BundleFailure {
  readonly ok: false;
  readonly kind: BundleFailureKind;
  /** 1-based line of the file where the failure is located (for `deleted`, the line now standing where the missing one belongs). */
  readonly line: number;
  /** Leaf index concerned, when there is one. */
  readonly index?: number;
  /** Seq of the record concerned, when there is one. */
  readonly seq?: number;
  /** Device id and stream of that record. */
  readonly deviceId?: string;
  readonly stream?: string;
  /** One line for humans. */
  readonly detail: string;
}

/** Seals found in the bundle. */
export interface SealSummary {
  readonly seals: number;
  /** Seals whose tag was verified under the device's k_0. */
  readonly tagsChecked: number;
  /** Devices with seals in the bundle but no key in sealKeys: their seals were checked structurally only. */
  readonly uncheckedDevices: readonly string[];
}

export interface BundleOk {
  readonly ok: true;
  readonly events: number;
  readonly streams: number;
  /** Devices those streams belong to. */
  readonly devices: number;
  readonly treeSize: number;
  /** Root hash of the checkpoint, base64. */
  readonly root: string;
  readonly origin: string;
  /** Key ID (8 hex digits) of the pinned key whose signature verified. */
  readonly keyId: string;
  /** The trusted checkpoint's size, when one was given and the bundle's tree extends it. */
  readonly consistentWith?: number;
  /** Gaps in streams the filter or a log_gap record explains. */
  readonly gaps: number;
  readonly sealed?: SealSummary;
  /** Leaves whose records retention removed: proved as leaves, shown as "pruned by retention at …". */
  readonly pruned?: PrunedSummary;
}

export interface PrunedSummary {
  readonly count: number;
  /** The first pruned leaf in the bundle and when it was pruned (RFC 3339, null when the store did not know). */
  readonly first: { readonly index: number; readonly at: string | null };
}

export type BundleVerification = BundleOk | BundleFailure;

export interface FailureAt {
  readonly index?: number;
  readonly seq?: number;
  readonly deviceId?: string;
  readonly stream?: string;
}

export function bundleFailure(kind: BundleFailureKind, line: number, detail: string, at: FailureAt = {}): BundleFailure {
  const f: { -readonly [K in keyof BundleFailure]: BundleFailure[K] } = { ok: false, kind, line, detail };
  if (at.index !== undefined) f.index = at.index;
  if (at.seq !== undefined) f.seq = at.seq;
  if (at.deviceId !== undefined) f.deviceId = at.deviceId;
  if (at.stream !== undefined) f.stream = at.stream;
  return f;
}

/** The earlier of two failures (the first in file order); `a` wins a tie. */
export function earlier(a: BundleFailure | null, b: BundleFailure | null): BundleFailure | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.line < a.line ? b : a;
}
