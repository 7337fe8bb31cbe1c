/** Options and reports of the ring store (docs/agent-ring.md). */

export interface RingOptions {
  /** The ring file; created (and fully allocated) when missing. */
  readonly path: string;
  /** Bytes of the data area when the file is created. An existing ring keeps its own capacity (reported when it differs). */
  readonly capacityBytes: number;
  /** Largest record accepted by append (default 16,384, the record limit of docs/record.md; at most capacity − 28). */
  readonly maxRecordBytes?: number;
  /** Write zeros over the whole file at creation so the space is really taken (default true); false leaves it sparse. */
  readonly preallocate?: boolean;
  /**
   * Which payload CRCs the open checks. `auto` (default): all of them for
   * rings up to `fullVerifyMaxBytes`, else only where a power cut can have
   * torn writes (the rest are checked when read). `full`: all of them.
   */
  readonly verifyOnOpen?: 'auto' | 'full';
  /** Default 64 MiB. */
  readonly fullVerifyMaxBytes?: number;
  /**
   * Rings above `fullVerifyMaxBytes`: at most this many bytes are appended
   * past the last fsync before an append forces one (default 8 MiB). It
   * bounds the region the open must CRC-check.
   */
  readonly dirtyLimitBytes?: number;
  /** syncSoon() default: the longest a record waits for its fsync to start (default 100 ms). */
  readonly syncSoonMs?: number;
  /**
   * Critical fsyncs run on the calling thread while each takes at most this
   * long (default 2 ms); after a slower one the next ones go to the thread
   * pool for a while (inline-sync.ts). 0: always the thread pool.
   */
  readonly inlineSyncMaxMs?: number;
}

/** A run of seqs, with how many records it held. */
export interface SeqRange {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly count: number;
}

/** Unacknowledged records overwritten to make room (the logger records `log_dropped`). Exact. */
export type DropReport = SeqRange;

/**
 * Records lost to damage (the logger records `log_store_corrupt`). Only
 * records above the acknowledged mark are reported: the collector has the
 * others. `count` is the number of seqs in the range; a range next to a
 * declared gap may include seqs that never existed.
 */
export interface CorruptRange extends SeqRange {
  /**
   * - `middle`: between two retained records;
   * - `front`: before the oldest retained record, listed as retained by the
   *   last state write, and not overwritten by records appended since;
   * - `tail`: after the newest retained record, although the last state
   *   write had them on disk.
   */
  readonly where: 'front' | 'middle' | 'tail';
  /** Where the damage lies in the data area, [fromPos, toPos); equal when unknown. */
  readonly fromPos: number;
  readonly toPos: number;
  /** Found by the open's scan, or later when a record was read. */
  readonly foundBy: 'open' | 'read';
}

export interface RecoveryReport {
  /** The file did not exist and was created. */
  readonly created: boolean;
  /** Why a file that held no readable ring was started afresh (null when it was not). */
  readonly reinitialised: string | null;
  readonly capacityBytes: number;
  /** Set when the file's capacity differs from the one asked for (the file's wins). */
  readonly requestedCapacityBytes: number | null;
  /** Which state slot was used: A, B, or none (then the acknowledged mark and the state blob are lost). */
  readonly slot: 'A' | 'B' | null;
  readonly damagedSlots: readonly ('A' | 'B')[];
  readonly superblockDamaged: boolean;
  /** The file was shorter than its layout (cut off); the missing part reads as empty. */
  readonly extendedBytes: number;
  readonly corrupt: readonly CorruptRange[];
  /**
   * Unacknowledged records that the last state write still listed and that
   * records appended after it overwrote, the normal way: the append that
   * overwrote them reported them as dropped. Not damage; but if that
   * `log_dropped` record did not survive the power cut either, the logger
   * records one for this range (it can look for it among the records newer
   * than the state write).
   */
  readonly overwritten: SeqRange | null;
  /**
   * Records written after the last durable state write that did not make it
   * whole (the power went while they were written): discarded. They were
   * never reported durable, so this is not damage; `count` is the seqs in
   * the range, some of which may have survived (out-of-order page writes).
   */
  readonly torn: SeqRange | null;
  readonly records: number;
  readonly oldestSeq: number;
  readonly newestSeq: number;
  readonly ackedSeq: number;
  readonly bytesRead: number;
  readonly payloadBytesVerified: number;
  readonly durationMs: number;
}

export interface AppendResult {
  /** Data-area position of the frame. */
  readonly pos: number;
  /** Unacknowledged records this append overwrote, or null. */
  readonly dropped: DropReport | null;
}

export interface RingRecord {
  readonly seq: number;
  readonly payload: Uint8Array;
}

export interface RingBatch {
  readonly records: RingRecord[];
  /** Damage found while reading (those records are skipped from now on). */
  readonly corrupt: CorruptRange[];
}

export interface ReadOptions {
  /** Also return records not yet fsynced (default false: a record that a power cut can still take back is never shipped). */
  readonly includeUnsynced?: boolean;
}

export interface RingStats {
  readonly capacityBytes: number;
  /** Bytes from the oldest retained record to the head. */
  readonly usedBytes: number;
  /** Bytes from the first unacknowledged record to the head. */
  readonly unackedBytes: number;
  /** unackedBytes / capacityBytes: the logger raises `log_storage_low` at 0.8 and 0.95. */
  readonly unackedShare: number;
  readonly records: number;
  /** 0 when empty. */
  readonly oldestSeq: number;
  readonly newestSeq: number;
  readonly ackedSeq: number;
  /** Highest seq known to be on disk. */
  readonly durableSeq: number;
  /** The lowest seq the next append may carry (0: any). */
  readonly nextSeq: number;
  readonly maxRecordBytes: number;
  readonly fsyncs: number;
  /** Of those, run on the calling thread (critical ones on a fast disk), and how many of those took longer than inlineSyncMaxMs. */
  readonly inlineFsyncs: number;
  readonly slowInlineFsyncs: number;
}
