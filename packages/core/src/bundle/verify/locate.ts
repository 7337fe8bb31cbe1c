/**
 * Locating a line that was removed, added, moved or repeated. The event lines
 * carry their leaf indexes in increasing order, and the proof line names the
 * tree nodes it carries; the leaves those nodes do not cover are exactly the
 * leaves the exporter put in the bundle. Comparing the two sets shows where a
 * leaf is missing (deleted: located at the line now standing where it
 * belongs), where one was added (inserted), or where a leaf index was edited
 * (modified: the line holds a leaf the proof does not name, in place of one
 * it does).
 */
import type { NodeId } from '../../merkle/node-id.js';
import { nodeLeaves } from '../batch-proof.js';
import { type BundleFailure, bundleFailure } from '../bundle-result.js';

/** The event lines kept: leaf index and line number by position. */
export interface Positions {
  readonly count: number;
  index(pos: number): number;
  line(pos: number): number;
}

/** Node intervals of a carried proof: sorted, disjoint, inside the tree; undefined when they are not. */
export function proofIntervals(ids: readonly NodeId[], size: number): { begin: number; end: number }[] | undefined {
  const out: { begin: number; end: number }[] = [];
  let cursor = 0;
  for (const { level, index } of ids) {
    const r = nodeLeaves(level, index);
    if (r.begin < cursor || r.end > size) return undefined;
    out.push(r);
    cursor = r.end;
  }
  return out;
}

/** Whether the proof leaves leaf `L` uncovered, i.e. names it as a bundle leaf. */
export function claimedByProof(intervals: readonly { begin: number; end: number }[], size: number, L: number): boolean {
  if (L >= size) return false;
  let lo = 0;
  let hi = intervals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((intervals[mid] as { end: number }).end <= L) lo = mid + 1;
    else hi = mid;
  }
  const r = intervals[lo];
  return r === undefined || r.begin > L;
}

/**
 * The first place where the bundle's leaves (sorted) and those the proof
 * names differ; null when they agree. Walks both in step, so it costs at most
 * one step per bundle leaf whatever the proof claims.
 */
export function locateAgainstProof(
  p: Positions,
  intervals: readonly { begin: number; end: number }[],
  size: number,
  proofLine: number,
): BundleFailure | null {
  let pos = 0;
  // The uncovered runs of [0, size), left to right.
  const runs: [number, number][] = [];
  let cursor = 0;
  for (const r of intervals) {
    if (r.begin > cursor) runs.push([cursor, r.begin]);
    cursor = r.end;
  }
  if (cursor < size) runs.push([cursor, size]);
  for (const [b, e] of runs) {
    for (let L = b; L < e; L++) {
      const got = pos < p.count ? p.index(pos) : Number.POSITIVE_INFINITY;
      if (got === L) {
        pos++;
        continue;
      }
      const line = pos < p.count ? p.line(pos) : proofLine;
      // A line holding a leaf the proof does not name, where a leaf it names is missing, had its index edited.
      const edited =
        got < L ? pos + 1 >= p.count || p.index(pos + 1) > L : got !== Number.POSITIVE_INFINITY && !claimedByProof(intervals, size, got);
      if (edited)
        return bundleFailure('modified', line, `the line holds leaf ${got} where the proof has leaf ${L}: its leaf index was changed`, {
          index: L,
        });
      if (got < L) return bundleFailure('inserted', line, `leaf ${got} is not a leaf the proof was made for`, { index: got });
      return bundleFailure('deleted', line, `leaf ${L} is missing: the proof was made for a bundle holding it`, { index: L });
    }
  }
  if (pos < p.count) {
    return bundleFailure('inserted', p.line(pos), `leaf ${p.index(pos)} is not a leaf the proof was made for`, { index: p.index(pos) });
  }
  return null;
}

/**
 * The first pair of event lines out of leaf order is at positions j − 1, j.
 * A repeat of the line before is the later copy; otherwise the line that does
 * not fit between its neighbours is the one out of place: inserted when its
 * leaf is held twice (or the proof does not name it), reordered when not.
 */
export function locateDisorder(p: Positions, j: number, claimed?: (L: number) => boolean): BundleFailure {
  const cur = p.index(j);
  const before = p.index(j - 1);
  if (cur === before) return bundleFailure('inserted', p.line(j), `leaf ${cur} appears twice`, { index: cur });
  const odd = j < 2 || cur > p.index(j - 2) ? j - 1 : j;
  const L = p.index(odd);
  let copies = 0;
  for (let k = 0; k < p.count && copies < 2; k++) if (p.index(k) === L) copies++;
  if (copies > 1 || (claimed !== undefined && !claimed(L))) {
    return bundleFailure('inserted', p.line(odd), `leaf ${L} is out of place and ${copies > 1 ? 'appears twice' : 'not in the proof'}`, {
      index: L,
    });
  }
  return bundleFailure('reordered', p.line(odd), `leaf ${L} is out of leaf order`, { index: L });
}
