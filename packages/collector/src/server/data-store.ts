/**
 * Opening a data directory: the directory (0700), the log key, the store —
 * the embedded SQLite file (WAL, synchronous=FULL), or PostgreSQL when a
 * `db` URL is given (the keys stay in the directory) — and the enrolment
 * context bound to the collector's own stream. Shared by the server and the
 * CLI commands that work on the data directory directly (`seclog device …`,
 * `seclog token create`, `seclog user …`, `seclog check`).
 */
import { join } from 'node:path';
import { createApiToken, type EnrolContext } from '../enrol/enrol.js';
import { OwnStreamBuilder } from '../ingest/own-stream.js';
import { initDataDir } from '../keys/data-dir.js';
import { type LogKey, loadOrCreateLogKey } from '../keys/log-key.js';
import { openPgStore } from '../store/pg/pg-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';

export const DB_FILE = 'seclog.db';
const ADMIN_META = 'first_admin_token';

export interface OpenedDataDir {
  path: string;
  /** True when this call created the directory. */
  created: boolean;
  store: Store & { close(): void };
  /** Where the store is: the SQLite file, or the PostgreSQL URL without its password. */
  storeLocation: string;
  key: LogKey;
  /** For enrol/enrol.ts; its events are committed at once (no group committer). */
  enrol: EnrolContext;
  close(): void;
}

export async function openDataDir(dir: string, origin?: string, options: { db?: string | undefined } = {}): Promise<OpenedDataDir> {
  const dd = await initDataDir(dir);
  const key = await loadOrCreateLogKey(dd.path, origin === undefined ? {} : { origin });
  const file = join(dd.path, DB_FILE);
  const store = options.db === undefined ? openSqliteStore(file) : openPgStore(options.db);
  const storeLocation = options.db === undefined ? file : withoutPassword(options.db);
  const own = new OwnStreamBuilder(store, key.origin);
  const enrol: EnrolContext = {
    store,
    record: (events) => own.appendNow(events),
    origin: key.origin,
    verifierKey: key.verifierKey,
  };
  return { path: dd.path, created: dd.created, store, storeLocation, key, enrol, close: () => store.close() };
}

/** A database URL fit to print: its password replaced. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(a database URL that does not parse)';
  }
}

/**
 * On the first run, an admin API token: returned once (the caller prints it),
 * kept only as a hash. Later runs return undefined; `seclog token create`
 * makes more.
 */
export function ensureFirstAdminToken(dd: OpenedDataDir): string | undefined {
  if (dd.store.getMeta(ADMIN_META) !== undefined) return undefined;
  const { id, token } = createApiToken(dd.enrol, 'admin', 'first-run admin');
  dd.store.setMeta(ADMIN_META, id);
  return token;
}
