/**
 * Filling a gap the collector reports. A collector that fills gaps lists them
 * in the cursor answer (`gaps`, half-open [from, to)) and stores a fill only
 * when it chains to a known end: a run starting at `from` (its prev must be
 * the hash before the gap) or ending at `to − 1` (its hash must be the prev
 * the record after the gap names). A run touching neither end is refused as
 * unanchored. So a gap is filled front to back while the source still has its
 * first record, and back to front when that one is gone.
 */

export interface SeqRange {
  from: number;
  to: number;
}

/** The next fill batch for gap `g` (inclusive seqs), given the first seq the source has at or after g.from. */
export function planFill(
  g: SeqRange,
  firstAvailable: number | undefined,
  maxRecords: number,
): { from: number; to: number; anchor: 'front' | 'back' } | undefined {
  if (firstAvailable === undefined || firstAvailable >= g.to) return undefined;
  if (firstAvailable === g.from) return { from: g.from, to: Math.min(g.to - 1, g.from + maxRecords - 1), anchor: 'front' };
  return { from: Math.max(firstAvailable, g.to - maxRecords), to: g.to - 1, anchor: 'back' };
}

/** The gap left after a fill of [from, to] (inclusive) shipped with `anchor`; undefined when closed. */
export function afterFill(g: SeqRange, filled: { from: number; to: number }, anchor: 'front' | 'back'): SeqRange | undefined {
  const rest = anchor === 'front' ? { from: filled.to + 1, to: g.to } : { from: g.from, to: filled.from };
  return rest.from < rest.to ? rest : undefined;
}
