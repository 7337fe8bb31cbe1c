/**
 * Verifying a signed review, later, from what is stored (`seclog review show
 * <id> --verify`, the `verification` field of GET /api/v1/reviews/:id):
 *
 *   signature   the review note opens under the log's verifier key
 *   record      the record rebuilt from the stored review, its findings and
 *               its evidence equals the signed one (a changed finding, period,
 *               reviewer or evidence shows here, naming the field)
 *   checkpoint  the checkpoint the record names is consistent with the latest
 *               signed checkpoint: an RFC 9162 consistency proof from the current
 *               tree, checked between the two signed roots (a log rewritten since
 *               the review cannot produce one)
 *   approval    the approval note opens under the key and approves exactly this
 *               signed record, by someone other than the signer
 */
import { canonicalize, createNoteVerifier, equalHashes, type MerkleTree, openCheckpoint, verifyConsistency } from '@seclog/core';
import type { StoredFinding, StoredReview } from '../store/review-types.js';
import type { Store } from '../store/types.js';
import {
  APPROVAL_NOTE_TYPE,
  type ApprovalRecord,
  approvalRecordOf,
  openRecord,
  REVIEW_NOTE_TYPE,
  type ReviewRecord,
  recordText,
  reviewRecordOf,
} from './review-record.js';

export interface ReviewVerification {
  ok: boolean;
  signature: 'valid' | 'invalid' | 'missing';
  /** The record rebuilt from the stored review, findings and evidence equals the signed one. */
  record: 'matches' | 'differs' | 'unchecked';
  checkpoint: {
    size: number;
    root: string;
    /** Consistent with the latest signed checkpoint (RFC 9162 consistency proof). */
    consistent: boolean;
    against: { size: number; root: string } | null;
  } | null;
  approval: 'valid' | 'invalid' | 'none';
  problems: string[];
}

export interface VerifyContext {
  store: Store;
  origin: string;
  verifierKey: string;
  tree: MerkleTree;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function verifyReview(ctx: VerifyContext, r: StoredReview, findings: readonly StoredFinding[]): ReviewVerification {
  const problems: string[] = [];
  const out: ReviewVerification = { ok: false, signature: 'missing', record: 'unchecked', checkpoint: null, approval: 'none', problems };
  if (r.signature === null) {
    problems.push('the review is not signed');
    return out;
  }
  const verifier = createNoteVerifier(ctx.verifierKey);
  const opened = openRecord<ReviewRecord>(r.signature.note, REVIEW_NOTE_TYPE, verifier);
  if (!opened.ok) {
    out.signature = 'invalid';
    problems.push(opened.problem);
  } else {
    out.signature = 'valid';
    const rebuilt = reviewRecordOf({
      origin: ctx.origin,
      review: r,
      findings,
      reviewer: r.signature.signedBy,
      signedUs: r.signature.signedUs,
      checkpoint: { size: r.signature.checkpointSize, root: r.signature.checkpointRoot },
    });
    if (recordText(rebuilt) === opened.text) out.record = 'matches';
    else {
      out.record = 'differs';
      const signed = opened.record as unknown as Record<string, unknown>;
      const now = rebuilt as unknown as Record<string, unknown>;
      // Field by field in canonical form: the signed JSON has its keys sorted, the rebuilt record not.
      const fields = Object.keys(now).filter((k) => canonicalize(now[k] ?? null) !== canonicalize(signed[k] ?? null));
      problems.push(`the stored review differs from the signed record in: ${fields.join(', ') || 'its encoding'}`);
    }
    out.checkpoint = consistency(ctx, opened.record.checkpoint, problems);
  }
  if (r.approval !== null) {
    const a = openRecord<ApprovalRecord>(r.approval.note, APPROVAL_NOTE_TYPE, verifier);
    const want = recordText(approvalRecordOf(ctx.origin, r.id, r.signature.note, r.approval.approvedBy, r.approval.approvedUs));
    if (!a.ok) problems.push(`approval: ${a.problem}`);
    else if (a.text !== want) problems.push('approval: the stored approval differs from the signed one, or approves another record');
    out.approval = a.ok && a.text === want ? 'valid' : 'invalid';
    if (r.approval.approvedBy === r.signature.signedBy) problems.push('approval: the approver is the signer');
  }
  out.ok = problems.length === 0;
  return out;
}

function consistency(
  ctx: VerifyContext,
  cp: { size: number; root: string },
  problems: string[],
): NonNullable<ReviewVerification['checkpoint']> {
  const result: NonNullable<ReviewVerification['checkpoint']> = { size: cp.size, root: cp.root, consistent: false, against: null };
  const latest = ctx.store.latestCheckpoint();
  if (latest === undefined) {
    problems.push('no checkpoint is stored to check the review’s against');
    return result;
  }
  let latestRoot: Uint8Array;
  try {
    latestRoot = openCheckpoint(latest.note, { origin: ctx.origin, verifiers: [createNoteVerifier(ctx.verifierKey)] }).checkpoint.root;
  } catch (err) {
    problems.push(`the latest checkpoint (${latest.treeSize}) does not verify under the log key: ${(err as Error).message}`);
    return result;
  }
  result.against = { size: latest.treeSize, root: hex(latestRoot) };
  try {
    if (cp.size > latest.treeSize) throw new Error(`the review names tree size ${cp.size}, beyond the latest checkpoint's`);
    const root = Buffer.from(cp.root, 'hex');
    if (cp.size === latest.treeSize) {
      if (!equalHashes(root, latestRoot)) throw new Error('the same tree size has another root now');
    } else if (cp.size > 0) {
      if (latest.treeSize > ctx.tree.size) throw new Error(`the tree (${ctx.tree.size} leaves) is behind the latest checkpoint`);
      verifyConsistency(cp.size, latest.treeSize, ctx.tree.consistencyProof(cp.size, latest.treeSize), root, latestRoot);
    }
    result.consistent = true;
  } catch (err) {
    problems.push(`checkpoint ${cp.size} is not consistent with the latest checkpoint ${latest.treeSize}: ${(err as Error).message}`);
  }
  return result;
}
