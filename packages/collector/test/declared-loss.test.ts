/**
 * Gaps a device declared lost (ingest/declared-loss.ts): an open gap that
 * the device's own log_dropped records cover is a storage matter, not an
 * integrity finding; one they do not cover (or cover only in part) stays an
 * integrity failure. The gap stays open either way and can still be filled.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Hash } from '@seclog/core';
import fc from 'fast-check';
import { type CheckItem, runComplianceCheck } from '../src/compliance/check.js';
import { CONFIG_DEFAULTS } from '../src/config/defaults.js';
import { accountGaps, coveringReasons, unexplainedGaps } from '../src/ingest/declared-loss.js';
import { reportDevices } from '../src/retention/device-report.js';
import { IngestHarness, k0Of, StreamBuilder, testDevice } from './ingest-harness.js';

let h: IngestHarness;
beforeEach(() => {
  h = new IngestHarness({ memory: true });
});
afterEach(() => h.close());

const dev = (id: string) => h.enrol(testDevice(id, k0Of(id)));
const dropped = (from: number, to: number, extra: Record<string, string> = {}) => ({
  from_seq: from,
  to_seq: to,
  count: to - from + 1,
  reason: 'overwritten',
  ...extra,
});
/**
 * The integrity item. The harness runs no integrator, so a checkpoint row stands in for one over
 * every stored record (the item only asks that one exists).
 */
function integrity(): CheckItem {
  const s = h.store;
  s.putCheckpoint({ treeSize: s.eventCount(), root: new Uint8Array(32) as Hash, note: 'test checkpoint', createdUs: Date.now() * 1000 });
  const items = runComplianceCheck({ store: s, detection: { enabled: true, alertingRules: 1 } }).items;
  return items.find((i) => i.id === 'integrity') as CheckItem;
}

/**
 * A stream of 20 records whose 6..10 never reach the collector (the ring overwrote them): 1..5 are
 * shipped, then 11..20, with the log_dropped records the test asks for among them.
 */
async function overflowed(device: string, drops: Record<string, string | number>[], stream?: string): Promise<StreamBuilder> {
  const d = dev(device);
  const s = new StreamBuilder(device, stream === undefined ? {} : { stream }).add(12);
  for (const attrs of drops) s.push('log_dropped', attrs as Record<string, string | number>);
  s.add(20 - s.lastSeq);
  await h.ack(d, s.range(1, 5));
  const r = await h.ack(d, s.range(11, 20));
  assert.deepEqual(r.gaps, [{ from: 6, to: 11 }]);
  return s;
}

describe('declared loss', () => {
  test('a gap the device declared dropped: integrity passes and says so; the device report counts it; a late fill still closes it', async () => {
    const s = await overflowed('dl-1', [dropped(6, 10)]);
    const [a] = accountGaps(h.store, 'dl-1');
    assert.deepEqual([a?.gap.fromSeq, a?.gap.toSeq, a?.declaredReasons], [6, 11, ['overwritten']]);
    assert.deepEqual(unexplainedGaps(h.store, 'dl-1'), []);
    const item = integrity();
    assert.equal(item.pass, true, item.why);
    assert.match(item.evidence.join('\n'), /open gaps no log_dropped explains .*: 0/);
    assert.match(item.evidence.join('\n'), /declared lost .*: 1 \(dl-1: 5 overwritten\)/);
    const report = reportDevices(h.store, CONFIG_DEFAULTS.devices).find((r) => r.id === 'dl-1');
    assert.deepEqual([report?.integrity.openGaps, report?.integrity.droppedGaps], [1, 1]);
    // The records turn up after all: the gap is filled as any other.
    await h.ack(h.store.getDevice('dl-1')!, s.range(6, 10));
    assert.deepEqual(accountGaps(h.store, 'dl-1'), []);
  });

  test('two log_dropped records covering the gap together declare it; one covering part of it does not', async () => {
    await overflowed('dl-2', [dropped(6, 7), dropped(8, 10)]);
    assert.deepEqual(accountGaps(h.store, 'dl-2')[0]?.declaredReasons, ['overwritten']);
    await overflowed('dl-3', [dropped(6, 8)]);
    assert.deepEqual(
      unexplainedGaps(h.store, 'dl-3').map((g) => [g.fromSeq, g.toSeq]),
      [[6, 11]],
    );
    const item = integrity();
    assert.equal(item.pass, false);
    assert.match(item.why ?? '', /1 gap\(s\) in device streams are open and no log_dropped record explains them/);
    assert.match(item.evidence.join('\n'), /declared lost .*: 1 \(dl-2: 5 overwritten\)/);
    const report = reportDevices(h.store, CONFIG_DEFAULTS.devices).find((r) => r.id === 'dl-3');
    assert.deepEqual([report?.integrity.openGaps, report?.integrity.droppedGaps], [1, 0]);
  });

  test('a log_dropped naming another stream explains that stream’s gap, not its own; another device’s never counts', async () => {
    // dl-4's stream A loses 6..10; the record that says so travels in stream B.
    await overflowed('dl-4', [], 'dl-4.a');
    assert.equal(unexplainedGaps(h.store, 'dl-4').length, 1);
    const b = new StreamBuilder('dl-4', { stream: 'dl-4.b' }).add(2);
    b.push('log_dropped', dropped(6, 10, { stream: 'dl-4.a' }));
    await h.ack(h.store.getDevice('dl-4')!, b.range(1, 3));
    assert.deepEqual(accountGaps(h.store, 'dl-4')[0]?.declaredReasons, ['overwritten']);
    // dl-5 has the same gap; dl-4's records do not explain it.
    await overflowed('dl-5', [], 'dl-5.a');
    assert.equal(unexplainedGaps(h.store, 'dl-5').length, 1);
  });
});

test('coveringReasons agrees with a seq-by-seq check (property)', () => {
  const range = fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 10 }), fc.constantFrom('overwritten', 'queue_full'))
    .map(([from, len, reason]) => ({ from, to: from + len, reason }));
  fc.assert(
    fc.property(
      fc.array(range, { maxLength: 8 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 10 }),
      (ranges, from, len) => {
        const to = from + len;
        const got = coveringReasons(ranges, from, to);
        let covered = true;
        for (let s = from; s <= to; s++) if (!ranges.some((r) => r.from <= s && s <= r.to)) covered = false;
        assert.equal(got.length > 0, covered);
        if (covered) {
          const used = new Set(ranges.filter((r) => r.to >= from && r.from <= to).map((r) => r.reason));
          assert.deepEqual(got, [...used].sort());
        }
      },
    ),
    { numRuns: 2000 },
  );
});
