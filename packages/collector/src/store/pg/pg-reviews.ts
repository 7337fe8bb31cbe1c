/**
 * Periodic reviews on PostgreSQL, as sqlite-reviews.ts. Each write is one
 * statement: adding a finding bumps the review's revision and inserts the
 * finding in one data-modifying CTE, so the row lock the UPDATE takes orders
 * it against a concurrent signature (whose UPDATE names the revision it read:
 * after the finding commits, the signature's re-checked WHERE no longer
 * matches and it writes nothing).
 */
import { checkWindow } from '../event-summary.js';
import { type FindingRowRaw, findingOfRow, type ReviewRowRaw, reviewExists, reviewOfRow, STATUS_WHERE } from '../review-rows.js';
import type {
  NewFinding,
  NewReview,
  OutcomeCount,
  ReviewApproval,
  ReviewPage,
  ReviewQuery,
  ReviewSignature,
  ReviewStore,
  StoredFinding,
  StoredReview,
} from '../review-types.js';
import type { StoredCheckpoint } from '../types.js';
import type { PgBridge } from './pg-bridge.js';

/** Migration 9: as SQLite's migration 10 (sqlite-reviews.ts REVIEW_APPROVAL_LOG_POS). */
export const PG_REVIEW_APPROVAL_LOG_POS = `
ALTER TABLE reviews ADD COLUMN approval_log_pos bigint;
UPDATE reviews SET approval_log_pos = (
  SELECT min(pos) FROM events
  WHERE name = 'review_approved' AND device = 'collector'
    AND (CASE WHEN canonical <> '' THEN (canonical::jsonb) -> 'attrs' ->> 'review_id' END) = reviews.id
) WHERE approved_us IS NOT NULL;
CREATE INDEX reviews_approval_unlogged ON reviews (seq) WHERE approved_us IS NOT NULL AND approval_log_pos IS NULL;
`;

export const PG_REVIEWS_SCHEMA = `
CREATE TABLE reviews (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  schedule text,
  period_start_us bigint NOT NULL,
  period_end_us bigint NOT NULL CHECK (period_end_us > period_start_us),
  due_us bigint,
  created_us bigint NOT NULL,
  created_by text NOT NULL,
  evidence text NOT NULL,
  evidence_us bigint NOT NULL,
  revision integer NOT NULL DEFAULT 0,
  signed_us bigint,
  signed_by text,
  signed_note text,
  checkpoint_size bigint,
  checkpoint_root text,
  approved_us bigint,
  approved_by text,
  approval_note text,
  log_pos bigint,
  UNIQUE (schedule, period_start_us),
  CHECK ((signed_us IS NULL) = (signed_by IS NULL) AND (signed_us IS NULL) = (signed_note IS NULL)
     AND (signed_us IS NULL) = (checkpoint_size IS NULL) AND (signed_us IS NULL) = (checkpoint_root IS NULL)),
  CHECK ((approved_us IS NULL) = (approved_by IS NULL) AND (approved_us IS NULL) = (approval_note IS NULL)),
  CHECK (approved_us IS NULL OR (signed_us IS NOT NULL AND approved_by <> signed_by))
);
CREATE INDEX reviews_unlogged ON reviews (seq) WHERE signed_us IS NOT NULL AND log_pos IS NULL;

CREATE TABLE review_findings (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  review_id text NOT NULL REFERENCES reviews (id),
  text text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
  alert_ids text NOT NULL,
  created_us bigint NOT NULL,
  created_by text NOT NULL
);
CREATE INDEX review_findings_review ON review_findings (review_id, seq);
`;

// PostgreSQL folds unquoted aliases to lower case: quote them.
const REVIEW_COLUMNS = `seq, id, schedule, period_start_us AS "periodStartUs", period_end_us AS "periodEndUs", due_us AS "dueUs",
  created_us AS "createdUs", created_by AS "createdBy", evidence, evidence_us AS "evidenceUs", revision,
  signed_us AS "signedUs", signed_by AS "signedBy", signed_note AS "signedNote", checkpoint_size AS "checkpointSize",
  checkpoint_root AS "checkpointRoot", approved_us AS "approvedUs", approved_by AS "approvedBy", approval_note AS "approvalNote",
  log_pos AS "logPos", approval_log_pos AS "approvalLogPos"`;
const FINDING_COLUMNS =
  'seq, review_id AS "reviewId", text, severity, alert_ids AS "alertIds", created_us AS "createdUs", created_by AS "createdBy"';
const CHECKPOINT_COLUMNS = 'tree_size AS "treeSize", root, note, created_us AS "createdUs"';

export class PgReviews implements ReviewStore {
  readonly #db: PgBridge;

  constructor(db: PgBridge) {
    this.#db = db;
  }

  #one(text: string, values: readonly unknown[]): StoredReview | undefined {
    const row = this.#db.query<ReviewRowRaw>(text, values).rows[0];
    return row === undefined ? undefined : reviewOfRow(row);
  }

  createReview(r: NewReview): void {
    const res = this.#db.query(
      `INSERT INTO reviews (id, schedule, period_start_us, period_end_us, due_us, created_us, created_by, evidence, evidence_us)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
      [r.id, r.schedule, r.periodStartUs, r.periodEndUs, r.dueUs, r.createdUs, r.createdBy, r.evidence, r.evidenceUs],
    );
    if (res.rows.length === 0) throw reviewExists(r);
  }

  getReview(id: string): StoredReview | undefined {
    return this.#one(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE id = $1`, [id]);
  }

  findScheduledReview(schedule: string, periodStartUs: number): StoredReview | undefined {
    return this.#one(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE schedule = $1 AND period_start_us = $2`, [schedule, periodStartUs]);
  }

  listReviews(q: ReviewQuery): ReviewPage {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.status !== undefined) where.push(STATUS_WHERE[q.status] as string);
    if (q.schedule !== undefined) {
      values.push(q.schedule);
      where.push(`schedule = $${values.length}`);
    }
    if (q.beforeSeq !== undefined) {
      values.push(q.beforeSeq);
      where.push(`seq < $${values.length}`);
    }
    const limit = Math.max(1, Math.trunc(q.limit));
    values.push(limit + 1);
    const rows = this.#db.query<ReviewRowRaw>(
      `SELECT ${REVIEW_COLUMNS} FROM reviews ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT $${values.length}`,
      values,
    ).rows;
    const page = rows.slice(0, limit).map(reviewOfRow);
    return { reviews: page, nextBeforeSeq: rows.length > limit ? page.at(-1)?.seq : undefined };
  }

  setEvidence(id: string, evidence: string, evidenceUs: number): boolean {
    const r = this.#db.query(
      'UPDATE reviews SET evidence = $1, evidence_us = $2, revision = revision + 1 WHERE id = $3 AND signed_us IS NULL',
      [evidence, evidenceUs, id],
    );
    return (r.rowCount ?? 0) > 0;
  }

  addFinding(f: NewFinding): StoredFinding | undefined {
    const row = this.#db.query<FindingRowRaw>(
      `WITH r AS (UPDATE reviews SET revision = revision + 1 WHERE id = $1 AND signed_us IS NULL RETURNING id)
       INSERT INTO review_findings (review_id, text, severity, alert_ids, created_us, created_by)
       SELECT r.id, $2, $3, $4, $5, $6 FROM r
       RETURNING ${FINDING_COLUMNS}`,
      [f.reviewId, f.text, f.severity, JSON.stringify(f.alertIds), f.createdUs, f.createdBy],
    ).rows[0];
    return row === undefined ? undefined : findingOfRow(row);
  }

  listFindings(reviewId: string): StoredFinding[] {
    return this.#db
      .query<FindingRowRaw>(`SELECT ${FINDING_COLUMNS} FROM review_findings WHERE review_id = $1 ORDER BY seq`, [reviewId])
      .rows.map(findingOfRow);
  }

  signReview(id: string, revision: number, s: ReviewSignature): boolean {
    const r = this.#db.query(
      `UPDATE reviews SET signed_us = $1, signed_by = $2, signed_note = $3, checkpoint_size = $4, checkpoint_root = $5
       WHERE id = $6 AND signed_us IS NULL AND revision = $7`,
      [s.signedUs, s.signedBy, s.note, s.checkpointSize, s.checkpointRoot, id, revision],
    );
    return (r.rowCount ?? 0) > 0;
  }

  setReviewLogPos(id: string, pos: number): boolean {
    const r = this.#db.query('UPDATE reviews SET log_pos = $1 WHERE id = $2 AND log_pos IS NULL AND signed_us IS NOT NULL', [pos, id]);
    return (r.rowCount ?? 0) > 0;
  }

  listUnloggedReviews(limit: number): StoredReview[] {
    return this.#db
      .query<ReviewRowRaw>(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE signed_us IS NOT NULL AND log_pos IS NULL ORDER BY seq LIMIT $1`, [
        Math.max(1, Math.trunc(limit)),
      ])
      .rows.map(reviewOfRow);
  }

  setApprovalLogPos(id: string, pos: number): boolean {
    const r = this.#db.query(
      'UPDATE reviews SET approval_log_pos = $1 WHERE id = $2 AND approval_log_pos IS NULL AND approved_us IS NOT NULL',
      [pos, id],
    );
    return (r.rowCount ?? 0) > 0;
  }

  listUnloggedApprovals(limit: number): StoredReview[] {
    return this.#db
      .query<ReviewRowRaw>(
        `SELECT ${REVIEW_COLUMNS} FROM reviews
         WHERE approved_us IS NOT NULL AND approval_log_pos IS NULL AND log_pos IS NOT NULL ORDER BY seq LIMIT $1`,
        [Math.max(1, Math.trunc(limit))],
      )
      .rows.map(reviewOfRow);
  }

  approveReview(id: string, a: ReviewApproval): boolean {
    const r = this.#db.query(
      `UPDATE reviews SET approved_us = $1, approved_by = $2, approval_note = $3
       WHERE id = $4 AND signed_us IS NOT NULL AND approved_us IS NULL AND signed_by <> $2`,
      [a.approvedUs, a.approvedBy, a.note, id],
    );
    return (r.rowCount ?? 0) > 0;
  }

  eventOutcomes(fromUs: number, toUs: number): OutcomeCount[] {
    checkWindow(fromUs, toUs);
    // ORDER BY in the C collation: the same order as SQLite's (UTF-8 bytes), whatever the database's locale.
    return this.#db.query<OutcomeCount>(
      `SELECT name, outcome, count(*)::int AS count FROM events WHERE time_us >= $1 AND time_us < $2
       GROUP BY name, outcome ORDER BY name COLLATE "C", outcome COLLATE "C"`,
      [fromUs, toUs],
    ).rows;
  }

  checkpointSignedBefore(createdUs: number): StoredCheckpoint | undefined {
    return this.#db.query<StoredCheckpoint>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE created_us < $1 ORDER BY tree_size DESC LIMIT 1`,
      [createdUs],
    ).rows[0];
  }

  checkpointSignedFrom(createdUs: number): StoredCheckpoint | undefined {
    const before = this.#db.query<{ s: number }>(
      'SELECT tree_size AS s FROM checkpoints WHERE created_us < $1 ORDER BY tree_size DESC LIMIT 1',
      [createdUs],
    ).rows[0];
    return this.#db.query<StoredCheckpoint>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size > $1 AND created_us >= $2 ORDER BY tree_size LIMIT 1`,
      [before?.s ?? -1, createdUs],
    ).rows[0];
  }
}
