/** What the logger's calls return. */
import type { RingStats } from '../ring/ring-types.js';
import type { ShipStatus } from '../ship/shipper.js';
import type { TimeStatus } from '../time/time-quality-tracker.js';

/** The answer of `log.event()` and of every typed method. */
export interface Receipt {
  /** False when the user switched the event off (the opt-out): nothing was recorded. */
  readonly recorded: boolean;
  /** The record's seq in the stream (0 when not recorded). */
  readonly seq: number;
  /** The record's UUIDv7 ('' when not recorded). */
  readonly id: string;
  readonly stream: string;
}

export interface LoggerStatus {
  readonly stream: string;
  /** Seq of the last record appended. */
  readonly lastSeq: number;
  /** The open seal epoch; null for a stream without seals. */
  readonly sealEpoch: number | null;
  /** Optional events the user switched off. */
  readonly disabled: readonly string[];
  /** Overwritten records that no `log_dropped` record describes yet (one follows within `dropReportMs`). */
  readonly undescribedDrops: number;
  /** The ring's figures; null once closed. */
  readonly ring: RingStats | null;
  readonly ship: ShipStatus;
  readonly time: TimeStatus;
}

/** Options of `log.close()`. */
export interface CloseOptions {
  /** Time a batch in flight gets to be answered (default 2 s); what is not acknowledged stays in the ring. */
  readonly graceMs?: number;
}
