/**
 * The small tables of the SQLite store: meta, devices, API tokens, stream
 * cursors and checkpoints. None is on the per-record path; each statement is
 * prepared once here.
 */

import { SeclogError } from '@seclog/core';
import type { SqliteDb } from './migrations.js';
import type { ApiTokenRow, DeviceRow, StoredCheckpoint, StreamCursor } from './types.js';

const DEVICE_COLUMNS =
  'id, profile, token_hash AS tokenHash, seal_key AS sealKey, created_us AS createdUs, revoked_us AS revokedUs, last_seen_us AS lastSeenUs, ' +
  'seal_t0_ms AS sealT0Ms, seal_epoch_ms AS sealEpochMs, seal_max_records AS sealMaxRecords';
const TOKEN_COLUMNS = 'id, name, role, token_hash AS tokenHash, created_us AS createdUs, revoked_us AS revokedUs';
const CURSOR_COLUMNS = 'device, stream, acked_seq AS ackedSeq, head';
const CHECKPOINT_COLUMNS = 'tree_size AS treeSize, root, note, created_us AS createdUs';

function isTokenHashTaken(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof e.message === 'string' && e.message.includes('.token_hash');
}

function tokenHashTaken(kind: 'device' | 'API token', id: string, cause: unknown): SeclogError {
  return new SeclogError('STORE_TOKEN_HASH_TAKEN', `another ${kind} already has the token hash of ${kind} ${id}`, { kind, id }, { cause });
}

export class SqliteTables {
  readonly #getMeta;
  readonly #setMeta;
  readonly #putDevice;
  readonly #getDevice;
  readonly #deviceByToken;
  readonly #listDevices;
  readonly #revokeDevice;
  readonly #putToken;
  readonly #tokenByHash;
  readonly #getCursor;
  readonly #listCursors;
  readonly #insertCheckpoint;
  readonly #getCheckpoint;
  readonly #latestCheckpoint;
  readonly #listCheckpoints;

  constructor(db: SqliteDb) {
    this.#getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.#setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#putDevice = db.prepare(
      `INSERT INTO devices (id, profile, token_hash, seal_key, created_us, revoked_us, last_seen_us, seal_t0_ms, seal_epoch_ms, seal_max_records)
       VALUES (@id, @profile, @tokenHash, @sealKey, @createdUs, @revokedUs, @lastSeenUs, @sealT0Ms, @sealEpochMs, @sealMaxRecords)
       ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, token_hash = excluded.token_hash, seal_key = excluded.seal_key,
         created_us = excluded.created_us, revoked_us = excluded.revoked_us, last_seen_us = excluded.last_seen_us,
         seal_t0_ms = excluded.seal_t0_ms, seal_epoch_ms = excluded.seal_epoch_ms, seal_max_records = excluded.seal_max_records`,
    );
    this.#getDevice = db.prepare(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = ?`);
    this.#deviceByToken = db.prepare(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE token_hash = ?`);
    this.#listDevices = db.prepare(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY id`);
    this.#revokeDevice = db.prepare('UPDATE devices SET revoked_us = ? WHERE id = ? AND revoked_us IS NULL');
    this.#putToken = db.prepare(
      `INSERT INTO api_tokens (id, name, role, token_hash, created_us, revoked_us)
       VALUES (@id, @name, @role, @tokenHash, @createdUs, @revokedUs)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, token_hash = excluded.token_hash,
         created_us = excluded.created_us, revoked_us = excluded.revoked_us`,
    );
    this.#tokenByHash = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?`);
    this.#getCursor = db.prepare(`SELECT ${CURSOR_COLUMNS} FROM stream_cursors WHERE device = ? AND stream = ?`);
    this.#listCursors = db.prepare(`SELECT ${CURSOR_COLUMNS} FROM stream_cursors WHERE device = ? ORDER BY stream`);
    this.#insertCheckpoint = db.prepare(
      'INSERT INTO checkpoints (tree_size, root, note, created_us) VALUES (?, ?, ?, ?) ON CONFLICT (tree_size) DO NOTHING',
    );
    this.#getCheckpoint = db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size = ?`);
    this.#latestCheckpoint = db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size DESC LIMIT 1`);
    this.#listCheckpoints = db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size`);
  }

  getMeta(key: string): string | undefined {
    return this.#getMeta.get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.#setMeta.run(key, value);
  }

  /** Inserts or replaces the device with this id. */
  putDevice(row: DeviceRow): void {
    try {
      this.#putDevice.run(row);
    } catch (err) {
      if (isTokenHashTaken(err)) throw tokenHashTaken('device', row.id, err);
      throw err;
    }
  }

  getDevice(id: string): DeviceRow | undefined {
    return this.#getDevice.get(id) as DeviceRow | undefined;
  }

  findDeviceByTokenHash(tokenHash: Uint8Array): DeviceRow | undefined {
    return this.#deviceByToken.get(tokenHash) as DeviceRow | undefined;
  }

  listDevices(): DeviceRow[] {
    return this.#listDevices.all() as DeviceRow[];
  }

  revokeDevice(id: string, atUs: number): boolean {
    return this.#revokeDevice.run(atUs, id).changes === 1;
  }

  /** Inserts or replaces the API token with this id. */
  putApiToken(row: ApiTokenRow): void {
    try {
      this.#putToken.run(row);
    } catch (err) {
      if (isTokenHashTaken(err)) throw tokenHashTaken('API token', row.id, err);
      throw err;
    }
  }

  findApiTokenByHash(tokenHash: Uint8Array): ApiTokenRow | undefined {
    return this.#tokenByHash.get(tokenHash) as ApiTokenRow | undefined;
  }

  getCursor(device: string, stream: string): StreamCursor | undefined {
    return this.#getCursor.get(device, stream) as StreamCursor | undefined;
  }

  listCursors(device: string): StreamCursor[] {
    return this.#listCursors.all(device) as StreamCursor[];
  }

  putCheckpoint(cp: StoredCheckpoint): void {
    if (this.#insertCheckpoint.run(cp.treeSize, cp.root, cp.note, cp.createdUs).changes === 1) return;
    const stored = this.#getCheckpoint.get(cp.treeSize) as StoredCheckpoint;
    if (Buffer.compare(stored.root, cp.root) !== 0) {
      throw new SeclogError('STORE_CHECKPOINT_CONFLICT', `a checkpoint of tree size ${cp.treeSize} with another root is already stored`, {
        treeSize: cp.treeSize,
        storedRoot: Buffer.from(stored.root).toString('base64'),
        root: Buffer.from(cp.root).toString('base64'),
      });
    }
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return this.#latestCheckpoint.get() as StoredCheckpoint | undefined;
  }

  listCheckpoints(): StoredCheckpoint[] {
    return this.#listCheckpoints.all() as StoredCheckpoint[];
  }
}
