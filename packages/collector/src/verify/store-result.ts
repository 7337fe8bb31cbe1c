/**
 * What `verifyStore` reports: a summary of everything it checked, or the
 * first bad record as a typed value. "First" is by log position: a failure
 * located at a record, a tree node or a checkpoint is placed at the leaf
 * index it concerns (a node at its first leaf, a checkpoint at its size), and
 * at one position a record's own failure comes before the tree's, the
 * stream's and the checkpoints' view of the same damage.
 */

/**
 * The kinds of docs/protocol.md (chain, seals, bundles), as they read for a store:
 * - `modified`: a row's canonical JSON, digest, chain hash or columns, a tree
 *   node, or a checkpoint row disagree with what they commit to;
 * - `deleted`: a position, a stream's seq (no log_gap record explains it), a
 *   tree node or the latest checkpoint is missing;
 * - `inserted`: a row holds a seq its stream already holds, with the same chain hash;
 * - `reordered`: rows hold each other's records (their leaves are swapped), or a
 *   stream's records are out of seq order without a recorded gap;
 * - `truncated`: the tree, a signed checkpoint or a stream cursor reaches past the stored rows;
 * - `forked`: two records of one seq with different chain hashes, or a
 *   checkpoint signed by the log whose root is not the root of the stored tree;
 * - `bad_signature`: a checkpoint note whose signature does not verify under the log key;
 * - `unknown_key`: a checkpoint not signed by the log key at all, or for another origin;
 * - the seal verifier's kinds (`bad_seal`, `resealed`, `time_outside_epoch`).
 */
export type StoreFailureKind =
  | 'modified'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'truncated'
  | 'forked'
  | 'bad_signature'
  | 'unknown_key'
  | 'bad_seal'
  | 'resealed'
  | 'time_outside_epoch'
  | 'front_cut'
  | 'foreign_stream';

/** Which stored thing is bad. */
export type StoreFailureTarget = 'event' | 'stream' | 'tree_node' | 'checkpoint' | 'cursor';

export interface StoreFailure {
  readonly ok: false;
  readonly kind: StoreFailureKind;
  readonly target: StoreFailureTarget;
  /** Log position (leaf index) of the record concerned; for a node its first leaf, for a checkpoint its tree size. */
  readonly pos: number;
  readonly device?: string;
  readonly stream?: string;
  readonly seq?: number;
  /** For a tree node. */
  readonly node?: { readonly level: number; readonly index: number };
  /** For a checkpoint: its tree size. */
  readonly checkpoint?: number;
  /** One line for humans. */
  readonly detail: string;
}

export interface StoreSummary {
  readonly ok: true;
  /** Rows verified (digest, chain hash, columns). */
  readonly events: number;
  /** Rows committed but not yet leaves (the collector integrates them when it next runs). */
  readonly unintegrated: number;
  readonly streams: number;
  readonly devices: number;
  /** Tree size (stored leaf count) and its root, base64. */
  readonly treeSize: number;
  readonly root: string;
  /** Tree nodes compared with the recomputation. */
  readonly nodes: number;
  readonly checkpoints: number;
  /** The newest checkpoint's size (0 when there is none). */
  readonly latestCheckpoint: number;
  /** Seals whose tag verified under the escrowed k_0. */
  readonly seals: number;
  /** Gaps in device streams that log_gap records explain (open or filled later). */
  readonly gaps: number;
  /** Rows whose record retention removed: checked as leaves and chain links out of them (docs/retention.md). */
  readonly pruned?: number;
  readonly seconds: number;
}

export type StoreVerification = StoreSummary | StoreFailure;

/** Tie-break at one position: the record's own finding first. */
const TARGET_RANK: Record<StoreFailureTarget, number> = { event: 0, tree_node: 1, stream: 2, cursor: 3, checkpoint: 4 };

export function earlierFailure(a: StoreFailure | null, b: StoreFailure | null): StoreFailure | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.pos !== b.pos) return a.pos < b.pos ? a : b;
  return TARGET_RANK[b.target] < TARGET_RANK[a.target] ? b : a;
}

export interface FailureAt {
  readonly device?: string | undefined;
  readonly stream?: string | undefined;
  readonly seq?: number | undefined;
  readonly node?: { readonly level: number; readonly index: number } | undefined;
  readonly checkpoint?: number | undefined;
}

export function storeFailure(
  kind: StoreFailureKind,
  target: StoreFailureTarget,
  pos: number,
  detail: string,
  at: FailureAt = {},
): StoreFailure {
  const f: { -readonly [K in keyof StoreFailure]: StoreFailure[K] } = { ok: false, kind, target, pos, detail };
  if (at.device !== undefined) f.device = at.device;
  if (at.stream !== undefined) f.stream = at.stream;
  if (at.seq !== undefined) f.seq = at.seq;
  if (at.node !== undefined) f.node = at.node;
  if (at.checkpoint !== undefined) f.checkpoint = at.checkpoint;
  return f;
}

/** Keeps the earliest failure of everything offered. */
export class FirstFailure {
  #first: StoreFailure | null = null;

  offer(f: StoreFailure | null): void {
    this.#first = earlierFailure(this.#first, f);
  }

  get value(): StoreFailure | null {
    return this.#first;
  }
}
