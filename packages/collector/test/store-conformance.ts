/**
 * The Store contract (src/store/types.ts) as one suite to run against every
 * implementation: SQLite now (store-sqlite.test.ts), PostgreSQL in issue I.
 * The factory returns a fixture per test: a fresh, migrated, empty store and
 * the hooks a backend can offer (reopen the same database, mark its schema as
 * newer than the code); tests that need a missing hook are skipped, saying so.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Hash, SecurityEvent } from '@seclog/core';
import { canonicalize, chainHash, createMerkleTree, hashLeaf, toHash } from '@seclog/core';
import fc from 'fast-check';
import type { BatchWrite, DeviceRow, IncomingRecord, Store, StoredCheckpoint } from '../src/store/types.js';
import { describeAlertStoreConformance } from './store-alerts-conformance.js';
import { describeIngestStateConformance } from './store-ingest-conformance.js';
import { describeOutboxConformance } from './store-outbox-conformance.js';
import { describeQueryConformance } from './store-query-conformance.js';
import { describeRetentionConformance } from './store-retention-conformance.js';
import { describeUserStoreConformance } from './store-users-conformance.js';

export interface StoreFixture {
  store: Store;
  /** Close `store` and open the same database again, as after a restart (durable backends only). */
  reopen?: () => Store;
  /** Record in the database a migration newer than any the code knows. */
  markSchemaNewer?: () => void;
  /** Close whatever is open and remove the database. */
  dispose(): void;
}

export type StoreFactory = () => StoreFixture;

const ZERO = new Uint8Array(32) as Hash;
export const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));
const hash = (s: string): Hash => hashLeaf(Buffer.from(s));

/** Builds chained batches per (device, stream), continuing from a stored cursor when given one. */
export class StreamWriter {
  readonly #heads = new Map<string, { seq: number; head: Hash }>();
  #clock = Date.UTC(2026, 10, 27, 13, 33, 43) * 1000;

  resume(device: string, stream: string, seq: number, head: Hash): void {
    this.#heads.set(`${device}\0${stream}`, { seq, head });
  }

  /** The next `n` records of the stream and the cursor after them; the writer's state advances. */
  batch(device: string, stream: string, n: number, extra: Partial<SecurityEvent> = {}): BatchWrite {
    const key = `${device}\0${stream}`;
    let { seq, head } = this.#heads.get(key) ?? { seq: 0, head: ZERO };
    const records: IncomingRecord[] = [];
    for (let i = 0; i < n; i++) {
      seq++;
      this.#clock += 1_234;
      const ms = Math.floor(this.#clock / 1000);
      const time = `${new Date(ms).toISOString().slice(0, 19)}.${String(this.#clock % 1_000_000).padStart(6, '0')}Z`;
      const record: SecurityEvent = {
        v: 1,
        id: `019ac5e2-7b10-7c3a-9d41-${seq.toString(16).padStart(12, '0')}`,
        name: seq % 2 === 0 ? 'authn_login_fail' : 'config_change',
        time,
        severity: 'low',
        outcome: 'failure',
        device: { id: device },
        actor: { ip: `192.0.2.${seq % 250}`, user: 'admin' },
        attrs: { note: `grüße ${seq} "quoted"` },
        stream,
        seq,
        boot: 'b1',
        mono_ms: seq * 7,
        prev: hex(head) as string,
        ...extra,
      };
      const canonical = canonicalize(record);
      const digest = hash(canonical);
      head = toHash(chainHash(seq, head, digest), 'chain hash');
      records.push({ record, canonical, digest, chainHash: head, receivedUs: this.#clock + 500 });
    }
    this.#heads.set(key, { seq, head });
    return { device, stream, records, cursor: { device, stream, ackedSeq: seq, head } };
  }
}

/** A record without chain fields, as a syslog passthrough source would give. */
function passthroughBatch(device: string, stream: string): BatchWrite {
  const record: SecurityEvent = {
    v: 1,
    id: '019ac5e2-7b10-7c3a-9d41-00000000ffff',
    name: 'sys_startup',
    time: '2026-11-27T13:33:43.000001Z',
    severity: 'info',
    outcome: 'success',
    device: { id: device },
    attrs: {},
  };
  const canonical = canonicalize(record);
  return {
    device,
    stream,
    records: [{ record, canonical, digest: hash(canonical), chainHash: ZERO, receivedUs: 1 }],
    cursor: { device, stream, ackedSeq: 0, head: ZERO },
  };
}

function device(id: string, token: string): DeviceRow {
  return {
    id,
    profile: 'high',
    tokenHash: hash(token),
    sealKey: hash(`seal ${id}`),
    createdUs: 1_000,
    revokedUs: null,
    lastSeenUs: null,
    sealT0Ms: 1,
    sealEpochMs: 60_000,
    sealMaxRecords: 1_000,
  };
}

function checkpoint(treeSize: number, root = hash(`root ${treeSize}`)): StoredCheckpoint {
  return {
    treeSize,
    root,
    note: `seclog.test/log\n${treeSize}\n${Buffer.from(root).toString('base64')}\n\n— sig\n`,
    createdUs: treeSize * 10,
  };
}

const hasCode = (code: string) => (err: unknown) => (err as { code?: unknown }).code === code;

/** The comparable view of what commitBatches stored for a batch. */
function expectedRows(batch: BatchWrite): { device: string; stream: string | null; seq: number | null; canonical: string }[] {
  return batch.records.map((r) => ({
    device: batch.device,
    stream: r.record.stream ?? null,
    seq: r.record.seq ?? null,
    canonical: r.canonical,
  }));
}

/** Which of the sub-suites run (each defaults to true): a backend that lacks their methods yet turns them off, saying why. */
export interface ConformanceParts {
  query?: boolean;
  ingestState?: boolean;
  alerts?: boolean;
  outbox?: boolean;
  users?: boolean;
  retention?: boolean;
}

export function describeStoreConformance(name: string, factory: StoreFactory, parts: ConformanceParts = {}): void {
  const withStore = (fn: (f: StoreFixture) => void) => () => {
    const f = factory();
    try {
      fn(f);
    } finally {
      f.dispose();
    }
  };

  describe(`Store conformance: ${name}`, () => {
    describe('meta, devices and tokens', () => {
      test(
        'meta values round-trip and overwrite',
        withStore(({ store }) => {
          assert.equal(store.getMeta('origin'), undefined);
          store.setMeta('origin', 'seclog.example/log');
          store.setMeta('origin', 'seclog.example/log2');
          assert.equal(store.getMeta('origin'), 'seclog.example/log2');
        }),
      );

      test(
        'devices round-trip, are found by token hash, listed by id, replaced by id',
        withStore(({ store }) => {
          store.putDevice(device('cam-2', 't2'));
          store.putDevice(device('cam-1', 't1'));
          const got = store.getDevice('cam-1');
          assert.ok(got);
          assert.equal(got.profile, 'high');
          assert.equal(hex(got.tokenHash), hex(hash('t1')));
          assert.equal(hex(got.sealKey), hex(hash('seal cam-1')));
          assert.deepEqual([got.createdUs, got.revokedUs, got.lastSeenUs], [1_000, null, null]);
          assert.equal(store.findDeviceByTokenHash(hash('t2'))?.id, 'cam-2');
          assert.equal(store.findDeviceByTokenHash(hash('nope')), undefined);
          assert.equal(store.getDevice('cam-9'), undefined);
          assert.deepEqual(
            store.listDevices().map((d) => d.id),
            ['cam-1', 'cam-2'],
          );
          store.putDevice({ ...device('cam-1', 't1b'), profile: 'low', lastSeenUs: 7 });
          assert.equal(store.findDeviceByTokenHash(hash('t1')), undefined);
          assert.deepEqual([store.getDevice('cam-1')?.profile, store.getDevice('cam-1')?.lastSeenUs], ['low', 7]);
        }),
      );

      test(
        "a token hash already held by another device is refused (STORE_TOKEN_HASH_TAKEN), the first device's row intact",
        withStore(({ store }) => {
          store.putDevice(device('cam-1', 'same'));
          assert.throws(() => store.putDevice(device('cam-2', 'same')), hasCode('STORE_TOKEN_HASH_TAKEN'));
          assert.equal(store.findDeviceByTokenHash(hash('same'))?.id, 'cam-1');
          assert.equal(store.getDevice('cam-2'), undefined);
        }),
      );

      test(
        'revokeDevice is true once, keeps the first time, false for unknown ids',
        withStore(({ store }) => {
          store.putDevice(device('cam-1', 't1'));
          assert.equal(store.revokeDevice('cam-1', 5_000), true);
          assert.equal(store.revokeDevice('cam-1', 9_000), false);
          assert.equal(store.getDevice('cam-1')?.revokedUs, 5_000);
          assert.equal(store.revokeDevice('cam-404', 5_000), false);
        }),
      );

      test(
        'API tokens round-trip by hash; a taken hash is refused',
        withStore(({ store }) => {
          store.putApiToken({ id: 'tok-1', name: 'ci', role: 'auditor', tokenHash: hash('a1'), createdUs: 3, revokedUs: null });
          const got = store.findApiTokenByHash(hash('a1'));
          assert.deepEqual(got && { ...got, tokenHash: hex(got.tokenHash) }, {
            id: 'tok-1',
            name: 'ci',
            role: 'auditor',
            tokenHash: hex(hash('a1')),
            createdUs: 3,
            revokedUs: null,
          });
          assert.equal(store.findApiTokenByHash(hash('a2')), undefined);
          const dup = { id: 'tok-2', name: 'x', role: 'admin', tokenHash: hash('a1'), createdUs: 4, revokedUs: null } as const;
          assert.throws(() => store.putApiToken(dup), hasCode('STORE_TOKEN_HASH_TAKEN'));
        }),
      );
    });

    describe('commitBatches, cursors and the event log', () => {
      test(
        'positions are dense from 0 across groups, in batch then record order',
        withStore(({ store }) => {
          const w = new StreamWriter();
          assert.equal(store.eventCount(), 0);
          assert.deepEqual(store.commitBatches([w.batch('a', 's', 2), w.batch('b', 's', 3)]), [
            [0, 1],
            [2, 3, 4],
          ]);
          assert.deepEqual(store.commitBatches([w.batch('a', 's', 1)]), [[5]]);
          assert.deepEqual(store.commitBatches([]), []);
          assert.equal(store.eventCount(), 6);
          assert.deepEqual(
            store.readEvents(0, 6).map((e) => e.pos),
            [0, 1, 2, 3, 4, 5],
          );
        }),
      );

      test(
        'stored events carry exactly what was committed',
        withStore(({ store }) => {
          const w = new StreamWriter();
          const b = w.batch('cam-1', 'cam-1.s1', 3);
          store.commitBatches([b]);
          const got = store.readEvents(0, 3);
          assert.equal(got.length, 3);
          for (const [i, e] of got.entries()) {
            const r = b.records[i] as IncomingRecord;
            assert.deepEqual(
              { ...e, digest: hex(e.digest), chainHash: hex(e.chainHash) },
              {
                pos: i,
                device: 'cam-1',
                stream: 'cam-1.s1',
                seq: i + 1,
                receivedUs: r.receivedUs,
                digest: hex(r.digest),
                chainHash: hex(r.chainHash),
                canonical: r.canonical,
              },
            );
          }
          assert.equal(store.getEvent(1)?.canonical, b.records[1]?.canonical);
          assert.equal(store.getEvent(3), undefined);
          assert.equal(store.getEvent(-1), undefined);
        }),
      );

      test(
        'a record without chain fields is stored with stream and seq null',
        withStore(({ store }) => {
          store.commitBatches([passthroughBatch('gw-1', 'syslog')]);
          const e = store.getEvent(0);
          assert.deepEqual([e?.device, e?.stream, e?.seq], ['gw-1', null, null]);
        }),
      );

      test(
        'readEvents is half-open, stops at the end, and refuses a reversed range',
        withStore(({ store }) => {
          const w = new StreamWriter();
          store.commitBatches([w.batch('a', 's', 5)]);
          assert.deepEqual(
            store.readEvents(1, 3).map((e) => e.pos),
            [1, 2],
          );
          assert.deepEqual(
            store.readEvents(3, 99).map((e) => e.pos),
            [3, 4],
          );
          assert.deepEqual(store.readEvents(2, 2), []);
          assert.deepEqual(store.readEvents(7, 9), []);
          assert.throws(() => store.readEvents(3, 2), hasCode('STORE_RANGE_INVALID'));
          assert.throws(() => store.readEvents(-1, 2), hasCode('STORE_RANGE_INVALID'));
        }),
      );

      test(
        'cursors are upserted with their batch and listed per device by stream',
        withStore(({ store }) => {
          const w = new StreamWriter();
          assert.equal(store.getCursor('a', 's2'), undefined);
          const b1 = w.batch('a', 's2', 2);
          const b2 = w.batch('a', 's1', 1);
          store.commitBatches([b1, b2, w.batch('b', 's1', 1)]);
          const b3 = w.batch('a', 's2', 3);
          store.commitBatches([b3]);
          const c = store.getCursor('a', 's2');
          assert.deepEqual(c && { ...c, head: hex(c.head) }, { device: 'a', stream: 's2', ackedSeq: 5, head: hex(b3.cursor.head) });
          assert.deepEqual(
            store.listCursors('a').map((x) => [x.stream, x.ackedSeq, hex(x.head)]),
            [
              ['s1', 1, hex(b2.cursor.head)],
              ['s2', 5, hex(b3.cursor.head)],
            ],
          );
          assert.deepEqual(store.listCursors('nobody'), []);
        }),
      );

      test(
        'two batches of one stream in one group commit in order',
        withStore(({ store }) => {
          const w = new StreamWriter();
          store.commitBatches([w.batch('a', 's', 2), w.batch('a', 's', 2)]);
          assert.equal(store.getCursor('a', 's')?.ackedSeq, 4);
          assert.deepEqual(
            store.readEvents(0, 4).map((e) => e.seq),
            [1, 2, 3, 4],
          );
        }),
      );

      test(
        'a failing batch rolls back its whole group: no record, no cursor, and the next positions stay dense',
        withStore(({ store }) => {
          const w = new StreamWriter();
          const first = w.batch('a', 's', 3);
          store.commitBatches([first]);
          const replay = { ...first }; // a retry of what is already stored
          const good1 = w.batch('b', 's', 2);
          const good2 = w.batch('a', 's', 1);
          assert.throws(() => store.commitBatches([good1, good2, replay]), hasCode('STORE_BATCH_INVALID'));
          assert.equal(store.eventCount(), 3);
          assert.equal(store.getCursor('b', 's'), undefined);
          assert.equal(store.getCursor('a', 's')?.ackedSeq, 3);
          assert.deepEqual(store.commitBatches([good1, good2]), [[3, 4], [5]]);
          assert.deepEqual(
            store.readEvents(0, 6).map((e) => `${e.device}:${e.seq}`),
            ['a:1', 'a:2', 'a:3', 'b:1', 'b:2', 'a:4'],
          );
        }),
      );

      const invalid: { name: string; make: (w: StreamWriter, committed: BatchWrite) => BatchWrite }[] = [
        { name: 'a record at or below the stored cursor (replay)', make: (_w, committed) => committed },
        {
          name: 'a seq repeated inside the batch',
          make: (w) => {
            const b = w.batch('a', 's', 2);
            return { ...b, records: [b.records[0] as IncomingRecord, b.records[0] as IncomingRecord] };
          },
        },
        {
          name: 'a cursor moving back',
          make: (w) => {
            const b = w.batch('a', 's', 1);
            return { ...b, cursor: { ...b.cursor, ackedSeq: 1 } };
          },
        },
        {
          name: 'a cursor naming another stream',
          make: (w) => {
            const b = w.batch('a', 's', 1);
            return { ...b, cursor: { ...b.cursor, stream: 'other' } };
          },
        },
      ];
      for (const c of invalid) {
        test(
          `refused with STORE_BATCH_INVALID: ${c.name}`,
          withStore(({ store }) => {
            const w = new StreamWriter();
            const committed = w.batch('a', 's', 2);
            store.commitBatches([committed]);
            assert.throws(() => store.commitBatches([c.make(w, committed)]), hasCode('STORE_BATCH_INVALID'));
            assert.equal(store.eventCount(), 2);
            assert.equal(store.getCursor('a', 's')?.ackedSeq, 2);
          }),
        );
      }

      test('model check: random groups, some invalid, against an in-memory reference', () => {
        // bad: 0 makes the batch's cursor name another stream (about one batch in ten).
        const batchArb = fc.record({
          dev: fc.integer({ min: 0, max: 2 }),
          n: fc.integer({ min: 0, max: 4 }),
          bad: fc.integer({ min: 0, max: 9 }),
        });
        const group = fc.array(batchArb, {
          minLength: 1,
          maxLength: 4,
        });
        fc.assert(
          fc.property(fc.array(group, { minLength: 1, maxLength: 6 }), (groups) => {
            const f = factory();
            try {
              const w = new StreamWriter();
              const model: ReturnType<typeof expectedRows> = [];
              const cursors = new Map<string, number>();
              for (const g of groups) {
                const batches = g.map(({ dev, n, bad }) => {
                  const b = w.batch(`d${dev}`, 's', n);
                  return bad === 0 ? { ...b, cursor: { ...b.cursor, stream: 'elsewhere' } } : b;
                });
                if (batches.some((b) => b.cursor.stream !== b.stream)) {
                  assert.throws(() => f.store.commitBatches(batches), hasCode('STORE_BATCH_INVALID'));
                  // The writer ran ahead of the store: resume it from the stored cursors, as ingest would.
                  for (const d of ['d0', 'd1', 'd2']) {
                    const c = f.store.getCursor(d, 's');
                    w.resume(d, 's', c?.ackedSeq ?? 0, c?.head ?? ZERO);
                  }
                } else {
                  const positions = f.store.commitBatches(batches).flat();
                  assert.deepEqual(
                    positions,
                    positions.map((_, i) => model.length + i),
                  );
                  for (const b of batches) {
                    model.push(...expectedRows(b));
                    cursors.set(b.device, b.cursor.ackedSeq);
                  }
                }
                for (const d of ['d0', 'd1', 'd2']) assert.equal(f.store.getCursor(d, 's')?.ackedSeq, cursors.get(d));
              }
              assert.equal(f.store.eventCount(), model.length);
              assert.deepEqual(
                f.store
                  .readEvents(0, model.length)
                  .map((e) => ({ device: e.device, stream: e.stream, seq: e.seq, canonical: e.canonical })),
                model,
              );
            } finally {
              f.dispose();
            }
          }),
          { numRuns: 25 },
        );
      });
    });

    describe('the Merkle node store and transactions', () => {
      test(
        'the node store starts empty',
        withStore(({ store }) => {
          assert.equal(store.nodeStore().getLeafCount(), 0);
          assert.equal(store.nodeStore().getNode(0, 0), undefined);
        }),
      );

      test(
        'transaction() returns the value of fn and commits its writes together',
        withStore(({ store }) => {
          const tree = createMerkleTree(store.nodeStore());
          const range = store.transaction(() => {
            store.setMeta('k', 'v');
            return tree.appendLeaves(['a', 'b', 'c'].map((s) => Buffer.from(s)));
          });
          assert.deepEqual(range, { begin: 0, end: 3 });
          assert.equal(store.getMeta('k'), 'v');
          assert.equal(hex(createMerkleTree(store.nodeStore()).root()), hex(tree.root()));
        }),
      );

      test(
        'a throwing transaction() leaves nothing behind; a nested one rolls back alone',
        withStore(({ store }) => {
          const nodes = store.nodeStore();
          assert.throws(
            () =>
              store.transaction(() => {
                nodes.putNode(0, 0, hash('x'));
                nodes.setLeafCount(1);
                store.setMeta('k', 'v');
                throw new Error('boom');
              }),
            /boom/,
          );
          assert.deepEqual([nodes.getLeafCount(), nodes.getNode(0, 0), store.getMeta('k')], [0, undefined, undefined]);
          store.transaction(() => {
            store.setMeta('outer', '1');
            assert.throws(() =>
              store.transaction(() => {
                store.setMeta('inner', '1');
                throw new Error('inner');
              }),
            );
          });
          assert.deepEqual([store.getMeta('outer'), store.getMeta('inner')], ['1', undefined]);
        }),
      );

      test(
        'a non-durable transaction() is atomic like any other and leaves later transactions durable',
        withStore(({ store }) => {
          const nodes = store.nodeStore();
          assert.throws(
            () =>
              store.transaction(
                () => {
                  nodes.putNode(0, 0, hash('x'));
                  nodes.setLeafCount(1);
                  throw new Error('boom');
                },
                { durable: false },
              ),
            /boom/,
          );
          assert.deepEqual([nodes.getLeafCount(), nodes.getNode(0, 0)], [0, undefined]);
          const tree = createMerkleTree(nodes);
          store.transaction(() => tree.appendLeaves([Buffer.from('a'), Buffer.from('b')]), { durable: false });
          assert.equal(createMerkleTree(store.nodeStore()).size, 2);
          // Nested inside a durable one it takes the outer durability, and commits with it.
          store.transaction(() => store.transaction(() => store.setMeta('nested', '1'), { durable: false }));
          assert.equal(store.getMeta('nested'), '1');
        }),
      );
    });

    describe('checkpoints', () => {
      test(
        'the latest is the largest tree size; the list is ascending',
        withStore(({ store }) => {
          assert.equal(store.latestCheckpoint(), undefined);
          assert.deepEqual(store.listCheckpoints(), []);
          for (const size of [5, 20, 9]) store.putCheckpoint(checkpoint(size));
          const latest = store.latestCheckpoint();
          assert.deepEqual(latest && { ...latest, root: hex(latest.root) }, { ...checkpoint(20), root: hex(checkpoint(20).root) });
          assert.deepEqual(
            store.listCheckpoints().map((c) => c.treeSize),
            [5, 9, 20],
          );
        }),
      );

      test(
        'the same size and root again is a no-op; another root for a stored size is a fork and refused',
        withStore(({ store }) => {
          store.putCheckpoint(checkpoint(7));
          store.putCheckpoint({ ...checkpoint(7), createdUs: 99 });
          assert.equal(store.listCheckpoints().length, 1);
          assert.equal(store.latestCheckpoint()?.createdUs, 70);
          assert.throws(() => store.putCheckpoint(checkpoint(7, hash('forked'))), hasCode('STORE_CHECKPOINT_CONFLICT'));
          assert.equal(hex(store.latestCheckpoint()?.root), hex(checkpoint(7).root));
        }),
      );
    });

    describe('migrations and restarts', () => {
      test(
        'migrate() is idempotent and keeps the data',
        withStore(({ store }) => {
          store.setMeta('k', 'v');
          store.migrate();
          store.migrate();
          assert.equal(store.getMeta('k'), 'v');
        }),
      );

      test('everything survives a reopen, and the tree reopens at the same root', (t) => {
        const f = factory();
        try {
          if (f.reopen === undefined) {
            t.skip(`${name} cannot reopen (not durable)`);
            return;
          }
          const w = new StreamWriter();
          const s1 = f.store;
          s1.putDevice(device('cam-1', 't1'));
          s1.setMeta('origin', 'o');
          s1.commitBatches([w.batch('cam-1', 's', 4)]);
          const tree = createMerkleTree(s1.nodeStore());
          s1.transaction(() => tree.appendLeaves(s1.readEvents(0, 4).map((e) => e.digest)));
          s1.putCheckpoint(checkpoint(4, tree.root()));
          const s2 = f.reopen();
          s2.migrate();
          assert.equal(s2.getMeta('origin'), 'o');
          assert.equal(s2.getDevice('cam-1')?.id, 'cam-1');
          assert.equal(s2.eventCount(), 4);
          assert.equal(s2.getCursor('cam-1', 's')?.ackedSeq, 4);
          assert.equal(hex(createMerkleTree(s2.nodeStore()).root()), hex(tree.root()));
          assert.equal(s2.latestCheckpoint()?.treeSize, 4);
          assert.deepEqual(s2.commitBatches([w.batch('cam-1', 's', 1)]), [[4]]);
        } finally {
          f.dispose();
        }
      });

      test('a database migrated by a newer seclog is refused (STORE_SCHEMA_TOO_NEW)', (t) => {
        const f = factory();
        try {
          if (f.markSchemaNewer === undefined) {
            t.skip(`${name} cannot mark its schema newer`);
            return;
          }
          f.markSchemaNewer();
          assert.throws(() => f.store.migrate(), hasCode('STORE_SCHEMA_TOO_NEW'));
          if (f.reopen !== undefined) assert.throws(() => f.reopen?.(), hasCode('STORE_SCHEMA_TOO_NEW'));
        } finally {
          f.dispose();
        }
      });
    });
  });
  describe(`Store conformance: ${name}: event summary`, () => {
    test(
      'summarizeEvents counts by device, name and tq.synced (null without tq) inside the record-time window',
      withStore(({ store }) => {
        const w = new StreamWriter();
        store.commitBatches([
          w.batch('d1', 's1', 4),
          w.batch('d2', 's2', 3, { tq: { synced: true, source: 'ntp' } }),
          w.batch('d1', 's3', 2, { tq: { synced: false, source: 'rtc' } }),
        ]);
        assert.deepEqual(store.summarizeEvents(0, Number.MAX_SAFE_INTEGER), [
          { device: 'd1', name: 'authn_login_fail', synced: null, count: 2 },
          { device: 'd1', name: 'authn_login_fail', synced: false, count: 1 },
          { device: 'd1', name: 'config_change', synced: null, count: 2 },
          { device: 'd1', name: 'config_change', synced: false, count: 1 },
          { device: 'd2', name: 'authn_login_fail', synced: true, count: 1 },
          { device: 'd2', name: 'config_change', synced: true, count: 2 },
        ]);
        // Date.parse keeps milliseconds: each figure is its record's time, rounded down to the ms.
        const times = store.readEvents(0, 9).map((e) => Date.parse((JSON.parse(e.canonical) as { time: string }).time) * 1000);
        const last = Math.max(...times);
        assert.deepEqual(store.summarizeEvents(last + 1000, last + 2000), [], 'nothing after the last record');
        // Records are 1,234 µs apart: only the first lies before its own millisecond's end.
        const first = store.summarizeEvents(0, Math.min(...times) + 1000);
        assert.equal(
          first.reduce((n, r) => n + r.count, 0),
          1,
          'the window is half-open and by record time',
        );
        assert.throws(() => store.summarizeEvents(5, 4), hasCode('STORE_QUERY_INVALID'));
      }),
    );
  });
  if (parts.query !== false) describeQueryConformance(name, factory);
  if (parts.ingestState !== false) describeIngestStateConformance(name, factory);
  if (parts.alerts !== false) describeAlertStoreConformance(name, factory);
  if (parts.outbox !== false) describeOutboxConformance(name, factory);
  if (parts.users !== false) describeUserStoreConformance(name, factory);
  if (parts.retention !== false) describeRetentionConformance(name, factory);
}
