/**
 * Where the shipper reads records from. The ring store implements it; tests
 * and examples use MemoryShipSource. The shipper holds at most the batches in
 * flight: everything else stays in the source and is read on demand, so the
 * heap does not grow with the backlog (issue D item 7).
 */

/** One chained record as stored: its seq and its canonical JSON (RFC 8785), exactly as hashed. */
export interface SourceRecord {
  readonly seq: number;
  readonly canonical: string;
}

export interface ShipSource {
  /** The device stream all records of this source belong to. */
  readonly stream: string;
  /**
   * Records with seq ≥ `fromSeq`, ascending, at most `maxRecords` and
   * stopping before `maxBytes` of canonical text (but always at least one
   * record when any exists). The first may be later than `fromSeq` when older
   * records are gone (overwritten, or skipped as corrupt); seqs may jump
   * where records are missing.
   */
  readFrom(fromSeq: number, maxRecords: number, maxBytes: number): readonly SourceRecord[] | Promise<readonly SourceRecord[]>;
  /** Seq of the last record appended; 0 when none. */
  lastSeq(): number;
  /** The acknowledged mark: every record up to it is durable at the collector. */
  ackedSeq(): number;
  /** Move the acknowledged mark forward to `seq` (the shipper never moves it back). */
  markAcked(seq: number): void;
  /**
   * Call `cb` after each append (or group of appends) with the new last seq
   * and whether any of them asks for an immediate upload (a critical event).
   * May return a function that unsubscribes (anything else is ignored).
   */
  onAppend(cb: (lastSeq: number, urgent: boolean) => void): unknown;
}
