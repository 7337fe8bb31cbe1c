/**
 * Periodic reviews on SQLite (review-types.ts). A few rows per review and
 * finding: nothing here is on the ingest path, except eventOutcomes, which
 * reads every record of the period once when evidence is collected.
 *
 *   reviews          seq │ id │ schedule period due │ created evidence │ revision │ signed… checkpoint │ approved… │ log_pos
 *   review_findings  seq │ review_id │ text severity alert_ids │ created
 */
import { checkWindow } from './event-summary.js';
import type { SqliteDb } from './migrations.js';
import { type FindingRowRaw, findingOfRow, type ReviewRowRaw, reviewExists, reviewOfRow, STATUS_WHERE } from './review-rows.js';
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
} from './review-types.js';
import type { StoredCheckpoint } from './types.js';

/**
 * The signed and approved columns come and go together (CHECKs), an
 * approval needs a signature and another person, and a schedule has one
 * review per period (UNIQUE; NULLs, reviews of hand-picked periods, are
 * distinct).
 */
/**
 * Migration 10: where an approval's `review_approved` record is in the log, so one whose append failed
 * is appended later (ReviewService.tick). Approvals made before it get the position of their record
 * when the log holds one; those it does not hold stay null and are appended by the next tick.
 */
export const REVIEW_APPROVAL_LOG_POS = `
ALTER TABLE reviews ADD COLUMN approval_log_pos INTEGER;
UPDATE reviews SET approval_log_pos = (
  SELECT min(pos) FROM events
  WHERE name = 'review_approved' AND device = 'collector' AND json_valid(canonical)
    AND json_extract(canonical, '$.attrs.review_id') = reviews.id
) WHERE approved_us IS NOT NULL;
CREATE INDEX reviews_approval_unlogged ON reviews (seq) WHERE approved_us IS NOT NULL AND approval_log_pos IS NULL;
`;

export const REVIEWS_SCHEMA = `
CREATE TABLE reviews (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  schedule TEXT,
  period_start_us INTEGER NOT NULL,
  period_end_us INTEGER NOT NULL CHECK (period_end_us > period_start_us),
  due_us INTEGER,
  created_us INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  evidence TEXT NOT NULL,
  evidence_us INTEGER NOT NULL,
  revision INTEGER NOT NULL DEFAULT 0,
  signed_us INTEGER,
  signed_by TEXT,
  signed_note TEXT,
  checkpoint_size INTEGER,
  checkpoint_root TEXT,
  approved_us INTEGER,
  approved_by TEXT,
  approval_note TEXT,
  log_pos INTEGER,
  UNIQUE (schedule, period_start_us),
  CHECK ((signed_us IS NULL) = (signed_by IS NULL) AND (signed_us IS NULL) = (signed_note IS NULL)
     AND (signed_us IS NULL) = (checkpoint_size IS NULL) AND (signed_us IS NULL) = (checkpoint_root IS NULL)),
  CHECK ((approved_us IS NULL) = (approved_by IS NULL) AND (approved_us IS NULL) = (approval_note IS NULL)),
  CHECK (approved_us IS NULL OR (signed_us IS NOT NULL AND approved_by <> signed_by))
) STRICT;
CREATE INDEX reviews_unlogged ON reviews (seq) WHERE signed_us IS NOT NULL AND log_pos IS NULL;

CREATE TABLE review_findings (
  seq INTEGER PRIMARY KEY,
  review_id TEXT NOT NULL REFERENCES reviews (id),
  text TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
  alert_ids TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  created_by TEXT NOT NULL
) STRICT;
CREATE INDEX review_findings_review ON review_findings (review_id, seq);
`;

const REVIEW_COLUMNS = `seq, id, schedule, period_start_us AS periodStartUs, period_end_us AS periodEndUs, due_us AS dueUs,
  created_us AS createdUs, created_by AS createdBy, evidence, evidence_us AS evidenceUs, revision,
  signed_us AS signedUs, signed_by AS signedBy, signed_note AS signedNote, checkpoint_size AS checkpointSize,
  checkpoint_root AS checkpointRoot, approved_us AS approvedUs, approved_by AS approvedBy, approval_note AS approvalNote,
  log_pos AS logPos, approval_log_pos AS approvalLogPos`;

const FINDING_COLUMNS =
  'seq, review_id AS reviewId, text, severity, alert_ids AS alertIds, created_us AS createdUs, created_by AS createdBy';

export class SqliteReviews implements ReviewStore {
  readonly #db: SqliteDb;
  readonly #insert;
  readonly #get;
  readonly #findScheduled;
  readonly #setEvidence;
  readonly #bump;
  readonly #insertFinding;
  readonly #listFindings;
  readonly #sign;
  readonly #setLogPos;
  readonly #unlogged;
  readonly #setApprovalLogPos;
  readonly #unloggedApprovals;
  readonly #approve;
  readonly #outcomes;
  readonly #lastBefore;
  readonly #firstAfter;

  constructor(db: SqliteDb) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO reviews (id, schedule, period_start_us, period_end_us, due_us, created_us, created_by, evidence, evidence_us)
       VALUES (@id, @schedule, @periodStartUs, @periodEndUs, @dueUs, @createdUs, @createdBy, @evidence, @evidenceUs)
       ON CONFLICT DO NOTHING`,
    );
    this.#get = db.prepare(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE id = ?`);
    this.#findScheduled = db.prepare(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE schedule = ? AND period_start_us = ?`);
    this.#setEvidence = db.prepare(
      'UPDATE reviews SET evidence = ?, evidence_us = ?, revision = revision + 1 WHERE id = ? AND signed_us IS NULL',
    );
    this.#bump = db.prepare('UPDATE reviews SET revision = revision + 1 WHERE id = ? AND signed_us IS NULL');
    this.#insertFinding = db.prepare(
      `INSERT INTO review_findings (review_id, text, severity, alert_ids, created_us, created_by) VALUES (?, ?, ?, ?, ?, ?)
       RETURNING ${FINDING_COLUMNS}`,
    );
    this.#listFindings = db.prepare(`SELECT ${FINDING_COLUMNS} FROM review_findings WHERE review_id = ? ORDER BY seq`);
    this.#sign = db.prepare(
      `UPDATE reviews SET signed_us = @signedUs, signed_by = @signedBy, signed_note = @note,
         checkpoint_size = @checkpointSize, checkpoint_root = @checkpointRoot
       WHERE id = @id AND signed_us IS NULL AND revision = @revision`,
    );
    this.#setLogPos = db.prepare('UPDATE reviews SET log_pos = ? WHERE id = ? AND log_pos IS NULL AND signed_us IS NOT NULL');
    this.#setApprovalLogPos = db.prepare(
      'UPDATE reviews SET approval_log_pos = ? WHERE id = ? AND approval_log_pos IS NULL AND approved_us IS NOT NULL',
    );
    this.#unloggedApprovals = db.prepare(
      `SELECT ${REVIEW_COLUMNS} FROM reviews
       WHERE approved_us IS NOT NULL AND approval_log_pos IS NULL AND log_pos IS NOT NULL ORDER BY seq LIMIT ?`,
    );
    this.#unlogged = db.prepare(
      `SELECT ${REVIEW_COLUMNS} FROM reviews WHERE signed_us IS NOT NULL AND log_pos IS NULL ORDER BY seq LIMIT ?`,
    );
    this.#approve = db.prepare(
      `UPDATE reviews SET approved_us = @approvedUs, approved_by = @approvedBy, approval_note = @note
       WHERE id = @id AND signed_us IS NOT NULL AND approved_us IS NULL AND signed_by <> @approvedBy`,
    );
    // The hour bucket lets events_time_hour narrow the scan to the period's hours (as summarizeEvents).
    this.#outcomes = db.prepare(
      `SELECT name, outcome, count(*) AS count FROM events
       WHERE time_us / 3600000000 BETWEEN ? AND ? AND time_us >= ? AND time_us < ?
       GROUP BY name, outcome ORDER BY name, outcome`,
    );
    // Checkpoints are signed in tree-size order, so their times rise with the size: the last one before
    // a time, then its successor, are two primary-key probes from the end (recent periods are near it).
    this.#lastBefore = db.prepare(
      'SELECT tree_size AS treeSize, root, note, created_us AS createdUs FROM checkpoints WHERE created_us < ? ORDER BY tree_size DESC LIMIT 1',
    );
    this.#firstAfter = db.prepare(
      `SELECT tree_size AS treeSize, root, note, created_us AS createdUs FROM checkpoints
       WHERE tree_size > ? AND created_us >= ? ORDER BY tree_size LIMIT 1`,
    );
  }

  createReview(r: NewReview): void {
    if (this.#insert.run(r).changes === 0) throw reviewExists(r);
  }

  getReview(id: string): StoredReview | undefined {
    const row = this.#get.get(id) as ReviewRowRaw | undefined;
    return row === undefined ? undefined : reviewOfRow(row);
  }

  findScheduledReview(schedule: string, periodStartUs: number): StoredReview | undefined {
    const row = this.#findScheduled.get(schedule, periodStartUs) as ReviewRowRaw | undefined;
    return row === undefined ? undefined : reviewOfRow(row);
  }

  listReviews(q: ReviewQuery): ReviewPage {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.status !== undefined) where.push(STATUS_WHERE[q.status] as string);
    if (q.schedule !== undefined) {
      where.push('schedule = ?');
      values.push(q.schedule);
    }
    if (q.beforeSeq !== undefined) {
      where.push('seq < ?');
      values.push(q.beforeSeq);
    }
    const limit = Math.max(1, Math.trunc(q.limit));
    const rows = this.#db
      .prepare(`SELECT ${REVIEW_COLUMNS} FROM reviews ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...values, limit + 1) as ReviewRowRaw[];
    const page = rows.slice(0, limit).map(reviewOfRow);
    return { reviews: page, nextBeforeSeq: rows.length > limit ? page.at(-1)?.seq : undefined };
  }

  setEvidence(id: string, evidence: string, evidenceUs: number): boolean {
    return this.#setEvidence.run(evidence, evidenceUs, id).changes > 0;
  }

  addFinding(f: NewFinding): StoredFinding | undefined {
    return this.#db.transaction(() => {
      if (this.#bump.run(f.reviewId).changes === 0) return undefined;
      const row = this.#insertFinding.get(
        f.reviewId,
        f.text,
        f.severity,
        JSON.stringify(f.alertIds),
        f.createdUs,
        f.createdBy,
      ) as FindingRowRaw;
      return findingOfRow(row);
    })();
  }

  listFindings(reviewId: string): StoredFinding[] {
    return (this.#listFindings.all(reviewId) as FindingRowRaw[]).map(findingOfRow);
  }

  signReview(id: string, revision: number, s: ReviewSignature): boolean {
    return this.#sign.run({ id, revision, ...s }).changes > 0;
  }

  setReviewLogPos(id: string, pos: number): boolean {
    return this.#setLogPos.run(pos, id).changes > 0;
  }

  listUnloggedReviews(limit: number): StoredReview[] {
    return (this.#unlogged.all(Math.max(1, Math.trunc(limit))) as ReviewRowRaw[]).map(reviewOfRow);
  }

  setApprovalLogPos(id: string, pos: number): boolean {
    return this.#setApprovalLogPos.run(pos, id).changes > 0;
  }

  listUnloggedApprovals(limit: number): StoredReview[] {
    return (this.#unloggedApprovals.all(Math.max(1, Math.trunc(limit))) as ReviewRowRaw[]).map(reviewOfRow);
  }

  approveReview(id: string, a: ReviewApproval): boolean {
    return this.#approve.run({ id, ...a }).changes > 0;
  }

  eventOutcomes(fromUs: number, toUs: number): OutcomeCount[] {
    checkWindow(fromUs, toUs);
    return this.#outcomes.all(Math.floor(fromUs / 3_600_000_000), Math.floor(toUs / 3_600_000_000), fromUs, toUs) as OutcomeCount[];
  }

  checkpointSignedBefore(createdUs: number): StoredCheckpoint | undefined {
    return this.#lastBefore.get(createdUs) as StoredCheckpoint | undefined;
  }

  checkpointSignedFrom(createdUs: number): StoredCheckpoint | undefined {
    const before = this.#lastBefore.get(createdUs) as { treeSize: number } | undefined;
    return this.#firstAfter.get(before?.treeSize ?? -1, createdUs) as StoredCheckpoint | undefined;
  }
}
