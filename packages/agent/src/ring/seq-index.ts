/**
 * A sparse index from seq to data position: one checkpoint per stride of
 * bytes (the first retained record always among them), so finding where a
 * seq starts reads at most one stride of headers. Memory is bounded by the
 * capacity (capacity / stride entries), never by the number of records.
 * Kept in a circular deque of two Float64Arrays; seqs ascend from front to back.
 */
export class SeqIndex {
  #seqs: Float64Array;
  #pos: Float64Array;
  #head = 0;
  #size = 0;

  constructor(initialEntries = 64) {
    this.#seqs = new Float64Array(initialEntries);
    this.#pos = new Float64Array(initialEntries);
  }

  get size(): number {
    return this.#size;
  }

  clear(): void {
    this.#head = 0;
    this.#size = 0;
  }

  push(seq: number, pos: number): void {
    if (this.#size === this.#seqs.length) this.#grow();
    const i = (this.#head + this.#size) % this.#seqs.length;
    this.#seqs[i] = seq;
    this.#pos[i] = pos;
    this.#size++;
  }

  lastPos(): number {
    return this.#size === 0 ? -1 : (this.#pos[(this.#head + this.#size - 1) % this.#pos.length] as number);
  }

  /** The oldest retained record moved to (seq, pos): forget checkpoints before it and make it the first. */
  setFront(seq: number, pos: number): void {
    while (this.#size > 0 && (this.#seqs[this.#head] as number) <= seq) {
      this.#head = (this.#head + 1) % this.#seqs.length;
      this.#size--;
    }
    if (this.#size === this.#seqs.length) this.#grow();
    this.#head = (this.#head - 1 + this.#seqs.length) % this.#seqs.length;
    this.#seqs[this.#head] = seq;
    this.#pos[this.#head] = pos;
    this.#size++;
  }

  /** The last checkpoint with seq ≤ `seq` (or the first one when all are above): [seq, pos], or null when empty. */
  floor(seq: number): [number, number] | null {
    if (this.#size === 0) return null;
    let lo = 0;
    let hi = this.#size - 1;
    const n = this.#seqs.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.#seqs[(this.#head + mid) % n] as number) <= seq) lo = mid;
      else hi = mid - 1;
    }
    const i = (this.#head + lo) % n;
    return [this.#seqs[i] as number, this.#pos[i] as number];
  }

  /** The first checkpoint with seq > `seq`: [seq, pos], or null. */
  above(seq: number): [number, number] | null {
    const n = this.#seqs.length;
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#seqs[(this.#head + mid) % n] as number) <= seq) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.#size) return null;
    const i = (this.#head + lo) % n;
    return [this.#seqs[i] as number, this.#pos[i] as number];
  }

  #grow(): void {
    const n = this.#seqs.length;
    const seqs = new Float64Array(n * 2);
    const pos = new Float64Array(n * 2);
    for (let k = 0; k < this.#size; k++) {
      seqs[k] = this.#seqs[(this.#head + k) % n] as number;
      pos[k] = this.#pos[(this.#head + k) % n] as number;
    }
    this.#seqs = seqs;
    this.#pos = pos;
    this.#head = 0;
  }
}
