// The verification in a review's evidence (src/review/period-verify.ts): for any range of leaves
// between two signed checkpoints, the rows re-hashed and proved included in the signed root, one
// inclusion proof per perfect subtree; a changed row is caught and named, whatever the range.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chainHash, createMerkleTree, createNoteSigner, generateNoteKey, type Hash, signCheckpoint, toHash } from '@seclog/core';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { storedLeafData } from '../src/integrate/leaf-hash.js';
import { verifyPeriod } from '../src/review/period-verify.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import type { BatchWrite } from '../src/store/types.js';
import { StreamWriter } from './store-conformance.js';

const ORIGIN = 'test.example/review-log';
const N = 77;
const root = mkdtempSync(join(tmpdir(), 'seclog-period-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

/** The conformance writer's digests are stand-ins: make them SHA-256 of the canonical JSON, as ingest does, and rechain. */
function realDigests(b: BatchWrite): BatchWrite {
  let head = new Uint8Array(32) as Hash;
  const records = b.records.map((r) => {
    const digest = createHash('sha256').update(r.canonical, 'utf8').digest() as Uint8Array as Hash;
    head = toHash(chainHash(r.record.seq as number, head, digest), 'chain hash');
    return { ...r, digest, chainHash: head };
  });
  return { ...b, records, cursor: { ...b.cursor, head } };
}

function fixture() {
  const path = join(root, `p${files++}.db`);
  const store = openSqliteStore(path);
  /** A second connection, to change rows behind the store's back. */
  const raw = (sql: string, ...args: unknown[]) => {
    const db = new Database(path);
    try {
      db.prepare(sql).run(...args);
    } finally {
      db.close();
    }
  };
  const w = new StreamWriter();
  store.transaction(() => store.commitBatches([realDigests(w.batch('dev-1', 's1', 40)), realDigests(w.batch('dev-2', 's2', N - 40))]));
  const tree = createMerkleTree(store.nodeStore());
  tree.appendLeaves(store.readEvents(0, N).map(storedLeafData));
  const { signerKey, verifierKey } = generateNoteKey(ORIGIN);
  const signer = createNoteSigner(signerKey);
  const checkpointAt = (size: number, createdUs: number) => {
    const root = tree.root(size);
    store.putCheckpoint({
      treeSize: size,
      root,
      note: signCheckpoint({ origin: ORIGIN, size, root, extensions: [] }, [signer]),
      createdUs,
    });
  };
  return { store, tree, verifierKey, checkpointAt, raw };
}

test('any range between two checkpoints verifies, and a changed row in it is named', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: N - 1 }), fc.integer({ min: 1, max: N }), fc.nat(), (a, b, pick) => {
      const m = Math.min(a, b - 1);
      const n = Math.max(a + 1, b);
      const f = fixture();
      try {
        if (m > 0) f.checkpointAt(m, 10);
        f.checkpointAt(n, 100);
        const run = () =>
          verifyPeriod({ store: f.store, tree: f.tree, origin: ORIGIN, verifierKey: f.verifierKey, periodStartUs: 50, periodEndUs: 90 });
        const ok = run();
        assert.deepEqual(ok.problems, []);
        assert.deepEqual(ok.leaves, { from: m, to: n, rows: n - m, pruned: 0, limited: false });
        assert.equal(ok.checkpoint?.size, n);
        // A row's chain hash changed in the database: its leaf no longer reaches the signed root.
        const victim = m + (pick % (n - m));
        f.raw('UPDATE events SET chain_hash = ? WHERE pos = ?', Buffer.alloc(32, 7), victim);
        const bad = run();
        assert.equal(bad.ok, false);
        assert.match(bad.problems.join('\n'), new RegExp(`leaf ${victim}: the leaf its row gives is not the one in the log`));
      } finally {
        f.store.close();
      }
    }),
    { numRuns: 40 },
  );
});

test('a modified record JSON, a bad checkpoint signature and a range cut at the limit are reported', () => {
  const f = fixture();
  try {
    f.checkpointAt(N, 100);
    const run = (maxLeaves?: number) =>
      verifyPeriod({
        store: f.store,
        tree: f.tree,
        origin: ORIGIN,
        verifierKey: f.verifierKey,
        periodStartUs: 50,
        periodEndUs: 90,
        ...(maxLeaves === undefined ? {} : { maxLeaves }),
      });
    const cut = run(10);
    assert.equal(cut.ok, true, cut.problems.join('; '));
    assert.deepEqual(cut.leaves, { from: 0, to: 10, rows: 10, pruned: 0, limited: true });
    assert.match(cut.checked.join('\n'), /leaves \[10, 77\) were not re-hashed \(limit 10\)/);
    f.raw("UPDATE events SET canonical = replace(canonical, 'admin', 'root') WHERE pos = 3");
    assert.match(run().problems.join('\n'), /record at leaf 3: its stored JSON does not hash to its record digest/);
    const other = generateNoteKey(ORIGIN).verifierKey;
    const wrongKey = verifyPeriod({ store: f.store, tree: f.tree, origin: ORIGIN, verifierKey: other, periodStartUs: 50, periodEndUs: 90 });
    assert.match(wrongKey.problems.join('\n'), /checkpoint 77: unknown_key/);
  } finally {
    f.store.close();
  }
});

test('no checkpoint yet: said so, not passed', () => {
  const f = fixture();
  try {
    const v = verifyPeriod({ store: f.store, tree: f.tree, origin: ORIGIN, verifierKey: f.verifierKey, periodStartUs: 0, periodEndUs: 1 });
    assert.equal(v.ok, false);
    assert.equal(v.checkpoint, null);
    assert.match(v.problems[0] ?? '', /no checkpoint has been signed yet/);
  } finally {
    f.store.close();
  }
});
