/**
 * The RetentionStore contract (src/store/retention-types.ts), run by
 * store-conformance.ts against SQLite and PostgreSQL: pruning empties the
 * payload and the query columns and keeps every input of the Merkle leaf
 * (so the leaf hash is unchanged), records when, is idempotent, and pruned
 * rows drop out of filtered queries, id lookups and the event summary.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Hash, SecurityEvent } from '@seclog/core';
import { canonicalize, chainHash, hashLeaf, toHash } from '@seclog/core';
import { storedLeafHash } from '../src/integrate/leaf-hash.js';
import type { BatchWrite, IncomingRecord, Store } from '../src/store/types.js';

export interface RetentionFixture {
  store: Store;
  dispose(): void;
}

const T0 = Date.UTC(2026, 0, 5, 10) * 1000;
const ZERO = new Uint8Array(32) as Hash;
const hash = (s: string): Hash => hashLeaf(Buffer.from(s));

/** `n` chained records of one stream, names alternating, each received 1 s after the last. */
function batch(device: string, n: number, from = 1, head: Hash = ZERO): BatchWrite {
  const records: IncomingRecord[] = [];
  let h = head;
  for (let seq = from; seq < from + n; seq++) {
    const us = T0 + seq * 1_000_000;
    const record: SecurityEvent = {
      v: 1,
      id: `019b8d6e-0000-7000-8000-${(seq + device.length * 1000).toString(16).padStart(12, '0')}`,
      name: seq % 2 === 0 ? 'authn_login_fail' : 'sys_fault',
      time: new Date(us / 1000).toISOString().replace('Z', '000Z'),
      severity: 'low',
      outcome: 'failure',
      device: { id: device },
      actor: { ip: '192.0.2.7', user: 'admin' },
      attrs: { note: `grüße ${seq}` },
      stream: 's1',
      seq,
      boot: 'b1',
      mono_ms: seq,
      prev: Buffer.from(h).toString('hex'),
    };
    const canonical = canonicalize(record);
    const digest = hash(canonical);
    h = toHash(chainHash(seq, h, digest), 'chain hash');
    records.push({ record, canonical, digest, chainHash: h, receivedUs: us });
  }
  return { device, stream: 's1', records, cursor: { device, stream: 's1', ackedSeq: from + n - 1, head: h } };
}

export function describeRetentionConformance(name: string, factory: () => RetentionFixture): void {
  const withStore = (fn: (store: Store) => void) => () => {
    const f = factory();
    try {
      fn(f.store);
    } finally {
      f.dispose();
    }
  };

  describe(`${name}: retention`, () => {
    test(
      'prune empties payload and query columns, keeps the leaf inputs, records when, and is idempotent',
      withStore((store) => {
        const b = batch('cam-1', 10);
        store.transaction(() => store.commitBatches([b]));
        const before = store.readEvents(0, 10);
        const leaves = before.map((e) => Buffer.from(storedLeafHash(e)).toString('hex'));
        const sizes = before.map((e) => Buffer.byteLength(e.canonical));
        const r = store.retention();
        const done = r.prune([2, 3, 5, 99], T0 + 7);
        assert.deepEqual(done, { pruned: 3, bytes: (sizes[2] ?? 0) + (sizes[3] ?? 0) + (sizes[5] ?? 0) });
        assert.deepEqual(r.prune([2, 3], T0 + 8), { pruned: 0, bytes: 0 }, 'a second prune changes nothing');
        const after = store.readEvents(0, 10);
        assert.equal(after.length, 10, 'the slots stay');
        for (const e of after) {
          assert.equal(Buffer.from(storedLeafHash(e)).toString('hex'), leaves[e.pos], `leaf ${e.pos} unchanged`);
          const src = before[e.pos];
          assert.deepEqual([e.device, e.stream, e.seq, e.receivedUs], [src?.device, src?.stream, src?.seq, src?.receivedUs]);
        }
        assert.deepEqual(
          after.filter((e) => e.canonical === '').map((e) => e.pos),
          [2, 3, 5],
        );
        assert.equal(r.prunedAt(2), T0 + 7, 'the first pruning time is kept');
        assert.equal(r.prunedAt(4), undefined);
        assert.equal(r.prunedAt(99), undefined);
        assert.deepEqual(
          [...r.prunedBetween(0, 10).entries()],
          [
            [2, T0 + 7],
            [3, T0 + 7],
            [5, T0 + 7],
          ],
        );
        assert.deepEqual([...r.prunedBetween(4, 5).keys()], []);
      }),
    );

    test(
      'pruned rows leave filtered queries, id lookups and the summary; an unfiltered page still shows the slot',
      withStore((store) => {
        const b = batch('cam-1', 6);
        store.transaction(() => store.commitBatches([b]));
        const id2 = (b.records[2] as IncomingRecord).record.id;
        assert.equal(store.getEventById(id2)?.pos, 2);
        store.retention().prune([2, 4], T0);
        assert.equal(store.getEventById(id2), undefined);
        const byName = store.queryEvents({ name: 'sys_fault', limit: 100 }).events.map((e) => e.pos);
        // sys_fault is at positions 0, 2 and 4 (odd seqs); 2 and 4 are pruned.
        assert.deepEqual(byName, [0]);
        assert.deepEqual(
          store.queryEvents({ ip: '192.0.2.7', limit: 100 }).events.map((e) => e.pos),
          [5, 3, 1, 0],
        );
        assert.deepEqual(
          store.queryEvents({ text: 'grüße', limit: 100 }).events.map((e) => e.pos),
          [5, 3, 1, 0],
        );
        assert.deepEqual(
          store.queryEvents({ device: 'cam-1', limit: 100 }).events.map((e) => e.pos),
          [5, 4, 3, 2, 1, 0],
        );
        const total = store.summarizeEvents(0, Number.MAX_SAFE_INTEGER).reduce((n, s) => n + s.count, 0);
        assert.equal(total, 4, 'pruned events are not counted');
      }),
    );

    test(
      'scan, payload and device activity see pruned rows as zero bytes',
      withStore((store) => {
        store.transaction(() => store.commitBatches([batch('cam-1', 4), batch('cam-22', 3)]));
        const r = store.retention();
        const full = r.payloadBetween(0, 7);
        assert.equal(full.count, 7);
        const one = Buffer.byteLength(store.getEvent(1)?.canonical ?? '');
        r.prune([1], T0);
        const scan = r.scan(0, 7);
        assert.deepEqual(
          scan.map((s) => [s.pos, s.device, s.bytes === 0, s.name === '']),
          [
            [0, 'cam-1', false, false],
            [1, 'cam-1', true, true],
            [2, 'cam-1', false, false],
            [3, 'cam-1', false, false],
            [4, 'cam-22', false, false],
            [5, 'cam-22', false, false],
            [6, 'cam-22', false, false],
          ],
        );
        assert.equal(scan[0]?.receivedUs, T0 + 1_000_000);
        assert.deepEqual(r.payloadBetween(0, 7), { count: 6, bytes: full.bytes - one });
        assert.deepEqual(r.payloadBetween(3, 3), { count: 0, bytes: 0 });
        const act = r.deviceActivity(0, 7);
        assert.deepEqual(
          act.map((a) => [a.device, a.count]),
          [
            ['cam-1', 4],
            ['cam-22', 3],
          ],
        );
        assert.equal(
          act.reduce((n, a) => n + a.bytes, 0),
          full.bytes - one,
        );
        assert.throws(
          () => r.scan(5, 4),
          (e: unknown) => (e as { code?: string }).code === 'STORE_RANGE_INVALID',
        );
        assert.ok(r.databaseBytes() > 0);
      }),
    );

    test(
      'runs are listed newest first with their fields',
      withStore((store) => {
        const r = store.retention();
        const run = (id: string, startedUs: number, dryRun: boolean) => ({
          id,
          startedUs,
          finishedUs: startedUs + 5,
          trigger: 'manual',
          dryRun,
          deleted: 3,
          bytes: 1200,
          oldestKeptUs: dryRun ? null : T0,
          policy: 'default 365d; cap none',
          byGroup: '{"system":3}',
        });
        assert.deepEqual(r.listRuns(5), []);
        r.putRun(run('ret-a', T0, false));
        r.putRun(run('ret-b', T0 + 10, true));
        assert.deepEqual(r.listRuns(5), [run('ret-b', T0 + 10, true), run('ret-a', T0, false)]);
        assert.deepEqual(
          r.listRuns(1).map((x) => x.id),
          ['ret-b'],
        );
      }),
    );
  });
}
