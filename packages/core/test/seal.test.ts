import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { recordChainHashHex } from '../src/chain/chain-hash.js';
import { isSeclogError } from '../src/errors.js';
import { type ChainedEvent, ZERO_HASH_HEX } from '../src/event/types.js';
import { microsFromEventTime } from '../src/seal/epoch-time.js';
import { EpochKeys, evolveKey, generateSealKey, sealKey } from '../src/seal/key-schedule.js';
import { SealVerifier } from '../src/seal/seal-verifier.js';
import { createSealerState, Sealer } from '../src/seal/sealer.js';
import { buildStream, DEVICE_ID, POLICY, T0_MS } from './chain-fixtures.test.js';
import { appendForgedSeal } from './seal-fixtures.test.js';

const K0: Buffer = Buffer.alloc(32, 0x5a);

function refEvolve(k: Buffer, e: number): Buffer {
  const u64 = Buffer.alloc(8);
  u64.writeBigUInt64BE(BigInt(e + 1));
  return createHmac('sha256', k)
    .update(Buffer.concat([Buffer.from('seclog/evolve/v1'), u64]))
    .digest();
}

describe('key schedule', () => {
  test('k_{e+1} = HMAC(k_e, "seclog/evolve/v1" ‖ u64be(e+1)); sk_e = HMAC(k_e, "seclog/seal-key/v1")', () => {
    let k = K0;
    for (let e = 0; e < 5; e++) {
      const next = evolveKey(k, e);
      assert.deepEqual(next, refEvolve(k, e));
      k = next;
    }
    assert.deepEqual(sealKey(K0), createHmac('sha256', K0).update('seclog/seal-key/v1').digest());
    assert.notDeepEqual(sealKey(K0), evolveKey(K0, 0));
    assert.equal(generateSealKey().length, 32);
  });
  test('EpochKeys seeks to any epoch, forwards and back, through its checkpoints', () => {
    const naive: Buffer[] = [K0];
    for (let e = 0; e < 1100; e++) naive.push(evolveKey(naive[e] as Buffer, e));
    const keys = new EpochKeys(K0, 64);
    for (const e of [0, 1, 63, 64, 65, 700, 3, 1099, 128, 640, 641]) assert.deepEqual(keys.keyAt(e), naive[e], `epoch ${e}`);
  });
  const bad: [string, () => unknown, string][] = [
    ['a 16-byte key', () => evolveKey(Buffer.alloc(16), 0), 'SEAL_KEY_INVALID'],
    ['a negative epoch', () => new EpochKeys(K0).keyAt(-1), 'SEAL_EPOCH_INVALID'],
    ['a fractional epoch', () => new EpochKeys(K0).keyAt(1.5), 'SEAL_EPOCH_INVALID'],
  ];
  for (const [name, fn, code] of bad) test(`refuses ${name}`, () => assert.throws(fn, (e) => isSeclogError(e, code as never)));
});

describe('Sealer', () => {
  const start = () => new Sealer(createSealerState({ ...POLICY, deviceId: DEVICE_ID, stream: 's', k0: K0 }));

  test('after sealing, the old key is overwritten and the state holds only the new one', () => {
    const sealer = start();
    const before = sealer.state();
    const zeroed: string[] = [];
    const fill = Buffer.prototype.fill;
    // Record what every 32-byte buffer held when it was zero-filled.
    Buffer.prototype.fill = function (this: Buffer, ...args: Parameters<Buffer['fill']>) {
      if (this.length === 32 && args[0] === 0) zeroed.push(this.toString('hex'));
      return fill.apply(this, args);
    } as Buffer['fill'];
    try {
      sealer.seal({ lastSeq: 0, chainHead: ZERO_HASH_HEX, oldestRetainedSeq: 1, nowMs: T0_MS + 5 });
    } finally {
      Buffer.prototype.fill = fill;
    }
    const after = sealer.state();
    assert.ok(zeroed.includes(before.key), 'the buffer that held k_0 was zero-filled');
    assert.equal(after.key, evolveKey(K0, 0).toString('hex'));
    assert.equal(after.epoch, 1);
    assert.ok(!JSON.stringify(after).includes(before.key), 'the persisted state does not carry k_0');
  });

  test('an empty epoch still gets a seal, on the grid, chained to the previous seal', () => {
    const s = buildStream({ seed: 21, records: 6 });
    const sealer = new Sealer(s.finalState as never);
    let records = s.records;
    const now = T0_MS + 40 * POLICY.epochMs + 1;
    let n = 0;
    while (sealer.sealDue(now, records.length)) {
      const head = { seq: records.length, hash: recordChainHashHex(records[records.length - 1] as ChainedEvent) };
      const attrs = sealer.seal({ lastSeq: head.seq, chainHead: head.hash, oldestRetainedSeq: 1, nowMs: now });
      // The first seal closes the epoch holding the six records; the silence after it leaves the rest empty.
      assert.equal(attrs.last_seq, n === 0 ? 6 : attrs.first_seq - 1, 'empty');
      assert.equal(attrs.chain_head, head.hash);
      assert.equal((microsFromEventTime(attrs.epoch_end) / 1000 - T0_MS) % POLICY.epochMs, 0, 'ends on the grid');
      records = appendForgedSeal(records, s.stream, {
        epoch: attrs.epoch,
        key: Buffer.alloc(32),
        prevSealTag: attrs.prev_seal_tag,
        firstSeq: attrs.first_seq,
        oldestRetainedSeq: 1,
        epochStart: attrs.epoch_start,
        epochEnd: attrs.epoch_end,
      });
      // Replace the placeholder tag with the sealer's own, re-chaining nothing (the seal is the last record).
      (records[records.length - 1] as ChainedEvent).attrs.tag = attrs.tag;
      n++;
    }
    assert.ok(n >= 30, `sealed ${n} empty epochs`);
    const v = new SealVerifier({ k0: s.k0, deviceId: DEVICE_ID, policy: POLICY });
    const r = v.verify(records, { nowMs: now, expectedLastSeq: records.length });
    assert.equal(r.ok, true, JSON.stringify(r.failure));
  });

  test('an epoch is closed early by record count, at the time of the record that would overflow it', () => {
    const sealer = new Sealer(createSealerState({ ...POLICY, maxRecords: 3, deviceId: DEVICE_ID, stream: 's', k0: K0 }));
    assert.equal(sealer.sealDue(T0_MS + 10, 2), false);
    assert.equal(sealer.sealDue(T0_MS + 10, 3), true);
    const a = sealer.seal({ lastSeq: 3, chainHead: 'a'.repeat(64), oldestRetainedSeq: 1, nowMs: T0_MS + 10.25 });
    assert.equal(a.epoch_end, '2026-11-27T13:00:00.010250Z');
    assert.equal(sealer.state().epochStartUs, microsFromEventTime(a.epoch_end));
    assert.equal(sealer.state().firstSeq, 5);
  });

  test('a restored state seals exactly as an uninterrupted sealer', () => {
    const a = start();
    const b = start();
    const input = (i: number) => ({
      lastSeq: 2 * i,
      chainHead: ZERO_HASH_HEX,
      oldestRetainedSeq: 1,
      nowMs: T0_MS + (i + 1) * POLICY.epochMs,
    });
    for (let i = 0; i < 4; i++) a.seal(input(i));
    let restored = b;
    const tags: string[] = [];
    for (let i = 0; i < 4; i++) {
      tags.push(restored.seal(input(i)).tag);
      restored = new Sealer(JSON.parse(JSON.stringify(restored.state())));
    }
    assert.equal(a.state().prevSealTag, tags[3]);
    assert.deepEqual(a.state(), restored.state());
  });

  const refusals: [string, () => unknown, string][] = [
    [
      'lastSeq before the epoch start',
      () => start().seal({ lastSeq: -1, chainHead: ZERO_HASH_HEX, oldestRetainedSeq: 1, nowMs: T0_MS }),
      'SEAL_INPUT_INVALID',
    ],
    [
      'a clock before the epoch start',
      () => start().seal({ lastSeq: 0, chainHead: ZERO_HASH_HEX, oldestRetainedSeq: 1, nowMs: T0_MS - 1 }),
      'SEAL_INPUT_INVALID',
    ],
    [
      'an oldest retained seq past the head',
      () => start().seal({ lastSeq: 3, chainHead: ZERO_HASH_HEX, oldestRetainedSeq: 9, nowMs: T0_MS }),
      'SEAL_INPUT_INVALID',
    ],
    [
      'use after erase',
      () => {
        const s = start();
        s.erase();
        return s.seal({ lastSeq: 0, chainHead: ZERO_HASH_HEX, oldestRetainedSeq: 1, nowMs: T0_MS });
      },
      'SEAL_KEY_ERASED',
    ],
    ['a state with a short key', () => new Sealer({ ...start().state(), key: 'ab' }), 'SEAL_KEY_INVALID'],
    ['a state with a zero epoch length', () => new Sealer({ ...start().state(), epochMs: 0 }), 'SEAL_STATE_INVALID'],
  ];
  for (const [name, fn, code] of refusals) test(`refuses ${name}`, () => assert.throws(fn, (e) => isSeclogError(e, code as never)));
});
