/**
 * The ingest hot path and the reads of the event log, on SQLite.
 *
 * commitBatches runs one IMMEDIATE transaction for the whole group: per batch
 * one cursor read (the dedup check) and one cursor upsert, per record one run
 * of a single prepared INSERT with positional parameters. A batch that skips
 * or fills seqs also reads and rewrites its stream's open gaps (gap-plan.ts);
 * seal rows and the devices' last-seen times ride along in the same
 * transaction. The query columns come from the already-parsed `record`
 * object, never from JSON.parse of the canonical text. Positions continue from max(pos) + 1 read inside the same
 * transaction, so they stay dense even when another connection wrote last,
 * and a rolled-back group leaves no hole.
 */
import type { Hash } from '@seclog/core';
import { SeclogError } from '@seclog/core';
import { planGaps } from './gap-plan.js';
import type { SqliteDb } from './migrations.js';
import { RecordTimeParser } from './record-time.js';
import { SqliteGaps } from './sqlite-gaps.js';
import { SqliteSeals } from './sqlite-seals.js';
import type { BatchWrite, StoredEvent } from './types.js';

/** Rows come back from SQL already in StoredEvent's shape (the SELECT aliases its columns). */
type EventRow = StoredEvent;

const EVENT_COLUMNS = 'pos, device, stream, seq, received_us AS receivedUs, digest, chain_hash AS chainHash, canonical';

function checkRange(fromPos: number, toPos: number): void {
  if (!Number.isSafeInteger(fromPos) || !Number.isSafeInteger(toPos) || fromPos < 0 || toPos < fromPos) {
    throw new SeclogError('STORE_RANGE_INVALID', `[${fromPos}, ${toPos}) is not a range of positions`, { fromPos, toPos });
  }
}

export class SqliteEventLog {
  readonly #insert;
  readonly #ackedSeq;
  readonly #upsertCursor;
  readonly #nextPos;
  readonly #read;
  readonly #get;
  readonly #commit;
  readonly #time = new RecordTimeParser();
  readonly #findHash;
  readonly #seen;
  readonly gaps: SqliteGaps;
  readonly seals: SqliteSeals;

  constructor(db: SqliteDb) {
    this.#insert = db.prepare(
      `INSERT INTO events (pos, device, stream, seq, received_us, time_us, name, outcome, severity, actor_ip, actor_user, digest, chain_hash, canonical)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#ackedSeq = db.prepare('SELECT acked_seq AS ackedSeq, head FROM stream_cursors WHERE device = ? AND stream = ?');
    this.#upsertCursor = db.prepare(
      `INSERT INTO stream_cursors (device, stream, acked_seq, head) VALUES (?, ?, ?, ?)
       ON CONFLICT (device, stream) DO UPDATE SET acked_seq = excluded.acked_seq, head = excluded.head`,
    );
    this.#nextPos = db.prepare('SELECT coalesce(max(pos) + 1, 0) FROM events').pluck();
    this.#read = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE pos >= ? AND pos < ? ORDER BY pos`);
    this.#get = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE pos = ?`);
    this.#commit = db.transaction((batches: readonly BatchWrite[]) => this.#write(batches));
    // Found through events_device_time (device, time_us): a record's time narrows it to a row or two.
    this.#findHash = db.prepare('SELECT chain_hash FROM events WHERE device = ? AND time_us = ? AND stream = ? AND seq = ?').pluck();
    this.#seen = db.prepare('UPDATE devices SET last_seen_us = ? WHERE id = ? AND (last_seen_us IS NULL OR last_seen_us < ?)');
    this.gaps = new SqliteGaps(db);
    this.seals = new SqliteSeals(db);
  }

  findChainHash(device: string, stream: string, seq: number, time: string): Hash | undefined {
    let timeUs: number;
    try {
      timeUs = this.#time.toUs(time);
    } catch {
      return undefined;
    }
    return this.#findHash.get(device, timeUs, stream, seq) as Hash | undefined;
  }

  commitBatches(batches: readonly BatchWrite[]): number[][] {
    if (batches.length === 0) return [];
    return this.#commit.immediate(batches);
  }

  eventCount(): number {
    return this.#nextPos.get() as number;
  }

  readEvents(fromPos: number, toPos: number): StoredEvent[] {
    checkRange(fromPos, toPos);
    return this.#read.all(fromPos, toPos) as EventRow[];
  }

  getEvent(pos: number): StoredEvent | undefined {
    if (!Number.isSafeInteger(pos) || pos < 0) return undefined;
    return this.#get.get(pos) as EventRow | undefined;
  }

  #write(batches: readonly BatchWrite[]): number[][] {
    let pos = this.#nextPos.get() as number;
    const out: number[][] = new Array(batches.length);
    // Device rows touched by the group: one UPDATE each, at the end.
    const seen = new Map<string, number>();
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b] as BatchWrite;
      const { device, stream, records, cursor } = batch;
      const stored = this.#ackedSeq.get(device, stream) as { ackedSeq: number; head: Hash } | undefined;
      checkCursor(batch, stored?.ackedSeq ?? 0);
      const plan = planGaps(batch, stored?.ackedSeq ?? 0, stored?.head ?? ZERO, () => this.gaps.list(device, stream));
      const positions: number[] = new Array(records.length);
      for (let i = 0; i < records.length; i++) {
        const r = records[i] as BatchWrite['records'][number];
        const rec = r.record;
        const seq = rec.seq;
        const actor = rec.actor;
        this.#insert.run(
          pos,
          device,
          rec.stream ?? null,
          seq ?? null,
          r.receivedUs,
          this.#time.toUs(rec.time),
          rec.name,
          rec.outcome,
          rec.severity,
          actor?.ip ?? null,
          actor?.user ?? null,
          r.digest,
          r.chainHash,
          r.canonical,
        );
        positions[i] = pos++;
      }
      this.#upsertCursor.run(device, stream, cursor.ackedSeq, cursor.head);
      if (plan.gaps !== undefined) this.gaps.replace(device, stream, plan.gaps);
      if (batch.seals !== undefined && batch.seals.length > 0) {
        checkSeals(batch);
        this.seals.put(batch.seals);
      }
      if (batch.seenUs !== undefined) seen.set(device, Math.max(batch.seenUs, seen.get(device) ?? 0));
      out[b] = positions;
    }
    for (const [device, us] of seen) this.#seen.run(us, device, us);
    return out;
  }
}

export function checkCursor(batch: BatchWrite, storedAckedSeq: number): void {
  const { cursor } = batch;
  if (cursor.device !== batch.device || cursor.stream !== batch.stream) {
    throw new SeclogError(
      'STORE_BATCH_INVALID',
      `the cursor of a batch for ${batch.device}/${batch.stream} names ${cursor.device}/${cursor.stream}`,
      { device: batch.device, stream: batch.stream, reason: 'cursor_other_stream' },
    );
  }
  if (!Number.isSafeInteger(cursor.ackedSeq) || cursor.ackedSeq < storedAckedSeq) {
    throw new SeclogError(
      'STORE_BATCH_INVALID',
      `the cursor of ${batch.device}/${batch.stream} would move from ${storedAckedSeq} back to ${cursor.ackedSeq}`,
      { device: batch.device, stream: batch.stream, storedAckedSeq, ackedSeq: cursor.ackedSeq, reason: 'cursor_back' },
    );
  }
}

const ZERO = new Uint8Array(32) as Hash;

export function checkSeals(batch: BatchWrite): void {
  for (const s of batch.seals ?? []) {
    if (s.device !== batch.device || s.stream !== batch.stream) {
      const why = `a seal row of a batch for ${batch.device}/${batch.stream} names ${s.device}/${s.stream}`;
      throw new SeclogError('STORE_BATCH_INVALID', why, { device: batch.device, stream: batch.stream, reason: 'seal_other_stream' });
    }
  }
}
