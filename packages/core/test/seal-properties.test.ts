/**
 * Property tests of SealVerifier over windows of a sealed 5,000-record device
 * stream (small epochs: ~1,000 seals, many empty), plus ring snapshots and
 * freshly written streams: every tamper kind at a random place is detected
 * and located (right kind, right seq) every time; intact windows never fail.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ChainedEvent, SecurityEvent } from '../src/event/types.js';
import { microsFromEventTime } from '../src/seal/epoch-time.js';
import { defaultStoredSize } from '../src/seal/front-cut.js';
import type { SealVerification, VerifySealedOptions } from '../src/seal/seal-result.js';
import { SealVerifier } from '../src/seal/seal-verifier.js';
import {
  buildStream,
  cutTail,
  DEVICE_ID,
  deleteRun,
  EDITS,
  editAt,
  insertForged,
  labelled,
  POLICY,
  runs,
  span,
  swapAt,
  type Tampered,
} from './chain-fixtures.test.js';
import { appendForgedSeal, keyForward, rechain, sealOf, shiftTime } from './seal-fixtures.test.js';

const POOL = buildStream({ seed: 4242, records: 5000 });
const RECORDS = POOL.records;
const FINAL = POOL.finalState as NonNullable<typeof POOL.finalState>;
const verifier = new SealVerifier({ k0: POOL.k0, deviceId: DEVICE_ID, policy: POLICY });

const windowArb = (minLen: number) =>
  fc.tuple(fc.oneof(fc.integer({ min: minLen, max: 60 }), fc.integer({ min: minLen, max: RECORDS.length })), fc.nat()).map(([len, r]) => {
    const start = r % (RECORDS.length - len + 1);
    const w = RECORDS.slice(start, start + len);
    return labelled(w, span(w));
  });

/** A read of the window right after its last append: the present is that record's time (a seal batch is not split). */
function readOpts(w: readonly ChainedEvent[]): VerifySealedOptions {
  const last = w[w.length - 1] as ChainedEvent;
  return last.name === 'log_seal'
    ? { expectedLastSeq: last.seq }
    : { expectedLastSeq: last.seq, nowMs: microsFromEventTime(last.time) / 1000 };
}

function located(r: SealVerification): { kind: string; seq: number } | 'ok' {
  return r.failure === null ? 'ok' : { kind: r.failure.kind, seq: r.failure.seq };
}

function check(t: Tampered, opts: VerifySealedOptions = {}): void {
  assert.deepEqual(located(verifier.verify(t.window, { stream: POOL.stream, ...opts })), t.want);
}

const sealIndexes = (w: readonly ChainedEvent[]): number[] => w.flatMap((r, i) => (r.name === 'log_seal' ? [i] : []));

describe('SealVerifier properties (windows of a sealed 5,000-record stream)', () => {
  test('intact windows never fail, and the report adds up', () => {
    fc.assert(
      fc.property(windowArb(1), (w) => {
        const r = verifier.verify(w, readOpts(w));
        assert.equal(r.failure, null, JSON.stringify(r.failure));
        const seals = sealIndexes(w);
        const lastSeal = w[seals[seals.length - 1] ?? -1];
        const first = (w[0] as ChainedEvent).seq;
        const last = (w[w.length - 1] as ChainedEvent).seq;
        assert.equal(r.seals, seals.length);
        const sealedLast = lastSeal === undefined ? undefined : sealOf(lastSeal).last_seq;
        assert.deepEqual(r.sealed, sealedLast !== undefined && sealedLast >= first ? { first, last: sealedLast } : null);
        assert.equal(r.unsealedTail, last - (r.sealed?.last ?? first - 1));
      }),
      { numRuns: runs(30) },
    );
  });

  const chainKinds: [string, fc.Arbitrary<Tampered>][] = [
    [
      'an edited record is modified at its seq',
      fc.tuple(windowArb(2), fc.nat(), fc.constantFrom(...Object.keys(EDITS))).map(([w, r, m]) => editAt(w, r % (w.length - 1), m)),
    ],
    [
      'deleted records are deleted at the first missing seq',
      fc.tuple(windowArb(3), fc.nat(), fc.nat()).map(([w, r1, r2]) => {
        const from = 1 + (r1 % (w.length - 2));
        return deleteRun(w, from, 1 + (r2 % (w.length - 1 - from)));
      }),
    ],
    [
      'a forged record claiming a used seq is inserted at that seq',
      fc.tuple(windowArb(1), fc.nat(), fc.boolean(), fc.boolean()).map(([w, r, after, rp]) => insertForged(w, r % w.length, after, rp)),
    ],
    [
      'two swapped records are reordered at the first displaced seq',
      fc.tuple(windowArb(2), fc.nat(), fc.nat()).map(([w, r1, r2]) => {
        const a = r1 % w.length;
        return swapAt(w, a, (a + 1 + (r2 % (w.length - 1))) % w.length);
      }),
    ],
  ];
  for (const [name, arb] of chainKinds) {
    test(name, () =>
      fc.assert(
        fc.property(arb, (t) => check(t)),
        { numRuns: runs(30) },
      ),
    );
  }

  test('a tail cut back past the last seal is truncated at the first missing seq', () => {
    fc.assert(
      fc.property(windowArb(2), fc.nat(), (w, r) => {
        const seals = sealIndexes(w);
        fc.pre(seals.length > 0 && (seals[seals.length - 1] as number) > 0);
        const keep = 1 + (r % (seals[seals.length - 1] as number));
        check(cutTail(w, keep), readOpts(w));
      }),
      { numRuns: runs(30) },
    );
  });

  test('records re-sealed with the key of a later epoch are resealed at the first record the forged seal covers', () => {
    const kE = Buffer.from(FINAL.key, 'hex');
    fc.assert(
      fc.property(
        windowArb(2),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('claims the old epoch', 'claims the current epoch', 'claims a future epoch'),
        (w, r1, r2, how) => {
          const seals = sealIndexes(w);
          // The sealed epoch to rewrite needs an anchor: a previous seal in the window, or the genesis.
          const targets = seals.filter((i, n) => n > 0 || sealOf(w[i] as ChainedEvent).first_seq === 1);
          fc.pre(targets.length > 0);
          const target = targets[r1 % targets.length] as number;
          const tSeal = sealOf(w[target] as ChainedEvent);
          const prevIdx = seals[seals.indexOf(target) - 1];
          const prefix = prevIdx === undefined ? [] : w.slice(0, prevIdx + 1);
          const rest = w.slice(prefix.length).filter((r) => r.name !== 'log_seal');
          fc.pre(rest.length > 0);
          const victim = r2 % rest.length;
          rest[victim] = { ...(rest[victim] as ChainedEvent), message: 'all quiet' };
          const rewritten = rechain(prefix, rest, POOL.stream);
          const prevSeal = prevIdx === undefined ? undefined : sealOf(w[prevIdx] as ChainedEvent);
          const [epoch, key] =
            how === 'claims the old epoch'
              ? [tSeal.epoch, kE]
              : how === 'claims the current epoch'
                ? [FINAL.epoch, kE]
                : [FINAL.epoch + 2, keyForward(FINAL.key, FINAL.epoch, FINAL.epoch + 2)];
          const window = appendForgedSeal(rewritten, POOL.stream, {
            epoch,
            key,
            prevSealTag: prevSeal?.tag ?? tSeal.prev_seal_tag,
            firstSeq: tSeal.first_seq,
            oldestRetainedSeq: tSeal.oldest_retained_seq,
            epochStart: tSeal.epoch_start,
            epochEnd: tSeal.epoch_end,
          });
          check({ window, want: { kind: 'resealed', seq: tSeal.first_seq } });
        },
      ),
      { numRuns: runs(30) },
    );
  });
});

describe('SealVerifier properties (ring snapshots and freshly written streams)', () => {
  const CAPACITY = 20 * 1024;
  const rings = [1, 2, 3].map((seed) => buildStream({ seed: 900 + seed, records: 400, capacityBytes: CAPACITY }));

  test('a ring snapshot verifies; a front cut beyond one record of slack is front_cut at the newest missing seq', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: rings.length - 1 }), fc.nat(), (ri, r) => {
        const ring = rings[ri] as (typeof rings)[number];
        const window = ring.records.slice(ring.ringFrom);
        const opts = { capacityBytes: CAPACITY, maxRecordBytes: ring.maxStoredBytes };
        // Cut at least one largest record's worth of bytes, and leave a seal in the window to testify.
        let minCut = 0;
        for (let bytes = 0; bytes < ring.maxStoredBytes; minCut++) bytes += defaultStoredSize(window[minCut] as ChainedEvent);
        const lastSeal = sealIndexes(window).at(-1) ?? 0;
        fc.pre(lastSeal > minCut);
        const k = minCut + (r % (lastSeal - minCut));
        const cut = window.slice(k);
        const rv = new SealVerifier({ k0: ring.k0, deviceId: DEVICE_ID, policy: POLICY });
        assert.equal(rv.verify(window, opts).failure, null);
        assert.deepEqual(located(rv.verify(cut, opts)), { kind: 'front_cut', seq: (cut[0] as ChainedEvent).seq - 1 });
      }),
      { numRuns: runs(20) },
    );
  });

  test('a record whose time lies outside its epoch (beyond the skew) is time_outside_epoch at its seq', () => {
    const SKEW_MS = 1000;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.boolean(), fc.nat(), (n, r, backdate, seed) => {
        const victim = r % n;
        // Short streams mostly (each run writes one); now and then a long one.
        const records = n > 400 && seed % 8 !== 0 ? 1 + (n % 400) : n;
        fc.pre(victim < records);
        const shift = (backdate ? -1 : 1) * (POLICY.epochMs + SKEW_MS + 1 + (seed % 5000));
        const mutate = (ev: SecurityEvent, i: number) => {
          if (i === victim) ev.time = shiftTime(ev.time, shift);
        };
        const s = buildStream({ seed, records, mutate });
        const appIdx = s.records.flatMap((x, i) => (x.name === 'log_seal' || x.name === 'stream_start' ? [] : [i]))[victim] as number;
        const sealedAfter = s.records.slice(appIdx).some((x) => x.name === 'log_seal');
        const sealedBefore = s.records.slice(0, appIdx).some((x) => x.name === 'log_seal');
        // A postdated record must be sealed to be judged by its epoch (unsealed, its time says the epoch is over: truncated);
        // a backdated one is judged by the open epoch too, once a seal has fixed where that epoch began.
        fc.pre(backdate ? sealedAfter || sealedBefore : sealedAfter);
        const v = new SealVerifier({ k0: s.k0, deviceId: DEVICE_ID, policy: POLICY });
        const r2 = v.verify(s.records, { skewMs: SKEW_MS, nowMs: s.endMs, expectedLastSeq: s.records.length });
        assert.deepEqual(located(r2), { kind: 'time_outside_epoch', seq: (s.records[appIdx] as ChainedEvent).seq });
      }),
      { numRuns: runs(25) },
    );
  });
});
