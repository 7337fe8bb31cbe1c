/**
 * The DropLedger against a model of a FIFO ring: whatever the order of
 * appends and reports, and however small the ring (two records or more:
 * a ring of one cannot hold a record and its description), once the collector has
 * acknowledged and the last report is shipped, the delivered records and
 * the ranges of the delivered `log_dropped` records cover every seq exactly
 * once (the accounting of issue D item 9: delivered + Σ count = recorded).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DropLedger, type LossRange } from '../src/logger/drop-ledger.js';

test('ranges merge where the seqs run on, and a lost description comes back undescribed', () => {
  const l = new DropLedger();
  l.overwritten({ from: 1, to: 3, count: 3 });
  l.overwritten({ from: 4, to: 4, count: 1 });
  assert.deepEqual(l.take(), [{ from: 1, to: 4, count: 4 }]);
  l.describedBy(10, { from: 1, to: 4, count: 4 });
  l.overwritten({ from: 5, to: 9, count: 5 });
  assert.equal(l.pendingCount, 5);
  // Record 10 (the description of 1..4) is overwritten: 1..4 is undescribed again, merged with 5..10.
  l.overwritten({ from: 10, to: 10, count: 1 });
  assert.deepEqual(l.take(), [{ from: 1, to: 10, count: 10 }]);
  l.describedBy(20, { from: 1, to: 10, count: 10 });
  l.acked(20);
  l.overwritten({ from: 21, to: 21, count: 1 });
  assert.deepEqual(l.take(), [{ from: 21, to: 21, count: 1 }], 'an acknowledged description is safe at the collector');
});

interface Rec {
  seq: number;
  describes?: LossRange;
}

/** A ring of `cap` records, the logger's report loop, then a collector that acknowledges everything. */
function simulate(cap: number, ops: readonly boolean[]): { last: number; delivered: Rec[] } {
  const ledger = new DropLedger();
  const ring: Rec[] = [];
  let last = 0;
  let acked = 0;
  const append = (describes?: LossRange): number => {
    const seq = ++last;
    ring.push(describes === undefined ? { seq } : { seq, describes });
    while (ring.length > cap) {
      const gone = ring.shift()!;
      if (gone.seq > acked) ledger.overwritten({ from: gone.seq, to: gone.seq, count: 1 });
    }
    return seq;
  };
  const report = (): void => {
    for (const r of ledger.take()) ledger.describedBy(append(r), r);
  };
  const delivered: Rec[] = [];
  for (const op of ops) {
    if (op) append();
    else report();
  }
  // The collector comes back: it takes what the ring holds, then the reports that follow (as flush() does).
  for (let round = 0; round < 10; round++) {
    for (const r of ring) if (r.seq > acked) delivered.push(r);
    acked = last;
    ledger.acked(acked);
    if (!ledger.hasPending) break;
    report();
  }
  return { last, delivered };
}

test('property: delivered records and delivered log_dropped ranges cover every seq exactly once', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 12 }), fc.array(fc.boolean(), { maxLength: 300 }), (cap, ops) => {
      const { last, delivered } = simulate(cap, ops);
      const seen = new Map<number, number>();
      const mark = (s: number): void => {
        seen.set(s, (seen.get(s) ?? 0) + 1);
      };
      let sum = 0;
      for (const r of delivered) {
        mark(r.seq);
        if (r.describes !== undefined) {
          sum += r.describes.count;
          for (let s = r.describes.from; s <= r.describes.to; s++) mark(s);
        }
      }
      assert.equal(delivered.length + sum, last);
      for (let s = 1; s <= last; s++) assert.equal(seen.get(s), 1, `seq ${s} of ${last}`);
    }),
    { numRuns: 1000 },
  );
});

test('records in flight are held back from a report, and delivered ones leave the ledger', () => {
  const l = new DropLedger();
  l.overwritten({ from: 10, to: 30, count: 21 });
  // 15..19 are in a batch the shipper has sent and not yet had answered.
  assert.deepEqual(l.take([{ from: 15, to: 19 }]), [
    { from: 10, to: 14, count: 5 },
    { from: 20, to: 30, count: 11 },
  ]);
  assert.equal(l.pendingCount, 5);
  // The collector took the batch: those records were not lost.
  l.delivered([{ from: 15, to: 17 }]);
  assert.deepEqual(l.take(), [{ from: 18, to: 19, count: 2 }]);
  // A range with seqs missing inside (count below its span) cannot be cut, and stays whole.
  l.overwritten({ from: 40, to: 49, count: 7 });
  assert.deepEqual(l.take([{ from: 42, to: 43 }]), [{ from: 40, to: 49, count: 7 }]);
});
