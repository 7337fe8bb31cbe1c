/**
 * `seclog migrate --from DIR --to postgres://…` (issue I item 3): copies the
 * SQLite store of a data directory into an empty PostgreSQL database so that
 * the Merkle log is exactly the same — the same rows at the same positions,
 * the same tree nodes and leaf count, the same signed checkpoints — and old
 * checkpoints still verify against the new store.
 *
 * Table by table, not through the Store interface: the interface has no
 * "list everything" reads for most tables, and a copy of the rows is what
 * keeps positions, ids and history as they were. The tables of both schemas
 * mirror each other (store/pg/pg-schema.ts); columns are matched by name and
 * converted by the PostgreSQL type (0/1 to boolean). Columns only PostgreSQL
 * has are derived (events.record_id from the record) or left to their
 * default. Tables go in foreign-key order, identity sequences continue after
 * the copied ids, and `log_head` continues after the last position.
 *
 * The source is read in one read transaction (a consistent snapshot; stop
 * the collector first anyway: records committed after the snapshot are not
 * copied). The target is written in ONE transaction: a failed migration
 * leaves the database as it was, so it can simply be run again. The target
 * must be empty (MIGRATE_TARGET_NOT_EMPTY). Afterwards the copy is checked
 * against the source: event count, leaf count, root, every checkpoint row
 * and a consistency proof from each checkpoint to the new tree
 * (MIGRATE_MISMATCH).
 *
 * Not copied: tables the target schema does not have (listed in the result)
 * and the cluster lease (there is none yet). The keys stay in the data
 * directory, which the collectors keep using with `--db`.
 */
import type { Hash } from '@seclog/core';
import { createMerkleTree, SeclogError, verifyConsistency } from '@seclog/core';
import Database from 'better-sqlite3';
import { PgBridge } from '../store/pg/pg-bridge.js';
import { openPgStore } from '../store/pg/pg-store.js';
import type { StoredCheckpoint } from '../store/types.js';
import { openDataDirReadOnly } from '../verify/open-readonly.js';

export interface MigrateOptions {
  /** Told after every chunk: rows copied so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Rows per INSERT (default 2,000). */
  chunk?: number;
}

export interface MigratedTable {
  table: string;
  rows: number;
}

export interface MigrateResult {
  tables: MigratedTable[];
  events: number;
  treeSize: number;
  /** base64 root of the tree, the same on both sides. */
  root: string;
  checkpoints: number;
  /** Source tables with no counterpart in the target: not copied. */
  notCopied: string[];
  seconds: number;
}

/** Target tables the copy never writes: the migration bookkeeping and the cluster lease. */
const SKIP = new Set(['schema_migrations', 'cluster_leases']);
/** PostgreSQL columns named otherwise in SQLite (`user` is a reserved word in PostgreSQL). */
const RENAMED: Readonly<Record<string, Readonly<Record<string, string>>>> = { sessions: { user_name: 'user' } };
const sourceName = (table: string, column: string): string => RENAMED[table]?.[column] ?? column;

/** Tables whose rows mean the target is in use. */
const DATA_TABLES = ['events', 'devices', 'api_tokens', 'users', 'checkpoints', 'tree_nodes', 'alerts', 'stream_cursors'];

interface PgColumn {
  name: string;
  /** The element type to cast an unnest array to (int8, text, bytea, bool, uuid …). */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  identity: boolean;
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function mismatch(what: string, message: string, details: Record<string, unknown> = {}): SeclogError {
  return new SeclogError('MIGRATE_MISMATCH', `the copy does not match the source: ${message}`, { what, ...details });
}

/** The target's tables (partitions excluded), in an order where every table comes after those it references. */
function targetTables(db: PgBridge): string[] {
  const names = db
    .query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`,
    )
    .rows.map((r) => r.name);
  const refs = db.query<{ t: string; ref: string }>(
    `SELECT cl.relname AS t, rf.relname AS ref FROM pg_constraint k
     JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class rf ON rf.oid = k.confrelid WHERE k.contype = 'f'`,
  ).rows;
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, path: Set<string>): void => {
    if (seen.has(t) || path.has(t)) return;
    path.add(t);
    for (const r of refs) if (r.t === t && r.ref !== t) visit(r.ref, path);
    seen.add(t);
    out.push(t);
  };
  for (const t of names) visit(t, new Set());
  return out;
}

function targetColumns(db: PgBridge, table: string): PgColumn[] {
  return db
    .query<{ name: string; type: string; notNull: boolean; hasDefault: boolean; identity: string }>(
      `SELECT a.attname AS name, t.typname AS type, a.attnotnull AS "notNull", a.atthasdef AS "hasDefault", a.attidentity AS identity
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table],
    )
    .rows.map((r) => ({ ...r, identity: r.identity !== '' }));
}

function checkEmpty(db: PgBridge): void {
  for (const table of DATA_TABLES) {
    const exists = db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]).rows[0]?.t;
    if (exists === null || exists === undefined) continue;
    if (db.query(`SELECT 1 FROM ${ident(table)} LIMIT 1`).rowCount > 0) {
      throw new SeclogError(
        'MIGRATE_TARGET_NOT_EMPTY',
        `the target database already holds ${table} rows; migrate into a new, empty database`,
        { table },
      );
    }
  }
  const head = db.query<{ n: number }>('SELECT next_pos AS n FROM log_head WHERE id = 0').rows[0]?.n ?? 0;
  if (head > 0)
    throw new SeclogError('MIGRATE_TARGET_NOT_EMPTY', 'the target database has handed out log positions', { table: 'log_head' });
}

/** A SQLite value as the PostgreSQL column takes it. */
function convert(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'bool') return v === 1 || v === true || v === 1n;
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/** A value only PostgreSQL stores, derived from the row (undefined: the column is left to its default). */
function derived(table: string, column: string, row: Record<string, unknown>): unknown {
  if (table === 'events' && column === 'record_id') {
    try {
      const id = (JSON.parse(row.canonical as string) as { id?: unknown }).id;
      return typeof id === 'string' && UUID.test(id) ? id : null;
    } catch {
      return null;
    }
  }
  return undefined;
}

export async function migrateSqliteToPg(dir: string, url: string, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const started = performance.now();
  const chunk = opts.chunk ?? 2000;
  const source = await openDataDirReadOnly(dir);
  const raw = new Database(source.dbPath, { readonly: true, fileMustExist: true });
  let target: PgBridge | undefined;
  try {
    // Creates or migrates the target's schema, then copies on a connection of our own.
    openPgStore(url).close();
    target = PgBridge.open(url, { statementTimeoutMs: 600_000 });
    const db = target;
    checkEmpty(db);

    raw.exec('BEGIN');
    const sqliteTables = new Set(
      (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    const tables = targetTables(db).filter((t) => !SKIP.has(t) && sqliteTables.has(t));
    const notCopied = [...sqliteTables].filter((t) => !tables.includes(t) && t !== 'schema_migrations').sort();
    const counts = new Map(tables.map((t) => [t, (raw.prepare(`SELECT count(*) AS n FROM ${ident(t)}`).get() as { n: number }).n]));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    let done = 0;
    opts.onProgress?.(0, total);

    const copied: MigratedTable[] = [];
    db.query('BEGIN');
    db.depth++;
    try {
      for (const table of tables) {
        const sqliteCols = new Set((raw.prepare(`PRAGMA table_info(${ident(table)})`).all() as { name: string }[]).map((c) => c.name));
        const cols = targetColumns(db, table).filter((c) => {
          if (sqliteCols.has(sourceName(table, c.name)) || derived(table, c.name, { canonical: '{}' }) !== undefined) return true;
          if (c.notNull && !c.hasDefault) {
            throw new SeclogError('MIGRATE_MISMATCH', `target column ${table}.${c.name} has no source and no default`, {
              what: 'schema',
              table,
              column: c.name,
            });
          }
          return false;
        });
        const overriding = cols.some((c) => c.identity) ? ' OVERRIDING SYSTEM VALUE' : '';
        const insert =
          `INSERT INTO ${ident(table)} (${cols.map((c) => ident(c.name)).join(', ')})${overriding} ` +
          `SELECT * FROM unnest(${cols.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')})`;
        // Rows seeded by the schema (tree_state's one row) give way to the source's.
        db.query(`DELETE FROM ${ident(table)}`);
        const select = raw.prepare(`SELECT * FROM ${ident(table)}`);
        let rows = 0;
        let batch: Record<string, unknown>[] = [];
        const flush = () => {
          if (batch.length === 0) return;
          const values = cols.map((c) =>
            batch.map((r) => {
              const from = sourceName(table, c.name);
              return sqliteCols.has(from) ? convert(r[from], c.type) : (derived(table, c.name, r) ?? null);
            }),
          );
          db.query(insert, values);
          rows += batch.length;
          done += batch.length;
          batch = [];
          opts.onProgress?.(done, total);
        };
        for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
          batch.push(row);
          if (batch.length === chunk) flush();
        }
        flush();
        for (const c of cols.filter((x) => x.identity)) {
          db.query(
            `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT max(${ident(c.name)}) FROM ${ident(table)}), 1),
               (SELECT max(${ident(c.name)}) IS NOT NULL FROM ${ident(table)}))`,
            [table, c.name],
          );
        }
        copied.push({ table, rows });
      }
      // Positions continue after the source's last one (pruned rows included).
      db.query('UPDATE log_head SET next_pos = $1 WHERE id = 0', [source.store.eventCount()]);
      db.query('COMMIT');
    } catch (err) {
      try {
        db.query('ROLLBACK');
      } catch {
        // the connection is gone: the server rolled back
      }
      throw err;
    } finally {
      db.depth--;
    }
    raw.exec('COMMIT');

    const check = checkCopy(source.store, url);
    return { tables: copied, ...check, notCopied, seconds: (performance.now() - started) / 1000 };
  } finally {
    target?.close();
    if (raw.inTransaction) raw.exec('ROLLBACK');
    raw.close();
    source.close();
  }
}

interface SourceStore {
  eventCount(): number;
  nodeStore(): import('@seclog/core').NodeStore;
  listCheckpoints(): StoredCheckpoint[];
}

/** The target against the source: counts, root, every checkpoint row, and each checkpoint's consistency with the new tree. */
function checkCopy(src: SourceStore, url: string): { events: number; treeSize: number; root: string; checkpoints: number } {
  const dst = openPgStore(url);
  try {
    const events = src.eventCount();
    if (dst.eventCount() !== events) throw mismatch('events', `${dst.eventCount()} positions where the source has ${events}`);
    const srcTree = createMerkleTree(src.nodeStore());
    const dstTree = createMerkleTree(dst.nodeStore());
    if (dstTree.size !== srcTree.size) throw mismatch('tree_size', `tree size ${dstTree.size} where the source has ${srcTree.size}`);
    const size = srcTree.size;
    const root = size === 0 ? undefined : srcTree.root();
    const dstRoot = size === 0 ? undefined : dstTree.root();
    if (root !== undefined && Buffer.compare(root, dstRoot as Hash) !== 0) throw mismatch('root', `another root at tree size ${size}`);
    const srcCps = src.listCheckpoints();
    const dstCps = dst.listCheckpoints();
    if (dstCps.length !== srcCps.length)
      throw mismatch('checkpoints', `${dstCps.length} checkpoints where the source has ${srcCps.length}`);
    for (let i = 0; i < srcCps.length; i++) {
      const a = srcCps[i] as StoredCheckpoint;
      const b = dstCps[i] as StoredCheckpoint;
      if (a.treeSize !== b.treeSize || a.note !== b.note || Buffer.compare(a.root, b.root) !== 0 || a.createdUs !== b.createdUs) {
        throw mismatch('checkpoint', `the checkpoint of tree size ${a.treeSize} differs`, { treeSize: a.treeSize });
      }
      if (a.treeSize === 0 || a.treeSize > size || root === undefined) continue;
      try {
        verifyConsistency(a.treeSize, size, dstTree.consistencyProof(a.treeSize, size), a.root, root);
      } catch (err) {
        throw mismatch(
          'consistency',
          `the checkpoint of tree size ${a.treeSize} is not consistent with the new tree: ${(err as Error).message}`,
          {
            treeSize: a.treeSize,
          },
        );
      }
    }
    return { events, treeSize: size, root: root === undefined ? '' : Buffer.from(root).toString('base64'), checkpoints: srcCps.length };
  } finally {
    dst.close();
  }
}
