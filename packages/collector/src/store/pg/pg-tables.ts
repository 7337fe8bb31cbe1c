/**
 * The small tables of the PostgreSQL store: meta, devices, API tokens, stream
 * cursors, gaps and seals (reads), checkpoints. The same statements as
 * sqlite-tables.ts in PostgreSQL's dialect; column aliases are quoted so rows
 * come back in the Store's camelCase shapes.
 */
import type { Hash } from '@seclog/core';
import { SeclogError } from '@seclog/core';
import type { StreamGap, StreamSeal } from '../stream-state.js';
import type { ApiTokenRow, DeviceRow, StoredCheckpoint, StreamCursor } from '../types.js';
import type { PgBridge } from './pg-bridge.js';

const DEVICE_COLUMNS =
  'id, profile, token_hash AS "tokenHash", seal_key AS "sealKey", created_us AS "createdUs", revoked_us AS "revokedUs", ' +
  'last_seen_us AS "lastSeenUs", seal_t0_ms AS "sealT0Ms", seal_epoch_ms AS "sealEpochMs", seal_max_records AS "sealMaxRecords"';
const TOKEN_COLUMNS = 'id, name, role, token_hash AS "tokenHash", created_us AS "createdUs", revoked_us AS "revokedUs"';
const CURSOR_COLUMNS = 'device, stream, acked_seq AS "ackedSeq", head';
const CHECKPOINT_COLUMNS = 'tree_size AS "treeSize", root, note, created_us AS "createdUs"';
export const GAP_COLUMNS =
  'device, stream, from_seq AS "fromSeq", to_seq AS "toSeq", before_hash AS before, after_hash AS after, opened_us AS "openedUs"';
const SEAL_COLUMNS =
  'device, stream, seq, epoch, first_seq AS "firstSeq", start_us AS "startUs", end_us AS "endUs", tag, prev_tag AS "prevTag", open_reported AS "openReported"';

const UNIQUE_VIOLATION = '23505';

function tokenHashTaken(kind: 'device' | 'API token', id: string, err: unknown): SeclogError | undefined {
  const e = err as { code?: unknown; details?: { sqlState?: unknown; constraint?: unknown } };
  if (e.code !== 'STORE_PG_FAILED' || e.details?.sqlState !== UNIQUE_VIOLATION) return undefined;
  if (typeof e.details.constraint !== 'string' || !e.details.constraint.endsWith('_token_hash_key')) return undefined;
  return new SeclogError(
    'STORE_TOKEN_HASH_TAKEN',
    `another ${kind} already has the token hash of ${kind} ${id}`,
    { kind, id },
    { cause: err },
  );
}

export class PgTables {
  readonly #db: PgBridge;

  constructor(db: PgBridge) {
    this.#db = db;
  }

  /**
   * One statement that may fail on a constraint. Inside a transaction it runs under a savepoint:
   * a failed statement aborts a whole PostgreSQL transaction, where SQLite fails the statement alone.
   */
  guarded(text: string, values: readonly unknown[]): void {
    if (this.#db.depth === 0) {
      this.#db.query(text, values);
      return;
    }
    const sp = `guard_${this.#db.depth}`;
    try {
      this.#db.many([{ text: `SAVEPOINT ${sp}` }, { text, values }, { text: `RELEASE SAVEPOINT ${sp}` }]);
    } catch (err) {
      this.#db.query(`ROLLBACK TO SAVEPOINT ${sp}`);
      this.#db.query(`RELEASE SAVEPOINT ${sp}`);
      throw err;
    }
  }

  getMeta(key: string): string | undefined {
    return this.#db.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]).rows[0]?.value;
  }

  setMeta(key: string, value: string): void {
    this.#db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  putDevice(r: DeviceRow): void {
    try {
      this.guarded(
        `INSERT INTO devices (id, profile, token_hash, seal_key, created_us, revoked_us, last_seen_us, seal_t0_ms, seal_epoch_ms, seal_max_records)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, token_hash = excluded.token_hash, seal_key = excluded.seal_key,
           created_us = excluded.created_us, revoked_us = excluded.revoked_us, last_seen_us = excluded.last_seen_us,
           seal_t0_ms = excluded.seal_t0_ms, seal_epoch_ms = excluded.seal_epoch_ms, seal_max_records = excluded.seal_max_records`,
        [r.id, r.profile, r.tokenHash, r.sealKey, r.createdUs, r.revokedUs, r.lastSeenUs, r.sealT0Ms, r.sealEpochMs, r.sealMaxRecords],
      );
    } catch (err) {
      throw tokenHashTaken('device', r.id, err) ?? err;
    }
  }

  getDevice(id: string): DeviceRow | undefined {
    return this.#db.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [id]).rows[0];
  }

  findDeviceByTokenHash(tokenHash: Uint8Array): DeviceRow | undefined {
    return this.#db.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE token_hash = $1`, [tokenHash]).rows[0];
  }

  listDevices(): DeviceRow[] {
    return this.#db.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY id COLLATE "C"`).rows;
  }

  revokeDevice(id: string, atUs: number): boolean {
    return this.#db.query('UPDATE devices SET revoked_us = $1 WHERE id = $2 AND revoked_us IS NULL', [atUs, id]).rowCount === 1;
  }

  putApiToken(r: ApiTokenRow): void {
    try {
      this.guarded(
        `INSERT INTO api_tokens (id, name, role, token_hash, created_us, revoked_us) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, token_hash = excluded.token_hash,
           created_us = excluded.created_us, revoked_us = excluded.revoked_us`,
        [r.id, r.name, r.role, r.tokenHash, r.createdUs, r.revokedUs],
      );
    } catch (err) {
      throw tokenHashTaken('API token', r.id, err) ?? err;
    }
  }

  findApiTokenByHash(tokenHash: Uint8Array): ApiTokenRow | undefined {
    return this.#db.query<ApiTokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1`, [tokenHash]).rows[0];
  }

  getCursor(device: string, stream: string): StreamCursor | undefined {
    return this.#db.query<StreamCursor>(`SELECT ${CURSOR_COLUMNS} FROM stream_cursors WHERE device = $1 AND stream = $2`, [device, stream])
      .rows[0];
  }

  listCursors(device: string): StreamCursor[] {
    return this.#db.query<StreamCursor>(`SELECT ${CURSOR_COLUMNS} FROM stream_cursors WHERE device = $1 ORDER BY stream COLLATE "C"`, [
      device,
    ]).rows;
  }

  listGaps(device: string, stream?: string): StreamGap[] {
    if (stream !== undefined) {
      return this.#db.query<StreamGap>(`SELECT ${GAP_COLUMNS} FROM stream_gaps WHERE device = $1 AND stream = $2 ORDER BY from_seq`, [
        device,
        stream,
      ]).rows;
    }
    return this.#db.query<StreamGap>(`SELECT ${GAP_COLUMNS} FROM stream_gaps WHERE device = $1 ORDER BY stream COLLATE "C", from_seq`, [
      device,
    ]).rows;
  }

  sealBefore(device: string, stream: string, seq: number): StreamSeal | undefined {
    return this.#db.query<StreamSeal>(
      `SELECT ${SEAL_COLUMNS} FROM stream_seals WHERE device = $1 AND stream = $2 AND seq < $3 ORDER BY seq DESC LIMIT 1`,
      [device, stream, seq],
    ).rows[0];
  }

  sealAfter(device: string, stream: string, seq: number): StreamSeal | undefined {
    return this.#db.query<StreamSeal>(
      `SELECT ${SEAL_COLUMNS} FROM stream_seals WHERE device = $1 AND stream = $2 AND seq > $3 ORDER BY seq LIMIT 1`,
      [device, stream, seq],
    ).rows[0];
  }

  putCheckpoint(cp: StoredCheckpoint): void {
    const inserted = this.#db.query(
      'INSERT INTO checkpoints (tree_size, root, note, created_us) VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING',
      [cp.treeSize, cp.root, cp.note, cp.createdUs],
    );
    if (inserted.rowCount === 1) return;
    const stored = this.#db.query<{ root: Hash }>('SELECT root FROM checkpoints WHERE tree_size = $1', [cp.treeSize]).rows[0];
    if (stored !== undefined && Buffer.compare(stored.root, cp.root) !== 0) {
      throw new SeclogError('STORE_CHECKPOINT_CONFLICT', `a checkpoint of tree size ${cp.treeSize} with another root is already stored`, {
        treeSize: cp.treeSize,
        storedRoot: Buffer.from(stored.root).toString('base64'),
        root: Buffer.from(cp.root).toString('base64'),
      });
    }
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return this.#db.query<StoredCheckpoint>(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size DESC LIMIT 1`).rows[0];
  }

  listCheckpoints(): StoredCheckpoint[] {
    return this.#db.query<StoredCheckpoint>(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size`).rows;
  }
}
