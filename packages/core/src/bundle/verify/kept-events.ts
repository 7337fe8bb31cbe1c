/**
 * What the verifier keeps of each event line until the end: its leaf index,
 * its line number, its leaf hash and its chain hash, in flat typed arrays (a
 * million events take 80 MB and no object each; a Buffer per hash would
 * cost several times that).
 */
import type { Positions } from './locate.js';

const INITIAL = 1024;
/** A header may claim any count; never preallocate more than this many events on its word. */
const MAX_PREALLOCATED = 1 << 20;

export class KeptEvents implements Positions {
  #count = 0;
  #indexes: Float64Array;
  #lines: Float64Array;
  #leaves: Buffer;
  #chains: Buffer;

  constructor(expected = INITIAL) {
    const cap = Math.max(INITIAL, Math.min(expected, MAX_PREALLOCATED));
    this.#indexes = new Float64Array(cap);
    this.#lines = new Float64Array(cap);
    this.#leaves = Buffer.allocUnsafe(cap * 32);
    this.#chains = Buffer.allocUnsafe(cap * 32);
  }

  get count(): number {
    return this.#count;
  }

  /** Keeps an event; returns its position. */
  push(index: number, line: number, leafHash: Uint8Array, chainHash: Uint8Array): number {
    if (this.#count === this.#indexes.length) this.#grow();
    this.#indexes[this.#count] = index;
    this.#lines[this.#count] = line;
    this.#leaves.set(leafHash, this.#count * 32);
    this.#chains.set(chainHash, this.#count * 32);
    return this.#count++;
  }

  /** The chain hash of the event at `pos` (a view). */
  chainHash(pos: number): Buffer {
    return this.#chains.subarray(pos * 32, pos * 32 + 32);
  }

  index(pos: number): number {
    return this.#indexes[pos] as number;
  }

  line(pos: number): number {
    return this.#lines[pos] as number;
  }

  /** Leaf indexes by position (a view, valid until the next push). */
  indexes(): Float64Array {
    return this.#indexes.subarray(0, this.#count);
  }

  /** Leaf hashes by position, 32 bytes each (a view). */
  leafHashes(): Buffer {
    return this.#leaves.subarray(0, this.#count * 32);
  }

  #grow(): void {
    const cap = this.#indexes.length * 2;
    const indexes = new Float64Array(cap);
    indexes.set(this.#indexes);
    const lines = new Float64Array(cap);
    lines.set(this.#lines);
    const leaves = Buffer.allocUnsafe(cap * 32);
    this.#leaves.copy(leaves);
    const chains = Buffer.allocUnsafe(cap * 32);
    this.#chains.copy(chains);
    this.#indexes = indexes;
    this.#lines = lines;
    this.#leaves = leaves;
    this.#chains = chains;
  }
}
