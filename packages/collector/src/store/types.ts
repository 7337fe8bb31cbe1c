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

/** The per-(device, stream) cursor: what has been durably accepted. */
export interface StreamCursor {
  device: string;
  stream: string;
  /** Highest seq accepted contiguously from the stream's start (0: none). */
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
export interface BatchWrite {
  device: string;
  stream: string;
  records: IncomingRecord[];
  /** The cursor after this batch (the ingest pipeline computed it under the cursor's lock). */
  cursor: StreamCursor;
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
  /**
   * Commit several batches in ONE durable transaction (group commit); returns each record's position.
   * Throws STORE_BATCH_INVALID, and stores nothing of the group, when a batch contradicts the stored
   * cursor: a record of the batch's stream with a seq at or below the stored `ackedSeq` (a duplicate),
   * a cursor moving back, or a cursor naming another device or stream than its batch.
   * Called inside `transaction()`, it is durable only when that outer transaction commits.
   */
  commitBatches(batches: readonly BatchWrite[]): number[][];
  /** Number of committed records (= next position). */
  eventCount(): number;

  // log
  /** The events at positions [fromPos, toPos), in position order (fewer when the range passes the end). */
  readEvents(fromPos: number, toPos: number): StoredEvent[];
  getEvent(pos: number): StoredEvent | undefined;
  /** The Merkle tree's nodes and committed leaf count (the integrator's state), persisted in the same database. */
  nodeStore(): NodeStore;
  /**
   * Runs `fn` (synchronous) in one transaction: everything it writes commits together, durably, or
   * not at all when it throws; nested calls are savepoints. The integrator wraps each
   * `tree.appendLeaves(...)` (its putNode calls and the final setLeafCount) and the checkpoint it
   * signs in one call, so the tree never persists half a batch; outside a transaction every
   * NodeStore write is its own durable commit.
   */
  transaction<T>(fn: () => T): T;
  /** Idempotent for the same tree size and root; a different root for a stored size throws STORE_CHECKPOINT_CONFLICT. */
  putCheckpoint(cp: StoredCheckpoint): void;
  latestCheckpoint(): StoredCheckpoint | undefined;
  listCheckpoints(): StoredCheckpoint[];
}
