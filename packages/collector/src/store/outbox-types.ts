/**
 * The notification outbox as the Store sees it (table notify_outbox,
 * migration 6): one row per (alert, channel), written when an alert is handed
 * to the notifier and kept after delivery, so handing the same alert over
 * again never sends it twice.
 *
 *   enqueue ──► pending ──claim──► (attempt) ──settle──► delivered
 *                  ▲                   │                    dead ──► reported
 *                  └──── retry at nextAttemptUs ◄────┘
 *
 * A claim counts the attempt and pushes nextAttemptUs to the end of a lease
 * before anything is sent: if the process dies mid-send the row comes due
 * again when the lease runs out (at-least-once; receivers deduplicate by the
 * idempotency key), and two dispatchers on one database never send the same
 * attempt. A settle names the attempt it settles, so a dispatcher whose lease
 * ran out cannot overwrite the outcome of a later attempt.
 */

export type OutboxState = 'pending' | 'delivered' | 'dead';

/** A new row: enqueueOutbox ignores one whose (alertId, channel) is stored already. */
export interface OutboxInsert {
  alertId: string;
  /** Name of the configured channel. */
  channel: string;
  /** What the channel renders, as JSON (the notifier's AlertNotice). */
  payload: string;
  createdUs: number;
  /** First attempt due at (µs since the epoch); usually createdUs. */
  nextAttemptUs: number;
}

export interface OutboxRow {
  id: number;
  alertId: string;
  channel: string;
  payload: string;
  state: OutboxState;
  /** Attempts claimed so far, the current one included. */
  attempts: number;
  createdUs: number;
  /** Pending: when the row is due (a claimed row: the end of its lease). */
  nextAttemptUs: number;
  lastAttemptUs: number | null;
  /** Why the last attempt failed, or why the row is dead. */
  lastError: string | null;
  /** When the row became delivered or dead. */
  doneUs: number | null;
  /** A dead row's death has been written to the collector's own stream. */
  reported: boolean;
}

/** The outcome of one claimed attempt (Store.settleOutbox). */
export type OutboxOutcome =
  | { state: 'delivered'; atUs: number }
  | { state: 'dead'; atUs: number; error: string }
  | { state: 'pending'; nextAttemptUs: number; error: string };

export interface OutboxCounts {
  pending: number;
  dead: number;
}
