/**
 * The Store's ingest state as part of the conformance suite
 * (store-conformance.ts calls describeIngestStateConformance): open gaps made
 * by commitBatches when a batch skips seqs and shrunk or closed by fills,
 * fills refused outside or in the middle of a gap, seal rows and their
 * neighbours, the stored chain hash by seq and time, and the devices'
 * last-seen time. Every backend must behave alike.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Hash, SecurityEvent } from '@seclog/core';
import { canonicalize, chainHash, hashLeaf, toHash } from '@seclog/core';
import type { BatchWrite, DeviceRow, IncomingRecord, Store, StreamSeal } from '../src/store/types.js';

export interface IngestStateFixture {
  store: Store;
  reopen?: () => Store;
  dispose(): void;
}

const ZERO = new Uint8Array(32) as Hash;
const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));
const hasReason = (reason: string) => (err: unknown) =>
  (err as { code?: unknown }).code === 'STORE_BATCH_INVALID' && (err as { details?: { reason?: unknown } }).details?.reason === reason;

/** One chained stream of `n` records, cut into batches by seq range. */
class Chain {
  readonly records: IncomingRecord[] = [];
  constructor(
    readonly device: string,
    readonly stream: string,
    n: number,
    reason = 'bad_password',
  ) {
    let head = ZERO;
    for (let seq = 1; seq <= n; seq++) {
      const record: SecurityEvent = {
        v: 1,
        id: `019ac5e2-7b10-7c3a-9d41-${seq.toString(16).padStart(12, '0')}`,
        name: 'authn_login_fail',
        time: `2026-11-27T13:00:${String(seq % 60).padStart(2, '0')}.${String(seq).padStart(6, '0')}Z`,
        severity: 'low',
        outcome: 'failure',
        device: { id: device },
        attrs: { method: 'password', reason },
        stream,
        seq,
        boot: 'b1',
        mono_ms: seq,
        prev: hex(head) as string,
      };
      const canonical = canonicalize(record);
      const digest = hashLeaf(Buffer.from(canonical));
      head = toHash(chainHash(seq, head, digest), 'chain hash');
      this.records.push({ record, canonical, digest, chainHash: head, receivedUs: 1_000 + seq });
    }
  }

  hash(seq: number): Hash {
    return seq === 0 ? ZERO : (this.records[seq - 1] as IncomingRecord).chainHash;
  }

  /** Records [from, to] (inclusive) with the cursor at `cursorSeq` (default: to). */
  batch(from: number, to: number, cursorSeq = to, extra: Partial<BatchWrite> = {}): BatchWrite {
    const { device, stream } = this;
    return {
      device,
      stream,
      records: this.records.slice(from - 1, to),
      cursor: { device, stream, ackedSeq: cursorSeq, head: this.hash(cursorSeq) },
      ...extra,
    };
  }
}

const gapsOf = (store: Store, device: string, stream?: string) =>
  store.listGaps(device, stream).map((g) => [g.stream, g.fromSeq, g.toSeq, hex(g.before), hex(g.after)]);

function seal(device: string, stream: string, seq: number, epoch: number): StreamSeal {
  return {
    device,
    stream,
    seq,
    epoch,
    firstSeq: seq - 3,
    startUs: epoch * 10,
    endUs: epoch * 10 + 10,
    tag: hashLeaf(Buffer.from(`tag ${seq}`)),
    prevTag: hashLeaf(Buffer.from(`tag ${seq - 4}`)),
    openReported: false,
  };
}

export function describeIngestStateConformance(name: string, factory: () => IngestStateFixture): void {
  const withStore = (fn: (f: IngestStateFixture) => void) => () => {
    const f = factory();
    try {
      fn(f);
    } finally {
      f.dispose();
    }
  };

  describe(`Store conformance (ingest state: gaps, seals, last seen): ${name}`, () => {
    test(
      'a batch that skips seqs opens a gap with the chain hashes on both sides; listGaps by stream and by device',
      withStore(({ store }) => {
        const a = new Chain('cam-1', 's1', 12);
        const b = new Chain('cam-1', 's0', 5);
        store.commitBatches([a.batch(1, 2), b.batch(3, 5)]);
        store.commitBatches([a.batch(6, 8)]);
        store.commitBatches([a.batch(11, 12)]);
        assert.deepEqual(gapsOf(store, 'cam-1', 's1'), [
          ['s1', 3, 6, hex(a.hash(2)), hex(a.hash(5))],
          ['s1', 9, 11, hex(a.hash(8)), hex(a.hash(10))],
        ]);
        assert.deepEqual(
          gapsOf(store, 'cam-1').map((g) => g.slice(0, 3)),
          [
            ['s0', 1, 3],
            ['s1', 3, 6],
            ['s1', 9, 11],
          ],
        );
        assert.equal(store.listGaps('cam-1', 's1')[0]?.openedUs, 1_006);
        assert.deepEqual(store.listGaps('nobody'), []);
        assert.equal(store.getCursor('cam-1', 's1')?.ackedSeq, 12);
      }),
    );

    const fills: { name: string; pieces: [number, number][]; gaps: [number, number][][] }[] = [
      { name: 'in one piece: the gap closes', pieces: [[3, 6]], gaps: [[]] },
      {
        name: 'from the front, twice: it shrinks then closes',
        pieces: [
          [3, 4],
          [5, 6],
        ],
        gaps: [[[5, 7]], []],
      },
      {
        name: 'from the back, twice',
        pieces: [
          [5, 6],
          [3, 4],
        ],
        gaps: [[[3, 5]], []],
      },
      {
        name: 'front then back',
        pieces: [
          [3, 3],
          [6, 6],
          [4, 5],
        ],
        gaps: [[[4, 7]], [[4, 6]], []],
      },
    ];
    for (const c of fills) {
      test(
        `a fill of an open gap ${c.name}; the fill's records are stored once`,
        withStore(({ store }) => {
          const a = new Chain('cam-1', 's', 10);
          store.commitBatches([a.batch(1, 2)]);
          store.commitBatches([a.batch(7, 10)]);
          for (const [i, [from, to]] of c.pieces.entries()) {
            store.commitBatches([a.batch(from, to, 10)]);
            assert.deepEqual(
              store.listGaps('cam-1', 's').map((g) => [g.fromSeq, g.toSeq]),
              c.gaps[i],
            );
          }
          const g = store.listGaps('cam-1', 's')[0];
          if (g !== undefined) assert.deepEqual([hex(g.before), hex(g.after)], [hex(a.hash(g.fromSeq - 1)), hex(a.hash(g.toSeq - 1))]);
          const seqs = store.readEvents(0, store.eventCount()).map((e) => e.seq);
          assert.deepEqual(
            [...seqs].sort((x, y) => (x ?? 0) - (y ?? 0)),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          );
          assert.equal(store.getCursor('cam-1', 's')?.ackedSeq, 10);
        }),
      );
    }

    const refused: { name: string; reason: string; make: (a: Chain, other: Chain) => BatchWrite }[] = [
      { name: 'a piece in the middle of the gap', reason: 'gap_fill_unanchored', make: (a) => a.batch(4, 5, 10) },
      { name: 'a front fill with another prev', reason: 'gap_fill_unchained', make: (_a, o) => o.batch(3, 4, 10) },
      { name: 'a back fill that hashes to something else', reason: 'gap_fill_unchained', make: (_a, o) => o.batch(5, 6, 10) },
      { name: 'a seq below the cursor outside any gap', reason: 'duplicate', make: (a) => a.batch(2, 2, 10) },
      { name: 'a fill that runs past the gap into stored seqs', reason: 'duplicate', make: (a) => a.batch(3, 7, 10) },
    ];
    for (const c of refused) {
      test(
        `refused (STORE_BATCH_INVALID, ${c.reason}), nothing of the group stored, the gap as it was: ${c.name}`,
        withStore(({ store }) => {
          const a = new Chain('cam-1', 's', 10);
          const other = new Chain('cam-1', 's', 10, 'another history');
          store.commitBatches([a.batch(1, 2)]);
          store.commitBatches([a.batch(7, 10)]);
          const good = new Chain('cam-2', 's', 2).batch(1, 2);
          const count = store.eventCount();
          assert.throws(() => store.commitBatches([good, c.make(a, other)]), hasReason(c.reason));
          assert.equal(store.eventCount(), count);
          assert.equal(store.getCursor('cam-2', 's'), undefined);
          assert.deepEqual(
            store.listGaps('cam-1', 's').map((g) => [g.fromSeq, g.toSeq]),
            [[3, 7]],
          );
        }),
      );
    }

    test(
      'a repeated fill is a duplicate, also within one group',
      withStore(({ store }) => {
        const a = new Chain('cam-1', 's', 10);
        store.commitBatches([a.batch(1, 2)]);
        store.commitBatches([a.batch(7, 10)]);
        assert.throws(() => store.commitBatches([a.batch(3, 6, 10), a.batch(3, 6, 10)]), hasReason('duplicate'));
        assert.equal(store.listGaps('cam-1').length, 1);
        store.commitBatches([a.batch(3, 6, 10)]);
        assert.throws(() => store.commitBatches([a.batch(3, 6, 10)]), hasReason('duplicate'));
        assert.equal(store.eventCount(), 10);
      }),
    );

    test(
      'one batch may fill a gap and append past the cursor',
      withStore(({ store }) => {
        const a = new Chain('cam-1', 's', 12);
        store.commitBatches([a.batch(1, 2)]);
        store.commitBatches([a.batch(5, 8)]);
        const b = a.batch(3, 12);
        store.commitBatches([{ ...b, records: [...a.records.slice(2, 4), ...a.records.slice(8, 12)] }]);
        assert.deepEqual(store.listGaps('cam-1'), []);
        assert.equal(store.getCursor('cam-1', 's')?.ackedSeq, 12);
        assert.equal(store.eventCount(), 12);
      }),
    );

    test(
      'findChainHash finds a stored record by seq and time, and nothing for another seq or time',
      withStore(({ store }) => {
        const a = new Chain('cam-1', 's', 5);
        store.commitBatches([a.batch(1, 5)]);
        const r3 = a.records[2]!.record;
        assert.equal(hex(store.findChainHash('cam-1', 's', 3, r3.time)), hex(a.hash(3)));
        assert.equal(store.findChainHash('cam-1', 's', 4, r3.time), undefined);
        assert.equal(store.findChainHash('cam-1', 's', 3, a.records[3]!.record.time), undefined);
        assert.equal(store.findChainHash('cam-1', 'other', 3, r3.time), undefined);
        assert.equal(store.findChainHash('cam-1', 's', 3, 'not a time'), undefined);
      }),
    );

    test(
      'seal rows are upserted with their batch; sealBefore and sealAfter find the neighbours within the stream',
      withStore(({ store }) => {
        const a = new Chain('cam-1', 's', 12);
        const other = new Chain('cam-1', 't', 12);
        store.commitBatches([
          a.batch(1, 4, 4, { seals: [seal('cam-1', 's', 4, 0)] }),
          other.batch(1, 8, 8, { seals: [seal('cam-1', 't', 6, 9)] }),
        ]);
        store.commitBatches([a.batch(5, 12, 12, { seals: [seal('cam-1', 's', 8, 1), seal('cam-1', 's', 12, 2)] })]);
        assert.equal(store.sealBefore('cam-1', 's', 4), undefined);
        assert.equal(store.sealBefore('cam-1', 's', 5)?.seq, 4);
        assert.equal(store.sealBefore('cam-1', 's', 12)?.seq, 8);
        assert.equal(store.sealBefore('cam-1', 's', Number.MAX_SAFE_INTEGER)?.epoch, 2);
        assert.equal(store.sealAfter('cam-1', 's', 4)?.seq, 8);
        assert.equal(store.sealAfter('cam-1', 's', 12), undefined);
        assert.equal(store.sealBefore('cam-1', 't', 99)?.epoch, 9);
        const got = store.sealBefore('cam-1', 's', 9)!;
        const want = seal('cam-1', 's', 8, 1);
        assert.deepEqual(
          { ...got, tag: hex(got.tag), prevTag: hex(got.prevTag) },
          { ...want, tag: hex(want.tag), prevTag: hex(want.prevTag) },
        );
        // An upsert of the same seq changes the row (ingest marks a reported open epoch this way).
        store.commitBatches([a.batch(13, 12, 12, { seals: [{ ...want, openReported: true }] })]);
        assert.equal(store.sealAfter('cam-1', 's', 7)?.openReported, true);
        assert.throws(
          () => store.commitBatches([a.batch(13, 12, 12, { seals: [seal('cam-1', 't', 10, 3)] })]),
          hasReason('seal_other_stream'),
        );
      }),
    );

    test(
      "seenUs raises the device's lastSeenUs, never lowers it, and is a no-op for an unknown device",
      withStore(({ store }) => {
        const row: DeviceRow = {
          id: 'cam-1',
          profile: 'low',
          tokenHash: hashLeaf(Buffer.from('t')),
          sealKey: hashLeaf(Buffer.from('k')),
          createdUs: 1,
          revokedUs: null,
          lastSeenUs: null,
          sealT0Ms: 0,
          sealEpochMs: 60_000,
          sealMaxRecords: 100,
        };
        store.putDevice(row);
        const a = new Chain('cam-1', 's', 3);
        store.commitBatches([a.batch(1, 2, 2, { seenUs: 500 })]);
        assert.equal(store.getDevice('cam-1')?.lastSeenUs, 500);
        store.commitBatches([a.batch(3, 3, 3, { seenUs: 400 }), a.batch(4, 3, 3, { seenUs: 700 })]);
        assert.equal(store.getDevice('cam-1')?.lastSeenUs, 700);
        store.commitBatches([a.batch(4, 3, 3, { seenUs: 600 })]);
        assert.equal(store.getDevice('cam-1')?.lastSeenUs, 700);
        store.commitBatches([new Chain('ghost', 's', 1).batch(1, 1, 1, { seenUs: 900 })]);
        assert.equal(store.getDevice('ghost'), undefined);
      }),
    );

    test('open gaps and seal rows survive a reopen', (t) => {
      const f = factory();
      try {
        if (f.reopen === undefined) {
          t.skip(`${name} cannot reopen (not durable)`);
          return;
        }
        const a = new Chain('cam-1', 's', 10);
        f.store.commitBatches([a.batch(1, 2, 2, { seals: [seal('cam-1', 's', 2, 0)] })]);
        f.store.commitBatches([a.batch(7, 10)]);
        const s2 = f.reopen();
        assert.deepEqual(gapsOf(s2, 'cam-1'), [['s', 3, 7, hex(a.hash(2)), hex(a.hash(6))]]);
        assert.equal(s2.sealBefore('cam-1', 's', 9)?.seq, 2);
        s2.commitBatches([a.batch(3, 6, 10)]);
        assert.deepEqual(s2.listGaps('cam-1'), []);
      } finally {
        f.dispose();
      }
    });
  });
}
