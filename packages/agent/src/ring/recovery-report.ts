/**
 * What the open tells the logger: which records were lost to damage (by
 * seq, above the acknowledged mark only: the collector has the rest), which
 * were torn while being written, and how the file was found.
 */
import type { OpenedRing } from './ring-open.js';
import type { CorruptRange, RecoveryReport, SeqRange } from './ring-types.js';

export interface RecoveredRing {
  readonly records: number;
  readonly oldestSeq: number;
  readonly newestSeq: number;
  readonly ackedSeq: number;
  readonly headPos: number;
  readonly tailPos: number;
  readonly durationMs: number;
}

export function buildRecovery(o: OpenedRing, r: RecoveredRing): RecoveryReport {
  const corrupt: CorruptRange[] = [];
  let overwritten: SeqRange | null = null;
  const slot = o.slot;
  const cap = o.capacity;
  const firstLoss = r.ackedSeq + 1;
  const push = (where: CorruptRange['where'], from: number, to: number, fromPos: number, toPos: number): void => {
    const f = Math.max(from, firstLoss);
    if (to >= f) corrupt.push({ fromSeq: f, toSeq: to, count: to - f + 1, where, fromPos, toPos, foundBy: 'open' });
  };
  if (slot !== null && slot.lastSeq > 0 && r.records === 0) {
    // Nothing left of what the last state write had on disk.
    push('tail', Math.max(slot.tailSeq, 1), slot.lastSeq, slot.tailPos % cap, slot.headPos % cap);
  } else if (slot !== null && slot.lastSeq > 0) {
    if (slot.tailSeq > 0 && slot.tailSeq < r.oldestSeq) {
      const from = Math.max(slot.tailSeq, firstLoss);
      const to = Math.min(r.oldestSeq - 1, slot.lastSeq);
      // Appends since that state write began at its head; if they reached past its tail (or replaced all it
      // had), they overwrote these records the normal way, and each append reported what it dropped.
      const dist = (a: number, b: number): number => (((b - a) % cap) + cap) % cap;
      const appendedPastTail =
        r.newestSeq > slot.lastSeq &&
        (r.oldestSeq > slot.lastSeq || dist(slot.headPos % cap, slot.tailPos % cap) < dist(slot.headPos % cap, r.headPos));
      if (!appendedPastTail) push('front', slot.tailSeq, to, slot.tailPos % cap, r.tailPos);
      else if (to >= from) overwritten = { fromSeq: from, toSeq: to, count: to - from + 1 };
    }
    if (slot.lastSeq > r.newestSeq) push('tail', r.newestSeq + 1, slot.lastSeq, r.headPos, slot.headPos % cap);
  }
  // Seqs above the last state write's durable mark were never reported durable: missing ones are torn, not corrupt.
  const durableUpTo = slot === null ? Number.POSITIVE_INFINITY : slot.lastSeq;
  const scan = o.scan;
  let tornFrom = scan !== null && scan.tornToSeq > 0 ? scan.tornFromSeq : 0;
  let tornTo = scan !== null && scan.tornToSeq > 0 ? scan.tornToSeq : 0;
  for (const g of scan?.gaps ?? []) {
    push('middle', g.fromSeq, Math.min(g.toSeq, durableUpTo), g.fromPos, g.toPos);
    const f = Math.max(g.fromSeq, durableUpTo + 1);
    if (g.toSeq >= f) {
      tornFrom = tornFrom === 0 ? f : Math.min(tornFrom, f);
      tornTo = Math.max(tornTo, g.toSeq);
    }
  }
  corrupt.sort((a, b) => a.fromSeq - b.fromSeq);
  const torn = tornTo > 0 ? { fromSeq: tornFrom, toSeq: tornTo, count: tornTo - tornFrom + 1 } : null;
  return {
    created: o.created,
    reinitialised: o.reinitialised,
    capacityBytes: cap,
    requestedCapacityBytes: o.requestedCapacityBytes,
    slot: o.slotIndex < 0 ? null : o.slotIndex === 0 ? 'A' : 'B',
    damagedSlots: o.created || o.reinitialised !== null ? [] : o.damagedSlots,
    superblockDamaged: o.created || o.reinitialised !== null ? false : o.superblockDamaged,
    extendedBytes: o.extendedBytes,
    corrupt,
    overwritten,
    torn,
    records: r.records,
    oldestSeq: r.oldestSeq,
    newestSeq: r.newestSeq,
    ackedSeq: r.ackedSeq,
    bytesRead: scan?.bytesRead ?? 0,
    payloadBytesVerified: scan?.payloadBytesVerified ?? 0,
    durationMs: r.durationMs,
  };
}
