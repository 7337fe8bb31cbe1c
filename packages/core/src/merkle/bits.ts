/**
 * Bit operations on tree sizes and node indices held in `number`.
 *
 * JavaScript's bitwise operators truncate to 32 bits, but a log may pass 2^32
 * leaves, so every helper here works on the full safe-integer range
 * [0, 2^53 − 1] by splitting into high and low 32-bit words. Using `number`
 * rather than `bigint` keeps the append path allocation-free.
 */

import { SeclogError } from '../errors.js';

const TWO_32 = 2 ** 32;

/** Throws unless n is an integer in [0, 2^53 − 1]; `what` names it in the error. */
export function assertTreeInt(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new SeclogError('MERKLE_SIZE_INVALID', `${what} must be a non-negative safe integer, got ${n}`, { what, got: n });
  }
}

/** Number of bits needed to write n (Go's bits.Len64); 0 for 0. */
export function bitLength(n: number): number {
  if (n < TWO_32) return 32 - Math.clz32(n);
  return 64 - Math.clz32(Math.floor(n / TWO_32));
}

function trailingZeros32(n: number): number {
  return 31 - Math.clz32(n & -n);
}

/** Count of trailing zero bits; n must be > 0. */
export function trailingZeros(n: number): number {
  const low = n % TWO_32;
  if (low !== 0) return trailingZeros32(low);
  return 32 + trailingZeros32(Math.floor(n / TWO_32));
}

function onesCount32(n: number): number {
  let v = n >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function onesCount(n: number): number {
  return onesCount32(n % TWO_32) + onesCount32(Math.floor(n / TWO_32));
}

/** n >> k without 32-bit truncation. */
export function shiftRight(n: number, k: number): number {
  return k >= 53 ? 0 : Math.floor(n / 2 ** k);
}

/** n << k; the caller guarantees the result stays a safe integer. */
export function shiftLeft(n: number, k: number): number {
  return n * 2 ** k;
}

/** Bit k of n, as 0 or 1. */
export function bitAt(n: number, k: number): number {
  return shiftRight(n, k) % 2;
}

export function xor(a: number, b: number): number {
  const high = (Math.floor(a / TWO_32) ^ Math.floor(b / TWO_32)) >>> 0;
  const low = ((a % TWO_32) ^ (b % TWO_32)) >>> 0;
  return high * TWO_32 + low;
}

/** n with all bits at positions ≥ k cleared, i.e. n mod 2^k. */
export function lowBits(n: number, k: number): number {
  return k >= 53 ? n : n % 2 ** k;
}
