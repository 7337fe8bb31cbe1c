/**
 * The data directory: the database and the log's signing key live here, so
 * it is private to the collector's user (mode 0700) from the moment it
 * exists. An existing directory is used as it is: its mode is the operator's
 * (a container volume may need group access), and the secret files inside
 * carry their own 0600.
 *
 *   <dataDir>/            0700
 *     log.key             0600  signer key, PRIVATE+KEY+<origin>+<id>+<seed>
 *     log.vkey            0644  verifier key, published to monitors
 *     …                         the store's files (store/)
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SeclogError } from '@seclog/core';
import { fsyncDir } from './atomic-write.js';

export const DATA_DIR_MODE = 0o700;

export interface DataDir {
  /** Absolute path. */
  readonly path: string;
  /** True on first run, when this call created the directory. */
  readonly created: boolean;
}

function dirError(path: string, problem: string, reason: string): SeclogError {
  return new SeclogError('DATA_DIR_INVALID', `data directory ${path} ${problem}`, { path, reason });
}

/** Creates the data directory on first run (mode 0700), or checks the existing one is a writable directory. */
export async function initDataDir(dir: string): Promise<DataDir> {
  const path = resolve(dir);
  let created = false;
  try {
    // stat, not lstat: a symlink to a directory (a mounted volume) is fine.
    const st = await stat(path);
    if (!st.isDirectory()) throw dirError(path, 'exists and is not a directory', 'not_a_directory');
  } catch (err) {
    if (err instanceof SeclogError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw dirError(path, `cannot be inspected (${code ?? String(err)})`, code ?? 'unknown');
    created = await createDir(path);
  }
  try {
    // Fail now, with the path, rather than later inside SQLite or a key write.
    await access(path, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw dirError(path, `is not readable and writable by this user (${code})`, code);
  }
  return { path, created };
}

async function createDir(path: string): Promise<boolean> {
  try {
    const first = await mkdir(path, { recursive: true, mode: DATA_DIR_MODE });
    // mkdir's mode passes through the umask; chmod makes it exactly 0700.
    await chmod(path, DATA_DIR_MODE);
    // The new name must survive a power cut as surely as the files put in it.
    await fsyncDir(dirname(first ?? path));
    return first !== undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw dirError(path, `cannot be created (${code})`, code);
  }
}
