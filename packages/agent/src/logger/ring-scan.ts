/**
 * Reading the logger's own records back from the ring at open: the newest
 * one (the chain head), and the records of one kind in a seq range (seals
 * to replay, `log_dropped` records to account for). Payloads are the
 * records' canonical JSON, whose keys are sorted and unspaced, so a record's
 * name can be found as `"name":"…"` before anything is parsed.
 */
import type { ChainedEvent } from '@seclog/core';
import type { RingStore } from '../ring/ring-store.js';
import type { CorruptRange } from '../ring/ring-types.js';

const READ_RECORDS = 2000;
const READ_BYTES = 4 * 1024 * 1024;

const text = (p: Uint8Array): string => Buffer.from(p.buffer, p.byteOffset, p.length).toString('utf8');

/** The newest record the ring can read back, or undefined; unreadable ones are skipped (and added to `corrupt`). */
export function readNewest(ring: RingStore, corrupt: CorruptRange[]): ChainedEvent | undefined {
  let span = 1;
  for (;;) {
    const s = ring.stats();
    if (s.records === 0) return undefined;
    const from = Math.max(s.oldestSeq, s.newestSeq - span + 1);
    const batch = ring.read(from, span, span * 20_000);
    corrupt.push(...batch.corrupt);
    const last = batch.records[batch.records.length - 1];
    if (last !== undefined) {
      try {
        return JSON.parse(text(last.payload)) as ChainedEvent;
      } catch {
        return undefined;
      }
    }
    if (from === s.oldestSeq) return undefined;
    span *= 8;
  }
}

/**
 * Call `fn` for every record named `name` with seq in [fromSeq, toSeq], in
 * seq order; `fn` returns false to stop. Damage met is added to `corrupt`.
 */
export function scanRecords(
  ring: RingStore,
  name: string,
  fromSeq: number,
  toSeq: number,
  corrupt: CorruptRange[],
  fn: (rec: ChainedEvent) => boolean | undefined,
): void {
  const mark = `"name":${JSON.stringify(name)}`;
  let from = Math.max(1, fromSeq);
  while (from <= toSeq) {
    const batch = ring.read(from, READ_RECORDS, READ_BYTES);
    corrupt.push(...batch.corrupt);
    if (batch.records.length === 0) return;
    for (const r of batch.records) {
      if (r.seq > toSeq) return;
      const t = text(r.payload);
      if (!t.includes(mark)) continue;
      const rec = JSON.parse(t) as ChainedEvent;
      if (rec.name === name && fn(rec) === false) return;
    }
    from = batch.records[batch.records.length - 1]!.seq + 1;
  }
}
