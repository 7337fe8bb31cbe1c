/**
 * The records the logger writes about its own store: what the ring reports
 * (overwritten records, damage, a low share of free space) as catalogue
 * events. Pure functions from the ring's reports to `log.event` input.
 */
import type { EventInput } from '@seclog/core';
import type { CorruptRange, RecoveryReport, RingStats } from '../ring/ring-types.js';
import type { LossRange } from './drop-ledger.js';

export type DropReason = 'overwritten' | 'rejected' | 'storage_error' | 'other';

export interface OwnEvent {
  readonly name: string;
  readonly input: EventInput;
}

/** `log_dropped` for a run of lost seqs; `stream` when they belonged to another (an earlier) stream. */
export function droppedEvent(r: LossRange, reason: DropReason, why: string, stream?: string): OwnEvent {
  const attrs: Record<string, string | number> = { from_seq: r.from, to_seq: r.to, count: r.count, reason };
  if (stream !== undefined) attrs.stream = stream;
  const seqs = r.from === r.to ? `record ${r.from}` : `${r.count} records in ${r.from}..${r.to}`;
  return { name: 'log_dropped', input: { attrs, message: `${seqs}${stream === undefined ? '' : ` of stream ${stream}`} ${why}` } };
}

const WHERE: Readonly<Record<CorruptRange['where'], string>> = {
  middle: 'between two intact records',
  front: 'before the oldest intact record, which the last state write still listed',
  tail: 'after the newest intact record, although the last state write had them on disk',
};

/**
 * `log_store_corrupt` for damage the ring found and padded over. Offsets
 * are positions in the ring's data area (the file offset is 12,288 more);
 * a range that wraps has to_offset past the capacity. When the ring could
 * not locate the damage, the range is one byte at its start.
 */
export function corruptEvent(c: CorruptRange, capacityBytes: number, stream?: string): OwnEvent {
  const span = (((c.toPos - c.fromPos) % capacityBytes) + capacityBytes) % capacityBytes;
  const bytes = Math.max(1, span);
  const found = c.foundBy === 'open' ? 'at open' : 'while reading for the collector';
  return {
    name: 'log_store_corrupt',
    input: {
      attrs: {
        from_offset: c.fromPos,
        to_offset: c.fromPos + bytes,
        bytes,
        from_seq: c.fromSeq,
        to_seq: c.toSeq,
        reason: c.foundBy === 'read' ? 'crc_mismatch' : 'other',
        store: 'ring',
        ...(stream === undefined ? {} : { stream }),
      },
      message: `the ring found ${c.count} unacknowledged record(s) ${c.fromSeq}..${c.toSeq}${stream === undefined ? '' : ` of stream ${stream}`} damaged ${WHERE[c.where]} (${found}); skipped`,
    },
  };
}

/**
 * What the ring's open found, as records (`overwritten` is the logger's: it
 * checks whether a `log_dropped` for it survived). `stream`: the stream the
 * damaged records belonged to, when the logger has since started another
 * (an extra attr; the catalogue's attrs are open).
 */
export function recoveryEvents(r: RecoveryReport, stream?: string): OwnEvent[] {
  const out: OwnEvent[] = [];
  if (r.reinitialised !== null) {
    out.push({
      name: 'log_store_corrupt',
      input: {
        attrs: { from_offset: 0, to_offset: r.capacityBytes, bytes: r.capacityBytes, reason: 'other', store: 'ring' },
        message: `the ring file held no readable ring and was started afresh: ${r.reinitialised}`,
      },
    });
  }
  for (const c of r.corrupt) out.push(corruptEvent(c, r.capacityBytes, stream));
  return out;
}

/** `log_storage_low` when unacknowledged records rose through a threshold (a share of the capacity). */
export function storageLowEvent(threshold: number, s: RingStats): OwnEvent {
  const usedPct = Math.round(s.unackedShare * 1000) / 10;
  return {
    name: 'log_storage_low',
    input: {
      attrs: {
        used_pct: usedPct,
        threshold_pct: Math.round(threshold * 1000) / 10,
        capacity_bytes: s.capacityBytes,
        free_bytes: Math.max(0, s.capacityBytes - s.unackedBytes),
        unshipped: Math.max(0, s.newestSeq - s.ackedSeq),
        store: 'ring',
      },
      message: `unacknowledged records fill ${usedPct} % of the ring; beyond 100 % the oldest are overwritten`,
    },
  };
}
