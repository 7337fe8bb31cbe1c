/**
 * The agent's ring store: records in a fixed-size file (layout.ts, frame.ts),
 * appended at the head, overwritten oldest-first when full, read by the
 * shipper from any retained seq, made durable by group commit.
 *
 * Order of removal when full: the ring is FIFO and the collector acknowledges
 * cumulatively, so the oldest records are always the acknowledged ones; they
 * go first, then the oldest unacknowledged, each of which is counted in the
 * append's DropReport (exact: one count per record overwritten).
 *
 * Invariants the code keeps (and the tests check):
 * - the retained records lie on the circle from `tailPos` to `headPos` in
 *   ascending seq, `usedBytes` apart, with only pad frames between them;
 * - a state slot is only written while the other slot holds a valid,
 *   fsynced copy (so at least one is always readable);
 * - a record is overwritten beyond the durable acknowledged mark only after
 *   that mark is fsynced (else a power cut would bring back an old mark and
 *   count acknowledged records as lost);
 * - seqs never go backwards, also across power cuts (`nextSeq` is kept in
 *   the slots).
 */
import { SeclogError } from '@seclog/core';
import { crc32c } from './crc32c.js';
import {
  FLAG_GAP_BEFORE,
  FRAME_HEADER_BYTES,
  type FrameHeader,
  KIND_PAD,
  KIND_RECORD,
  newFrameHeader,
  readFrameHeader,
  writeFrameHeader,
} from './frame.js';
import { GroupCommit } from './group-commit.js';
import { InlineSyncPolicy } from './inline-sync.js';
import { buildRecovery } from './recovery-report.js';
import type { RingFile } from './ring-file.js';
import {
  indexStrideFor,
  newRingId,
  openRing,
  type ResolvedOptions,
  resolveOptions,
  rewriteSuperblock,
  scanPayloadLimit,
} from './ring-open.js';
import type {
  AppendResult,
  CorruptRange,
  DropReport,
  ReadOptions,
  RecoveryReport,
  RingBatch,
  RingOptions,
  RingRecord,
  RingStats,
} from './ring-types.js';
import { ScanWindow } from './scan-window.js';
import { SeqIndex } from './seq-index.js';
import { RING_MAX_STATE_BYTES } from './slot.js';
import { type Snapshot, StateSlots } from './state-slots.js';
import { StateUpdates } from './state-updates.js';

const TAIL_CACHE_BYTES = 64 * 1024;
const READ_WINDOW_BYTES = 256 * 1024;

export class RingStore {
  readonly #file: RingFile;
  readonly #cap: number;
  readonly #maxPayload: number;
  readonly #scanLimit: number;
  /** Largest frame that can be in the ring: sizes the read windows. */
  #frameMax: number;
  readonly #stride: number;
  readonly #boundDirty: boolean;
  readonly #dirtyLimit: number;
  readonly #syncSoonMs: number;
  readonly #inlineSync: InlineSyncPolicy;
  #ringId: number;

  // The retained region [tailPos, headPos), `used` bytes long.
  #tailPos = 0;
  #tailSeq = 0;
  #headPos = 0;
  #lastSeq = 0;
  #nextSeq = 0;
  #used = 0;
  #records = 0;
  #ackedSeq = 0;
  /** Position of the first record above the acknowledged mark, -1 when there is none. */
  #ackPos = -1;
  #unacked = 0;
  #appendedBytes = 0;

  // Durability: the state slots (and what the durable one says), and the group commit.
  readonly #slots: StateSlots;
  readonly #commit: GroupCommit;
  readonly #stateUpdates: StateUpdates;

  readonly #index = new SeqIndex();
  readonly #hdr = Buffer.alloc(FRAME_HEADER_BYTES);
  readonly #h: FrameHeader = newFrameHeader();
  readonly #tailCache = Buffer.alloc(TAIL_CACHE_BYTES);
  #tailCachePos = 0;
  #tailCacheLen = 0;
  #cursorSeq = 0;
  #cursorPos = -1;
  #closed = false;

  /** What the open found: show it to the logger once, as `log_store_corrupt` / `log_dropped` records. */
  readonly recovery: RecoveryReport;

  /** Open (or create) the ring at `options.path`. Damage is reported in `recovery`, never thrown. */
  static open(options: RingOptions): RingStore {
    return new RingStore(resolveOptions(options));
  }

  private constructor(o: ResolvedOptions) {
    const t0 = performance.now();
    const opened = openRing(o);
    this.#file = opened.file;
    this.#cap = opened.capacity;
    this.#ringId = opened.ringId;
    this.#scanLimit = scanPayloadLimit(this.#cap);
    this.#maxPayload = Math.min(o.maxRecordBytes, this.#scanLimit);
    this.#frameMax = FRAME_HEADER_BYTES + Math.max(this.#maxPayload, opened.scan?.largestPayload ?? 0);
    this.#stride = indexStrideFor(this.#cap);
    this.#boundDirty = opened.boundDirty;
    this.#dirtyLimit = o.dirtyLimitBytes;
    this.#syncSoonMs = o.syncSoonMs;
    this.#inlineSync = new InlineSyncPolicy(o.inlineSyncMaxMs);
    this.#ackedSeq = opened.slot?.ackedSeq ?? 0;

    const scan = opened.scan;
    const chains = scan?.chains ?? [];
    let padded = false;
    const first = chains[0];
    const last = chains[chains.length - 1];
    if (first !== undefined && last !== undefined) {
      this.#tailPos = first.startPos;
      this.#tailSeq = first.firstSeq;
      this.#headPos = last.endPos;
      this.#lastSeq = last.lastSeq;
      let used = 0;
      for (const c of chains) {
        used += c.bytes;
        this.#records += c.records;
        for (let i = 0; i < c.checkpoints.length; i += 2) this.#index.push(c.checkpoints[i] as number, c.checkpoints[i + 1] as number);
        if (this.#ackPos < 0 && c.firstUnackedPos >= 0) this.#ackPos = c.firstUnackedPos;
      }
      for (const g of scan?.gaps ?? []) used += this.#dist(g.fromPos, g.toPos);
      this.#used = used;
      this.#unacked = this.#ackPos < 0 ? 0 : used - this.#dist(this.#tailPos, this.#ackPos);
      // Bytes between two kept runs are damage: pad them, so the run reads through and the damage is reported once.
      for (const g of scan?.gaps ?? []) {
        const bytes = this.#dist(g.fromPos, g.toPos);
        if (bytes >= FRAME_HEADER_BYTES) {
          this.#writePad(g.fromPos, bytes);
          padded = true;
        }
      }
    } else {
      const at = opened.slot === null ? 0 : opened.slot.headPos % this.#cap;
      this.#tailPos = at;
      this.#headPos = at;
    }
    // Never reuse a seq: not one the last state write knew, nor one the collector acknowledged.
    const slotNext = opened.slot?.nextSeq ?? 0;
    const ackNext = this.#ackedSeq > 0 ? this.#ackedSeq + 1 : 0;
    this.#nextSeq = Math.max(this.#lastSeq > 0 ? this.#lastSeq + 1 : 0, slotNext, ackNext);

    this.#slots = new StateSlots(this.#file, {
      ringId: this.#ringId,
      state: opened.slot?.state ?? new Uint8Array(0),
      generation: opened.slot?.generation ?? 0,
      durableIndex: opened.slotIndex === 0 ? 0 : 1,
      ackedSeq: this.#ackedSeq,
      snapshot: this.#snapshot(),
      // A slot per eighth of the ring (or quarter of the dirty limit) of appends keeps its hints close to
      // the truth; between those, critical fsyncs cover the frames alone.
      lagBytes: Math.max(1, Math.floor(Math.min(o.dirtyLimitBytes / 4, this.#cap / 8))),
    });
    this.#commit = new GroupCommit(
      {
        beginSync: () => {
          const snap = this.#snapshot();
          this.#slots.begin(snap, this.#ackedSeq);
          return snap.lastSeq;
        },
        fsync: (cb, urgent) => {
          if (urgent && this.#inlineSync.useInline()) this.#inlineSync.record(this.#file.syncInline(cb));
          else this.#file.syncAsync(cb);
        },
        endSync: () => this.#slots.end(),
      },
      this.#lastSeq,
    );
    this.#stateUpdates = new StateUpdates({
      slots: this.#slots,
      lastSeq: () => this.#lastSeq,
      durable: (seq, ms) => this.#commit.soon(seq, ms),
      nextRound: (ms) => this.#commit.nextRound(ms),
    });
    // Leave two good slots and a good superblock behind, and a state that matches what was found, so what was
    // reported is not reported again. A clean open writes nothing. The data (and pads) are fsynced before a
    // slot claims them; a slot is written only while the other is valid and durable (slot.ts), except when
    // neither is valid: then there is nothing left to protect.
    const slot = opened.slot;
    const moved =
      slot !== null &&
      (slot.lastSeq !== this.#lastSeq ||
        slot.tailSeq !== (this.#records > 0 ? this.#tailSeq : 0) ||
        slot.headPos !== this.#headPos ||
        slot.nextSeq !== this.#nextSeq);
    const repairSuperblock = opened.superblockDamaged || opened.reinitialised !== null || opened.created;
    const slotWrites = slot === null ? 2 : opened.damagedSlots.length > 0 || moved ? 1 : 0;
    if (repairSuperblock) rewriteSuperblock(this.#file, this.#ringId);
    if (padded || repairSuperblock || slotWrites > 0) this.#file.syncNow();
    for (let i = 0; i < slotWrites; i++) this.#slots.writeNow(this.#ackedSeq);

    this.recovery = buildRecovery(opened, {
      records: this.#records,
      oldestSeq: this.#records > 0 ? this.#tailSeq : 0,
      newestSeq: this.#lastSeq,
      ackedSeq: this.#ackedSeq,
      headPos: this.#headPos,
      tailPos: this.#tailPos,
      durationMs: performance.now() - t0,
    });
  }

  // ---- appending -------------------------------------------------------------------------------

  /**
   * Append one record. `seq` must not be below `stats().nextSeq`; a seq
   * above it leaves a declared gap. Overwrites the oldest records when the
   * ring is full and reports the unacknowledged ones among them. Not durable
   * until durable()/syncSoon()/sync().
   */
  append(payload: Uint8Array, seq: number): AppendResult {
    this.#assertOpen();
    const len = payload.length;
    if (len > this.#maxPayload) {
      throw new SeclogError('AGENT_RING_RECORD_TOO_LARGE', `record of ${len} bytes exceeds the ring's limit of ${this.#maxPayload} bytes`, {
        bytes: len,
        maxBytes: this.#maxPayload,
        seq,
      });
    }
    if (!Number.isSafeInteger(seq) || seq < 1 || seq < this.#nextSeq) {
      throw new SeclogError(
        'AGENT_RING_SEQ_ORDER',
        `seq ${seq} cannot follow: the ring expects ${this.#nextSeq || 'a positive integer'} or above`,
        {
          seq,
          nextSeq: this.#nextSeq,
        },
      );
    }
    const frameLen = FRAME_HEADER_BYTES + len;
    if (this.#boundDirty && this.#appendedBytes + frameLen - this.#slots.durableAppended > this.#dirtyLimit) this.sync();
    const dropped = this.#cap - this.#used < frameLen ? this.#makeRoom(frameLen) : null;

    const pos = this.#headPos;
    const flags = this.#lastSeq > 0 && seq !== this.#lastSeq + 1 ? FLAG_GAP_BEFORE : 0;
    writeFrameHeader(this.#hdr, 0, KIND_RECORD, flags, len, seq, this.#ringId, crc32c(payload));
    this.#file.writeFrame(pos, this.#hdr, payload);

    if (this.#records === 0) {
      this.#tailPos = pos;
      this.#tailSeq = seq;
      this.#index.clear();
      this.#index.push(seq, pos);
    } else if (this.#dist(this.#index.lastPos(), pos) >= this.#stride) {
      this.#index.push(seq, pos);
    }
    this.#headPos = (pos + frameLen) % this.#cap;
    this.#used += frameLen;
    this.#records++;
    this.#lastSeq = seq;
    this.#nextSeq = seq + 1;
    this.#appendedBytes += frameLen;
    if (seq > this.#ackedSeq) {
      this.#unacked += frameLen;
      if (this.#ackPos < 0) this.#ackPos = pos;
    }
    return { pos, dropped };
  }

  /** Drop oldest frames until `need` bytes are free; returns the unacknowledged records among them. */
  #makeRoom(need: number): DropReport | null {
    // Reclaiming records acknowledged only in memory: make the mark durable first.
    if (this.#records > 0 && this.#tailSeq <= this.#ackedSeq && this.#ackedSeq > this.#slots.durableAcked) this.sync();
    let from = 0;
    let to = 0;
    let count = 0;
    const h = this.#h;
    while (this.#cap - this.#used < need && this.#used > 0) {
      if (!this.#headerAt(this.#tailPos, h)) {
        const lost = this.#skipDamagedTail();
        if (lost !== null) {
          if (count === 0) from = lost.fromSeq;
          to = lost.toSeq;
          count += lost.count;
        }
        continue;
      }
      const frameLen = FRAME_HEADER_BYTES + h.length;
      if (h.kind === KIND_RECORD) {
        this.#records--;
        if (h.seq > this.#ackedSeq) {
          if (count === 0) from = h.seq;
          to = h.seq;
          count++;
        }
      }
      this.#advanceTail(frameLen);
    }
    this.#settleTail();
    return count === 0 ? null : { fromSeq: from, toSeq: to, count };
  }

  #advanceTail(bytes: number): void {
    const next = (this.#tailPos + bytes) % this.#cap;
    this.#used -= bytes;
    // The first unacknowledged record went: the mark's boundary moves with the tail.
    if (this.#ackPos >= 0 && this.#dist(this.#tailPos, this.#ackPos) < bytes) this.#ackPos = this.#used > 0 ? next : -1;
    this.#tailPos = next;
  }

  /**
   * The header at the tail is unreadable (the medium changed since the
   * open). Skip to the next index checkpoint, or empty the ring; the seqs in
   * between are counted as dropped from their numbers, as their frames
   * cannot be read.
   */
  #skipDamagedTail(): DropReport | null {
    const next = this.#index.above(this.#tailSeq);
    const lastLost = next === null ? this.#lastSeq : next[0] - 1;
    const bytes = next === null ? this.#used : this.#dist(this.#tailPos, next[1]);
    const firstLost = Math.max(this.#tailSeq, this.#ackedSeq + 1);
    this.#records = Math.max(0, this.#records - Math.max(0, lastLost - this.#tailSeq + 1));
    this.#advanceTail(bytes);
    if (next !== null) this.#tailSeq = next[0];
    this.#tailCacheLen = 0;
    this.#cursorPos = -1;
    return lastLost >= firstLost ? { fromSeq: firstLost, toSeq: lastLost, count: lastLost - firstLost + 1 } : null;
  }

  /** After the tail moved: find the seq of the first record at or after it (freeing pads), or mark the ring empty. */
  #settleTail(): void {
    const h = this.#h;
    while (this.#used > 0) {
      if (!this.#headerAt(this.#tailPos, h)) {
        this.#skipDamagedTail();
        continue;
      }
      if (h.kind === KIND_RECORD) {
        this.#tailSeq = h.seq;
        this.#index.setFront(h.seq, this.#tailPos);
        this.#unacked = this.#ackPos < 0 ? 0 : this.#used - this.#dist(this.#tailPos, this.#ackPos);
        return;
      }
      this.#advanceTail(FRAME_HEADER_BYTES + h.length);
    }
    this.#records = 0;
    this.#tailPos = this.#headPos;
    this.#tailSeq = 0;
    this.#index.clear();
    this.#ackPos = -1;
    this.#unacked = 0;
  }

  /** Read the header at data position `pos` (inside the retained region) through the tail cache. */
  #headerAt(pos: number, out: FrameHeader): boolean {
    const rel = this.#dist(this.#tailCachePos, pos);
    let off: number;
    if (this.#tailCacheLen > 0 && rel + FRAME_HEADER_BYTES <= this.#tailCacheLen) {
      off = rel;
    } else {
      // Only retained bytes are cached: they do not change until dropped (appends write beyond the head).
      const avail = this.#used - this.#dist(this.#tailPos, pos);
      const n = Math.min(TAIL_CACHE_BYTES, Math.max(avail, FRAME_HEADER_BYTES), this.#cap);
      this.#file.readData(pos, this.#tailCache, 0, n);
      this.#tailCachePos = pos;
      this.#tailCacheLen = n;
      off = 0;
    }
    return readFrameHeader(this.#tailCache, off, out) && out.ringId === this.#ringId && this.#lengthOk(out);
  }

  #lengthOk(h: FrameHeader): boolean {
    return h.kind === KIND_RECORD ? h.length <= this.#frameMax - FRAME_HEADER_BYTES : h.length <= this.#cap - FRAME_HEADER_BYTES;
  }

  // ---- acknowledging ---------------------------------------------------------------------------

  /** The collector holds every record up to `seq` (cumulative; a lower or equal mark is ignored). Persisted with the next fsync. */
  markAcked(seq: number): void {
    this.#assertOpen();
    if (!Number.isSafeInteger(seq) || seq <= this.#ackedSeq) return;
    this.#ackedSeq = seq;
    this.#slots.stale = true;
    if (this.#records === 0 || seq >= this.#lastSeq) {
      this.#ackPos = -1;
      this.#unacked = 0;
      return;
    }
    if (seq < this.#tailSeq) return;
    const at = this.#locate(seq + 1);
    this.#ackPos = at;
    this.#unacked = at < 0 ? 0 : this.#used - this.#dist(this.#tailPos, at);
  }

  /** Position of the first record with seq ≥ `seq`, or -1 when there is none. */
  #locate(seq: number): number {
    if (seq <= this.#tailSeq) return this.#tailPos;
    if (this.#cursorPos >= 0 && this.#cursorSeq === seq && seq > this.#tailSeq) return this.#cursorPos;
    const cp = this.#index.floor(seq);
    const start = cp === null ? this.#tailPos : cp[1];
    const region = this.#used - this.#dist(this.#tailPos, start);
    const win = new ScanWindow(this.#file, start, this.#frameMax, Math.min(64 * 1024, region + FRAME_HEADER_BYTES));
    const h = this.#h;
    let v = 0;
    while (v < region) {
      const off = win.ensure(v, FRAME_HEADER_BYTES);
      if (!readFrameHeader(win.buf, off, h) || h.ringId !== this.#ringId || !this.#lengthOk(h)) break;
      if (h.kind === KIND_RECORD && h.seq >= seq) return (start + v) % this.#cap;
      v += FRAME_HEADER_BYTES + h.length;
    }
    // Unreadable or past the head: fall back to the next checkpoint, or none.
    const next = this.#index.above(seq - 1);
    return next === null ? -1 : next[1];
  }

  // ---- reading ---------------------------------------------------------------------------------

  /**
   * Records with seq ≥ `fromSeq`, ascending: at most `maxRecords`, stopping
   * before `maxBytes` of payload (but at least one record when any is
   * there). The first may be later than `fromSeq` when older records are
   * gone. Only durable records unless `includeUnsynced`. Every payload's CRC
   * is checked; a bad one is skipped, reported in `corrupt`, and padded over.
   */
  read(fromSeq: number, maxRecords = 1000, maxBytes = 1024 * 1024, opts: ReadOptions = {}): RingBatch {
    this.#assertOpen();
    const records: RingRecord[] = [];
    const corrupt: CorruptRange[] = [];
    const limitSeq = opts.includeUnsynced === true ? this.#lastSeq : Math.min(this.#lastSeq, this.#commit.durableSeq);
    const want = Math.max(fromSeq, this.#tailSeq, 1);
    if (this.#records === 0 || want > limitSeq || maxRecords <= 0) return { records, corrupt };
    const start = this.#locate(want);
    if (start < 0) return { records, corrupt };
    const region = this.#used - this.#dist(this.#tailPos, start);
    const win = new ScanWindow(this.#file, start, this.#frameMax, Math.min(READ_WINDOW_BYTES, region + this.#frameMax));
    const h = this.#h;
    let bytes = 0;
    let v = 0;
    let expect = want;
    while (v < region && records.length < maxRecords) {
      let off = win.ensure(v, FRAME_HEADER_BYTES);
      const pos = (start + v) % this.#cap;
      if (!readFrameHeader(win.buf, off, h) || h.ringId !== this.#ringId || !this.#lengthOk(h)) {
        const run = this.#padDamagedRun(pos, expect);
        if (run.range !== null) corrupt.push(run.range);
        if (run.bytes < FRAME_HEADER_BYTES) break;
        v += run.bytes;
        expect = run.nextSeq;
        continue;
      }
      const frameLen = FRAME_HEADER_BYTES + h.length;
      if (h.kind === KIND_PAD || h.seq < want) {
        v += frameLen;
        continue;
      }
      if (h.seq > limitSeq) break;
      if (records.length > 0 && bytes + h.length > maxBytes) break;
      off = win.ensure(v, frameLen);
      if (crc32c(win.buf, off + FRAME_HEADER_BYTES, off + frameLen) !== h.payloadCrc) {
        const range = this.#padBadRecord(pos, h.length, h.seq);
        if (range !== null) corrupt.push(range);
        v += frameLen;
        expect = h.seq + 1;
        continue;
      }
      const payload = Buffer.allocUnsafe(h.length);
      win.buf.copy(payload, 0, off + FRAME_HEADER_BYTES, off + frameLen);
      records.push({ seq: h.seq, payload });
      bytes += h.length;
      v += frameLen;
      expect = h.seq + 1;
    }
    const lastRead = records[records.length - 1];
    if (lastRead !== undefined && v < region) {
      this.#cursorSeq = lastRead.seq + 1;
      this.#cursorPos = (start + v) % this.#cap;
    }
    return { records, corrupt };
  }

  /** A record whose payload fails its CRC: turn its frame into a pad, so it is reported once and skipped after. */
  #padBadRecord(pos: number, length: number, seq: number): CorruptRange | null {
    writeFrameHeader(this.#hdr, 0, KIND_PAD, 0, length, 0, this.#ringId, 0);
    this.#file.writeData(pos, this.#hdr);
    this.#tailCacheLen = 0;
    this.#cursorPos = -1;
    this.#records--;
    if (pos === this.#tailPos) this.#settleTail();
    if (seq <= this.#ackedSeq) return null;
    const frameLen = FRAME_HEADER_BYTES + length;
    return {
      fromSeq: seq,
      toSeq: seq,
      count: 1,
      where: 'middle',
      fromPos: pos,
      toPos: (pos + frameLen) % this.#cap,
      foundBy: 'read',
    };
  }

  /**
   * An unreadable header inside the retained region (the medium changed
   * since the open): pad up to the next index checkpoint (or the head) and
   * report the seqs in between. Returns the bytes padded and the range.
   */
  #padDamagedRun(pos: number, expect: number): { bytes: number; range: CorruptRange | null; nextSeq: number } {
    let next = this.#index.above(expect - 1);
    if (next !== null && next[1] === pos) next = this.#index.above(next[0]);
    const bytes = next === null ? this.#used - this.#dist(this.#tailPos, pos) : this.#dist(pos, next[1]);
    const lastLost = next === null ? this.#lastSeq : next[0] - 1;
    if (bytes >= FRAME_HEADER_BYTES) this.#writePad(pos, bytes);
    this.#tailCacheLen = 0;
    this.#cursorPos = -1;
    this.#records = Math.max(0, this.#records - Math.max(0, lastLost - expect + 1));
    if (pos === this.#tailPos) this.#settleTail();
    const from = Math.max(expect, this.#ackedSeq + 1);
    const range: CorruptRange | null =
      lastLost < from
        ? null
        : {
            fromSeq: from,
            toSeq: lastLost,
            count: lastLost - from + 1,
            where: 'middle',
            fromPos: pos,
            toPos: (pos + bytes) % this.#cap,
            foundBy: 'read',
          };
    return { bytes, range, nextSeq: lastLost + 1 };
  }

  #writePad(pos: number, bytes: number): void {
    writeFrameHeader(this.#hdr, 0, KIND_PAD, 0, bytes - FRAME_HEADER_BYTES, 0, this.#ringId, 0);
    this.#file.writeData(pos, this.#hdr);
  }

  // ---- durability ------------------------------------------------------------------------------

  /** Resolves once record `seq` (default: the last appended) is on disk; the fsync starts after the current burst (critical events). */
  durable(seq = this.#lastSeq): Promise<void> {
    this.#assertOpen();
    return this.#commit.durable(seq);
  }

  /** Resolves once record `seq` (default: the last appended) is on disk, with an fsync started within `maxDelayMs` (default 100 ms). */
  syncSoon(seq = this.#lastSeq, maxDelayMs = this.#syncSoonMs): Promise<void> {
    this.#assertOpen();
    return this.#commit.soon(seq, maxDelayMs);
  }

  /** Make everything appended, the acknowledged mark and the state blob durable now (blocking: two fdatasyncs). */
  sync(): void {
    this.#assertOpen();
    const snap = this.#snapshot();
    this.#file.syncNow();
    this.#slots.promote(snap);
    this.#slots.writeNow(this.#ackedSeq);
    this.#commit.noteDurable(snap.lastSeq);
  }

  /** The application's state blob, as last set (or as found in the slot at open). */
  get state(): Uint8Array {
    return this.#slots.state.slice();
  }

  /**
   * Replace the application's state blob (at most 3,072 bytes), durably,
   * before returning. With `erase`, both slots are rewritten, so the previous
   * blob is overwritten in place in the file; use it when the blob holds a key
   * that has just evolved (forward security: the old key must be gone).
   */
  setState(blob: Uint8Array, opts: { erase?: boolean } = {}): void {
    this.#assertOpen();
    checkStateSize(blob);
    const { id, erase } = this.#stateUpdates.beginBlocking(opts.erase === true);
    this.#slots.state = blob.slice();
    this.#slots.stale = true;
    this.sync();
    if (erase) this.#slots.writeNow(this.#ackedSeq);
    this.#stateUpdates.endBlocking(id);
  }

  /**
   * setState without blocking: the same steps in the same order (records
   * durable, one slot, with `erase` the other), each an fsync round of the
   * group commit, started within a millisecond (state-updates.ts). Resolves
   * when the blob, or one set after it, is durable. Until then the slots (and
   * `state`) hold the previous blob; a power cut before that leaves it there.
   */
  setStateSoon(blob: Uint8Array, opts: { erase?: boolean } = {}): Promise<void> {
    this.#assertOpen();
    checkStateSize(blob);
    return this.#stateUpdates.soon(blob.slice(), opts.erase === true);
  }

  /** Whether a setStateSoon blob is not durable yet. */
  get statePending(): boolean {
    return this.#stateUpdates.pending;
  }

  #snapshot(): Snapshot {
    return {
      tailPos: this.#tailPos,
      tailSeq: this.#records > 0 ? this.#tailSeq : 0,
      headPos: this.#headPos,
      lastSeq: this.#lastSeq,
      nextSeq: this.#nextSeq,
      appendedBytes: this.#appendedBytes,
    };
  }

  // ---- the rest --------------------------------------------------------------------------------

  stats(): RingStats {
    return {
      capacityBytes: this.#cap,
      usedBytes: this.#used,
      unackedBytes: this.#unacked,
      unackedShare: this.#unacked / this.#cap,
      records: this.#records,
      oldestSeq: this.#records > 0 ? this.#tailSeq : 0,
      newestSeq: this.#lastSeq,
      ackedSeq: this.#ackedSeq,
      durableSeq: Math.min(this.#commit.durableSeq, this.#lastSeq),
      nextSeq: this.#nextSeq,
      maxRecordBytes: this.#maxPayload,
      fsyncs: this.#commit.fsyncs,
      inlineFsyncs: this.#inlineSync.inline,
      slowInlineFsyncs: this.#inlineSync.slow,
    };
  }

  /**
   * Start afresh (a new stream: the logger lost what it needs to continue
   * the old one): every record is discarded, the unacknowledged ones are
   * returned as dropped, and seqs may start again from any value. The state
   * blob is kept. Frames of the old life stay on disk until overwritten, but
   * carry the old ring id and are never read again.
   */
  reset(): DropReport | null {
    this.#assertOpen();
    const dropped = this.#countUnacked();
    this.#ringId = newRingId(this.#ringId);
    this.#slots.restart(this.#ringId);
    rewriteSuperblock(this.#file, this.#ringId);
    this.#records = 0;
    this.#used = 0;
    this.#tailPos = this.#headPos;
    this.#tailSeq = 0;
    this.#lastSeq = 0;
    this.#nextSeq = 0;
    this.#ackedSeq = 0;
    this.#ackPos = -1;
    this.#unacked = 0;
    this.#index.clear();
    this.#tailCacheLen = 0;
    this.#cursorPos = -1;
    this.sync();
    this.#slots.writeNow(this.#ackedSeq);
    return dropped;
  }

  #countUnacked(): DropReport | null {
    if (this.#ackPos < 0 || this.#records === 0) return null;
    const region = this.#unacked;
    const win = new ScanWindow(this.#file, this.#ackPos, this.#frameMax, Math.min(READ_WINDOW_BYTES, region + this.#frameMax));
    const h = this.#h;
    let from = 0;
    let to = 0;
    let count = 0;
    let v = 0;
    while (v < region) {
      const off = win.ensure(v, FRAME_HEADER_BYTES);
      if (!readFrameHeader(win.buf, off, h) || h.ringId !== this.#ringId || !this.#lengthOk(h)) {
        // Unreadable: count the rest from the seq numbers.
        const rest = this.#lastSeq - Math.max(to, this.#ackedSeq);
        if (rest > 0) {
          if (count === 0) from = Math.max(to, this.#ackedSeq) + 1;
          to = this.#lastSeq;
          count += rest;
        }
        break;
      }
      if (h.kind === KIND_RECORD && h.seq > this.#ackedSeq) {
        if (count === 0) from = h.seq;
        to = h.seq;
        count++;
      }
      v += FRAME_HEADER_BYTES + h.length;
    }
    return count === 0 ? null : { fromSeq: from, toSeq: to, count };
  }

  /** Sync everything and close the file. Waiters of durable()/syncSoon() are resolved first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    // A failed state write has rejected its callers already; close still syncs what it can.
    await this.#stateUpdates.idle();
    await this.#commit.whenIdle();
    if (this.#closed) return;
    this.sync();
    this.#closed = true;
    // Only waiters for seqs never appended are left.
    this.#commit.abandon(new SeclogError('AGENT_RING_CLOSED', 'the ring was closed before this seq was appended'));
    this.#file.close();
  }

  /** Close without syncing (for tests that imitate a crash). Pending waiters are rejected. */
  abandon(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#commit.abandon(new SeclogError('AGENT_RING_CLOSED', 'the ring was closed before the record was made durable'));
    this.#file.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new SeclogError('AGENT_RING_CLOSED', 'the ring store is closed');
  }

  /** Bytes from data position a forward to b (0 when equal). */
  #dist(a: number, b: number): number {
    const d = b - a;
    return d >= 0 ? d : d + this.#cap;
  }
}

function checkStateSize(blob: Uint8Array): void {
  if (blob.length > RING_MAX_STATE_BYTES) {
    throw new SeclogError('AGENT_RING_STATE_TOO_LARGE', `state of ${blob.length} bytes exceeds the ${RING_MAX_STATE_BYTES} a slot holds`, {
      bytes: blob.length,
      maxBytes: RING_MAX_STATE_BYTES,
    });
  }
}
