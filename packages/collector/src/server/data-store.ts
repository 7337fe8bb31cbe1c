/**
 * Opening a data directory: the directory (0700), the log key, the SQLite
 * store (WAL, synchronous=FULL) and the enrolment context bound to the
 * collector's own stream. Shared by the server and the CLI commands that work
 * on the data directory directly (`seclog device …`, `seclog token create`).
 */
import { join } from 'node:path';
import { createApiToken, type EnrolContext } from '../enrol/enrol.js';
import { OwnStreamBuilder } from '../ingest/own-stream.js';
import { initDataDir } from '../keys/data-dir.js';
import { type LogKey, loadOrCreateLogKey } from '../keys/log-key.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';

export const DB_FILE = 'seclog.db';
const ADMIN_META = 'first_admin_token';

export interface OpenedDataDir {
  path: string;
  /** True when this call created the directory. */
  created: boolean;
  store: SqliteStore;
  key: LogKey;
  /** For enrol/enrol.ts; its events are committed at once (no group committer). */
  enrol: EnrolContext;
  close(): void;
}

export async function openDataDir(dir: string, origin?: string): Promise<OpenedDataDir> {
  const dd = await initDataDir(dir);
  const key = await loadOrCreateLogKey(dd.path, origin === undefined ? {} : { origin });
  const store = openSqliteStore(join(dd.path, DB_FILE));
  const own = new OwnStreamBuilder(store, key.origin);
  const enrol: EnrolContext = {
    store,
    record: (events) => own.appendNow(events),
    origin: key.origin,
    verifierKey: key.verifierKey,
  };
  return { path: dd.path, created: dd.created, store, key, enrol, close: () => store.close() };
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
