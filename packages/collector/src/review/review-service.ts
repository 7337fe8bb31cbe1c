/**
 * The periodic review workflow (docs/reviews.md), one object for the server
 * (http/review-routes.ts) and the CLI (`seclog review`, on the data directory):
 *
 *   start    a period by hand or a schedule's last ended period; the evidence
 *            is collected at once (evidence.ts)
 *   collect  the evidence again, while the review is open
 *   finding  text, severity, optionally the alerts it is about
 *   sign     the log key signs the review record (review-record.ts): reviewer,
 *            period, findings digest, evidence digest, the checkpoint at the
 *            period's end; stored, then appended to the log as `review_signed`
 *   approve  a second person (never the signer) approves the signed record;
 *            stored signed, then appended as `review_approved`
 *   verify   the stored signatures, the record rebuilt from the stored rows, and
 *            the named checkpoint's consistency with the current tree
 *
 * The signature is stored before its record is appended (the catalogue: "the
 * collector emits it when the signature is stored"): a failed append leaves a
 * signed review without its log position, and tick() appends it later.
 */
import { type MerkleTree, type NoteSigner, SeclogError, type Severity } from '@seclog/core';
import type { OwnEvent } from '../ingest/own-stream.js';
import type { StoredAlert } from '../store/alert-types.js';
import type { ReviewPage, ReviewQuery, StoredFinding, StoredReview } from '../store/review-types.js';
import type { Store, StoredCheckpoint } from '../store/types.js';
import type { ReviewsConfig } from './config-schema.js';
import { collectEvidence, type StorageProvider } from './evidence.js';
import { closeDoneOverdue, overdueAlerts } from './overdue.js';
import { checkPeriod, reviewIdOf } from './period-input.js';
import { reviewApprovedEvent, reviewSignedEvent } from './review-events.js';
import { findingJson, type ReviewDetailJson, type ReviewJson, reviewJson } from './review-json.js';
import { approvalRecordOf, reviewRecordOf, rfc3339, signRecord } from './review-record.js';
import { type ReviewVerification, verifyReview } from './review-verify.js';
import { type Period, type Schedule, schedulesOf } from './schedule.js';

export interface ReviewServiceOptions {
  store: Store;
  origin: string;
  verifierKey: string;
  /** The log key; undefined: reviews can be read and prepared here, not signed (REVIEW_SIGNER_UNAVAILABLE). */
  signer: NoteSigner | undefined;
  /** The Merkle tree as it is now (the integrator's on the server, the stored one in the CLI). */
  tree: () => MerkleTree;
  /** Appends records to the collector's own stream; resolves to their leaf positions once durable. */
  append: (events: OwnEvent[]) => Promise<number[]>;
  config: ReviewsConfig;
  /** Storage and device horizons for the evidence (absent: "not available"). */
  storage?: StorageProvider;
  /** Told of each overdue alert stored (the notifier). */
  onAlertStored?: (alert: StoredAlert) => void;
  /** Leaves re-hashed at most per evidence collection (period-verify.ts). */
  maxLeaves?: number;
  /** Wall clock, ms (tests). */
  now?: () => number;
}

/** Who acts: `user/<name>` or `api-token/<id>`, and the client address when known. */
export interface Reviewer {
  id: string;
  ip?: string;
}

export type StartRequest = { periodStartUs: number; periodEndUs: number } | { schedule: string };

export interface NewFindingRequest {
  text: string;
  severity: Severity;
  alertIds?: readonly string[];
}

export interface ScheduleStatus {
  name: string;
  every: Schedule['every'];
  days: number | null;
  dueDays: number;
  /** The period in progress now. */
  current: PeriodJson;
  /** The last period that has ended, with its review if one was started. */
  last: PeriodJson & { review: string | null; status: string | null; overdue: boolean };
}

interface PeriodJson {
  start: string;
  end: string;
  due: string;
}

const MAX_FINDING_CHARS = 4000;
const MAX_ALERT_IDS = 100;
const SEVERITIES: readonly string[] = ['info', 'low', 'medium', 'high', 'critical'];

const periodJson = (p: Period): PeriodJson => ({ start: rfc3339(p.startUs), end: rfc3339(p.endUs), due: rfc3339(p.dueUs) });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class ReviewService {
  readonly schedules: readonly Schedule[];
  readonly approval: 'optional' | 'required';
  readonly #o: ReviewServiceOptions;
  readonly #now: () => number;
  /** Review records being appended now (`signed:<id>`, `approved:<id>`): tick() leaves them to their caller. */
  readonly #inFlight = new Set<string>();

  constructor(options: ReviewServiceOptions) {
    this.#o = options;
    this.schedules = schedulesOf(options.config);
    this.approval = options.config.approval;
    this.#now = options.now ?? Date.now;
  }

  #nowUs(): number {
    return Math.floor(this.#now() * 1000);
  }

  #schedule(name: string): Schedule {
    const s = this.schedules.find((x) => x.name === name);
    if (s === undefined)
      throw new SeclogError('REVIEW_SCHEDULE_UNKNOWN', `no review schedule is named ${JSON.stringify(name)}`, { schedule: name });
    return s;
  }

  /** Done: signed, and approved when approval is required. */
  isDone(r: StoredReview): boolean {
    return r.status === 'approved' || (r.status === 'signed' && this.approval === 'optional');
  }

  scheduleStatus(): ScheduleStatus[] {
    const now = this.#nowUs();
    return this.schedules.map((s) => {
      const last = s.lastEnded(now);
      const review = this.#o.store.reviews().findScheduledReview(s.name, last.startUs);
      return {
        name: s.name,
        every: s.every,
        days: s.days ?? null,
        dueDays: s.dueDays,
        current: periodJson(s.periodAt(now)),
        last: {
          ...periodJson(last),
          review: review?.id ?? null,
          status: review?.status ?? null,
          overdue: last.dueUs <= now && (review === undefined || !this.isDone(review)),
        },
      };
    });
  }

  #evidence(periodStartUs: number, periodEndUs: number): { evidence: string; evidenceUs: number } {
    const nowUs = this.#nowUs();
    const ev = collectEvidence({
      store: this.#o.store,
      tree: this.#o.tree(),
      origin: this.#o.origin,
      verifierKey: this.#o.verifierKey,
      periodStartUs,
      periodEndUs,
      nowUs,
      alertOverdueDays: this.#o.config.alertOverdueDays,
      storage: this.#o.storage,
      maxLeaves: this.#o.maxLeaves ?? this.#o.config.verifyMaxLeaves,
    });
    return { evidence: JSON.stringify(ev), evidenceUs: nowUs };
  }

  /** Starts a review and collects its evidence; a schedule's period already started returns that review (`created` false). */
  start(req: StartRequest, by: Reviewer): { review: StoredReview; created: boolean } {
    const reviews = this.#o.store.reviews();
    const nowUs = this.#nowUs();
    let schedule: string | null = null;
    let period: { startUs: number; endUs: number; dueUs: number | null };
    if ('schedule' in req) {
      const s = this.#schedule(req.schedule);
      const last = s.lastEnded(nowUs);
      const existing = reviews.findScheduledReview(s.name, last.startUs);
      if (existing !== undefined) return { review: existing, created: false };
      schedule = s.name;
      period = last;
    } else {
      checkPeriod(req.periodStartUs, req.periodEndUs, nowUs);
      period = { startUs: req.periodStartUs, endUs: req.periodEndUs, dueUs: null };
    }
    const id = reviewIdOf(schedule, period.startUs);
    const { evidence, evidenceUs } = this.#evidence(period.startUs, period.endUs);
    try {
      reviews.createReview({
        id,
        schedule,
        periodStartUs: period.startUs,
        periodEndUs: period.endUs,
        dueUs: period.dueUs,
        createdUs: nowUs,
        createdBy: by.id,
        evidence,
        evidenceUs,
      });
    } catch (err) {
      // Two starts of one scheduled period at once: the other one won.
      const other = schedule === null ? undefined : reviews.findScheduledReview(schedule, period.startUs);
      if (other !== undefined) return { review: other, created: false };
      throw err;
    }
    return { review: this.#get(id), created: true };
  }

  #get(id: string): StoredReview {
    const r = this.#o.store.reviews().getReview(id);
    if (r === undefined) throw new SeclogError('REVIEW_NOT_FOUND', `no review has id ${JSON.stringify(id)}`, { id });
    return r;
  }

  get(id: string): { review: StoredReview; findings: StoredFinding[] } {
    const review = this.#get(id);
    return { review, findings: this.#o.store.reviews().listFindings(id) };
  }

  list(q: ReviewQuery): ReviewPage {
    return this.#o.store.reviews().listReviews(q);
  }

  /** Collects the evidence again (open reviews only). */
  collect(id: string): StoredReview {
    const r = this.#get(id);
    if (r.status !== 'open') throw signedError(r);
    const { evidence, evidenceUs } = this.#evidence(r.periodStartUs, r.periodEndUs);
    if (!this.#o.store.reviews().setEvidence(id, evidence, evidenceUs)) throw signedError(this.#get(id));
    return this.#get(id);
  }

  addFinding(id: string, f: NewFindingRequest, by: Reviewer): StoredFinding {
    const r = this.#get(id);
    if (r.status !== 'open') throw signedError(r);
    const text = f.text.trim();
    if (text.length === 0 || text.length > MAX_FINDING_CHARS) {
      throw new SeclogError('REVIEW_FINDING_INVALID', `text: 1–${MAX_FINDING_CHARS} characters, got ${text.length}`, { field: 'text' });
    }
    if (!SEVERITIES.includes(f.severity)) {
      throw new SeclogError('REVIEW_FINDING_INVALID', `severity: one of ${SEVERITIES.join(', ')}`, { field: 'severity' });
    }
    const alertIds = [...new Set(f.alertIds ?? [])];
    if (alertIds.length > MAX_ALERT_IDS) {
      throw new SeclogError('REVIEW_FINDING_INVALID', `alertIds: at most ${MAX_ALERT_IDS}`, { field: 'alertIds' });
    }
    const alerts = this.#o.store.alerts();
    const unknown = alertIds.filter((a) => alerts.getAlert(a) === undefined);
    if (unknown.length > 0) {
      throw new SeclogError('REVIEW_FINDING_INVALID', `alertIds: no alert has id ${unknown.slice(0, 5).join(', ')}`, {
        field: 'alertIds',
        unknown: unknown.slice(0, 5),
      });
    }
    const stored = this.#o.store
      .reviews()
      .addFinding({ reviewId: id, text, severity: f.severity, alertIds, createdUs: this.#nowUs(), createdBy: by.id });
    if (stored === undefined) throw signedError(this.#get(id));
    return stored;
  }

  /** The checkpoint a review names: the first signed after its period, or the latest when none is yet. */
  #checkpointFor(r: StoredReview): StoredCheckpoint {
    const cp = this.#o.store.reviews().checkpointSignedFrom(r.periodEndUs) ?? this.#o.store.latestCheckpoint();
    if (cp === undefined) throw new SeclogError('REVIEW_NO_CHECKPOINT', 'no checkpoint has been signed yet', { id: r.id });
    return cp;
  }

  async sign(id: string, by: Reviewer): Promise<StoredReview> {
    const reviews = this.#o.store.reviews();
    const r = this.#get(id);
    if (r.status !== 'open') throw signedError(r);
    const signer = this.#signer();
    const findings = reviews.listFindings(id);
    const cp = this.#checkpointFor(r);
    const signedUs = this.#nowUs();
    const checkpoint = { size: cp.treeSize, root: hex(cp.root) };
    const note = signRecord(reviewRecordOf({ origin: this.#o.origin, review: r, findings, reviewer: by.id, signedUs, checkpoint }), signer);
    const ok = reviews.signReview(id, r.revision, {
      signedUs,
      signedBy: by.id,
      note,
      checkpointSize: checkpoint.size,
      checkpointRoot: checkpoint.root,
    });
    if (!ok) {
      const now = this.#get(id);
      if (now.status !== 'open') throw signedError(now);
      throw new SeclogError('REVIEW_CHANGED', `review ${id} changed while it was being signed; nothing was signed`, { id });
    }
    const signed = this.#get(id);
    await this.#appendSigned(signed, by.ip);
    return this.#get(id);
  }

  #signer(): NoteSigner {
    if (this.#o.signer === undefined) {
      throw new SeclogError('REVIEW_SIGNER_UNAVAILABLE', 'this app has no log key to sign reviews with', {});
    }
    return this.#o.signer;
  }

  async #appendSigned(r: StoredReview, ip?: string): Promise<void> {
    const events = [reviewSignedEvent(r, this.#o.store.reviews().listFindings(r.id).length, this.#o.signer, ip)];
    if (r.approval !== null) events.push(reviewApprovedEvent(r));
    let positions: number[];
    try {
      positions = await this.#appending(`signed:${r.id}`, () => this.#o.append(events));
    } catch (err) {
      throw new SeclogError(
        'REVIEW_AUDIT_FAILED',
        `review ${r.id} is signed and stored, but its review_signed record could not be appended yet: ${(err as Error).message}`,
        { id: r.id },
        { cause: err },
      );
    }
    const reviews = this.#o.store.reviews();
    reviews.setReviewLogPos(r.id, positions[0] as number);
    if (r.approval !== null) reviews.setApprovalLogPos(r.id, positions[1] as number);
  }

  /**
   * Runs the append of a review's record, marked as in flight meanwhile so tick() does not append
   * the same record a second time while this one is waiting for its commit.
   */
  async #appending<T>(key: string, append: () => Promise<T>): Promise<T> {
    this.#inFlight.add(key);
    try {
      return await append();
    } finally {
      this.#inFlight.delete(key);
    }
  }

  async approve(id: string, by: Reviewer): Promise<StoredReview> {
    const reviews = this.#o.store.reviews();
    const r = this.#get(id);
    if (r.signature === null) throw new SeclogError('REVIEW_NOT_SIGNED', `review ${id} is not signed yet`, { id });
    const refused = (reason: 'approved' | 'same_person') =>
      new SeclogError(
        'REVIEW_APPROVAL_REFUSED',
        reason === 'approved' ? `review ${id} is approved already` : `${by.id} signed review ${id}: a second person must approve it`,
        { id, reason },
      );
    if (r.approval !== null) throw refused('approved');
    if (r.signature.signedBy === by.id) throw refused('same_person');
    const approvedUs = this.#nowUs();
    const note = signRecord(approvalRecordOf(this.#o.origin, id, r.signature.note, by.id, approvedUs), this.#signer());
    if (!reviews.approveReview(id, { approvedUs, approvedBy: by.id, note })) throw refused('approved');
    const approved = this.#get(id);
    // The approval's record goes after the signature's: when that one is still missing, tick() appends both.
    if (approved.logPos !== null) {
      let positions: number[];
      try {
        positions = await this.#appending(`approved:${id}`, () => this.#o.append([reviewApprovedEvent(approved, by.ip)]));
      } catch (err) {
        throw new SeclogError(
          'REVIEW_AUDIT_FAILED',
          `review ${id} is approved and stored, but its review_approved record could not be appended yet (the collector appends it later): ${(err as Error).message}`,
          { id },
          { cause: err },
        );
      }
      reviews.setApprovalLogPos(id, positions[0] as number);
    }
    return this.#get(id);
  }

  /** Verifies a stored review (review-verify.ts). */
  verify(id: string): ReviewVerification {
    const review = this.#get(id);
    return verifyReview(
      { store: this.#o.store, origin: this.#o.origin, verifierKey: this.#o.verifierKey, tree: this.#o.tree() },
      review,
      this.#o.store.reviews().listFindings(id),
    );
  }

  json(r: StoredReview): ReviewJson {
    return reviewJson(r, this.isDone(r), this.#nowUs());
  }

  /** The review with its evidence, findings and, once signed, its verification. */
  detail(id: string): ReviewDetailJson {
    const { review, findings } = this.get(id);
    return {
      ...this.json(review),
      approvalRequired: this.approval === 'required',
      evidence: JSON.parse(review.evidence) as unknown,
      findings: findings.map(findingJson),
      verification: review.signature === null ? null : this.verify(id),
    };
  }

  /**
   * The periodic duty (the server runs it every reviews.checkIntervalMs): appends review records still
   * missing from the log, raises one alert per schedule period whose review is overdue, and closes
   * the open ones whose review has been done since.
   */
  async tick(): Promise<{ appended: number; overdue: StoredAlert[]; closed: string[] }> {
    let appended = 0;
    const reviews = this.#o.store.reviews();
    for (const r of reviews.listUnloggedReviews(50)) {
      if (this.#inFlight.has(`signed:${r.id}`)) continue;
      await this.#appendSigned(r);
      appended++;
    }
    // Approvals whose record failed to append when they were made (the signature's record is in already).
    for (const r of reviews.listUnloggedApprovals(50)) {
      if (this.#inFlight.has(`approved:${r.id}`) || this.#inFlight.has(`signed:${r.id}`)) continue;
      const [pos] = await this.#appending(`approved:${r.id}`, () => this.#o.append([reviewApprovedEvent(r)]));
      reviews.setApprovalLogPos(r.id, pos as number);
      appended++;
    }
    const periods = {
      store: this.#o.store,
      schedules: this.schedules,
      isDone: (r: StoredReview) => this.isDone(r),
      nowUs: this.#nowUs(),
      append: this.#o.append,
    };
    const onAlertStored = this.#o.onAlertStored;
    const overdue = await overdueAlerts({ ...periods, ...(onAlertStored === undefined ? {} : { onAlertStored }) });
    // Reviews done late: their periods' overdue alerts close themselves.
    const closed = await closeDoneOverdue(periods);
    return { appended, overdue, closed };
  }
}

function signedError(r: StoredReview): SeclogError {
  return new SeclogError('REVIEW_SIGNED', `review ${r.id} is signed: its evidence and findings are frozen`, { id: r.id });
}
