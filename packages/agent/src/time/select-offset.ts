/**
 * Combining several servers into one offset, so that one lying or broken
 * server among honest ones cannot move the result.
 *
 * Each server's estimate gives a correctness interval
 * [offset − error, offset + error] that contains the true offset if the
 * server is honest (RFC 5905 §11.2.1). Marzullo's algorithm finds the
 * region covered by the most intervals. The rule:
 *
 * - the servers whose intervals cover that region are the truechimers; they
 *   must be a strict majority of the servers that answered, or the poll
 *   fails ("no-majority"): with two answers that disagree we cannot tell
 *   which one lies, so we believe neither;
 * - the offset is the median of the truechimers' offsets (robust even if a
 *   liar claims a huge error to cover everything);
 * - its error bound must hold even when a liar sits among the truechimers
 *   (a tight interval inside the honest ones narrows the covered region away
 *   from the truth, so "the far end of the region" is not safe). For each
 *   truechimer i, |offset − offset_i| + error_i bounds the error if i is
 *   honest. With k truechimers of which at most f = ⌊(k − 1) / 2⌋ lie (the
 *   assumption the median already makes), the (f + 1)-th smallest of these
 *   belongs to, or exceeds that of, an honest server, so it is a bound.
 *
 * Hence: 1 server is believed alone; 3 survive 1 liar; 4 survive 1 liar;
 * 5 survive 2. A single configured server cannot be checked at all.
 */

export interface OffsetCandidate {
  readonly server: string;
  readonly offsetMs: number;
  readonly errorMs: number;
}

export type OffsetSelection =
  | {
      readonly kind: 'ok';
      readonly offsetMs: number;
      readonly errorMs: number;
      /** The truechimer with the smallest error: named in events as the server used. */
      readonly server: string;
      readonly truechimers: readonly string[];
      readonly falsetickers: readonly string[];
    }
  | { readonly kind: 'no-answer' }
  | { readonly kind: 'no-majority'; readonly answered: number; readonly largestAgreeing: number };

export function selectOffset(candidates: readonly OffsetCandidate[]): OffsetSelection {
  const n = candidates.length;
  if (n === 0) return { kind: 'no-answer' };
  // +1 opens an interval, −1 closes it; at equal values opens sort first (closed intervals touch).
  const points = candidates
    .flatMap((c) => [
      { at: c.offsetMs - c.errorMs, step: 1 },
      { at: c.offsetMs + c.errorMs, step: -1 },
    ])
    .sort((a, b) => a.at - b.at || b.step - a.step);
  let count = 0;
  let best = 0;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    count += p.step;
    if (p.step === 1 && count > best) {
      best = count;
      lo = p.at;
      hi = points[i + 1]!.at; // an open interval always closes later, so a next point exists
    }
  }
  if (best * 2 <= n) return { kind: 'no-majority', answered: n, largestAgreeing: best };
  const truechimers = candidates.filter((c) => c.offsetMs - c.errorMs <= lo && c.offsetMs + c.errorMs >= hi);
  const falsetickers = candidates.filter((c) => !truechimers.includes(c)).map((c) => c.server);
  const offsets = truechimers.map((c) => c.offsetMs).sort((a, b) => a - b);
  const mid = Math.floor(offsets.length / 2);
  const offsetMs = offsets.length % 2 === 1 ? offsets[mid]! : (offsets[mid - 1]! + offsets[mid]!) / 2;
  const closest = truechimers.reduce((a, b) => (b.errorMs < a.errorMs ? b : a));
  const bounds = truechimers.map((c) => Math.abs(offsetMs - c.offsetMs) + c.errorMs).sort((a, b) => a - b);
  return {
    kind: 'ok',
    offsetMs,
    errorMs: bounds[Math.floor((truechimers.length - 1) / 2)]!,
    server: closest.server,
    truechimers: truechimers.map((c) => c.server),
    falsetickers,
  };
}
