import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterFill, planFill } from '../src/ship/gap-fill.js';
import { range, rig, STREAM } from './ship-setup.js';

const cases: { name: string; gap: [number, number]; first: number | undefined; max: number; want: ReturnType<typeof planFill> }[] = [
  { name: 'front, whole gap', gap: [5, 9], first: 5, max: 10, want: { from: 5, to: 8, anchor: 'front' } },
  { name: 'front, larger than a batch', gap: [5, 30], first: 5, max: 10, want: { from: 5, to: 14, anchor: 'front' } },
  { name: 'front gone: back-anchored', gap: [5, 9], first: 7, max: 10, want: { from: 7, to: 8, anchor: 'back' } },
  { name: 'front gone, larger than a batch', gap: [5, 40], first: 7, max: 10, want: { from: 30, to: 39, anchor: 'back' } },
  { name: 'source has none of it', gap: [5, 9], first: 9, max: 10, want: undefined },
  { name: 'source empty', gap: [5, 9], first: undefined, max: 10, want: undefined },
];
for (const c of cases) {
  test(`planFill: ${c.name}`, () => assert.deepEqual(planFill({ from: c.gap[0], to: c.gap[1] }, c.first, c.max), c.want));
}

test('afterFill: what is left of a gap', () => {
  assert.deepEqual(afterFill({ from: 5, to: 30 }, { from: 5, to: 14 }, 'front'), { from: 15, to: 30 });
  assert.deepEqual(afterFill({ from: 5, to: 40 }, { from: 30, to: 39 }, 'back'), { from: 5, to: 30 });
  assert.equal(afterFill({ from: 5, to: 9 }, { from: 5, to: 8 }, 'front'), undefined);
});

/** A fake collector that already holds 1..4 and 9..20, with the gap [5, 9) open. */
async function withGap(opts: { fill: boolean }) {
  const r = await rig();
  r.fake.fillGaps = opts.fill;
  r.fake.cursors.set(STREAM, 20);
  r.fake.gaps.set(STREAM, [{ from: 5, to: 9 }]);
  const held = new Map<number, string>();
  for (const s of [...range(1, 4), ...range(9, 20)]) held.set(s, '{}');
  r.fake.stored.set(STREAM, held);
  return r;
}

test('a gap the collector reports is filled from the source before new records; the mark waits below it', async () => {
  const r = await withGap({ fill: true });
  try {
    r.append(1, 25);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 3000 });
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 25));
    assert.deepEqual(
      r.fake.posts().map((p) => [p.first, p.last]),
      [
        [5, 8],
        [21, 25],
      ],
    );
    assert.deepEqual(r.source.ackCalls.slice(0, 2), [4, 20], 'held at 4 until the fill, then released');
    assert.deepEqual(
      r.reports.map((x) => x.kind),
      ['gap-filled'],
    );
  } finally {
    await r.done();
  }
});

test('when the gap front is gone from the source, the rest is filled back-anchored; what the source lacks is left quietly', async () => {
  const r = await withGap({ fill: true });
  try {
    r.append(1, 25);
    r.source.dropBefore(7);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 3000 });
    assert.deepEqual(r.fake.posts()[0]!.first, 7);
    assert.deepEqual(r.fake.gaps.get(STREAM), [{ from: 5, to: 7 }]);
    assert.deepEqual(r.reports, [], 'the ring reported its own overwrite; nothing new to say');
  } finally {
    await r.done();
  }
});

test('a collector that lists gaps but does not store fills: given up once, with a report, and shipping goes on', async () => {
  const r = await withGap({ fill: true });
  try {
    // The fill is answered as duplicates: nothing stored.
    r.fake.postScript.push({ status: 200, body: { acked: { stream: STREAM, seq: 20, head: 'a'.repeat(64) }, accepted: 0, duplicates: 4 } });
    r.append(1, 25);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 3000 });
    assert.deepEqual(
      r.reports.map((x) => x.kind),
      ['gap-unfillable'],
    );
    assert.deepEqual(r.fake.seqs(STREAM).slice(-5), range(21, 25));
  } finally {
    await r.done();
  }
});
