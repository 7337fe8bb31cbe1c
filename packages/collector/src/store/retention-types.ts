/**
 * What retention needs from a store (docs/retention.md), on SQLite
 * (sqlite-retention.ts) and PostgreSQL (pg/pg-retention.ts) alike.
 *
 * Pruning an event keeps its row and everything its Merkle leaf and its
 * device chain are made of (position, device, stream, seq, receive time,
 * record digest, chain hash) and the record time, and removes the payload:
 * the canonical JSON becomes '' and the query columns (name, outcome,
 * severity, actor ip and user; PostgreSQL's record id) are emptied. The time
 * of the pruning is kept per position in a table of its own, so a read of a
 * pruned slot can answer "pruned by retention at …". An empty canonical
 * text is what marks a pruned row everywhere: no valid record is empty, it
 * matches no text search, and a reader that does not know about pruning
 * fails on it (JSON.parse) rather than showing something else.
 */

/** The canonical text of a pruned event. */
export const PRUNED_CANONICAL = '';

/** True when the stored row's payload was removed by retention. */
export function isPruned(row: { readonly canonical: string }): boolean {
  return row.canonical.length === 0;
}

/** One row as a retention run looks at it: no payload, only what the policy decides on. */
export interface RetentionScanRow {
  pos: number;
  device: string;
  /** '' for a pruned row. */
  name: string;
  receivedUs: number;
  /** UTF-8 bytes of the canonical JSON (0 when pruned). */
  bytes: number;
}

/** One retention run, as recorded. */
export interface RetentionRunRow {
  id: string;
  startedUs: number;
  finishedUs: number;
  /** 'schedule' (server timer), 'manual' (CLI), 'pressure' (storage.onFull prune). */
  trigger: string;
  dryRun: boolean;
  /** Events pruned (or, dry run, that would be). */
  deleted: number;
  /** Canonical bytes removed (or that would be). */
  bytes: number;
  /** Receive time of the oldest event still holding its payload after the run; null when none. */
  oldestKeptUs: number | null;
  /** The policy applied, as JSON (group -> days, default days, cap). */
  policy: string;
  /** Events pruned per group, as JSON. */
  byGroup: string;
}

/** Which rows of a month have outlived their policy, by name (names are what the policy's groups are made of). */
export interface PartitionPruneSelection {
  /** Catalogue names whose retention ended before the month did (never the always-kept ones). */
  readonly names: readonly string[];
  /** Every catalogue name (a name outside it takes the default retention). */
  readonly catalogue: readonly string[];
  /** Whether the default retention ended before the month did. */
  readonly unknownExpired: boolean;
}

export interface PrunedPartition {
  /** Rows the month holds. */
  readonly rows: number;
  readonly pruned: number;
  readonly bytes: number;
  /** Pruned rows per event name. */
  readonly byName: Readonly<Record<string, number>>;
}

/** Stores whose events are partitioned by month of receipt (PostgreSQL): retention can rewrite a whole month at once. */
export interface PartitionRetention {
  /** The month partitions received wholly before `beforeUs`, oldest first. */
  months(beforeUs: number): Promise<{ name: string; fromUs: number; toUs: number }[]>;
  /**
   * Empties the payloads `sel` selects in the month `name` by copying it into a new partition
   * and dropping the old one, in one transaction; pruning times are recorded as `prune` does.
   * Null, changing nothing, when fewer than half its rows would go (pruning row by row is
   * cheaper then) or a row lies at or past `limit` (not covered by a checkpoint yet).
   */
  rewrite(name: string, sel: PartitionPruneSelection, limit: number, atUs: number): Promise<PrunedPartition | null>;
}

export interface RetentionStore {
  /** Whole-month rewrites, where the store partitions its events by month. */
  readonly partitions?: PartitionRetention;
  /** The rows at positions [fromPos, toPos), in position order, without payload (pruned rows included, bytes 0). */
  scan(fromPos: number, toPos: number): RetentionScanRow[];
  /**
   * Removes the payload of the events at `positions` (see above) and records `atUs` as their
   * pruning time, in one durable transaction. Rows already pruned, and positions without a row,
   * are left alone. Returns the rows pruned now and the canonical bytes removed.
   */
  prune(positions: readonly number[], atUs: number): { pruned: number; bytes: number };
  /** When the event at `pos` was pruned (µs); undefined when it holds its payload or does not exist. */
  prunedAt(pos: number): number | undefined;
  /** Pruning times of the pruned positions in [fromPos, toPos). */
  prunedBetween(fromPos: number, toPos: number): Map<number, number>;
  /** Canonical bytes of the unpruned events at positions [fromPos, toPos), and how many there are. */
  payloadBetween(fromPos: number, toPos: number): { count: number; bytes: number };
  /** Per device: events and canonical bytes at positions [fromPos, toPos) (pruned ones count 0 bytes). */
  deviceActivity(fromPos: number, toPos: number): { device: string; count: number; bytes: number }[];
  /** Bytes the database takes on disk (SQLite: pages in use; PostgreSQL: pg_database_size). */
  databaseBytes(): number;
  putRun(run: RetentionRunRow): void;
  /** The most recent runs, newest first. */
  listRuns(limit: number): RetentionRunRow[];
}
