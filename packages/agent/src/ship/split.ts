/**
 * Isolating a refused record. The collector refuses a whole batch when one
 * record is bad (invalid, breaking the chain, too large); retrying the same
 * batch would fail forever. The batch's range is split and each part shipped
 * on its own: parts that pass are acknowledged as usual, a refused part is
 * split again, and a refused single record is skipped with a report. When the
 * refusal names the record (`details.index`), the split is made right there,
 * so the bad record is alone by the second try; otherwise it is binary, about
 * log2(n) refusals for one bad record in n.
 *
 * Ranges are inclusive [from, to] and kept as a stack: the left part is on
 * top, so records still go out in seq order.
 */

export interface IsolationRange {
  from: number;
  to: number;
  /** The collector named this range's first record: ship it alone next. */
  suspectFirst?: boolean;
}

/**
 * The parts to push (right first, then left) after `range` was refused when
 * shipped as the batch [first, last] (last ≤ range.to; the rest of the range
 * was not in that batch). `index` is the record the collector named, if any.
 */
export function splitRefused(range: IsolationRange, first: number, last: number, index: number | undefined): IsolationRange[] {
  const n = last - first + 1;
  let leftEnd: number;
  if (index !== undefined && index > 0 && index < n) leftEnd = first + index - 1;
  else if (index === 0 || n === 1) leftEnd = first;
  else leftEnd = first + Math.floor(n / 2) - 1;
  const parts: IsolationRange[] = [];
  const named = index !== undefined && index > 0 && index < n;
  if (leftEnd < range.to) parts.push(named ? { from: leftEnd + 1, to: range.to, suspectFirst: true } : { from: leftEnd + 1, to: range.to });
  parts.push({ from: range.from, to: leftEnd });
  return parts;
}
