/**
 * An export file written in pieces and installed whole: the lines go to a
 * temp file beside the target (mode 0600: an export holds the log), in
 * writes of about 1 MiB, then fsync, rename and fsync of the directory. A
 * failure or an abort removes the temp file, so the target is either the
 * previous file or the complete new one, never half an export.
 *
 * Writes are synchronous: the CLI has nothing else to do meanwhile, and a
 * sync write keeps memory at one buffer whatever the export's size.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from '../keys/atomic-write.js';

const FLUSH_BYTES = 1 << 20;

export class AtomicFile {
  readonly path: string;
  readonly #tmp: string;
  #fd: number | undefined;
  #pending: string[] = [];
  #pendingBytes = 0;
  /** Bytes written so far (UTF-8). */
  bytes = 0;

  constructor(path: string) {
    this.path = path;
    this.#tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    this.#fd = openSync(this.#tmp, 'wx', 0o600);
  }

  /** Appends text (lines with their LF). */
  write(text: string): void {
    this.#pending.push(text);
    this.#pendingBytes += text.length;
    if (this.#pendingBytes >= FLUSH_BYTES) this.#flush();
  }

  #flush(): void {
    if (this.#fd === undefined || this.#pending.length === 0) return;
    const buf = Buffer.from(this.#pending.join(''), 'utf8');
    let at = 0;
    while (at < buf.length) at += writeSync(this.#fd, buf, at, buf.length - at);
    this.bytes += buf.length;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  /** Flushes, syncs and renames onto the target. */
  async commit(): Promise<void> {
    this.#flush();
    const fd = this.#fd as number;
    fsyncSync(fd);
    closeSync(fd);
    this.#fd = undefined;
    renameSync(this.#tmp, this.path);
    await fsyncDir(dirname(this.path));
  }

  /** Drops the temp file (after a failure); the target is untouched. */
  abort(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(this.#tmp, { force: true });
  }
}
