/**
 * Writing the two state slots by the safety rule of slot.ts: a slot is
 * written only while the other one holds a valid, fsynced copy. Knows which
 * slot that is, and what the durable one says (the acknowledged mark and how
 * far the ring was appended), because the store bounds its work by them.
 */
import { SLOT_OFFSETS } from './layout.js';
import type { RingFile } from './ring-file.js';
import { encodeSlot } from './slot.js';

/** The ring as of an fsync: what a state slot may claim. */
export interface Snapshot {
  readonly tailPos: number;
  readonly tailSeq: number;
  readonly headPos: number;
  readonly lastSeq: number;
  readonly nextSeq: number;
  /** Bytes appended since the store was opened. */
  readonly appendedBytes: number;
}

interface SlotWrite {
  readonly index: 0 | 1;
  readonly generation: number;
  readonly ackedSeq: number;
  readonly appendedBytes: number;
}

export class StateSlots {
  ringId: number;
  /** The application's blob, written into every slot. */
  state: Uint8Array;
  /**
   * The next fsync must write a slot: the acknowledged mark or the blob changed, or the ring restarted.
   * Appends alone do not set it: recovery finds appended frames past the slot's head by their CRCs, so
   * their slot write can wait until `lagBytes` have gathered (one region per fsync instead of two for
   * the critical events' group commits).
   */
  stale = false;
  /** The acknowledged mark, and the appended bytes, that the durable slot holds. */
  durableAcked: number;
  durableAppended = 0;
  readonly #file: RingFile;
  #durable: Snapshot;
  #pending: Snapshot | null = null;
  #generation: number;
  #durableIndex: 0 | 1;
  #last: SlotWrite | null = null;
  #covered: SlotWrite | null = null;
  readonly #lagBytes: number;
  /** Appended bytes the last slot written covers (durable or not). */
  #writtenAppended = 0;

  constructor(
    file: RingFile,
    init: {
      ringId: number;
      state: Uint8Array;
      generation: number;
      durableIndex: 0 | 1;
      ackedSeq: number;
      snapshot: Snapshot;
      /** Appended bytes past the slot after which an fsync writes one anyway (bounds the open's scan and the slot's staleness). */
      lagBytes: number;
    },
  ) {
    this.#file = file;
    this.ringId = init.ringId;
    this.state = init.state;
    this.#generation = init.generation;
    this.#durableIndex = init.durableIndex;
    this.durableAcked = init.ackedSeq;
    this.#durable = init.snapshot;
    this.#lagBytes = init.lagBytes;
    this.#writtenAppended = init.snapshot.appendedBytes;
  }

  /** What the last completed fsync made durable. */
  get durable(): Snapshot {
    return this.#durable;
  }

  /** An fsync that began with `snap` has completed (a later snapshot never goes back to an earlier one). */
  promote(snap: Snapshot): void {
    if (snap.appendedBytes < this.#durable.appendedBytes) return;
    this.#durable = snap;
  }

  /** Group commit, before fdatasync: the slot written now says what the PREVIOUS fsync made durable, since it may reach the disk before this batch's data. */
  begin(snap: Snapshot, ackedSeq: number): void {
    this.#pending = snap;
    if (this.stale || this.#durable.appendedBytes - this.#writtenAppended >= this.#lagBytes) this.write(ackedSeq);
    this.#covered = this.#last;
  }

  /** Group commit, after fdatasync. */
  end(): void {
    const covered = this.#covered;
    // The slot counts as durable only if it was not written again after this fsync started.
    if (covered !== null && this.#last === covered) this.#isDurable(covered);
    if (this.#pending !== null) this.promote(this.#pending);
    this.#pending = null;
  }

  /** Write the slot that is not the durable one; it counts as durable after the next fsync that began after it. */
  write(ackedSeq: number): void {
    const index: 0 | 1 = this.#durableIndex === 0 ? 1 : 0;
    const d = this.#durable;
    const generation = ++this.#generation;
    const page = encodeSlot({
      generation,
      ringId: this.ringId,
      capacity: this.#file.capacity,
      tailPos: d.tailPos,
      tailSeq: d.tailSeq,
      headPos: d.headPos,
      lastSeq: d.lastSeq,
      nextSeq: d.nextSeq,
      ackedSeq,
      state: this.state,
    });
    this.#file.writeAt(SLOT_OFFSETS[index], page);
    this.#last = { index, generation, ackedSeq, appendedBytes: d.appendedBytes };
    this.#writtenAppended = d.appendedBytes;
    this.stale = false;
  }

  /** Write a slot and fsync it. */
  writeNow(ackedSeq: number): void {
    this.write(ackedSeq);
    this.#file.syncNow();
    this.#isDurable(this.#last as SlotWrite);
  }

  /** A new life of the ring: the mark starts again. */
  restart(ringId: number): void {
    this.ringId = ringId;
    this.durableAcked = 0;
    this.stale = true;
  }

  #isDurable(w: SlotWrite): void {
    this.#durableIndex = w.index;
    this.durableAcked = Math.max(this.durableAcked, w.ackedSeq);
    this.durableAppended = Math.max(this.durableAppended, w.appendedBytes);
  }
}
