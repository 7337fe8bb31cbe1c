/** Reviews as the API and `seclog review --json` show them: times in RFC 3339, the evidence parsed. */
import type { StoredFinding, StoredReview } from '../store/review-types.js';
import { rfc3339 } from './review-record.js';
import type { ReviewVerification } from './review-verify.js';

export interface ReviewJson {
  id: string;
  schedule: string | null;
  periodStart: string;
  periodEnd: string;
  due: string | null;
  status: StoredReview['status'];
  /** Not done (signed, and approved when required) by its due time. */
  overdue: boolean;
  created: string;
  createdBy: string;
  evidenceCollected: string;
  signed: { at: string; by: string; checkpoint: { size: number; root: string }; note: string } | null;
  approved: { at: string; by: string; note: string } | null;
  /** Leaf index of the `review_signed` record; null until it is committed. */
  logLeafIndex: number | null;
}

export interface FindingJson {
  seq: number;
  text: string;
  severity: string;
  alertIds: string[];
  created: string;
  createdBy: string;
}

export interface ReviewDetailJson extends ReviewJson {
  approvalRequired: boolean;
  evidence: unknown;
  findings: FindingJson[];
  /** Null while the review is open. */
  verification: ReviewVerification | null;
}

export function reviewJson(r: StoredReview, done: boolean, nowUs: number): ReviewJson {
  return {
    id: r.id,
    schedule: r.schedule,
    periodStart: rfc3339(r.periodStartUs),
    periodEnd: rfc3339(r.periodEndUs),
    due: r.dueUs === null ? null : rfc3339(r.dueUs),
    status: r.status,
    overdue: r.dueUs !== null && !done && r.dueUs <= nowUs,
    created: rfc3339(r.createdUs),
    createdBy: r.createdBy,
    evidenceCollected: rfc3339(r.evidenceUs),
    signed:
      r.signature === null
        ? null
        : {
            at: rfc3339(r.signature.signedUs),
            by: r.signature.signedBy,
            checkpoint: { size: r.signature.checkpointSize, root: r.signature.checkpointRoot },
            note: r.signature.note,
          },
    approved: r.approval === null ? null : { at: rfc3339(r.approval.approvedUs), by: r.approval.approvedBy, note: r.approval.note },
    logLeafIndex: r.logPos,
  };
}

export function findingJson(f: StoredFinding): FindingJson {
  return { seq: f.seq, text: f.text, severity: f.severity, alertIds: f.alertIds, created: rfc3339(f.createdUs), createdBy: f.createdBy };
}
