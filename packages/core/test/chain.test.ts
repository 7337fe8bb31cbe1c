import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { canonicalize } from '../src/canon/jcs.js';
import { CHAIN_DOMAIN, chainHash, recordChainHashHex, recordDigest } from '../src/chain/chain-hash.js';
import { advanceHead, checkStreamLink, genesisHead, nextChainFields, streamStartAttrs } from '../src/chain/chain-head.js';
import type { ChainFailureKind, VerifyChainOptions } from '../src/chain/chain-result.js';
import { verifyChain } from '../src/chain/verify-chain.js';
import { isSeclogError } from '../src/errors.js';
import { type ChainedEvent, ZERO_HASH_HEX } from '../src/event/types.js';
import { buildStream, cloneRecord } from './chain-fixtures.test.js';

/** The DESIGN.md §5 formula written out naively, to check the scratch-buffer implementation against. */
function referenceChainHash(seq: number, prev: Buffer, digest: Buffer): string {
  const u64 = Buffer.alloc(8);
  u64.writeBigUInt64BE(BigInt(seq));
  return createHash('sha256').update(Buffer.from('seclog/chain/v1\u0000', 'latin1')).update(u64).update(prev).update(digest).digest('hex');
}

describe('chain hash', () => {
  test('is SHA-256("seclog/chain/v1\\0" ‖ u64be(seq) ‖ prev ‖ digest), also above 2^32', () => {
    const prev = createHash('sha256').update('p').digest();
    const digest = createHash('sha256').update('d').digest();
    for (const seq of [1, 2, 0xffff_ffff, 2 ** 32 + 5, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      assert.equal(chainHash(seq, prev, digest).toString('hex'), referenceChainHash(seq, prev, digest), `seq ${seq}`);
    }
    assert.equal(CHAIN_DOMAIN.length, 16);
  });
  test('pinned vector: seq 1, zero prev, digest of the empty string', () => {
    const h = chainHash(1, Buffer.alloc(32), createHash('sha256').update('').digest());
    assert.equal(h.toString('hex'), referenceChainHash(1, Buffer.alloc(32), createHash('sha256').update('').digest()));
    assert.equal(h.length, 32);
  });
  test('the record digest is SHA-256 of the canonical JSON of the record as stored, prev included', () => {
    const [r] = buildStream({ seed: 3, records: 1, policy: false }).records as [ChainedEvent];
    assert.equal(recordDigest(r).toString('hex'), createHash('sha256').update(canonicalize(r)).digest('hex'));
    const changed = { ...r, prev: 'f'.repeat(64) };
    assert.notEqual(recordDigest(changed).toString('hex'), recordDigest(r).toString('hex'));
  });
  const bad: [string, () => unknown][] = [
    ['31-byte prev', () => chainHash(1, Buffer.alloc(31), Buffer.alloc(32))],
    ['33-byte digest', () => chainHash(1, Buffer.alloc(32), Buffer.alloc(33))],
    ['seq 0', () => chainHash(0, Buffer.alloc(32), Buffer.alloc(32))],
    ['fractional seq', () => chainHash(1.5, Buffer.alloc(32), Buffer.alloc(32))],
    ['upper-case hex prev', () => recordChainHashHex({ seq: 1, prev: 'A'.repeat(64) } as ChainedEvent)],
  ];
  for (const [name, fn] of bad)
    test(`refuses ${name} with CHAIN_HASH_INVALID`, () => assert.throws(fn, (e) => isSeclogError(e, 'CHAIN_HASH_INVALID')));
});

describe('stamping', () => {
  test('nextChainFields continues the head; advanceHead moves it and refuses a record that does not continue it', () => {
    const head0 = genesisHead('s1');
    const f = nextChainFields(head0, { boot: 'b1', monoMs: 5 });
    assert.deepEqual(f, { stream: 's1', seq: 1, boot: 'b1', mono_ms: 5, prev: ZERO_HASH_HEX });
    const [r1] = buildStream({ seed: 4, records: 1, policy: false, stream: 's1' }).records as [ChainedEvent];
    const head1 = advanceHead(head0, r1);
    assert.deepEqual(head1, { stream: 's1', seq: 1, hash: recordChainHashHex(r1) });
    for (const wrong of [
      { ...r1, seq: 2 },
      { ...r1, stream: 's2' },
      { ...r1, prev: 'a'.repeat(64) },
    ]) {
      assert.throws(
        () => advanceHead(head0, wrong),
        (e) => isSeclogError(e, 'CHAIN_LINK_INVALID'),
      );
    }
  });
});

describe('stream_start links a new stream to the previous one', () => {
  const old = buildStream({ seed: 5, records: 30, policy: false, stream: 'cam-17.s1' });
  const next = buildStream({ seed: 6, records: 3, policy: false, stream: 'cam-17.s2', previous: old.head });
  const start = next.records[0] as ChainedEvent;
  test('the start record names the last record of the old stream', () => {
    assert.equal(start.name, 'stream_start');
    assert.deepEqual(start.attrs, { reason: 'state_lost', ...streamStartAttrs('state_lost', old.head) });
    assert.deepEqual(streamStartAttrs('first_start'), { reason: 'first_start' });
    assert.deepEqual(checkStreamLink(start, old.head), { ok: true, linked: true });
    assert.equal(verifyChain(next.records).ok, true);
  });
  const cases: [string, Parameters<typeof checkStreamLink>[1], ChainFailureKind, number][] = [
    [
      'collector holds more of the old stream (device resumed from an older point)',
      { ...old.head, seq: old.head.seq + 4, hash: 'b'.repeat(64) },
      'truncated',
      31,
    ],
    ['same seq, another hash (forked)', { ...old.head, hash: 'c'.repeat(64) }, 'forked', 30],
    ['names another stream', { ...old.head, stream: 'cam-17.s0' }, 'foreign_stream', 30],
  ];
  for (const [name, known, kind, seq] of cases) {
    test(name, () => assert.deepEqual(pick(checkStreamLink(start, known)), { ok: false, kind, seq }));
  }
  test('a start naming a record the collector has not received cannot be compared', () => {
    assert.deepEqual(checkStreamLink(start, { ...old.head, seq: 12, hash: 'd'.repeat(64) }), { ok: true, linked: false });
  });
});

function pick(r: { ok: boolean; kind?: string; seq?: number }): { ok: boolean; kind?: string; seq?: number } {
  return r.ok ? { ok: true } : { ok: false, kind: r.kind, seq: r.seq };
}

describe('tampered windows are located (table)', () => {
  // 40 records, seqs 1..40; the window is seqs 6..35 (positions 0..29).
  const all = buildStream({ seed: 7, records: 40, policy: false }).records;
  const other = buildStream({ seed: 8, records: 12, policy: false, stream: 'cam-17.other' }).records;
  const win = (): ChainedEvent[] => all.slice(5, 35);
  const at = (w: ChainedEvent[], seq: number): number => w.findIndex((r) => r.seq === seq);
  const edit = (seq: number, f: (r: ChainedEvent) => void) => (w: ChainedEvent[]) => {
    const i = at(w, seq);
    const r = cloneRecord(w[i] as ChainedEvent);
    f(r);
    w[i] = r;
    return w;
  };
  const forged = (seq: number): ChainedEvent => {
    const r = cloneRecord(all[seq - 1] as ChainedEvent);
    r.message = 'forged';
    return r;
  };
  const headOf = (seq: number): string => recordChainHashHex(all[seq - 1] as ChainedEvent);
  const cases: {
    name: string;
    tamper: (w: ChainedEvent[]) => ChainedEvent[];
    opts?: VerifyChainOptions;
    want: [ChainFailureKind, number] | 'ok';
  }[] = [
    { name: 'intact window (anchored by its own first prev)', tamper: (w) => w, want: 'ok' },
    {
      name: 'intact window with expected head and last seq',
      tamper: (w) => w,
      opts: { expectedLastSeq: 35, expectedHead: headOf(35) },
      want: 'ok',
    },
    {
      name: 'records appended after the expected last seq',
      tamper: (w) => w,
      opts: { expectedLastSeq: 30, expectedHead: headOf(30) },
      want: 'ok',
    },
    { name: 'field edited (attrs)', tamper: edit(12, (r) => (r.attrs.reason = 'other')), want: ['modified', 12] },
    { name: 'field edited (time)', tamper: edit(20, (r) => (r.time = '2026-01-01T00:00:00.000000Z')), want: ['modified', 20] },
    { name: 'field edited on the first record', tamper: edit(6, (r) => (r.severity = 'info')), want: ['modified', 6] },
    {
      name: 'bit flip in prev',
      tamper: edit(15, (r) => (r.prev = `${r.prev[0] === '0' ? '1' : '0'}${r.prev.slice(1)}`)),
      want: ['modified', 15],
    },
    {
      name: 'bit flip in the first record prev',
      tamper: edit(6, (r) => (r.prev = `${r.prev.slice(0, 63)}${r.prev[63] === '0' ? '1' : '0'}`)),
      want: ['modified', 6],
    },
    { name: 'seq edited upwards', tamper: edit(15, (r) => (r.seq = 99)), want: ['modified', 15] },
    { name: 'seq edited to an earlier seq', tamper: edit(15, (r) => (r.seq = 9)), want: ['modified', 15] },
    { name: 'seq made a string', tamper: edit(15, (r) => ((r as { seq: unknown }).seq = '15')), want: ['modified', 15] },
    { name: 'deleted one record', tamper: (w) => w.filter((r) => r.seq !== 17), want: ['deleted', 17] },
    { name: 'deleted a run', tamper: (w) => w.filter((r) => r.seq < 17 || r.seq > 22), want: ['deleted', 17] },
    { name: 'swapped adjacent', tamper: (w) => swap(w, at(w, 10), at(w, 11)), want: ['reordered', 10] },
    { name: 'swapped distant', tamper: (w) => swap(w, at(w, 10), at(w, 25)), want: ['reordered', 10] },
    { name: 'swapped with the first record', tamper: (w) => swap(w, 0, 7), want: ['reordered', 6] },
    { name: 'swapped the first two', tamper: (w) => swap(w, 0, 1), want: ['reordered', 6] },
    { name: 'swapped the last two', tamper: (w) => swap(w, 28, 29), want: ['reordered', 34] },
    { name: 'moved later', tamper: (w) => moveTo(w, at(w, 12), at(w, 20)), want: ['reordered', 12] },
    { name: 'moved earlier', tamper: (w) => moveTo(w, at(w, 20), at(w, 12)), want: ['reordered', 12] },
    { name: 'forged record inserted before its twin', tamper: (w) => insertAt(w, at(w, 14), forged(14)), want: ['inserted', 14] },
    { name: 'forged record inserted after its twin', tamper: (w) => insertAt(w, at(w, 14) + 1, forged(14)), want: ['inserted', 14] },
    {
      name: 'forged record with a random prev',
      tamper: (w) => insertAt(w, at(w, 14), { ...forged(14), prev: 'e'.repeat(64) }),
      want: ['inserted', 14],
    },
    { name: 'forged record after the last one, same seq', tamper: (w) => insertAt(w, w.length, forged(35)), want: ['inserted', 35] },
    { name: 'replayed copy further on', tamper: (w) => insertAt(w, at(w, 30), all[11] as ChainedEvent), want: ['inserted', 12] },
    {
      name: 'record of another stream spliced in',
      tamper: (w) => insertAt(w, at(w, 20), other[3] as ChainedEvent),
      want: ['foreign_stream', 20],
    },
    {
      name: 'forked: a second history from seq 31',
      tamper: (w) => [...w, ...buildFork(all.slice(0, 30), 5)],
      want: ['forked', 31],
    },
    { name: 'truncated tail', tamper: (w) => w.slice(0, 20), opts: { expectedLastSeq: 35 }, want: ['truncated', 26] },
    {
      name: 'last record edited, caught by the expected head',
      tamper: edit(35, (r) => (r.message = 'x')),
      opts: { expectedHead: headOf(35) },
      want: ['modified', 35],
    },
    {
      name: 'last record prev flipped, caught by the expected head',
      tamper: edit(35, (r) => (r.prev = 'a'.repeat(64))),
      opts: { expectedHead: headOf(35) },
      want: ['modified', 35],
    },
    {
      name: 'forged seq 1 with a random prev before the genuine one',
      tamper: () => [{ ...(all[0] as ChainedEvent), message: 'forged', prev: 'a'.repeat(64) }, all[0] as ChainedEvent],
      want: ['inserted', 1],
    },
    {
      name: 'seq 1 with a non-zero prev',
      tamper: () => [{ ...(all[0] as ChainedEvent), prev: 'a'.repeat(64) }, ...all.slice(1, 5)],
      want: ['modified', 1],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = verifyChain(c.tamper(win()), { stream: (all[0] as ChainedEvent).stream, ...c.opts });
      if (c.want === 'ok') assert.equal(r.ok, true, JSON.stringify(r));
      else assert.deepEqual(pick(r), { ok: false, kind: c.want[0], seq: c.want[1] }, JSON.stringify(r));
    });
  }
  test('an empty window is ok, unless a last seq was expected', () => {
    assert.deepEqual(verifyChain([]), { ok: true, first: 0, last: 0, head: ZERO_HASH_HEX });
    assert.equal(pick(verifyChain([], { expectedLastSeq: 3 })).kind, 'truncated');
  });
  test('ok reports the range and the head', () => {
    assert.deepEqual(verifyChain(win()), { ok: true, first: 6, last: 35, head: headOf(35) });
  });
});

function swap<T>(w: T[], a: number, b: number): T[] {
  const t = w[a] as T;
  w[a] = w[b] as T;
  w[b] = t;
  return w;
}

function insertAt<T>(w: T[], at: number, x: T): T[] {
  w.splice(at, 0, x);
  return w;
}

function moveTo<T>(w: T[], from: number, to: number): T[] {
  const [x] = w.splice(from, 1);
  w.splice(to, 0, x as T);
  return w;
}

/** Records seq 31.. of another history that continues the same first 30 records. */
function buildFork(prefix: ChainedEvent[], n: number): ChainedEvent[] {
  let head = { stream: (prefix[0] as ChainedEvent).stream, seq: 30, hash: recordChainHashHex(prefix[29] as ChainedEvent) };
  const out: ChainedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const r = { ...cloneRecord(prefix[i] as ChainedEvent), ...nextChainFields(head, { boot: 'b9', monoMs: i }), message: `branch ${i}` };
    head = advanceHead(head, r);
    out.push(r);
  }
  return out;
}
