/**
 * The verification a review's evidence carries: the part of the Merkle log
 * that holds the period's records, re-checked from the stored rows up to a
 * signed root. Not the whole log (that is `seclog verify --data`), but enough
 * that the reviewer signs against a log whose period is intact:
 *
 *   range       the leaves committed between the last checkpoint signed before the
 *               period and the first one signed after it (every record received in
 *               the period lies in it; a few neighbours too)
 *   rows        each row's record digest is SHA-256 of its stored JSON (pruned
 *               payloads are counted, not checked), and its Merkle leaf is
 *               recomputed from the row
 *   checkpoint  the period-end checkpoint's note verifies under the log key and
 *               names the stored size and root
 *   inclusion   the range splits into O(log n) perfect subtrees; each one's root,
 *               hashed up from the recomputed leaves, is proved included in the
 *               signed root (RFC 9162 inclusion proof of the subtree, from the
 *               stored tree). So every row of the range is bound to the signed
 *               root, and the stored tree costs O(log² n) node reads, not one per
 *               leaf (a round trip each on PostgreSQL)
 *
 * When a subtree fails, its leaves are compared with the stored leaves to
 * name the first that differs. At most `maxLeaves` leaves are re-hashed (a
 * bound on the time a review start takes); the result says when the range
 * was cut.
 */
import { createHash } from 'node:crypto';
import { equalHashes, type Hash, hashChildren, type MerkleTree, verifyInclusion } from '@seclog/core';
import { storedLeafHash } from '../integrate/leaf-hash.js';
import type { Store, StoredCheckpoint } from '../store/types.js';
import { noteChecker } from '../verify/notes.js';
import { rfc3339 } from './review-record.js';

export interface PeriodVerification {
  ok: boolean;
  /** What was verified, one sentence each. */
  checked: string[];
  /** The leaves re-hashed, [from, to). */
  leaves: { from: number; to: number; rows: number; pruned: number; limited: boolean };
  /** The checkpoint at the period's end (the first signed after it; the latest when none is yet). */
  checkpoint: { size: number; root: string; signedAt: string; basis: 'period_end' | 'latest' } | null;
  /** The first problems found (at most 20). */
  problems: string[];
}

export interface PeriodVerifyInput {
  store: Store;
  tree: MerkleTree;
  origin: string;
  verifierKey: string;
  periodStartUs: number;
  periodEndUs: number;
  maxLeaves?: number;
}

const READ_CHUNK = 2000;
const MAX_PROBLEMS = 20;
export const DEFAULT_MAX_LEAVES = 50_000;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function verifyPeriod(input: PeriodVerifyInput): PeriodVerification {
  const { store, tree } = input;
  const reviews = store.reviews();
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const checked: string[] = [];
  let end: StoredCheckpoint | undefined = reviews.checkpointSignedFrom(input.periodEndUs);
  const basis = end === undefined ? 'latest' : 'period_end';
  end ??= store.latestCheckpoint();
  const before = reviews.checkpointSignedBefore(input.periodStartUs);
  const treeSize = tree.size;
  const from = Math.min(before?.treeSize ?? 0, treeSize);
  const to = Math.min(end?.treeSize ?? treeSize, treeSize);
  const cap = input.maxLeaves ?? DEFAULT_MAX_LEAVES;
  const stop = Math.min(to, from + cap);

  // rows → leaves
  const leaves: Hash[] = [];
  let rows = 0;
  let pruned = 0;
  for (let pos = from; pos < stop; pos += READ_CHUNK) {
    for (const e of store.readEvents(pos, Math.min(stop, pos + READ_CHUNK))) {
      rows++;
      if (e.canonical === '') pruned++;
      else if (!equalHashes(createHash('sha256').update(e.canonical, 'utf8').digest(), e.digest)) {
        problem(`record at leaf ${e.pos}: its stored JSON does not hash to its record digest (modified)`);
      }
      try {
        leaves.push(storedLeafHash(e));
      } catch (err) {
        problem(`record at leaf ${e.pos}: ${(err as Error).message}`);
        leaves.push(new Uint8Array(32) as Hash);
      }
    }
  }
  checked.push(
    `${rows} record(s) at leaves [${from}, ${stop}) re-hashed from their stored rows${pruned > 0 ? ` (${pruned} pruned by retention: leaf only)` : ''}`,
  );

  // the signed root at the period's end, and the rows bound to it
  let checkpoint: PeriodVerification['checkpoint'] = null;
  if (end === undefined) {
    problem('no checkpoint has been signed yet: nothing binds the period to a signed root');
  } else {
    checkpoint = { size: end.treeSize, root: hex(end.root), signedAt: rfc3339(end.createdUs), basis };
    const opened = noteChecker(input.origin, input.verifierKey)(end.note);
    if (!opened.ok) problem(`checkpoint ${end.treeSize}: ${opened.kind}: ${opened.detail}`);
    else if (opened.size !== end.treeSize || !equalHashes(opened.root, end.root)) {
      problem(`checkpoint ${end.treeSize}: the signed note names another size or root than its row`);
    }
    checked.push(
      `checkpoint ${end.treeSize} (${basis === 'period_end' ? 'the first signed after the period' : 'the latest: none was signed after the period yet'}) verified under the log key`,
    );
    if (rows !== stop - from) problem(`leaves [${from}, ${stop}): ${stop - from - rows} stored row(s) are missing`);
    else if (end.treeSize > treeSize) problem(`checkpoint ${end.treeSize} is beyond the tree (${treeSize} leaves)`);
    else if (opened.ok) {
      proveIncluded(tree, from, leaves, end.treeSize, opened.root, problem);
      checked.push(
        `those leaves proved included in the signed root of checkpoint ${end.treeSize} (one inclusion proof per perfect subtree of the range)`,
      );
    }
  }
  if (stop < to) checked.push(`leaves [${stop}, ${to}) were not re-hashed (limit ${cap}); \`seclog verify --data\` checks the whole log`);
  return {
    ok: problems.length === 0,
    checked,
    leaves: { from, to: stop, rows, pruned, limited: stop < to },
    checkpoint,
    problems,
  };
}

/** [from, from + leaves.length) as maximal perfect subtrees, left to right: (level, first leaf). */
function perfectSubtrees(from: number, count: number): { level: number; first: number }[] {
  const out: { level: number; first: number }[] = [];
  let at = from;
  const end = from + count;
  while (at < end) {
    let level = 0;
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++;
    out.push({ level, first: at });
    at += 2 ** level;
  }
  return out;
}

function subtreeRoot(leaves: readonly Hash[]): Hash {
  let row = leaves;
  while (row.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(hashChildren(row[i] as Hash, row[i + 1] as Hash));
    row = next;
  }
  return row[0] as Hash;
}

/**
 * Each perfect subtree of the range, hashed up from its recomputed leaves, against the signed root:
 * at level L a tree of n leaves is the tree of ⌈n / 2^L⌉ level-L nodes (RFC 9162's split points are
 * powers of two), so the subtree is "leaf" first/2^L of it, and the inclusion proof of its first
 * leaf without its L lowest entries is the subtree's own proof.
 */
function proveIncluded(
  tree: MerkleTree,
  from: number,
  leaves: readonly Hash[],
  size: number,
  root: Uint8Array,
  problem: (p: string) => void,
): void {
  for (const { level, first } of perfectSubtrees(from, leaves.length)) {
    const width = 2 ** level;
    const own = leaves.slice(first - from, first - from + width);
    try {
      const proof = tree.inclusionProof(first, size).slice(level);
      verifyInclusion(first / width, Math.ceil(size / width), subtreeRoot(own), proof, root);
    } catch (err) {
      const bad = own.findIndex((leaf, i) => !equalHashes(leaf, tree.leafHash(first + i)));
      problem(
        bad >= 0
          ? `leaf ${first + bad}: the leaf its row gives is not the one in the log (leaves [${first}, ${first + width}) do not reach the signed root)`
          : `leaves [${first}, ${first + width}): not included in the signed root (${(err as Error).message})`,
      );
    }
  }
}
