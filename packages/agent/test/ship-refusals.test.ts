import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryShipSource, type ShipReport } from '../src/index.js';
import { FakeCollector, fakeRecord } from './ship-fake-collector.js';
import { range, rig, STREAM } from './ship-setup.js';

const rejected = (reports: ShipReport[]): number[] => reports.flatMap((r) => (r.kind === 'record-rejected' ? [r.seq] : []));

test('a refused record named by details.index is isolated in two more requests, skipped with a report, the rest delivered', async () => {
  const r = await rig();
  try {
    r.fake.refuse.add(17);
    r.append(1, 30);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(
      r.fake.seqs(STREAM),
      range(1, 30).filter((s) => s !== 17),
    );
    assert.deepEqual(
      r.fake.posts().map((p) => [p.first, p.last, p.status]),
      [
        [1, 10, 200],
        [11, 20, 400],
        [11, 16, 200],
        [17, 17, 400],
        [18, 20, 200],
        [21, 30, 200],
      ],
    );
    const [report] = r.reports;
    assert.equal(report?.kind, 'record-rejected');
    assert.deepEqual(report?.kind === 'record-rejected' && [report.seq, report.status, report.code], [17, 400, 'INGEST_RECORD_INVALID']);
    assert.equal(r.source.ackedSeq(), 30);
    assert.equal(r.shipper.status().skipped, 1);
  } finally {
    await r.done();
  }
});

test('without an index the refused batch is split in halves; several bad records each get one report', async () => {
  const r = await rig({ profile: { batchMaxEvents: 16 } });
  try {
    r.fake.refuseWithIndex = false;
    for (const s of [3, 8, 9, 16]) r.fake.refuse.add(s);
    r.append(1, 16);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(r.fake.seqs(STREAM), [1, 2, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15]);
    assert.deepEqual(rejected(r.reports), [3, 8, 9, 16]);
    assert.ok(r.fake.posts().length <= 4 * 2 * Math.log2(16) + 1, `${r.fake.posts().length} requests`);
  } finally {
    await r.done();
  }
});

test('property: whatever the refused set and batch size, exactly the refused records are skipped and reported, in order', async () => {
  const fake = new FakeCollector();
  await fake.start();
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 8 }),
        async (n, batch, withIndex, bad) => {
          fake.refuse.clear();
          fake.refuseWithIndex = withIndex;
          const refused = bad.filter((s) => s <= n).sort((a, b) => a - b);
          for (const s of refused) fake.refuse.add(s);
          const stream = `stream-${++run}`;
          const r = await rig({ profile: { batchMaxEvents: batch }, refusalStormLimit: 100, source: new MemoryShipSource(stream) }, fake);
          for (let s = 1; s <= n; s++) r.source.append(fakeRecord(stream, s));
          r.shipper.start();
          try {
            await r.shipper.flush({ timeoutMs: 5000 });
          } finally {
            await r.shipper.close();
          }
          assert.deepEqual(
            fake.seqs(stream),
            range(1, n).filter((s) => !refused.includes(s)),
          );
          assert.deepEqual(rejected(r.reports), refused);
        },
      ),
      { numRuns: 40 },
    );
  } finally {
    await fake.stop();
  }
});

test('413: the batch is split, the smaller size is kept, nothing is skipped', async () => {
  const r = await rig();
  try {
    r.fake.maxBatchRecords = 4;
    r.append(1, 30);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 30));
    assert.deepEqual(rejected(r.reports), []);
    const shrunk = r.reports.filter((x) => x.kind === 'batch-too-large');
    assert.ok(shrunk.length >= 1);
    const late = r.fake.posts().slice(-3);
    assert.ok(
      late.every((p) => p.status === 200 && p.count! <= 4),
      JSON.stringify(late),
    );
  } finally {
    await r.done();
  }
});

test('a single record larger than the collector takes is skipped with a report', async () => {
  const r = await rig();
  try {
    r.fake.maxBatchRecords = 0;
    r.append(1, 1);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(rejected(r.reports), [1]);
  } finally {
    await r.done();
  }
});

test('gzip above gzipMinBytes; a collector refusing gzip (415) gets plain bodies from then on', async () => {
  const r = await rig({ gzipMinBytes: 500 });
  try {
    r.append(1, 10, false, 100);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.equal(r.fake.posts()[0]!.gzip, true);
    r.fake.acceptGzip = false;
    r.append(11, 20, false, 100);
    await r.shipper.flush({ timeoutMs: 5000 });
    assert.deepEqual(r.fake.seqs(STREAM), range(1, 20));
    assert.deepEqual(
      r.fake.posts().map((p) => [p.gzip, p.status]),
      [
        [true, 200],
        [true, 415],
        [false, 200],
      ],
    );
    assert.deepEqual(
      r.reports.map((x) => x.kind),
      ['gzip-refused'],
    );
  } finally {
    await r.done();
  }
});

test('a 404 (wrong URL path) is backed off and reported, never treated as a bad record', async () => {
  const fake = new FakeCollector();
  await fake.start();
  const r = await rig({ url: `${fake.url}/wrong-prefix/` }, fake);
  try {
    r.append(1, 3);
    r.shipper.start();
    await new Promise((res) => setTimeout(res, 150));
    assert.equal(rejected(r.reports).length, 0);
    assert.equal(r.reports[0]?.kind, 'collector-misconfigured');
    assert.equal(r.reports.filter((x) => x.kind === 'collector-misconfigured').length, 1);
    assert.equal(r.source.ackedSeq(), 0);
  } finally {
    await r.done();
  }
});

test('a refusal storm slows shipping down to the longest backoff', async () => {
  const r = await rig({ refusalStormLimit: 3, backoff: { baseMs: 10, maxMs: 300 } });
  try {
    for (const s of [1, 2, 3, 4]) r.fake.refuse.add(s);
    r.append(1, 5);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 5000 });
    const storm = r.reports.findIndex((x) => x.kind === 'refusal-storm');
    assert.ok(storm >= 0);
    const posts = r.fake.posts();
    const afterStorm = posts.findIndex((p) => p.first === 4);
    assert.ok(posts[afterStorm]!.at - posts[afterStorm - 1]!.at >= 290, 'paused after the third skip in a row');
    assert.deepEqual(r.fake.seqs(STREAM), [5]);
  } finally {
    await r.done();
  }
});

test('flush() resolves when the last record is acknowledged inside an isolation range (shrunk counterexample [2, 2, false, [1]])', async () => {
  const r = await rig({ profile: { batchMaxEvents: 2 } });
  try {
    r.fake.refuseWithIndex = false;
    r.fake.refuse.add(1);
    r.append(1, 2);
    r.shipper.start();
    await r.shipper.flush({ timeoutMs: 2000 });
    assert.deepEqual(r.fake.seqs(STREAM), [2]);
  } finally {
    await r.done();
  }
});
