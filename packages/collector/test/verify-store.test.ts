import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Database from 'better-sqlite3';
import type { StoreFailure, StoreVerification } from '../src/verify/store-result.js';
import { verifyDataDir } from '../src/verify/verify-store.js';
import { copyFixture, type Fixture, makeFixture, sealedRecords, tamper, withCollector } from './verify-fixtures.js';

let fx: Fixture;
before(async () => {
  fx = await makeFixture(3, 40, 10);
});
after(() => fx.cleanup());

let copies = 0;
/** Tampers with a fresh copy of the store and verifies it. */
async function tampered(fn: (db: Database.Database) => void, opts: Parameters<typeof verifyDataDir>[1] = {}): Promise<StoreVerification> {
  const copy = copyFixture(fx, `copy-${copies++}`);
  try {
    tamper(copy, fn);
    return await verifyDataDir(copy.dataDir, { workers: 0, chunkLevel: 4, ...opts });
  } finally {
    copy.cleanup();
  }
}

function failed(r: StoreVerification): StoreFailure {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  return r as StoreFailure;
}

const posOf = (db: Database.Database, device: string, seq: number): number =>
  db.prepare('SELECT pos FROM events WHERE device = ? AND seq = ?').pluck().get(device, seq) as number;

test('an untouched store verifies, on this thread and on workers', async () => {
  for (const workers of [0, 2]) {
    const r = await verifyDataDir(fx.dataDir, { workers, chunkLevel: 4 });
    assert.equal(r.ok, true, JSON.stringify(r));
    if (!r.ok) continue;
    assert.equal(r.events, r.treeSize);
    assert.ok(r.seals > 0, 'the device streams carry seals');
    assert.ok(r.checkpoints > 1);
    assert.equal(r.latestCheckpoint, r.treeSize);
  }
});

describe('each tamper of the database is found and located', () => {
  test('a row’s canonical JSON changed', async () => {
    let pos = -1;
    const f = failed(
      await tampered((db) => {
        pos = posOf(db, 'cam-1', 5);
        db.prepare("UPDATE events SET canonical = replace(canonical, 'bad_password', 'bad_passw0rd') WHERE pos = ?").run(pos);
      }),
    );
    assert.deepEqual([f.kind, f.target, f.pos, f.device, f.seq], ['modified', 'event', pos, 'cam-1', 5]);
  });

  test('a row’s digest changed', async () => {
    let pos = -1;
    const f = failed(
      await tampered((db) => {
        pos = posOf(db, 'cam-2', 11);
        db.prepare('UPDATE events SET digest = zeroblob(32) WHERE pos = ?').run(pos);
      }),
    );
    assert.deepEqual([f.kind, f.target, f.pos, f.device, f.seq], ['modified', 'event', pos, 'cam-2', 11]);
  });

  test('a row’s content rewritten with its digest and chain hash recomputed', async () => {
    // The tamperer recomputes what a row says about itself; the tree and the next record's prev still disagree.
    const { createHash } = await import('node:crypto');
    const { chainHash } = await import('@seclog/core');
    let pos = -1;
    const f = failed(
      await tampered((db) => {
        pos = posOf(db, 'cam-0', 10);
        const row = db.prepare('SELECT canonical, seq FROM events WHERE pos = ?').get(pos) as { canonical: string; seq: number };
        const canonical = row.canonical.replace('bad_password', 'bad_passw0rd');
        const digest = createHash('sha256').update(canonical).digest();
        const prev = Buffer.from((JSON.parse(canonical) as { prev: string }).prev, 'hex');
        db.prepare('UPDATE events SET canonical = ?, digest = ?, chain_hash = ? WHERE pos = ?').run(
          canonical,
          digest,
          chainHash(row.seq, prev, digest),
          pos,
        );
      }),
    );
    assert.deepEqual([f.kind, f.target, f.pos, f.device, f.seq], ['modified', 'event', pos, 'cam-0', 10]);
  });

  test('a row deleted', async () => {
    let pos = -1;
    const f = failed(
      await tampered((db) => {
        pos = posOf(db, 'cam-1', 17);
        db.prepare('DELETE FROM events WHERE pos = ?').run(pos);
      }),
    );
    assert.deepEqual([f.kind, f.target, f.pos, f.device, f.stream !== undefined, f.seq], ['deleted', 'event', pos, 'cam-1', true, 17]);
  });

  test('two rows’ contents swapped', async () => {
    let a = -1;
    let b = -1;
    const f = failed(
      await tampered((db) => {
        a = posOf(db, 'cam-0', 3);
        b = posOf(db, 'cam-2', 30);
        const cols =
          'device, stream, seq, received_us, time_us, name, outcome, severity, actor_ip, actor_user, digest, chain_hash, canonical';
        const get = db.prepare(`SELECT ${cols} FROM events WHERE pos = ?`);
        const ra = get.get(a) as Record<string, unknown>;
        const rb = get.get(b) as Record<string, unknown>;
        const set = db.prepare(
          `UPDATE events SET (${cols}) = (${cols
            .split(', ')
            .map((c) => `@${c}`)
            .join(', ')}) WHERE pos = @pos`,
        );
        set.run({ ...rb, pos: a });
        set.run({ ...ra, pos: b });
      }),
    );
    assert.deepEqual([f.kind, f.target, f.pos], ['reordered', 'event', a]);
    assert.match(f.detail, new RegExp(`rows ${a} and ${b}`));
  });

  test('a leaf node and an interior tree node changed', async () => {
    const leaf = failed(await tampered((db) => db.prepare('UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 50').run()));
    assert.deepEqual([leaf.kind, leaf.target, leaf.node, leaf.pos], ['modified', 'tree_node', { level: 0, index: 50 }, 50]);
    const inner = failed(await tampered((db) => db.prepare('UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 3 AND idx = 5').run()));
    assert.deepEqual([inner.kind, inner.target, inner.node, inner.pos], ['modified', 'tree_node', { level: 3, index: 5 }, 40]);
    const top = failed(await tampered((db) => db.prepare('UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 6 AND idx = 0').run()));
    assert.deepEqual([top.kind, top.target, top.node], ['modified', 'tree_node', { level: 6, index: 0 }]);
    const gone = failed(await tampered((db) => db.prepare('DELETE FROM tree_nodes WHERE level = 1 AND idx = 7').run()));
    assert.deepEqual([gone.kind, gone.target, gone.node], ['deleted', 'tree_node', { level: 1, index: 7 }]);
  });

  test('a checkpoint’s note or root changed', async () => {
    let size = -1;
    const note = failed(
      await tampered((db) => {
        size = db.prepare('SELECT tree_size FROM checkpoints ORDER BY tree_size LIMIT 1 OFFSET 2').pluck().get() as number;
        // Another root in the note text: the signature no longer covers it.
        db.prepare(
          "UPDATE checkpoints SET note = replace(note, substr(note, instr(note, char(10)) + 1 + length(tree_size) + 1, 4), 'AAAA') WHERE tree_size = ?",
        ).run(size);
      }),
    );
    assert.deepEqual([note.kind, note.target, note.checkpoint], ['bad_signature', 'checkpoint', size]);
    const root = failed(await tampered((db) => db.prepare('UPDATE checkpoints SET root = zeroblob(32) WHERE tree_size = ?').run(size)));
    assert.deepEqual([root.kind, root.target, root.checkpoint], ['modified', 'checkpoint', size]);
  });

  test('the latest checkpoint row dropped', async () => {
    const r = await tampered(
      (db) => db.prepare('DELETE FROM checkpoints WHERE tree_size = (SELECT max(tree_size) FROM checkpoints)').run(),
      {
        checkpointGraceMs: 0,
      },
    );
    const f = failed(r);
    assert.deepEqual([f.kind, f.target], ['deleted', 'checkpoint']);
    // Within the grace a running collector may not have signed yet: not a finding.
    const fresh = await tampered(
      (db) => db.prepare('DELETE FROM checkpoints WHERE tree_size = (SELECT max(tree_size) FROM checkpoints)').run(),
      {
        checkpointGraceMs: 3_600_000,
      },
    );
    assert.equal(fresh.ok, true, JSON.stringify(fresh));
  });

  test('the tail of the events truncated', async () => {
    let count = -1;
    const f = failed(
      await tampered((db) => {
        count = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
        db.prepare('DELETE FROM events WHERE pos >= ?').run(count - 5);
      }),
    );
    assert.deepEqual([f.kind, f.target, f.pos], ['truncated', 'event', count - 5]);
  });
});

test('gaps: a recorded gap verifies open and once filled; an inserted copy does not', async () => {
  let file: import('../src/enrol/enrol.js').DeviceFile | undefined;
  let recs: import('@seclog/core').ChainedEvent[] = [];
  const open = await withCollector(async (c) => {
    file = c.enrol('gap-1');
    recs = sealedRecords(file, 30);
    for (const range of [recs.slice(0, 10), recs.slice(15, 30)]) {
      const r = await c.send(file, range);
      assert.equal(r.status, 200, r.body);
    }
  });
  try {
    const r = await verifyDataDir(open.dataDir, { workers: 0, chunkLevel: 3 });
    assert.equal(r.ok, true, JSON.stringify(r));
    if (r.ok) assert.equal(r.gaps, 1);
  } finally {
    open.cleanup();
  }
  const filled = await withCollector(async (c) => {
    file = c.enrol('gap-2');
    recs = sealedRecords(file, 30);
    for (const range of [recs.slice(0, 10), recs.slice(15, 30), recs.slice(10, 15)]) {
      const r = await c.send(file, range);
      assert.equal(r.status, 200, r.body);
    }
  });
  try {
    const r = await verifyDataDir(filled.dataDir, { workers: 0, chunkLevel: 3 });
    assert.equal(r.ok, true, JSON.stringify(r));
    if (r.ok) assert.equal(r.gaps, 1);
    // A copy of a stored record appended as a new row (not yet in the tree): the stream already holds its seq.
    const copy = copyFixture({ ...filled, devices: [], sent: new Map() }, 'inserted');
    tamper(copy, (db) => {
      db.prepare(
        'INSERT INTO events SELECT (SELECT max(pos) + 1 FROM events), device, stream, seq, received_us, time_us, name, outcome, severity, actor_ip, actor_user, digest, chain_hash, canonical FROM events WHERE device = ? AND seq = 3',
      ).run('gap-2');
    });
    const f = failed(await verifyDataDir(copy.dataDir, { workers: 0, chunkLevel: 3 }));
    assert.deepEqual([f.kind, f.device, f.seq], ['inserted', 'gap-2', 3]);
  } finally {
    filled.cleanup();
  }
});

test('a replaced escrowed seal key fails the device’s first seal', async () => {
  const f = failed(await tampered((db) => db.prepare("UPDATE devices SET seal_key = zeroblob(32) WHERE id = 'cam-2'").run()));
  assert.deepEqual([f.kind, f.target, f.device, f.seq], ['bad_seal', 'stream', 'cam-2', 8]);
});

test('the worker path locates a swap as the thread path does', async () => {
  const f = failed(
    await tampered(
      (db) => {
        const a = posOf(db, 'cam-1', 2);
        const b = posOf(db, 'cam-1', 3);
        db.prepare('UPDATE events SET pos = 999999999 WHERE pos = ?').run(a);
        db.prepare('UPDATE events SET pos = ? WHERE pos = ?').run(a, b);
        db.prepare('UPDATE events SET pos = ? WHERE pos = 999999999').run(b);
      },
      { workers: 2 },
    ),
  );
  assert.equal(f.kind, 'reordered');
});

test('a store in use verifies: the bounds are read first and the log only grows', async () => {
  const done = await withCollector(async (c) => {
    const files = [c.enrol('live-0'), c.enrol('live-1')];
    const recs = files.map((f) => sealedRecords(f, 60));
    const send = async () => {
      for (let at = 0; at < 60; at += 6) for (let k = 0; k < files.length; k++) await c.send(files[k]!, recs[k]!.slice(at, at + 6));
    };
    const sending = send();
    // Verify a few times while batches commit, the integrator appends and checkpoints are signed.
    for (let i = 0; i < 3; i++) {
      const r = await verifyDataDir(c.collector.data.path, { workers: 0, chunkLevel: 3 });
      assert.equal(r.ok, true, JSON.stringify(r));
    }
    await sending;
  });
  done.cleanup();
});
