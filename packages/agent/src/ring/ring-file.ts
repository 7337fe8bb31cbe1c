/**
 * Positioned reads and writes on the ring file, with the data area treated
 * as a circle: a frame that runs past the end continues at the start.
 *
 * Synchronous calls on a kept-open descriptor, far cheaper for a few
 * hundred bytes than a round trip through the libuv thread pool. fdatasync
 * runs in the pool (group-commit.ts), so appends go on while a batch is
 * being made durable, except for urgent syncs on a fast disk, which run on
 * this thread (inline-sync.ts).
 *
 * Appended frames are written behind: consecutive frames gather in one
 * buffer (WRITE_BEHIND_BYTES) and reach the file in one pwrite when it
 * fills, when the current macrotask ends, or before any other read, write,
 * fsync or close of the file. A pwrite per record was the largest single
 * cost of an append (a system call of ~5–10 µs for ~600 bytes); pino's
 * asynchronous destination buffers the same way. What this changes is only
 * what a *process* crash loses: at most the frames of the current burst,
 * always a suffix (the buffer is written in order, before anything else),
 * which is the power-cut case the recovery scan already handles, and never a
 * record whose durability was promised (every fsync writes the buffer first).
 * A process that exits on its own (process.exit, the end of main) writes
 * them from an 'exit' listener; only kill -9 and crashes of the runtime lose
 * them.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, readSync, writeSync, writevSync } from 'node:fs';
import { DATA_OFFSET } from './layout.js';

/** Frames gathered before one pwrite (about a hundred records of ~600 bytes). */
export const WRITE_BEHIND_BYTES = 64 * 1024;

/**
 * Ring files holding frames not yet written. A product that ends with
 * process.exit() (or by returning from main) without closing the logger
 * still gets them into the file: one 'exit' listener for all rings, which
 * writes synchronously, as 'exit' listeners must.
 */
const buffered = new Set<RingFile>();
let exitHook = false;

function flushAllOnExit(): void {
  for (const f of buffered) {
    try {
      f.flush();
    } catch {
      // The process is ending; what could not be written is the power-cut case recovery handles.
    }
  }
}

export class RingFile {
  readonly fd: number;
  readonly capacity: number;
  /** Frames not yet written: `#pending[0, #pendingLen)` belongs at data position `#pendingPos`. */
  readonly #pending = Buffer.allocUnsafe(WRITE_BEHIND_BYTES);
  #pendingPos = 0;
  #pendingLen = 0;
  #flushQueued = false;
  /** A write behind that failed with nobody to tell: thrown by the next operation on the file. */
  #failed: Error | undefined;
  readonly #flushLater = (): void => {
    this.#flushQueued = false;
    try {
      this.flush();
    } catch (err) {
      this.#failed = err as Error;
    }
  };

  constructor(fd: number, capacity: number) {
    this.fd = fd;
    this.capacity = capacity;
  }

  /** Bytes appended but not yet handed to the kernel. */
  get pendingBytes(): number {
    return this.#pendingLen;
  }

  /** Write the gathered frames now (every other operation on the file does this first). */
  flush(): void {
    const failed = this.#failed;
    if (failed !== undefined) {
      this.#failed = undefined;
      throw failed;
    }
    const len = this.#pendingLen;
    if (len === 0) return;
    // Cleared first: a failed write must not be retried over later frames by the next call; it throws to the caller.
    this.#pendingLen = 0;
    buffered.delete(this);
    this.writeFully(DATA_OFFSET + this.#pendingPos, this.#pending, 0, len);
  }

  /** Read `len` bytes of the data area from circular position `pos` into `buf[off, off + len)`; len ≤ capacity. */
  readData(pos: number, buf: Uint8Array, off: number, len: number): void {
    this.flush();
    const first = Math.min(len, this.capacity - pos);
    this.readFully(DATA_OFFSET + pos, buf, off, first);
    if (first < len) this.readFully(DATA_OFFSET, buf, off + first, len - first);
  }

  /** Append a header and a payload as one frame at circular position `pos` (written behind when it continues the gathered frames). */
  writeFrame(pos: number, header: Uint8Array, payload: Uint8Array): void {
    const len = header.length + payload.length;
    if (pos + len <= this.capacity && len <= WRITE_BEHIND_BYTES) {
      if (this.#pendingLen > 0 && (pos !== this.#pendingPos + this.#pendingLen || this.#pendingLen + len > WRITE_BEHIND_BYTES)) {
        this.flush();
      }
      if (this.#pendingLen === 0) {
        this.#pendingPos = pos;
        buffered.add(this);
        if (!exitHook) {
          exitHook = true;
          process.on('exit', flushAllOnExit);
        }
      }
      const at = this.#pendingLen;
      this.#pending.set(header, at);
      this.#pending.set(payload, at + header.length);
      this.#pendingLen = at + len;
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        setImmediate(this.#flushLater).unref();
      }
      return;
    }
    this.flush();
    if (pos + len <= this.capacity) {
      const n = writevSync(this.fd, [header, payload], DATA_OFFSET + pos);
      if (n === len) return;
      // A short vectored write is legal; finish it piece by piece.
      this.writeData(pos, Buffer.concat([header, payload]).subarray(n), n);
      return;
    }
    this.writeData(pos, Buffer.concat([header, payload]), 0);
  }

  /** Write `buf[skip..]` at circular position `pos + skip`. */
  writeData(pos: number, buf: Uint8Array, skip = 0): void {
    this.flush();
    let p = (pos + skip) % this.capacity;
    let off = 0;
    const total = buf.length;
    while (off < total) {
      const n = Math.min(total - off, this.capacity - p);
      this.writeFully(DATA_OFFSET + p, buf, off, n);
      off += n;
      p = (p + n) % this.capacity;
    }
  }

  readAt(filePos: number, buf: Uint8Array, off: number, len: number): number {
    this.flush();
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, buf, off + done, len - done, filePos + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  writeAt(filePos: number, buf: Uint8Array): void {
    this.flush();
    this.writeFully(filePos, buf, 0, buf.length);
  }

  fileSize(): number {
    this.flush();
    return fstatSync(this.fd).size;
  }

  truncate(size: number): void {
    this.flush();
    ftruncateSync(this.fd, size);
  }

  syncNow(): void {
    this.flush();
    fdatasyncSync(this.fd);
  }

  syncAsync(cb: (err: NodeJS.ErrnoException | null) => void): void {
    try {
      this.flush();
    } catch (err) {
      // The fsync would not cover those frames: its waiters must hear of it, asynchronously as from fdatasync.
      process.nextTick(cb, err as NodeJS.ErrnoException);
      return;
    }
    fdatasync(this.fd, cb);
  }

  /**
   * fdatasync on this thread; `cb` gets its error (or null) from a later
   * macrotask, like syncAsync's, so callers see one contract and a loop of
   * awaited syncs still lets timers and I/O run. Returns how long the
   * fdatasync took, in ms.
   */
  syncInline(cb: (err: NodeJS.ErrnoException | null) => void): number {
    let err: NodeJS.ErrnoException | null = null;
    let ms = 0;
    try {
      this.flush();
      const t0 = performance.now();
      fdatasyncSync(this.fd);
      ms = performance.now() - t0;
    } catch (e) {
      err = e as NodeJS.ErrnoException;
    }
    setImmediate(cb, err);
    return ms;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      buffered.delete(this);
      closeSync(this.fd);
    }
  }

  private readFully(filePos: number, buf: Uint8Array, off: number, len: number): void {
    const n = this.readAt(filePos, buf, off, len);
    // Past the end of a file that was cut short: what is missing reads as zeros, i.e. as no frame.
    if (n < len) buf.fill(0, off + n, off + len);
  }

  private writeFully(filePos: number, buf: Uint8Array, off: number, len: number): void {
    let done = 0;
    while (done < len) done += writeSync(this.fd, buf, off + done, len - done, filePos + done);
  }
}
