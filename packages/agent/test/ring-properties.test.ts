/**
 * Model-based property: random sequences of append (also with seq jumps),
 * ship-and-acknowledge, sync, clean reopen and crash (kill -9: no close, no
 * sync) against a plain-array model of a FIFO byte ring. After every step the
 * retained seqs, the byte counts and the drop reports match the model; at
 * the end every appended seq is exactly one of delivered, reported dropped,
 * or still retained unacknowledged. SECLOG_RING_PROPERTY_RUNS sets the
 * number of runs (default 150; 3,000 pass in ~6 s).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { FRAME_HEADER_BYTES } from '../src/ring/frame.js';
import { RingStore } from '../src/ring/ring-store.js';
import { scratchDir } from './ring-fixtures.js';

type Op =
  | { kind: 'append'; size: number; jump: number }
  | { kind: 'ship'; max: number }
  | { kind: 'sync' }
  | { kind: 'reopen' }
  | { kind: 'crash' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      size: fc.integer({ min: 1, max: 700 }),
      jump: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 3),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ship' as const), max: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
);

const scratch = scratchDir('ring-props');
after(scratch.cleanup);
let runNo = 0;

class Model {
  frames: { seq: number; len: number }[] = [];
  acked = 0;
  /** The acknowledged mark as last written to a state slot with an fsync. */
  durableAcked = 0;
  durableSeq = 0;
  nextSeq = 1;
  readonly delivered = new Set<number>();
  readonly dropped = new Set<number>();
  readonly appended: number[] = [];
  constructor(readonly cap: number) {}

  used(): number {
    return this.frames.reduce((n, f) => n + f.len, 0);
  }

  append(seq: number, len: number): { fromSeq: number; toSeq: number; count: number } | null {
    const lost: number[] = [];
    while (this.used() + len > this.cap) {
      const f = this.frames.shift() as { seq: number; len: number };
      // Overwriting a record acknowledged only in memory: the store fsyncs the mark first.
      if (f.seq <= this.acked && this.acked > this.durableAcked) this.syncNow();
      if (f.seq > this.acked) lost.push(f.seq);
    }
    this.frames.push({ seq, len });
    this.appended.push(seq);
    this.nextSeq = seq + 1;
    for (const s of lost) this.dropped.add(s);
    return lost.length === 0 ? null : { fromSeq: lost[0] as number, toSeq: lost[lost.length - 1] as number, count: lost.length };
  }

  syncNow(): void {
    this.durableAcked = this.acked;
    this.durableSeq = this.frames.at(-1)?.seq ?? this.durableSeq;
  }
}

function checkAgainst(r: RingStore, m: Model, step: string): void {
  const st = r.stats();
  const seqs = r.read(0, 1e6, 1e9, { includeUnsynced: true }).records.map((x) => x.seq);
  assert.deepEqual(
    seqs,
    m.frames.map((f) => f.seq),
    `${step}: retained seqs`,
  );
  assert.equal(st.usedBytes, m.used(), `${step}: used bytes`);
  assert.equal(st.records, m.frames.length);
  assert.equal(st.oldestSeq, m.frames[0]?.seq ?? 0);
  assert.equal(st.ackedSeq, m.acked, `${step}: acked`);
  const unacked = m.frames.filter((f) => f.seq > m.acked).reduce((n, f) => n + f.len, 0);
  assert.equal(st.unackedBytes, unacked, `${step}: unacked bytes`);
  assert.ok(st.usedBytes <= st.capacityBytes);
}

test('ring properties: append/ship/sync/reopen/crash keep the model, and delivered + dropped + unacked = appended', () => {
  fc.assert(
    fc.property(fc.constantFrom(2048, 4096, 8192), fc.array(opArb, { minLength: 1, maxLength: 80 }), (cap, ops) => {
      const path = join(scratch.dir, `p${runNo++}.ring`);
      const open = (): RingStore => RingStore.open({ path, capacityBytes: cap, preallocate: false });
      const m = new Model(cap);
      let r = open();
      try {
        ops.forEach((op, i) => {
          const step = `step ${i} ${op.kind}`;
          switch (op.kind) {
            case 'append': {
              const seq = m.nextSeq + op.jump;
              const size = Math.min(op.size, cap - FRAME_HEADER_BYTES);
              const got = r.append(Buffer.alloc(size, seq & 0xff), seq).dropped;
              assert.deepEqual(got, m.append(seq, size + FRAME_HEADER_BYTES), `${step}: drop report`);
              break;
            }
            case 'ship': {
              // The shipper reads durable records above the mark; the collector keeps them and acknowledges.
              const batch = r.read(m.acked + 1, op.max).records;
              for (const x of batch) {
                assert.ok(x.seq <= m.durableSeq, `${step}: shipped a record that is not durable`);
                assert.equal(x.payload[0], x.seq & 0xff);
                m.delivered.add(x.seq);
              }
              const last = batch.at(-1);
              if (last !== undefined) {
                r.markAcked(last.seq);
                m.acked = last.seq;
              }
              break;
            }
            case 'sync':
              r.sync();
              m.syncNow();
              break;
            case 'reopen':
              r.sync();
              m.syncNow();
              r.abandon();
              r = open();
              assert.deepEqual(r.recovery.corrupt, [], `${step}: a clean reopen reports nothing`);
              break;
            case 'crash': {
              r.abandon();
              r = open();
              assert.deepEqual(r.recovery.corrupt, [], `${step}: a killed process loses nothing (its writes are in the page cache)`);
              // Records overwritten after the last sync are named again, as overwritten: each was reported dropped
              // (the range may span seqs of a declared gap, which never existed).
              const ow = r.recovery.overwritten;
              for (let s = ow?.fromSeq ?? 1; s <= (ow?.toSeq ?? 0); s++) {
                if (m.appended.includes(s)) assert.ok(m.dropped.has(s), `${step}: seq ${s} overwritten but never reported`);
              }
              assert.equal(r.stats().ackedSeq, m.durableAcked, `${step}: the mark comes back as last synced`);
              // On start the shipper asks the collector for its cursor and moves the mark there.
              const cursor = Math.max(0, ...m.delivered);
              r.markAcked(cursor);
              m.acked = Math.max(m.durableAcked, cursor);
              m.durableSeq = m.frames.at(-1)?.seq ?? m.durableSeq;
              break;
            }
          }
          checkAgainst(r, m, step);
        });
        // Every appended seq is exactly one of: delivered, reported dropped, retained above the mark.
        const retainedUnacked = new Set(m.frames.filter((f) => f.seq > m.acked).map((f) => f.seq));
        for (const s of m.appended) {
          const n = Number(m.delivered.has(s)) + Number(m.dropped.has(s)) + Number(retainedUnacked.has(s));
          assert.equal(n, 1, `seq ${s}: delivered ${m.delivered.has(s)}, dropped ${m.dropped.has(s)}, retained ${retainedUnacked.has(s)}`);
        }
        assert.equal(m.delivered.size + m.dropped.size + retainedUnacked.size, m.appended.length);
      } finally {
        r.abandon();
      }
    }),
    { numRuns: Number(process.env.SECLOG_RING_PROPERTY_RUNS ?? 150) },
  );
});
