/**
 * The signed review record and the signed approval, as C2SP signed notes
 * under the log key (the key that signs checkpoints):
 *
 *   seclog/review/v1                  ← first line: what the note is
 *   {"checkpoint":{"root":…,"size":…},"evidenceDigest":…,"findings":3,…}   ← RFC 8785 JSON, one line
 *   (blank line)
 *   — <origin> <base64 key id ‖ Ed25519 signature>
 *
 * The first line keeps a review note from ever reading as a checkpoint (whose
 * first line is the log origin, followed by a size and a root) and the other
 * way round, though one key signs both. The record carries digests of the
 * findings and of the evidence as stored, so verification rebuilds it from
 * the stored rows and a changed finding, period or reviewer shows as a record
 * that differs from the signed one.
 */
import { createHash } from 'node:crypto';
import { canonicalize, formatEventTime, type NoteSigner, openNote, signNote } from '@seclog/core';
import type { StoredFinding, StoredReview } from '../store/review-types.js';

export const REVIEW_NOTE_TYPE = 'seclog/review/v1';
export const APPROVAL_NOTE_TYPE = 'seclog/review-approval/v1';

export interface ReviewRecord {
  type: typeof REVIEW_NOTE_TYPE;
  /** The log origin: the key name, and which log the checkpoint belongs to. */
  origin: string;
  review: string;
  schedule: string | null;
  period: { start: string; end: string };
  /** `user/<name>` or `api-token/<id>`. */
  reviewer: string;
  signedAt: string;
  findings: number;
  /** SHA-256 (hex) of the RFC 8785 JSON of the findings, in order (findingsDigest). */
  findingsDigest: string;
  /** SHA-256 (hex) of the evidence JSON exactly as stored. */
  evidenceDigest: string;
  checkpoint: { size: number; root: string };
}

export interface ApprovalRecord {
  type: typeof APPROVAL_NOTE_TYPE;
  origin: string;
  review: string;
  /** SHA-256 (hex) of the signed review note: the approval is of that signature, not of the id only. */
  reviewNoteDigest: string;
  approver: string;
  approvedAt: string;
}

export const rfc3339 = (us: number): string => formatEventTime({ ms: Math.floor(us / 1000), us: Math.floor(us % 1000) });
const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The findings as the record binds them: what a person wrote, in order, without storage numbers. */
export function findingsDigest(findings: readonly StoredFinding[]): string {
  return sha256Hex(
    canonicalize(
      findings.map((f) => ({
        text: f.text,
        severity: f.severity,
        alertIds: f.alertIds,
        by: f.createdBy,
        at: rfc3339(f.createdUs),
      })),
    ),
  );
}

export interface RecordInput {
  origin: string;
  review: Pick<StoredReview, 'id' | 'schedule' | 'periodStartUs' | 'periodEndUs' | 'evidence'>;
  findings: readonly StoredFinding[];
  reviewer: string;
  signedUs: number;
  checkpoint: { size: number; root: string };
}

export function reviewRecordOf(i: RecordInput): ReviewRecord {
  return {
    type: REVIEW_NOTE_TYPE,
    origin: i.origin,
    review: i.review.id,
    schedule: i.review.schedule,
    period: { start: rfc3339(i.review.periodStartUs), end: rfc3339(i.review.periodEndUs) },
    reviewer: i.reviewer,
    signedAt: rfc3339(i.signedUs),
    findings: i.findings.length,
    findingsDigest: findingsDigest(i.findings),
    evidenceDigest: sha256Hex(i.review.evidence),
    checkpoint: i.checkpoint,
  };
}

function noteText(type: string, record: object): string {
  return `${type}\n${canonicalize(record)}\n`;
}

export function signRecord(record: ReviewRecord | ApprovalRecord, signer: NoteSigner): string {
  return signNote(noteText(record.type, record), [signer]);
}

export function approvalRecordOf(
  origin: string,
  reviewId: string,
  reviewNote: string,
  approver: string,
  approvedUs: number,
): ApprovalRecord {
  return {
    type: APPROVAL_NOTE_TYPE,
    origin,
    review: reviewId,
    reviewNoteDigest: sha256Hex(reviewNote),
    approver,
    approvedAt: rfc3339(approvedUs),
  };
}

export type OpenedRecord<T> = { ok: true; record: T; text: string } | { ok: false; problem: string };

/** Opens a stored note with the log's verifier, expecting a note of `type`; never throws. */
export function openRecord<T>(note: string, type: string, verifier: Parameters<typeof openNote>[1][number]): OpenedRecord<T> {
  let text: string;
  try {
    text = openNote(note, [verifier]).text;
  } catch (err) {
    return { ok: false, problem: `the signature does not verify under the log key: ${(err as Error).message}` };
  }
  const nl = text.indexOf('\n');
  if (text.slice(0, nl) !== type) return { ok: false, problem: `the signed note is not a ${type} record` };
  try {
    return { ok: true, record: JSON.parse(text.slice(nl + 1)) as T, text };
  } catch {
    return { ok: false, problem: 'the signed record is not JSON' };
  }
}

/** The text a record signs (for comparing a rebuilt record with the signed one). */
export function recordText(record: ReviewRecord | ApprovalRecord): string {
  return noteText(record.type, record);
}
