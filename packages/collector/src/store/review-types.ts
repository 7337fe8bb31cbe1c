/**
 * What the Store keeps for periodic log reviews (issue G item 6): the review
 * of a period with the evidence collected for it, the reviewer's findings,
 * the signature over the review record and a second person's approval.
 * Store.reviews() returns a ReviewStore; SQLite implements it in
 * sqlite-reviews.ts, PostgreSQL in pg/pg-reviews.ts, and one conformance suite
 * (test/review-store-conformance.ts) runs against both.
 *
 * A review changes in one direction only: open (evidence may be collected
 * again, findings added) → signed (frozen: the signed record binds its
 * findings and evidence) → approved. Every step is one conditional write, so
 * two people signing at once cannot both succeed, and a finding added while
 * a review is being signed makes the signature fail rather than go unsigned.
 */
import type { Severity } from '@seclog/core';
import type { StoredCheckpoint } from './types.js';

export const REVIEW_STATUSES = ['open', 'signed', 'approved'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export interface NewReview {
  /** `rev-…` (review/review-ids.ts). */
  id: string;
  /** The schedule the period comes from; null for a review of a period chosen by hand. At most one review per (schedule, periodStartUs). */
  schedule: string | null;
  /** The period reviewed, record time in µs, half-open [start, end). */
  periodStartUs: number;
  periodEndUs: number;
  /** When it must be signed (schedules only). */
  dueUs: number | null;
  createdUs: number;
  /** Who started it: `user/<name>` or `api-token/<id>`. */
  createdBy: string;
  /** The evidence as collected (review/evidence.ts), JSON. */
  evidence: string;
  evidenceUs: number;
}

export interface ReviewSignature {
  signedUs: number;
  /** `user/<name>` or `api-token/<id>`. */
  signedBy: string;
  /** The review record signed by the log key, as a C2SP signed note (review/review-record.ts). */
  note: string;
  checkpointSize: number;
  /** 64 lowercase hex digits. */
  checkpointRoot: string;
}

export interface ReviewApproval {
  approvedUs: number;
  approvedBy: string;
  /** The approval record signed by the log key (review/review-record.ts). */
  note: string;
}

export interface StoredReview extends NewReview {
  /** Storage order (pagination, newest first). */
  seq: number;
  status: ReviewStatus;
  /** Bumped by every change of an open review (evidence, findings): signing names the revision it read. */
  revision: number;
  signature: ReviewSignature | null;
  approval: ReviewApproval | null;
  /** Leaf index of the `review_signed` record; null until it is committed. */
  logPos: number | null;
  /** Leaf index of the `review_approved` record; null until it is committed (or while not approved). */
  approvalLogPos: number | null;
}

export interface NewFinding {
  reviewId: string;
  text: string;
  severity: Severity;
  /** Alerts the finding is about (ids as in /api/v1/alerts). */
  alertIds: string[];
  createdUs: number;
  createdBy: string;
}

export interface StoredFinding extends NewFinding {
  /** Storage order; a review's findings come in this order. */
  seq: number;
}

export interface ReviewQuery {
  status?: ReviewStatus;
  schedule?: string;
  /** Only reviews stored before this seq (a page's nextBeforeSeq). */
  beforeSeq?: number;
  limit: number;
}

export interface ReviewPage {
  /** Newest first (descending seq). */
  reviews: StoredReview[];
  nextBeforeSeq: number | undefined;
}

/** One group of ReviewStore.eventOutcomes. */
export interface OutcomeCount {
  name: string;
  outcome: string;
  count: number;
}

export interface ReviewStore {
  /** Throws STORE_REVIEW_EXISTS when the id, or the (schedule, periodStartUs) of a scheduled review, is taken. */
  createReview(r: NewReview): void;
  getReview(id: string): StoredReview | undefined;
  /** The review of a schedule's period, when one was started. */
  findScheduledReview(schedule: string, periodStartUs: number): StoredReview | undefined;
  listReviews(q: ReviewQuery): ReviewPage;
  /** Replaces the evidence of an open review; false (nothing written) when it is missing or signed. */
  setEvidence(id: string, evidence: string, evidenceUs: number): boolean;
  /** Adds a finding to an open review; undefined (nothing written) when the review is missing or signed. */
  addFinding(f: NewFinding): StoredFinding | undefined;
  /** The review's findings, in storage order. */
  listFindings(reviewId: string): StoredFinding[];
  /**
   * Signs an open review still at `revision` (the one whose findings and evidence the record binds);
   * false (nothing written) when it is missing, signed already, or changed since.
   */
  signReview(id: string, revision: number, s: ReviewSignature): boolean;
  /** Sets the review's log position unless one is set; true when it changed. */
  setReviewLogPos(id: string, pos: number): boolean;
  /** Signed reviews whose `review_signed` record is not in the log yet, oldest first. */
  listUnloggedReviews(limit: number): StoredReview[];
  /** Sets the log position of an approved review's `review_approved` record unless one is set; true when it changed. */
  setApprovalLogPos(id: string, pos: number): boolean;
  /**
   * Approved reviews whose `review_signed` record is in the log and whose `review_approved` record
   * is not yet, oldest first.
   */
  listUnloggedApprovals(limit: number): StoredReview[];
  /**
   * Approves a signed review; false (nothing written) when it is missing, not signed, approved
   * already, or `approvedBy` is its signer (the four-eyes rule is kept by the store too).
   */
  approveReview(id: string, a: ReviewApproval): boolean;
  /** Counts of the events whose record time is in [fromUs, toUs), by name and outcome (sorted by both). */
  eventOutcomes(fromUs: number, toUs: number): OutcomeCount[];
  /** The first checkpoint signed at or after `createdUs`; undefined when none is. */
  checkpointSignedFrom(createdUs: number): StoredCheckpoint | undefined;
  /** The last checkpoint signed before `createdUs`; undefined when none is. */
  checkpointSignedBefore(createdUs: number): StoredCheckpoint | undefined;
}
