import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from './ship-fake-collector.js';
import { nonDecreasing, range, rig, STREAM } from './ship-setup.js';

test('several batches in flight, sent in seq order; answers applied in seq order even when they arrive reversed', async () => {
  const r = await rig({ maxInFlight: 3, profile: { batchMaxEvents: 5 } });
  try {
    // The first batch is answered last, the third first.
    r.fake.answerDelayMs = (n) => [500, 100, 0][n] ?? 0;
    r.append(1, 15);
    r.shipper.start();
    await waitFor(() => r.fake.posts().length === 3, 2000, 'three batches out');
    assert.equal(r.fake.maxOpen, 3, 'all three in flight at once');
    assert.deepEqual(
      r.fake.posts().map((p) => p.first),
      [1, 6, 11],
    );
    // Batches 2 and 3 are answered, batch 1 is not: the mark has not moved.
    await waitFor(() => r.fake.posts()[1]!.status === 200 && r.fake.posts()[2]!.status === 200, 2000, 'answers 2 and 3');
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(r.fake.posts()[0]!.status, 0, 'batch 1 still unanswered');
    assert.equal(r.source.ackedSeq(), 0);
    await r.shipper.flush({ timeoutMs: 3000 });
    assert.equal(r.source.ackedSeq(), 15);
    assert.ok(nonDecreasing(r.source.ackCalls), `ack calls ${r.source.ackCalls}`);
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 15));
  } finally {
    await r.done();
  }
});

test('one batch in flight by default', async () => {
  const r = await rig({ profile: { batchMaxEvents: 5 } });
  try {
    r.fake.answerDelayMs = () => 20;
    r.append(1, 30);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 3000 });
    assert.equal(r.fake.maxOpen, 1);
  } finally {
    await r.done();
  }
});

test('a failed batch inside the window: later acks do not move the mark; the gap it left is filled from the source', async () => {
  const r = await rig({ maxInFlight: 3, profile: { batchMaxEvents: 5 } });
  try {
    // A collector that fills gaps: batches 2 and 3 are stored behind the gap batch 1 left.
    r.fake.fillGaps = true;
    r.fake.postScript.push({ status: 503, body: {} });
    r.fake.answerDelayMs = (n) => (n === 0 ? 100 : 0);
    r.append(1, 15);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 3000 });
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 15));
    assert.deepEqual(r.source.ackCalls, [15], 'the mark waited below the gap, then moved once');
    assert.deepEqual(
      r.reports.filter((x) => x.kind === 'gap-filled'),
      [{ kind: 'gap-filled', from: 1, to: 6 }],
    );
  } finally {
    await r.done();
  }
});
