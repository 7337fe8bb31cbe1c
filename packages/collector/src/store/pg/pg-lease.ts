/**
 * The integrator lease on PostgreSQL (issue I item 2): a row per lease name
 * with its holder, a term that grows at every change of holder, and an
 * expiry on the server's clock. Several collectors share one database; the
 * holder of the `integrator` lease is the only one that appends Merkle
 * leaves, signs checkpoints and runs detection (cluster/lease-keeper.ts).
 *
 * Why a row with an expiry and not a session advisory lock: the store's
 * connection thread reconnects on its own after a lost connection
 * (pg-worker.ts), which would silently drop a session lock while the node
 * carried on as the holder; a row survives reconnects and works through a
 * transaction-pooling proxy. A holder that freezes (a stopped process, a
 * long pause) loses a row lease when it expires, where an advisory lock
 * would be held for as long as its socket lives. Times are the server's
 * now(), so the nodes' clocks do not matter. The cost: after a crash the
 * lease is free only once it expires (the TTL, a few seconds), not the
 * moment the socket closes.
 *
 * Fencing: expiry alone cannot stop a holder that paused past its expiry
 * and woke up still believing it leads. So every transaction that writes
 * the tree or a checkpoint first runs fence(): it renews the lease row
 * where holder and term are still this node's (the row stays locked to the
 * commit) and reads the stored leaf count. A takeover updates the same
 * row, so it waits for that transaction to commit, and every later
 * transaction of the old holder fails the fence (CLUSTER_LEASE_LOST) and
 * rolls back. Two nodes therefore never write the tree at once, whatever
 * the timers did. A holder whose lease expired but that nobody took over
 * yet still passes: nobody else can be writing.
 */
import { SeclogError } from '@seclog/core';
import type { PgBridge } from './pg-bridge.js';

export const PG_LEASE_SCHEMA = `
CREATE TABLE cluster_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  term bigint NOT NULL CHECK (term > 0),
  acquired_at timestamptz NOT NULL,
  renewed_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
`;

/** The lease as stored, for metrics, healthz and `seclog` tooling. */
export interface LeaseState {
  name: string;
  holder: string;
  term: number;
  /** ms since the epoch, the server's clock. */
  acquiredMs: number;
  renewedMs: number;
  expiresMs: number;
  /** expires_at > now() on the server when read. */
  live: boolean;
}

// Takes the lease when nobody holds it or the holder's lease expired; a new holder gets term + 1.
const ACQUIRE = `
INSERT INTO cluster_leases AS l (name, holder, term, acquired_at, renewed_at, expires_at)
VALUES ($1, $2, 1, now(), now(), now() + $3::bigint * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, term = l.term + 1, acquired_at = now(), renewed_at = now(),
  expires_at = excluded.expires_at
WHERE l.expires_at <= now()
RETURNING term`;

const RENEW = `
UPDATE cluster_leases SET renewed_at = now(), expires_at = now() + $4::bigint * interval '1 millisecond'
WHERE name = $1 AND holder = $2 AND term = $3`;

// A renewal too: a leader that keeps writing keeps its lease, even while a long catch-up blocks its timers.
const FENCE = `
WITH l AS (
  UPDATE cluster_leases SET renewed_at = now(), expires_at = now() + $4::bigint * interval '1 millisecond'
  WHERE name = $1 AND holder = $2 AND term = $3 RETURNING term
)
SELECT l.term, t.leaf_count AS "leafCount" FROM l, tree_state AS t WHERE t.id = 0`;

const RELEASE = 'UPDATE cluster_leases SET expires_at = now() WHERE name = $1 AND holder = $2 AND term = $3';

const READ = `
SELECT name, holder, term, (extract(epoch FROM acquired_at) * 1000)::bigint AS "acquiredMs",
  (extract(epoch FROM renewed_at) * 1000)::bigint AS "renewedMs", (extract(epoch FROM expires_at) * 1000)::bigint AS "expiresMs",
  expires_at > now() AS live
FROM cluster_leases WHERE name = $1`;

export class PgLease {
  readonly #db: PgBridge;
  readonly name: string;
  readonly holder: string;
  readonly #ttlMs: number;
  /** The term this node holds, or undefined. */
  #term: number | undefined;

  constructor(db: PgBridge, name: string, holder: string, ttlMs: number) {
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 100) throw new RangeError(`lease TTL ${ttlMs} ms is not an integer ≥ 100`);
    this.#db = db;
    this.name = name;
    this.holder = holder;
    this.#ttlMs = ttlMs;
  }

  get term(): number | undefined {
    return this.#term;
  }

  /** Takes the lease when it is free or expired; true when this node holds it afterwards (renewed when it already did). */
  tryAcquire(): boolean {
    if (this.#term !== undefined && this.renew()) return true;
    const row = this.#db.query<{ term: number }>(ACQUIRE, [this.name, this.holder, this.#ttlMs]).rows[0];
    this.#term = row?.term;
    return row !== undefined;
  }

  /** Extends the lease by the TTL; false (and no longer held) when another node took it. */
  renew(): boolean {
    if (this.#term === undefined) return false;
    const ok = this.#db.query(RENEW, [this.name, this.holder, this.#term, this.#ttlMs]).rowCount === 1;
    if (!ok) this.#term = undefined;
    return ok;
  }

  /**
   * Inside a transaction that writes the tree: throws CLUSTER_LEASE_LOST unless this node still
   * holds the lease and the stored leaf count is `leafCount` (the tree this node appends to).
   * Renews the lease; the row stays locked to the commit, so no takeover lands in between.
   */
  fence(leafCount: number): void {
    const term = this.#term;
    const row =
      term === undefined ? undefined : this.#db.query<{ leafCount: number }>(FENCE, [this.name, this.holder, term, this.#ttlMs]).rows[0];
    if (row !== undefined && row.leafCount === leafCount) return;
    if (row === undefined) this.#term = undefined;
    throw new SeclogError(
      'CLUSTER_LEASE_LOST',
      row === undefined
        ? `this collector (${this.holder}) no longer holds the ${this.name} lease`
        : `the stored tree has ${row.leafCount} leaves where this collector's has ${leafCount}`,
      { lease: this.name, holder: this.holder, term: term ?? null, storedLeafCount: row?.leafCount ?? null, leafCount },
    );
  }

  /** Lets the lease expire now, so another node takes it at its next try (graceful shutdown). */
  release(): void {
    const term = this.#term;
    this.#term = undefined;
    if (term !== undefined) this.#db.query(RELEASE, [this.name, this.holder, term]);
  }

  /** The stored lease, whoever holds it. */
  read(): LeaseState | undefined {
    return this.#db.query<LeaseState>(READ, [this.name]).rows[0];
  }
}
