/**
 * Positioned reads and writes on the ring file, with the data area treated
 * as a circle: a frame that runs past the end continues at the start.
 *
 * Synchronous calls on a kept-open descriptor: for writes of a few hundred
 * bytes they cost one pwrite each, far less than a round trip through the
 * libuv thread pool. Only fdatasync runs asynchronously (group-commit.ts),
 * so appends go on while a batch is being made durable.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, readSync, writeSync, writevSync } from 'node:fs';
import { DATA_OFFSET } from './layout.js';

export class RingFile {
  readonly fd: number;
  readonly capacity: number;

  constructor(fd: number, capacity: number) {
    this.fd = fd;
    this.capacity = capacity;
  }

  /** Read `len` bytes of the data area from circular position `pos` into `buf[off, off + len)`; len ≤ capacity. */
  readData(pos: number, buf: Uint8Array, off: number, len: number): void {
    const first = Math.min(len, this.capacity - pos);
    this.readFully(DATA_OFFSET + pos, buf, off, first);
    if (first < len) this.readFully(DATA_OFFSET, buf, off + first, len - first);
  }

  /** Write a header and a payload as one frame at circular position `pos`. */
  writeFrame(pos: number, header: Uint8Array, payload: Uint8Array): void {
    const len = header.length + payload.length;
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
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, buf, off + done, len - done, filePos + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  writeAt(filePos: number, buf: Uint8Array): void {
    this.writeFully(filePos, buf, 0, buf.length);
  }

  fileSize(): number {
    return fstatSync(this.fd).size;
  }

  truncate(size: number): void {
    ftruncateSync(this.fd, size);
  }

  syncNow(): void {
    fdatasyncSync(this.fd);
  }

  syncAsync(cb: (err: NodeJS.ErrnoException | null) => void): void {
    fdatasync(this.fd, cb);
  }

  close(): void {
    closeSync(this.fd);
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
