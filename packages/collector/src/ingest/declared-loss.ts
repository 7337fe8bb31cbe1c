/**
 * Which open gaps a device has owned up to.
 *
 * A gap is a run of seqs a device chained that the collector lacks. Most
 * have a plain cause the device itself records: its ring overwrote
 * unshipped records during an outage and it appended `log_dropped
 * {from_seq, to_seq, count, reason}` to the same chain (docs/agent.md,
 * "When the ring is full"). Such a gap is loss, declared and authenticated
 * by the chain; it will not be filled, and it is a storage matter (the
 * compliance check's "Sufficient storage" item fails on it), not a sign of
 * tampering. A gap no `log_dropped` explains means records were withheld or
 * destroyed without a word, which is what the integrity item is about.
 *
 * The gap itself stays open in the store: if the records do turn up (a
 * device that under-reported its loss), they still fill it, anchored to
 * the gap's hashes as any late fill.
 *
 * Read-side only: a gap is "declared" when the union of the device's
 * `log_dropped` ranges for that stream covers every seq of it. The
 * records are found through the query path (index on name + time), newest
 * first, at most MAX_DROP_RECORDS per device.
 */

import type { StreamGap } from '../store/stream-state.js';
import type { Store } from '../store/types.js';

/** log_dropped records read per device at most (a ring overflowing for a day records at most one a second). */
export const MAX_DROP_RECORDS = 100_000;
const PAGE = 1000;
const MAX_PAGES = 1000;

export interface GapAccount {
  gap: StreamGap;
  /** The `reason`s of the log_dropped records covering it, sorted; empty: the gap is unexplained. */
  declaredReasons: string[];
}

interface DropRange {
  from: number;
  /** Inclusive. */
  to: number;
  reason: string;
}

/** Every open gap of `device` (all streams), each with whether the device declared it dropped. */
export function accountGaps(store: Store, device: string): GapAccount[] {
  const gaps = store.listGaps(device);
  if (gaps.length === 0) return [];
  const drops = dropRanges(store, device, new Set(gaps.map((g) => g.stream)));
  return gaps.map((gap) => ({ gap, declaredReasons: coveringReasons(drops.get(gap.stream) ?? [], gap.fromSeq, gap.toSeq - 1) }));
}

/** The open gaps of `device` that no log_dropped explains. */
export function unexplainedGaps(store: Store, device: string): StreamGap[] {
  return accountGaps(store, device)
    .filter((a) => a.declaredReasons.length === 0)
    .map((a) => a.gap);
}

/** log_dropped ranges of `device` by stream, for the streams asked about. */
function dropRanges(store: Store, device: string, streams: ReadonlySet<string>): Map<string, DropRange[]> {
  const out = new Map<string, DropRange[]>();
  let beforePos: number | undefined;
  let read = 0;
  // A page may hold fewer than PAGE events (the store bounds the rows one call examines): bound the pages too.
  for (let pages = 0; read < MAX_DROP_RECORDS && pages < MAX_PAGES; pages++) {
    const page = store.queryEvents({ device, name: 'log_dropped', limit: PAGE, ...(beforePos === undefined ? {} : { beforePos }) });
    for (const e of page.events) {
      read++;
      const a = (JSON.parse(e.canonical) as { attrs?: Record<string, unknown> }).attrs ?? {};
      const stream = typeof a.stream === 'string' ? a.stream : e.stream;
      if (stream === null || !streams.has(stream)) continue;
      if (!Number.isSafeInteger(a.from_seq) || !Number.isSafeInteger(a.to_seq)) continue;
      const from = a.from_seq as number;
      const to = a.to_seq as number;
      if (to < from) continue;
      const list = out.get(stream) ?? [];
      list.push({ from, to, reason: typeof a.reason === 'string' ? a.reason : 'other' });
      out.set(stream, list);
    }
    if (page.nextBeforePos === undefined) break;
    beforePos = page.nextBeforePos;
  }
  return out;
}

/** The reasons of the ranges that meet [from, to] (inclusive), sorted, when together they cover it; else empty. */
export function coveringReasons(ranges: readonly DropRange[], from: number, to: number): string[] {
  const relevant = ranges.filter((r) => r.to >= from && r.from <= to).sort((a, b) => a.from - b.from);
  let next = from;
  for (const r of relevant) {
    if (r.from > next) return [];
    if (r.to + 1 > next) next = r.to + 1;
  }
  return next > to ? [...new Set(relevant.map((r) => r.reason))].sort() : [];
}
