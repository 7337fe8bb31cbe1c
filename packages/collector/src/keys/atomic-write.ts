/**
 * Crash-safe small-file writes for the data directory. After a power cut the
 * file is either absent or whole, never truncated:
 *
 *   1. write `.<name>.<pid>.<random>.tmp` (created exclusively, final mode)
 *   2. fsync the temp file        the bytes are on disk
 *   3. rename, or link for no-clobber, onto the final name
 *   4. fsync the directory        the name is on disk
 *
 * `link` rather than `rename` when the file must not be replaced: it fails
 * with EEXIST instead of overwriting, so two collectors starting on a fresh
 * data directory cannot both install a key and each believe theirs is the one.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Final file mode, applied with chmod so the umask cannot loosen or tighten it. */
  readonly mode: number;
  /** false: fail with EEXIST when the file already exists. */
  readonly replace: boolean;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', options.mode);
  try {
    try {
      await fh.chmod(options.mode);
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.replace) await rename(tmp, path);
    else await link(tmp, path);
  } finally {
    // After a rename the temp name is gone and this is a no-op; after a link
    // (or a failure) it removes the spare name.
    await rm(tmp, { force: true });
  }
  await fsyncDir(dir);
}

/** Makes a directory entry change durable. Windows cannot open directories; NTFS journals names itself. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
