/**
 * What both backends share for the review tables: the row shapes they select
 * (same aliases), the conversion to StoredReview, and the status filters.
 */
import { SeclogError } from '@seclog/core';
import type { NewReview, ReviewApproval, ReviewSignature, StoredFinding, StoredReview } from './review-types.js';

/** A reviews row as both backends select it (REVIEW_COLUMNS). */
export interface ReviewRowRaw {
  seq: number;
  id: string;
  schedule: string | null;
  periodStartUs: number;
  periodEndUs: number;
  dueUs: number | null;
  createdUs: number;
  createdBy: string;
  evidence: string;
  evidenceUs: number;
  revision: number;
  signedUs: number | null;
  signedBy: string | null;
  signedNote: string | null;
  checkpointSize: number | null;
  checkpointRoot: string | null;
  approvedUs: number | null;
  approvedBy: string | null;
  approvalNote: string | null;
  logPos: number | null;
  approvalLogPos: number | null;
}

export function reviewOfRow(r: ReviewRowRaw): StoredReview {
  const signature: ReviewSignature | null =
    r.signedUs === null
      ? null
      : {
          signedUs: r.signedUs,
          signedBy: r.signedBy as string,
          note: r.signedNote as string,
          checkpointSize: r.checkpointSize as number,
          checkpointRoot: r.checkpointRoot as string,
        };
  const approval: ReviewApproval | null =
    r.approvedUs === null ? null : { approvedUs: r.approvedUs, approvedBy: r.approvedBy as string, note: r.approvalNote as string };
  return {
    seq: r.seq,
    id: r.id,
    schedule: r.schedule,
    periodStartUs: r.periodStartUs,
    periodEndUs: r.periodEndUs,
    dueUs: r.dueUs,
    createdUs: r.createdUs,
    createdBy: r.createdBy,
    evidence: r.evidence,
    evidenceUs: r.evidenceUs,
    revision: r.revision,
    status: approval !== null ? 'approved' : signature !== null ? 'signed' : 'open',
    signature,
    approval,
    logPos: r.logPos,
    approvalLogPos: r.approvalLogPos,
  };
}

export interface FindingRowRaw {
  seq: number;
  reviewId: string;
  text: string;
  severity: string;
  alertIds: string;
  createdUs: number;
  createdBy: string;
}

export function findingOfRow(r: FindingRowRaw): StoredFinding {
  return { ...r, severity: r.severity as StoredFinding['severity'], alertIds: JSON.parse(r.alertIds) as string[] };
}

export function reviewExists(r: NewReview): SeclogError {
  return new SeclogError(
    'STORE_REVIEW_EXISTS',
    r.schedule === null ? `review ${r.id} exists` : `review ${r.id} or another review of this period of schedule ${r.schedule} exists`,
    { id: r.id, schedule: r.schedule },
  );
}

/** The SQL of the status filter (columns are the same on both backends). */
export const STATUS_WHERE: Record<string, string> = {
  open: 'signed_us IS NULL',
  signed: 'signed_us IS NOT NULL AND approved_us IS NULL',
  approved: 'approved_us IS NOT NULL',
};
