/**
 * Gaps at ingest (issue C item 3): a batch beyond the cursor opens a gap, a
 * later batch inside it is stored when it chains to a stored neighbour, and
 * the gap closes; retries stay duplicates; the state survives a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { canonicalize, recordChainHash, recordChainHashHex, type SeclogError, verifyChain } from '@seclog/core';
import Database from 'better-sqlite3';
import type { IngestAck } from '../src/ingest/ingest-service.js';
import { runMigrations } from '../src/store/migrations.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite-schema.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { deviceChain } from './ingest-fixtures.js';
import { IngestHarness, k0Of, StreamBuilder, testDevice } from './ingest-harness.js';

let h: IngestHarness;
beforeEach(() => {
  h = new IngestHarness();
});
afterEach(() => h.close());

const dev = (id: string) => h.enrol(testDevice(id, k0Of(id)));
const isError = (r: IngestAck | SeclogError): r is SeclogError => 'code' in r;

function expectCode(r: IngestAck | SeclogError, code: string): SeclogError {
  assert.ok(isError(r), `expected ${code}, got an ACK ${JSON.stringify(r)}`);
  assert.equal(r.code, code, r.message);
  return r;
}

/** Every seq of the stream stored exactly once, and the stored stream chains from seq 1. */
function assertWhole(device: string, stream: string, n: number): void {
  const { records, copies } = h.stored(device, stream);
  assert.deepEqual(
    records.map((r) => r.seq),
    Array.from({ length: n }, (_, i) => i + 1),
  );
  for (const [seq, k] of copies) assert.equal(k, 1, `seq ${seq} stored ${k} times`);
  const v = verifyChain(records, { stream });
  assert.equal(v.ok, true, JSON.stringify(v));
}

const gapEvents = () => h.own().filter((r) => r.name === 'log_gap' || r.name === 'log_gap_closed');

describe('a gap and its fill', () => {
  test('beyond the cursor: stored, log_gap names the range, the ACK and the cursor list the open gap', async () => {
    const d = dev('g-1');
    const s = new StreamBuilder('g-1').add(10);
    await h.ack(d, s.range(1, 2));
    const r = await h.ack(d, s.range(7, 10));
    assert.deepEqual([r.accepted, r.acked.seq, r.gaps], [4, 10, [{ from: 3, to: 7 }]]);
    assert.deepEqual(
      gapEvents().map((e) => [e.name, e.attrs.from_seq, e.attrs.to_seq, e.attrs.count]),
      [['log_gap', 3, 6, 4]],
    );
    assert.deepEqual(h.service.cursors('g-1')[0]?.gaps, [{ from: 3, to: 7 }]);
    assert.equal(h.store.listGaps('g-1', s.stream).length, 1);
  });

  test('filled in one piece: stored once, log_gap_closed with remaining 0, no gap left', async () => {
    const d = dev('g-2');
    const s = new StreamBuilder('g-2').add(10);
    await h.ack(d, s.range(1, 2));
    await h.ack(d, s.range(7, 10));
    const r = await h.ack(d, s.range(3, 6));
    assert.deepEqual([r.accepted, r.duplicates, r.acked.seq, r.gaps], [4, 0, 10, []]);
    const closed = gapEvents().at(-1)!;
    assert.deepEqual(
      [closed.name, closed.attrs.from_seq, closed.attrs.to_seq, closed.attrs.count, closed.attrs.remaining, closed.attrs.device_id],
      ['log_gap_closed', 3, 6, 4, 0, 'g-2'],
    );
    assert.deepEqual(h.store.listGaps('g-2'), []);
    assertWhole('g-2', s.stream, 10);
    assert.deepEqual(h.failures(), []);
  });

  test('filled in two pieces from the front, and in two from the back', async () => {
    for (const [id, pieces] of [
      [
        'g-3f',
        [
          [3, 4],
          [5, 6],
        ],
      ],
      [
        'g-3b',
        [
          [5, 6],
          [3, 4],
        ],
      ],
    ] as const) {
      const d = dev(id);
      const s = new StreamBuilder(id).add(10);
      await h.ack(d, s.range(1, 2));
      await h.ack(d, s.range(7, 10));
      const first = await h.ack(d, s.range(pieces[0][0], pieces[0][1]));
      assert.equal(first.gaps.length, 1);
      assert.deepEqual(first.gaps[0], pieces[0][0] === 3 ? { from: 5, to: 7 } : { from: 3, to: 5 });
      const second = await h.ack(d, s.range(pieces[1][0], pieces[1][1]));
      assert.deepEqual(second.gaps, []);
      assert.deepEqual(
        gapEvents()
          .filter((e) => e.attrs.device_id === id && e.name === 'log_gap_closed')
          .map((e) => [e.attrs.from_seq, e.attrs.remaining]),
        [
          [pieces[0][0], 2],
          [pieces[1][0], 0],
        ],
      );
      assertWhole(id, s.stream, 10);
    }
    assert.deepEqual(h.failures(), []);
  });

  test('a piece in the middle of a gap is refused (INGEST_GAP_UNANCHORED) until a neighbour arrives', async () => {
    const d = dev('g-4');
    const s = new StreamBuilder('g-4').add(12);
    await h.ack(d, s.range(1, 2));
    await h.ack(d, s.range(10, 12));
    const before = h.store.eventCount();
    const e = expectCode(await h.send(d, s.range(5, 6)), 'INGEST_GAP_UNANCHORED');
    assert.deepEqual([e.details.index, e.details.seq, e.details.gap], [0, 5, { from: 3, to: 10 }]);
    assert.equal(h.store.eventCount(), before);
    await h.ack(d, s.range(7, 9)); // from the back
    await h.ack(d, s.range(5, 6)); // now it ends where the gap ends
    await h.ack(d, s.range(3, 4));
    assertWhole('g-4', s.stream, 12);
  });

  test('a fill that does not chain is a fork: 409, log_integrity_fail forked, the gap stays', async () => {
    const d = dev('g-5');
    const s = new StreamBuilder('g-5').add(10);
    const other = new StreamBuilder('g-5', { stream: s.stream, startMs: s.clockMs + 999 }).add(10);
    await h.ack(d, s.range(1, 2));
    await h.ack(d, s.range(7, 10));
    // From the front: record 3 of another history names another prev.
    const front = expectCode(await h.send(d, other.range(3, 4)), 'INGEST_FORK');
    assert.equal(front.details.seq, 3);
    // From the back: record 6 of another history does not hash to what record 7 names.
    const back = expectCode(await h.send(d, other.range(5, 6)), 'INGEST_FORK');
    assert.deepEqual([back.details.index, back.details.seq], [1, 6]);
    assert.deepEqual(h.failures(), [
      ['forked', 3],
      ['forked', 6],
    ]);
    assert.deepEqual(
      h.store.listGaps('g-5').map((g) => [g.fromSeq, g.toSeq]),
      [[3, 7]],
    );
    await h.ack(d, s.range(3, 6));
    assertWhole('g-5', s.stream, 10);
  });

  test('a retried fill is a duplicate: acknowledged again, stored once', async () => {
    const d = dev('g-6');
    const s = new StreamBuilder('g-6').add(10);
    await h.ack(d, s.range(1, 2));
    await h.ack(d, s.range(7, 10));
    await h.ack(d, s.range(3, 6));
    const count = h.store.eventCount();
    const again = await h.ack(d, s.range(3, 6));
    assert.deepEqual([again.accepted, again.duplicates, again.acked.seq], [0, 4, 10]);
    const wider = await h.ack(d, s.range(1, 10));
    assert.deepEqual([wider.accepted, wider.duplicates], [0, 10]);
    assert.equal(h.store.eventCount(), count);
    assertWhole('g-6', s.stream, 10);
    assert.equal(gapEvents().filter((e) => e.name === 'log_gap_closed').length, 1);
  });

  test('one batch spanning stored records, a gap and new records: fills, skips the duplicates, appends', async () => {
    const d = dev('g-7');
    const s = new StreamBuilder('g-7').add(14);
    await h.ack(d, s.range(1, 2));
    await h.ack(d, s.range(5, 6));
    await h.ack(d, s.range(9, 10));
    assert.equal(h.store.listGaps('g-7').length, 2);
    const r = await h.ack(d, s.range(1, 14));
    assert.deepEqual([r.accepted, r.duplicates, r.acked.seq, r.gaps], [8, 6, 14, []]);
    assertWhole('g-7', s.stream, 14);
    assert.deepEqual(h.failures(), []);
  });

  test('a gap left open survives a restart, and closes after it', async () => {
    const d = dev('g-8');
    const s = new StreamBuilder('g-8').add(10);
    await h.ack(d, s.range(1, 2));
    await h.ack(d, s.range(8, 10));
    await h.ack(d, s.range(3, 4));
    h.restart();
    assert.deepEqual(
      h.store.listGaps('g-8').map((g) => [g.fromSeq, g.toSeq]),
      [[5, 8]],
    );
    assert.deepEqual(h.service.cursors('g-8'), [
      { stream: s.stream, seq: 10, head: recordChainHashHex(s.records[9]!), gaps: [{ from: 5, to: 8 }] },
    ]);
    expectCode(await h.send(d, s.range(6, 6)), 'INGEST_GAP_UNANCHORED');
    const r = await h.ack(d, s.range(5, 7));
    assert.deepEqual(r.gaps, []);
    assertWhole('g-8', s.stream, 10);
  });
});

describe('duplicates below the cursor are compared with what is stored', () => {
  test('the same records again: duplicates; another history at stored seqs: a fork (found by the stored hash)', async () => {
    const d = dev('dup-1');
    const s = new StreamBuilder('dup-1').add(8);
    await h.ack(d, s.range(1, 8));
    const same = await h.ack(d, s.range(2, 4));
    assert.deepEqual([same.accepted, same.duplicates], [0, 3]);
    const other = new StreamBuilder('dup-1', { stream: s.stream, startMs: s.clockMs + 5 }).add(8);
    const e = expectCode(await h.send(d, other.range(2, 4)), 'INGEST_FORK');
    assert.deepEqual([e.details.index, e.details.seq, e.details.expected], [2, 4, undefined]);
    assert.deepEqual(h.failures(), [['forked', 4]]);
  });

  test('a different record at a stored seq with the same time: the fork names the stored hash', async () => {
    const d = dev('dup-2');
    const s = new StreamBuilder('dup-2').add(6);
    await h.ack(d, s.range(1, 6));
    const tampered = s.range(1, 3).map((r) => ({ ...r }));
    tampered[0]!.attrs = { method: 'password', reason: 'other' };
    // Re-chain the copy so that only the stored comparison can tell.
    const rechained = new StreamBuilder('dup-2', { stream: s.stream });
    for (const r of tampered) rechained.push(r.name, r.attrs as Record<string, string>, Date.parse(r.time));
    const e = expectCode(await h.send(d, rechained.range(1, 3)), 'INGEST_FORK');
    assert.equal(e.details.seq, 3);
    assert.equal(e.details.expected, Buffer.from(h.store.findChainHash('dup-2', s.stream, 3, s.records[2]!.time)!).toString('hex'));
  });

  test('a run of stored records that ends where a gap begins is checked against the gap', async () => {
    const d = dev('dup-3');
    const s = new StreamBuilder('dup-3').add(10);
    await h.ack(d, s.range(1, 4));
    await h.ack(d, s.range(8, 10));
    const other = new StreamBuilder('dup-3', { stream: s.stream, startMs: s.clockMs + 5 }).add(10);
    expectCode(await h.send(d, other.range(2, 4)), 'INGEST_FORK');
    const ok = await h.ack(d, s.range(2, 5));
    assert.deepEqual([ok.accepted, ok.duplicates], [1, 3]);
  });

  test('the lookup goes through an index of the events table, not a scan', () => {
    // The same statement as SqliteEventLog's, planned on a second connection to the same file.
    const raw = new Database(join(h.dir, 'seclog.db'), { readonly: true });
    try {
      const plan = raw
        .prepare('EXPLAIN QUERY PLAN SELECT chain_hash FROM events WHERE device = ? AND time_us = ? AND stream = ? AND seq = ?')
        .all('d', 1, 's', 1) as { detail: string }[];
      const text = plan.map((r) => r.detail).join('; ');
      assert.match(text, /USING (COVERING )?INDEX/, text);
    } finally {
      raw.close();
    }
  });
});

describe('the device row', () => {
  test('lastSeenUs moves with every accepted batch, pure duplicates too', async () => {
    const d = dev('seen-1');
    const s = new StreamBuilder('seen-1').add(4);
    assert.equal(h.store.getDevice('seen-1')?.lastSeenUs, null);
    await h.ack(d, s.range(1, 4));
    const first = h.store.getDevice('seen-1')?.lastSeenUs;
    assert.ok(typeof first === 'number' && first > 0);
    await new Promise((r) => setTimeout(r, 3));
    const again = await h.ack(d, s.range(1, 4));
    assert.equal(again.accepted, 0);
    assert.ok((h.store.getDevice('seen-1')?.lastSeenUs as number) > first);
  });

  test('with the default resolution of 1 s, a quick retry of duplicates commits nothing', async () => {
    h.seenResolutionMs = 1000;
    h.restart();
    const d = dev('seen-3');
    const s = new StreamBuilder('seen-3').add(4);
    await h.ack(d, s.range(1, 4));
    const seen = h.store.getDevice('seen-3')?.lastSeenUs;
    const commits = h.committer.commits;
    const again = await h.ack(d, s.range(1, 4));
    assert.deepEqual([again.accepted, again.duplicates, again.acked.seq], [0, 4, 4]);
    assert.equal(h.store.getDevice('seen-3')?.lastSeenUs, seen);
    assert.equal(h.committer.commits, commits, 'no commit for the retry');
    // Older than the resolution: the next retry moves it.
    h.store.putDevice({ ...h.store.getDevice('seen-3')!, lastSeenUs: (seen as number) - 2_000_000 });
    await h.ack(d, s.range(1, 4));
    assert.ok((h.store.getDevice('seen-3')?.lastSeenUs as number) > (seen as number));
  });

  test('a refused batch does not count as seen', async () => {
    const d = dev('seen-2');
    const s = new StreamBuilder('seen-2').add(4);
    await h.ack(d, s.range(1, 4));
    const seen = h.store.getDevice('seen-2')?.lastSeenUs;
    const other = deviceChain('seen-2', 4, s.stream);
    expectCode(await h.send(d, other), 'INGEST_FORK');
    assert.equal(h.store.getDevice('seen-2')?.lastSeenUs, seen);
  });
});

test('migration 3 turns the skips already stored into open gaps and the stored seals into seal rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-m3-'));
  try {
    const path = join(dir, 'seclog.db');
    const s = new StreamBuilder('m3').epochs(2, 3).add(4);
    const raw = new Database(path);
    runMigrations(
      raw,
      SQLITE_MIGRATIONS.filter((m) => m.id <= 2),
    );
    const insert = raw.prepare(
      `INSERT INTO events (pos, device, stream, seq, received_us, time_us, name, outcome, severity, digest, chain_hash, canonical)
       VALUES (?, 'm3', ?, ?, 7, 0, ?, 'failure', 'low', ?, ?, ?)`,
    );
    // Stored before the gap table existed: seqs 3..9 of 12, a skip over 1..2 and one over 10.
    let pos = 0;
    for (const r of s.records) {
      if (r.seq < 3 || r.seq === 10) continue;
      insert.run(pos++, s.stream, r.seq, r.name, Buffer.alloc(32), recordChainHash(r), canonicalize(r));
    }
    raw.close();
    const store = openSqliteStore(path);
    try {
      assert.deepEqual(
        store.listGaps('m3').map((g) => [g.fromSeq, g.toSeq, Buffer.from(g.before).toString('hex'), Buffer.from(g.after).toString('hex')]),
        [
          [1, 3, '0'.repeat(64), s.records[2]!.prev],
          [10, 11, recordChainHashHex(s.records[8]!), s.records[10]!.prev],
        ],
      );
      assert.deepEqual(
        [store.sealBefore('m3', s.stream, 99)?.seq, store.sealBefore('m3', s.stream, 99)?.epoch, store.sealAfter('m3', s.stream, 1)?.seq],
        [8, 1, 4],
      );
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
