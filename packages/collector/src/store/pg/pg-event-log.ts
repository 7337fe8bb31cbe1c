/**
 * The ingest hot path and the reads of the event log, on PostgreSQL.
 *
 * commitBatches is one transaction (a savepoint inside an outer one) in three
 * round trips to the connection thread, whatever the group's size:
 *
 *  1. BEGIN, then every (device, stream) cursor row of the group upserted and
 *     returned in one statement: `INSERT … ON CONFLICT DO UPDATE` locks each
 *     row (a new stream gets a placeholder at seq 0 that the commit replaces
 *     or the rollback removes), in key order so two collectors never deadlock.
 *     A device's batches therefore serialise on its cursor row whichever
 *     collector receives them, and the duplicate check below reads a value no
 *     one else can change before this commit.
 *  2. (only when a batch skips or fills seqs) the stream's open gaps.
 *  3. the positions, taken by incrementing the one log_head row (locked to
 *     the commit: the commit order across collectors is the position order,
 *     dense, a rollback gives its positions back), the events in one
 *     multi-row INSERT from unnest(), the cursors, gaps, seals and last-seen
 *     times, and COMMIT.
 *
 * The seq rules are gap-plan.ts's, shared with SQLite; a refused batch rolls
 * the whole group back. The position lock is taken last, after the checks,
 * so it is held only for the insert and the commit.
 */
import type { Hash } from '@seclog/core';
import { SeclogError } from '@seclog/core';
import { planGaps } from '../gap-plan.js';
import { RecordTimeParser } from '../record-time.js';
import { checkCursor, checkSeals } from '../sqlite-event-log.js';
import type { StreamGap, StreamSeal } from '../stream-state.js';
import type { BatchWrite, StoredEvent } from '../types.js';
import type { PgBridge, PgResult } from './pg-bridge.js';
import { GAP_COLUMNS } from './pg-tables.js';

export const EVENT_COLUMNS = 'pos, device, stream, seq, received_us AS "receivedUs", digest, chain_hash AS "chainHash", canonical';

const ZERO = Buffer.alloc(32) as Uint8Array as Hash;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const LOCK_CURSORS = `
INSERT INTO stream_cursors AS c (device, stream, acked_seq, head)
SELECT u.d, u.s, 0, $3::bytea FROM unnest($1::text[], $2::text[]) AS u(d, s) ORDER BY u.d COLLATE "C", u.s COLLATE "C"
ON CONFLICT (device, stream) DO UPDATE SET acked_seq = c.acked_seq
RETURNING device, stream, acked_seq AS "ackedSeq", head`;

const INSERT_EVENTS = `
WITH h AS (UPDATE log_head SET next_pos = next_pos + $1::bigint WHERE id = 0 RETURNING next_pos - $1::bigint AS first),
ins AS (
  INSERT INTO events (pos, device, stream, seq, received_us, time_us, name, outcome, severity, actor_ip, actor_user, record_id, digest, chain_hash, canonical)
  SELECT h.first + u.ord - 1, u.device, u.stream, u.seq, u.received_us, u.time_us, u.name, u.outcome, u.severity, u.actor_ip, u.actor_user,
         u.record_id, u.digest, u.chain_hash, u.canonical
  FROM h, unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[],
                 $11::text[], $12::uuid[], $13::bytea[], $14::bytea[], $15::text[])
       WITH ORDINALITY AS u(device, stream, seq, received_us, time_us, name, outcome, severity, actor_ip, actor_user, record_id, digest,
                            chain_hash, canonical, ord)
)
SELECT first FROM h`;

const UPDATE_CURSORS = `
UPDATE stream_cursors AS c SET acked_seq = u.a, head = u.h
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[]) AS u(d, s, a, h)
WHERE c.device = u.d AND c.stream = u.s`;

const INSERT_GAPS = `
INSERT INTO stream_gaps (device, stream, from_seq, to_seq, before_hash, after_hash, opened_us)
SELECT $1, $2, u.f, u.t, u.b, u.a, u.o FROM unnest($3::bigint[], $4::bigint[], $5::bytea[], $6::bytea[], $7::bigint[]) AS u(f, t, b, a, o)`;

const UPSERT_SEALS = `
INSERT INTO stream_seals (device, stream, seq, epoch, first_seq, start_us, end_us, tag, prev_tag, open_reported)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bytea[], $9::bytea[],
                     $10::boolean[])
ON CONFLICT (device, stream, seq) DO UPDATE SET epoch = excluded.epoch, first_seq = excluded.first_seq, start_us = excluded.start_us,
  end_us = excluded.end_us, tag = excluded.tag, prev_tag = excluded.prev_tag, open_reported = excluded.open_reported`;

const UPDATE_SEEN = `
UPDATE devices AS d SET last_seen_us = u.us FROM unnest($1::text[], $2::bigint[]) AS u(id, us)
WHERE d.id = u.id AND (d.last_seen_us IS NULL OR d.last_seen_us < u.us)`;

function checkRange(fromPos: number, toPos: number): void {
  if (!Number.isSafeInteger(fromPos) || !Number.isSafeInteger(toPos) || fromPos < 0 || toPos < fromPos) {
    throw new SeclogError('STORE_RANGE_INVALID', `[${fromPos}, ${toPos}) is not a range of positions`, { fromPos, toPos });
  }
}

const key = (device: string, stream: string): string => `${device}\0${stream}`;

interface Statement {
  text: string;
  values?: readonly unknown[];
}

/** The events columns of a group, one array per column (unnest's input). */
class EventColumns {
  readonly device: string[] = [];
  readonly stream: (string | null)[] = [];
  readonly seq: (number | null)[] = [];
  readonly receivedUs: number[] = [];
  readonly timeUs: number[] = [];
  readonly name: string[] = [];
  readonly outcome: string[] = [];
  readonly severity: string[] = [];
  readonly actorIp: (string | null)[] = [];
  readonly actorUser: (string | null)[] = [];
  readonly recordId: (string | null)[] = [];
  readonly digest: Uint8Array[] = [];
  readonly chainHash: Uint8Array[] = [];
  readonly canonical: string[] = [];

  values(): unknown[] {
    return [
      this.device.length,
      this.device,
      this.stream,
      this.seq,
      this.receivedUs,
      this.timeUs,
      this.name,
      this.outcome,
      this.severity,
      this.actorIp,
      this.actorUser,
      this.recordId,
      this.digest,
      this.chainHash,
      this.canonical,
    ];
  }
}

export class PgEventLog {
  readonly #db: PgBridge;
  readonly #time = new RecordTimeParser();

  constructor(db: PgBridge) {
    this.#db = db;
  }

  findChainHash(device: string, stream: string, seq: number, time: string): Hash | undefined {
    let timeUs: number;
    try {
      timeUs = this.#time.toUs(time);
    } catch {
      return undefined;
    }
    return this.#db.query<{ h: Hash }>(
      'SELECT chain_hash AS h FROM events WHERE device = $1 AND time_us = $2 AND stream = $3 AND seq = $4 LIMIT 1',
      [device, timeUs, stream, seq],
    ).rows[0]?.h;
  }

  eventCount(): number {
    return this.#db.query<{ n: number }>('SELECT next_pos AS n FROM log_head WHERE id = 0').rows[0]?.n ?? 0;
  }

  readEvents(fromPos: number, toPos: number): StoredEvent[] {
    checkRange(fromPos, toPos);
    return this.#db.query<StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE pos >= $1 AND pos < $2 ORDER BY pos`, [fromPos, toPos])
      .rows;
  }

  getEvent(pos: number): StoredEvent | undefined {
    if (!Number.isSafeInteger(pos) || pos < 0) return undefined;
    return this.#db.query<StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE pos = $1`, [pos]).rows[0];
  }

  getEventById(id: string): StoredEvent | undefined {
    if (!UUID.test(id)) return undefined;
    return this.#db.query<StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE record_id = $1::uuid ORDER BY pos LIMIT 1`, [id]).rows[0];
  }

  commitBatches(batches: readonly BatchWrite[]): number[][] {
    if (batches.length === 0) return [];
    const db = this.#db;
    const outer = db.depth === 0;
    const sp = `commit_${db.depth}`;
    const streams = new Map<string, { device: string; stream: string }>();
    for (const b of batches) streams.set(key(b.device, b.stream), { device: b.device, stream: b.stream });
    const keys = [...streams.values()];
    db.depth++;
    try {
      const [, locked] = db.many([
        { text: outer ? 'BEGIN' : `SAVEPOINT ${sp}` },
        { text: LOCK_CURSORS, values: [keys.map((k) => k.device), keys.map((k) => k.stream), ZERO] },
      ]);
      const cursors = new Map<string, { ackedSeq: number; head: Hash }>();
      for (const r of (locked?.rows ?? []) as { device: string; stream: string; ackedSeq: number; head: Hash }[]) {
        cursors.set(key(r.device, r.stream), { ackedSeq: r.ackedSeq, head: r.head });
      }
      const statements = this.#plan(batches, cursors);
      const results = db.many([...statements.list, { text: outer ? 'COMMIT' : `RELEASE SAVEPOINT ${sp}` }]);
      let pos = ((results[0] as PgResult).rows[0] as { first: number }).first;
      return batches.map((b) => b.records.map(() => pos++));
    } catch (err) {
      this.#rollback(outer, sp);
      throw err;
    } finally {
      db.depth--;
    }
  }

  #rollback(outer: boolean, sp: string): void {
    if (this.#db.closed) return;
    try {
      if (outer) this.#db.query('ROLLBACK');
      else this.#db.many([{ text: `ROLLBACK TO SAVEPOINT ${sp}` }, { text: `RELEASE SAVEPOINT ${sp}` }]);
    } catch {
      // The connection is gone: the server rolls the transaction back itself.
    }
  }

  /** Checks the group against the locked cursors and builds its writes (gap-plan.ts decides each batch). */
  #plan(batches: readonly BatchWrite[], cursors: Map<string, { ackedSeq: number; head: Hash }>): { list: Statement[] } {
    const ev = new EventColumns();
    const gaps = new Map<string, StreamGap[]>();
    const changedGaps = new Set<string>();
    const seals = new Map<string, StreamSeal>();
    const seen = new Map<string, number>();
    for (const batch of batches) {
      const { device, stream, records, cursor } = batch;
      const k = key(device, stream);
      const stored = cursors.get(k) ?? { ackedSeq: 0, head: ZERO };
      checkCursor(batch, stored.ackedSeq);
      const plan = planGaps(batch, stored.ackedSeq, stored.head, () => gaps.get(k) ?? this.#loadGaps(device, stream));
      if (plan.gaps !== undefined) {
        gaps.set(k, plan.gaps);
        changedGaps.add(k);
      }
      for (const r of records) {
        const rec = r.record;
        ev.device.push(device);
        ev.stream.push(rec.stream ?? null);
        ev.seq.push(rec.seq ?? null);
        ev.receivedUs.push(r.receivedUs);
        ev.timeUs.push(this.#time.toUs(rec.time));
        ev.name.push(rec.name);
        ev.outcome.push(rec.outcome);
        ev.severity.push(rec.severity);
        ev.actorIp.push(rec.actor?.ip ?? null);
        ev.actorUser.push(rec.actor?.user ?? null);
        ev.recordId.push(typeof rec.id === 'string' && UUID.test(rec.id) ? rec.id : null);
        ev.digest.push(r.digest);
        ev.chainHash.push(r.chainHash);
        ev.canonical.push(r.canonical);
      }
      cursors.set(k, { ackedSeq: cursor.ackedSeq, head: cursor.head });
      if (batch.seals !== undefined && batch.seals.length > 0) {
        checkSeals(batch);
        for (const s of batch.seals) seals.set(`${k}\0${s.seq}`, s);
      }
      if (batch.seenUs !== undefined) seen.set(device, Math.max(batch.seenUs, seen.get(device) ?? 0));
    }
    const list: Statement[] = [{ text: INSERT_EVENTS, values: ev.values() }];
    // The last batch of each stream carries its final cursor.
    const final = new Map<string, BatchWrite['cursor']>();
    for (const b of batches) final.set(key(b.device, b.stream), b.cursor);
    const c = [...final.values()];
    list.push({
      text: UPDATE_CURSORS,
      values: [c.map((x) => x.device), c.map((x) => x.stream), c.map((x) => x.ackedSeq), c.map((x) => x.head)],
    });
    for (const k of changedGaps) {
      const { device, stream } = batches.find((b) => key(b.device, b.stream) === k) as BatchWrite;
      const g = gaps.get(k) ?? [];
      list.push({ text: 'DELETE FROM stream_gaps WHERE device = $1 AND stream = $2', values: [device, stream] });
      if (g.length > 0) {
        list.push({
          text: INSERT_GAPS,
          values: [
            device,
            stream,
            g.map((x) => x.fromSeq),
            g.map((x) => x.toSeq),
            g.map((x) => x.before),
            g.map((x) => x.after),
            g.map((x) => x.openedUs),
          ],
        });
      }
    }
    if (seals.size > 0) {
      const s = [...seals.values()];
      list.push({
        text: UPSERT_SEALS,
        values: [
          s.map((x) => x.device),
          s.map((x) => x.stream),
          s.map((x) => x.seq),
          s.map((x) => x.epoch),
          s.map((x) => x.firstSeq),
          s.map((x) => x.startUs),
          s.map((x) => x.endUs),
          s.map((x) => x.tag),
          s.map((x) => x.prevTag),
          s.map((x) => x.openReported),
        ],
      });
    }
    if (seen.size > 0) list.push({ text: UPDATE_SEEN, values: [[...seen.keys()], [...seen.values()]] });
    return { list };
  }

  #loadGaps(device: string, stream: string): StreamGap[] {
    return this.#db.query<StreamGap>(`SELECT ${GAP_COLUMNS} FROM stream_gaps WHERE device = $1 AND stream = $2 ORDER BY from_seq`, [
      device,
      stream,
    ]).rows;
  }
}
