/**
 * Property tests of verifyChain over windows of a 5,000-record device chain:
 * every tamper kind, at a random place, is detected and located (right kind,
 * right seq) every time, and intact windows never fail.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { recordChainHashHex } from '../src/chain/chain-hash.js';
import type { ChainVerification, VerifyChainOptions } from '../src/chain/chain-result.js';
import { verifyChain } from '../src/chain/verify-chain.js';
import type { ChainedEvent } from '../src/event/types.js';
import {
  buildStream,
  cutTail,
  deleteRun,
  EDITS,
  editAt,
  insertForged,
  labelled,
  runs,
  span,
  swapAt,
  type Tampered,
} from './chain-fixtures.test.js';

const POOL = buildStream({ seed: 2024, records: 5000, policy: false }).records;
const STREAM = (POOL[0] as ChainedEvent).stream;

/** A window [start, start + len) of the pool; half the lengths are short, so edges come up often. */
const windowArb = (minLen: number) =>
  fc.tuple(fc.oneof(fc.integer({ min: minLen, max: 40 }), fc.integer({ min: minLen, max: POOL.length })), fc.nat()).map(([len, r]) => {
    const start = r % (POOL.length - len + 1);
    const w = POOL.slice(start, start + len);
    return labelled(w, span(w));
  });

function located(r: ChainVerification): { kind: string; seq: number } | 'ok' {
  return r.ok ? 'ok' : { kind: r.kind, seq: r.seq };
}

function check(t: Tampered, opts: VerifyChainOptions = {}): void {
  assert.deepEqual(located(verifyChain(t.window, { stream: STREAM, ...opts })), t.want);
}

describe('verifyChain properties (windows of a 5,000-record chain)', () => {
  test('intact windows never fail, with or without the expected head and last seq', () => {
    fc.assert(
      fc.property(windowArb(1), fc.boolean(), (w, expect) => {
        const last = w[w.length - 1] as ChainedEvent;
        const opts = expect ? { expectedLastSeq: last.seq, expectedHead: recordChainHashHex(last) } : {};
        const r = verifyChain(w, opts);
        assert.deepEqual(r, { ok: true, first: (w[0] as ChainedEvent).seq, last: last.seq, head: recordChainHashHex(last) });
      }),
      { numRuns: runs(30) },
    );
  });

  test('an edited record is modified at its seq (any position but the last; the last too with the expected head)', () => {
    fc.assert(
      fc.property(windowArb(2), fc.nat(), fc.constantFrom(...Object.keys(EDITS)), fc.boolean(), (w, r, mutation, withHead) => {
        const p = withHead ? r % w.length : r % (w.length - 1);
        const last = w[w.length - 1] as ChainedEvent;
        check(editAt(w, p, mutation), withHead ? { expectedHead: recordChainHashHex(last), expectedLastSeq: last.seq } : {});
      }),
      { numRuns: runs(50) },
    );
  });

  test('deleted records are deleted at the first missing seq', () => {
    fc.assert(
      fc.property(windowArb(3), fc.nat(), fc.nat(), (w, r1, r2) => {
        const from = 1 + (r1 % (w.length - 2));
        const count = 1 + (r2 % (w.length - 1 - from));
        check(deleteRun(w, from, count));
      }),
      { numRuns: runs(40) },
    );
  });

  test('a forged record claiming a used seq is inserted at that seq', () => {
    fc.assert(
      fc.property(windowArb(1), fc.nat(), fc.boolean(), fc.boolean(), (w, r, after, randomPrev) => {
        check(insertForged(w, r % w.length, after, randomPrev));
      }),
      { numRuns: runs(40) },
    );
  });

  test('two swapped records are reordered at the first displaced seq', () => {
    fc.assert(
      fc.property(windowArb(2), fc.nat(), fc.nat(), (w, r1, r2) => {
        const a = r1 % w.length;
        const b = (a + 1 + (r2 % (w.length - 1))) % w.length;
        check(swapAt(w, a, b));
      }),
      { numRuns: runs(40) },
    );
  });

  test('a cut tail is truncated at the first missing seq when the last seq is known', () => {
    fc.assert(
      fc.property(windowArb(2), fc.nat(), (w, r) => {
        check(cutTail(w, 1 + (r % (w.length - 1))), { expectedLastSeq: (w[w.length - 1] as ChainedEvent).seq });
      }),
      { numRuns: runs(30) },
    );
  });
});
