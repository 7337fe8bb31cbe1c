/**
 * `seclog verify --data DIR --db postgres://…`: the whole-store verification
 * (verify/verify-store.ts) against PostgreSQL. The log's verifier key comes
 * from the data directory's log.vkey unless one is pinned. Everything runs
 * in this thread over the store's one connection (the worker threads of the
 * SQLite path open the file themselves). Opening the store applies pending
 * schema migrations, as every `--db` command does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeclogError } from '@seclog/core';
import { LOG_VKEY_FILE } from '../keys/log-key.js';
import { openPgStore } from '../store/pg/pg-store.js';
import { originOfKey } from '../verify/open-readonly.js';
import type { StoreVerification } from '../verify/store-result.js';
import { type VerifyStoreOptions, verifyStore } from '../verify/verify-store.js';

export async function verifyDatabase(
  dir: string,
  url: string,
  opts: VerifyStoreOptions & { verifierKey?: string } = {},
): Promise<StoreVerification> {
  let verifierKey = opts.verifierKey;
  if (verifierKey === undefined) {
    try {
      verifierKey = (await readFile(join(dir, LOG_VKEY_FILE), 'utf8')).trim();
    } catch {
      throw new SeclogError('VERIFY_INPUT_INVALID', `${join(dir, LOG_VKEY_FILE)} cannot be read; pin the log's key with --key`, {
        path: dir,
        reason: 'vkey',
      });
    }
  }
  const origin = originOfKey(verifierKey);
  const store = openPgStore(url);
  try {
    return await verifyStore({ store, origin, verifierKey }, { ...opts, workers: 0 });
  } finally {
    store.close();
  }
}
