/**
 * RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) proof checks, written
 * again for the browser from the RFC's algorithms so the dashboard does not take
 * the server's word: leaf = SHA-256(0x00 ‖ d), node = SHA-256(0x01 ‖ l ‖ r).
 * Tree sizes and indexes stay below 2^53, so halving uses division, not `>>`.
 */
import { concat, equalBytes, sha256 } from './bytes.js';

const NODE = Uint8Array.of(0x01);
const LEAF = Uint8Array.of(0x00);

export function hashLeaf(data: Uint8Array): Promise<Uint8Array> {
  return sha256(concat(LEAF, data));
}

function hashChildren(l: Uint8Array, r: Uint8Array): Promise<Uint8Array> {
  return sha256(concat(NODE, l, r));
}

const odd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** Why a proof failed, for the page to show. */
export type ProofResult = { ok: true } | { ok: false; reason: string };

const fail = (reason: string): ProofResult => ({ ok: false, reason });

export async function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<ProofResult> {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
    return fail(`leaf index ${index} is not below tree size ${size}`);
  }
  if (leafHash.length !== 32 || root.length !== 32 || proof.some((p) => p.length !== 32)) return fail('a hash is not 32 bytes');
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return fail('the proof is longer than the tree allows');
    if (odd(fn) || fn === sn) {
      r = await hashChildren(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('the proof is shorter than the tree needs');
  return equalBytes(r, root) ? { ok: true } : fail('the root the proof implies differs from the checkpoint root');
}

const isPowerOfTwo = (n: number): boolean => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

export async function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<ProofResult> {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first >= 0 && first <= second)) {
    return fail(`need 0 ≤ first ≤ second (got ${first}, ${second})`);
  }
  if (proof.some((p) => p.length !== 32)) return fail('a proof hash is not 32 bytes');
  if (first === second) {
    if (proof.length !== 0) return fail('equal sizes take an empty proof');
    return equalBytes(firstRoot, secondRoot) ? { ok: true } : fail('two checkpoints of one size have different roots');
  }
  // Every tree is consistent with the empty tree (RFC 9162 §2.1.4: size 0 needs no proof).
  if (first === 0) return proof.length === 0 ? { ok: true } : fail('size 0 takes an empty proof');
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return fail('the proof is empty');
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return fail('the proof is longer than the trees allow');
    if (odd(fn) || fn === sn) {
      fr = await hashChildren(c, fr);
      sr = await hashChildren(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('the proof is shorter than the trees need');
  if (!equalBytes(fr, firstRoot)) return fail('the proof does not lead to the older root');
  if (!equalBytes(sr, secondRoot)) return fail('the proof does not lead to the newer root');
  return { ok: true };
}
