/**
 * A sliding read window over the data area seen as one long byte stream that
 * starts at `startPos` and runs once around the circle plus one largest
 * frame, so a frame that begins before the end of the lap is read whole.
 * Virtual offset v is data position (startPos + v) mod capacity.
 */
import { FRAME_MAGIC } from './frame.js';
import type { RingFile } from './ring-file.js';

export class ScanWindow {
  readonly buf: Buffer;
  /** Virtual offset of buf[0], and how many bytes from there are loaded. */
  base = 0;
  len = 0;
  /** Bytes read from the file so far. */
  bytesRead = 0;
  readonly #file: RingFile;
  readonly #start: number;
  readonly #limit: number;

  constructor(file: RingFile, startPos: number, maxFrameBytes: number, windowBytes: number) {
    this.#file = file;
    this.#start = startPos;
    this.#limit = file.capacity + maxFrameBytes;
    this.buf = Buffer.allocUnsafe(Math.max(Math.min(windowBytes, this.#limit), maxFrameBytes));
  }

  /** Make bytes [v, v + n) available; returns their offset in `buf`. n must fit the window. */
  ensure(v: number, n: number): number {
    if (v >= this.base && v + n <= this.base + this.len) return v - this.base;
    this.#fill(v);
    return 0;
  }

  /** Virtual offset of the next frame magic at or after `from` and before `limit`, else `limit`. */
  findMagic(from: number, limit: number): number {
    let v = from;
    while (v < limit) {
      const off = this.ensure(v, Math.min(2, this.#limit - v));
      const idx = this.buf.subarray(0, this.len).indexOf(FRAME_MAGIC, off);
      if (idx >= 0) return Math.min(this.base + idx, limit);
      // Not in this window: go on from its last byte, in case the magic straddles the edge.
      const next = this.base + this.len - 1;
      if (next <= v || this.base + this.len >= this.#limit) return limit;
      v = next;
    }
    return limit;
  }

  #fill(v: number): void {
    const cap = this.#file.capacity;
    const want = Math.min(this.buf.length, this.#limit - v);
    let p = (this.#start + v) % cap;
    let done = 0;
    while (done < want) {
      const n = Math.min(want - done, cap - p);
      this.#file.readData(p, this.buf, done, n);
      done += n;
      p = (p + n) % cap;
    }
    this.bytesRead += want;
    this.base = v;
    this.len = want;
  }
}
