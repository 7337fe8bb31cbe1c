/**
 * The collector's storage interface. SQLite implements it now (better-sqlite3,
 * WAL, synchronous=FULL); PostgreSQL implements the same interface in issue I,
 * and one conformance suite runs against both.
 *
 * Invariants every implementation keeps:
 * - `commitBatches` is one durable transaction: the records, the per-stream
 *   cursor rows and any gap/fork notes land together or not at all, and the
 *   call returns only after the commit is durable (an ACK means durable).
 * - Duplicates never store twice: the cursor (device, stream, acked seq, head
 *   hash) decides, not a UNIQUE index (1,000 interleaved devices: ~36k rows/s
 *   with a UNIQUE(device, seq) index, ~330k with a cursor row; LESSONS.md).
 * - Records get a dense, gap-free commit position (`pos`, from 0). The
 *   integrator turns positions into Merkle leaves in that order, so leaf index
 *   = position: the log order is the commit order.
 */
import type { Hash, NodeStore, SecurityEvent } from '@seclog/core';
import type { AlertStore } from './alert-types.js';
import type { OutboxCounts, OutboxInsert, OutboxOutcome, OutboxRow } from './outbox-types.js';
import type { RetentionStore } from './retention-types.js';
import type { ReviewStore } from './review-types.js';
import type { StreamGap, StreamSeal } from './stream-state.js';
import type { UserStore } from './user-types.js';

export type {
  AlertPage,
  AlertQuery,
  AlertResolution,
  AlertStatus,
  AlertStore,
  AlertSuppression,
  AlertTransitionWrite,
  CustomRuleRow,
  DetectStateRow,
  NewAlert,
  RuleFlagRow,
  StoredAlert,
  StoredAlertTransition,
} from './alert-types.js';
export type { OutboxCounts, OutboxInsert, OutboxOutcome, OutboxRow, OutboxState } from './outbox-types.js';
export type { RetentionRunRow, RetentionScanRow, RetentionStore } from './retention-types.js';
export type {
  NewFinding,
  NewReview,
  OutcomeCount,
  ReviewApproval,
  ReviewPage,
  ReviewQuery,
  ReviewSignature,
  ReviewStatus,
  ReviewStore,
  StoredFinding,
  StoredReview,
} from './review-types.js';
export type { StreamGap, StreamSeal } from './stream-state.js';
export type { LoginFailure, NewUser, SessionRow, UserRow, UserStore } from './user-types.js';

export type Role = 'admin' | 'analyst' | 'auditor';
export type DeviceProfile = 'low' | 'high';

export interface DeviceRow {
  id: string;
  profile: DeviceProfile;
  /** SHA-256 of the device's bearer token; the token itself is never stored. */
  tokenHash: Uint8Array;
  /** The escrowed forward-secure seal key k_0. */
  sealKey: Uint8Array;
  createdUs: number;
  revokedUs: number | null;
  lastSeenUs: number | null;
  /** The seal policy fixed at enrolment (core's SealerPolicy, flat): epoch grid origin (ms), epoch length (ms), records per epoch. */
  sealT0Ms: number;
  sealEpochMs: number;
  sealMaxRecords: number;
}

export interface ApiTokenRow {
  id: string;
  name: string;
  role: Role;
  tokenHash: Uint8Array;
  createdUs: number;
  revokedUs: number | null;
}

/** One group of Store.summarizeEvents. */
export interface EventSummaryRow {
  device: string;
  name: string;
  synced: boolean | null;
  count: number;
}

/** The per-(device, stream) cursor: what has been durably accepted. */
export interface StreamCursor {
  device: string;
  stream: string;
  /** Highest seq stored (0: none). Seqs below it are stored, or missing inside an open gap (listGaps). */
  ackedSeq: number;
  /** Chain hash of record `ackedSeq` (zeros when none). */
  head: Hash;
}

/** One record ready to store: validated, chain-checked, with its digest and chain hash. */
export interface IncomingRecord {
  record: SecurityEvent;
  /** The record's canonical JSON (RFC 8785): what is stored and what was hashed. */
  canonical: string;
  digest: Hash;
  chainHash: Hash;
  /** Collector receive time, µs since the epoch. */
  receivedUs: number;
}

/** What one ingest batch (one device stream) wants committed. */
export interface TransactionOptions {
  /** false: atomic and ordered, but not synced at its commit (see Store.transaction). Default true. */
  durable?: boolean;
}

export interface BatchWrite {
  device: string;
  stream: string;
  records: IncomingRecord[];
  /** The cursor after this batch (the ingest pipeline computed it under the cursor's lock). */
  cursor: StreamCursor;
  /** The input it came through, for metrics: 'http' when absent; also 'syslog', 'mqtt', 'otlp'. Not stored. */
  source?: string;
  /** Seal rows of the stream to upsert by (device, stream, seq) with the batch (ingest read and checked them). */
  seals?: StreamSeal[];
  /** Raises the device row's lastSeenUs to this receive time (µs) in the same transaction; no-op for an unknown device. */
  seenUs?: number;
}

export interface StoredEvent {
  /** Commit position = Merkle leaf index. */
  pos: number;
  device: string;
  stream: string | null;
  seq: number | null;
  receivedUs: number;
  digest: Hash;
  chainHash: Hash;
  canonical: string;
  /**
   * The record as the ingest path holds it, when the event comes from a commit rather than a read
   * (Integrator's listeners): equal to JSON.parse(canonical), so a listener need not parse again.
   * Shared, so never to be changed.
   */
  parsed?: SecurityEvent;
}

/**
 * A query of the event log (Store.queryEvents). Present filters are ANDed; strings match exactly
 * except `text`. Results come newest first by position (commit order = leaf index), so a page
 * boundary is one position and pagination is stable while ingest goes on: new events get higher
 * positions and never shift a page that follows.
 */
export interface EventQuery {
  /** Device time (the record's `time`), µs since the epoch: fromUs inclusive, toUs exclusive. */
  fromUs?: number;
  toUs?: number;
  device?: string;
  name?: string;
  outcome?: string;
  severity?: string;
  /** actor.ip */
  ip?: string;
  /** actor.user */
  user?: string;
  /** Free text: a string value of the record (any depth) contains it; ASCII letters match either case. */
  text?: string;
  /** Only positions below this (a page's `nextBeforePos`); absent: from the newest. */
  beforePos?: number;
  /** Only positions at or above this (the live tail reads forward windows); absent: from 0. */
  fromPos?: number;
  /** Events to return, at least 1. */
  limit: number;
  /**
   * The most candidate rows one call may examine, so no query holds the database for long (SQLite
   * runs on the event loop); a page can then hold fewer than `limit` events, even none, with a
   * `nextBeforePos` to continue from. Absent: the store's default.
   */
  scanLimit?: number;
}

export interface EventPage {
  /** Matching events, descending position. */
  events: StoredEvent[];
  /** `beforePos` of the next page; undefined when no position below the page can match. */
  nextBeforePos: number | undefined;
}

export interface StoredCheckpoint {
  treeSize: number;
  root: Hash;
  /** The signed note, exactly as served. */
  note: string;
  createdUs: number;
}

export interface Store {
  /** Run pending migrations; idempotent. */
  migrate(): void;
  close(): void;
  /** Small settings kept with the data (log origin, schema facts). */
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;

  // devices and tokens
  putDevice(row: DeviceRow): void;
  getDevice(id: string): DeviceRow | undefined;
  findDeviceByTokenHash(tokenHash: Uint8Array): DeviceRow | undefined;
  listDevices(): DeviceRow[];
  /** True when the device existed and was not yet revoked; a second revocation keeps the first time. */
  revokeDevice(id: string, atUs: number): boolean;
  putApiToken(row: ApiTokenRow): void;
  findApiTokenByHash(tokenHash: Uint8Array): ApiTokenRow | undefined;

  // ingest
  getCursor(device: string, stream: string): StreamCursor | undefined;
  listCursors(device: string): StreamCursor[];
  /** Open gaps of the device's streams (of one stream when given), by stream then fromSeq. */
  listGaps(device: string, stream?: string): StreamGap[];
  /**
   * The chain hash of the stored record `seq` of the stream, looked up with the record's `time`
   * (SQLite finds it through the device+time index; there is no index on seq). Undefined when no
   * stored record has that seq and that time.
   */
  findChainHash(device: string, stream: string, seq: number, time: string): Hash | undefined;
  /** The stored seal of the stream with the largest seq below `seq`. */
  sealBefore(device: string, stream: string, seq: number): StreamSeal | undefined;
  /** The stored seal of the stream with the smallest seq above `seq`. */
  sealAfter(device: string, stream: string, seq: number): StreamSeal | undefined;
  /**
   * Commit several batches in ONE durable transaction (group commit); returns each record's position.
   * Each batch's chained records of its stream must have increasing seqs. A record above the stored
   * `ackedSeq` may skip seqs: that opens a gap (StreamGap, see stream-state.ts). A record at or below
   * it is a gap fill and passes only inside a stored open gap, as a run of consecutive seqs that starts
   * at the gap's fromSeq with `prev = before`, or ends at toSeq − 1 hashing to `after` (or both: the
   * gap closes); the gap row shrinks or goes in the same transaction (gap-plan.ts).
   * Throws STORE_BATCH_INVALID, and stores nothing of the group, when a batch contradicts the stored
   * state: a record at or below `ackedSeq` outside an open gap (a duplicate), a fill that touches
   * neither end of its gap or does not chain to it, a cursor moving back, or a cursor naming another
   * device or stream than its batch.
   * Called inside `transaction()`, it is durable only when that outer transaction commits.
   */
  commitBatches(batches: readonly BatchWrite[]): number[][];
  /** Number of committed records (= next position). */
  eventCount(): number;

  // log
  /** The events at positions [fromPos, toPos), in position order (fewer when the range passes the end). */
  readEvents(fromPos: number, toPos: number): StoredEvent[];
  getEvent(pos: number): StoredEvent | undefined;
  /** One page of the events matching `q` (see EventQuery). Throws STORE_QUERY_INVALID for a malformed query. */
  queryEvents(q: EventQuery): EventPage;
  /**
   * Counts of the events whose record time is in [fromUs, toUs) (µs), grouped by device, event name
   * and whether the record says its clock was synchronised (`tq.synced`: true, false, or null when
   * the record has no time quality). For the compliance check; it reads every record of the window.
   */
  summarizeEvents(fromUs: number, toUs: number): EventSummaryRow[];
  /** The event whose record has this `id` (a UUID, any case); undefined when none. */
  getEventById(id: string): StoredEvent | undefined;
  /** The Merkle tree's nodes and committed leaf count (the integrator's state), persisted in the same database. */
  nodeStore(): NodeStore;
  /**
   * Runs `fn` (synchronous) in one transaction: everything it writes commits together, durably, or
   * not at all when it throws; nested calls are savepoints. The integrator wraps each
   * `tree.appendLeaves(...)` (its putNode calls and the final setLeafCount) and the checkpoint it
   * signs in one call, so the tree never persists half a batch; outside a transaction every
   * NodeStore write is its own durable commit.
   *
   * `{ durable: false }` is for writes derived from durable rows and rebuilt from them after a
   * crash (the Merkle nodes: the integrator re-integrates from the tree's leaf count): the commit
   * is atomic and ordered before every later commit, but does not wait for its own fsync; the next
   * durable commit makes it durable. PostgreSQL's equivalent is `SET LOCAL synchronous_commit = off`.
   * Nested calls take the outer transaction's durability.
   */
  transaction<T>(fn: () => T, options?: TransactionOptions): T;
  /** Idempotent for the same tree size and root; a different root for a stored size throws STORE_CHECKPOINT_CONFLICT. */
  putCheckpoint(cp: StoredCheckpoint): void;
  latestCheckpoint(): StoredCheckpoint | undefined;
  listCheckpoints(): StoredCheckpoint[];

  /** Alerts, triage history, the detector's state and rule settings (alert-types.ts). */
  alerts(): AlertStore;

  /** People's accounts and sign-in sessions (user-types.ts). */
  users(): UserStore;

  /** Retention: pruning payloads, what was pruned when, and the runs (retention-types.ts). */
  retention(): RetentionStore;

  /** Periodic reviews: evidence, findings, signatures, approvals (review-types.ts). */
  reviews(): ReviewStore;

  // notification outbox (outbox-types.ts)
  /** Stores the rows whose (alertId, channel) is not stored yet, in one transaction; returns how many were new. */
  enqueueOutbox(rows: readonly OutboxInsert[]): number;
  /**
   * Claims up to `limit` pending rows due at `nowUs` (nextAttemptUs ≤ nowUs, soonest first): each
   * gets attempts + 1, lastAttemptUs = nowUs and nextAttemptUs = leaseUntilUs, atomically. Returns
   * them by id, as updated.
   */
  claimOutbox(nowUs: number, leaseUntilUs: number, limit: number): OutboxRow[];
  /** Settles the claimed attempt `attempts` of row `id`; false (and no write) when the row is no longer at that attempt or not pending. */
  settleOutbox(id: number, attempts: number, outcome: OutboxOutcome): boolean;
  /** The smallest nextAttemptUs of the pending rows; undefined when none is pending. */
  nextOutboxDueUs(): number | undefined;
  getOutboxRow(alertId: string, channel: string): OutboxRow | undefined;
  /** Dead rows not yet marked reported, by id. */
  unreportedDeadOutbox(limit: number): OutboxRow[];
  /** Marks dead rows reported (ids of rows that are not dead are ignored). */
  markOutboxReported(ids: readonly number[]): void;
  countOutbox(): OutboxCounts;
}
