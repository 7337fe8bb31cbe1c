/**
 * The Merkle leaf encoding seclog/leaf/v1: a pinned vector, round trips,
 * strict rejection of every malformed byte string, and the record → leaf path.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { recordChainHash, recordDigest } from '../src/chain/chain-hash.js';
import { isSeclogError } from '../src/errors.js';
import type { ChainedEvent } from '../src/event/types.js';
import { decodeLeaf, encodeLeaf, LEAF_FIXED_BYTES, type LeafData, leafHash } from '../src/log/leaf.js';
import { recordLeaf, recordLeafHash } from '../src/log/record-leaf.js';
import { hashLeaf } from '../src/merkle/hash.js';
import { deviceStream } from './bundle-fixtures.test.js';
import { runs } from './chain-fixtures.test.js';

/** The leaf of docs/protocol.md §5. */
const VECTOR: LeafData = {
  deviceId: 'cam-17',
  stream: 'cam-17.s1',
  seq: 42,
  chainHash: new Uint8Array(32).fill(0x11),
  receivedUs: 1_795_786_423_123_456,
  recordDigest: new Uint8Array(32).fill(0x22),
};
const VECTOR_HEX =
  '7365636c6f672f6c6561662f763100' + // "seclog/leaf/v1\0"
  '0006' +
  Buffer.from('cam-17').toString('hex') +
  '0009' +
  Buffer.from('cam-17.s1').toString('hex') +
  '000000000000002a' +
  '11'.repeat(32) +
  '000661421bd7be00' +
  '22'.repeat(32);

const invalid = (code: string) => (err: unknown) => isSeclogError(err) && err.code === code;

describe('leaf encoding v1', () => {
  test('the pinned vector', () => {
    const bytes = encodeLeaf(VECTOR);
    assert.equal(bytes.toString('hex'), VECTOR_HEX);
    assert.equal(bytes.length, LEAF_FIXED_BYTES + 6 + 9);
    assert.deepEqual(decodeLeaf(bytes), VECTOR);
    assert.deepEqual(leafHash(VECTOR), hashLeaf(bytes));
    assert.equal(Buffer.from(leafHash(VECTOR)).toString('hex'), '52f13312083e3e08d9c4bed95fe489ed282d12ffb3be02f4d98e2a2200c5f429');
  });

  const leafArb: fc.Arbitrary<LeafData> = fc.record({
    deviceId: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    stream: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    chainHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    receivedUs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    recordDigest: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  });

  test('round trip: decode(encode(leaf)) = leaf, and the leaf hash is RFC 6962 hashLeaf of the bytes', () => {
    fc.assert(
      fc.property(leafArb, (leaf) => {
        const bytes = encodeLeaf(leaf);
        assert.deepEqual(decodeLeaf(bytes), {
          ...leaf,
          chainHash: new Uint8Array(leaf.chainHash),
          recordDigest: new Uint8Array(leaf.recordDigest),
        });
        assert.deepEqual(leafHash(leaf), hashLeaf(bytes));
      }),
      { numRuns: runs(300) },
    );
  });

  test('strict: any byte string decodeLeaf accepts re-encodes to itself (mutations of valid leaves)', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('flip'), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ op: fc.constant('insert'), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
      fc.record({ op: fc.constant('delete'), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
    );
    fc.assert(
      fc.property(leafArb, mutation, (leaf, m) => {
        const b = [...encodeLeaf(leaf)];
        const at = m.at % (b.length + 1);
        if (m.op === 'flip') b[at % b.length] = (b[at % b.length] as number) ^ (1 << (m as { bit: number }).bit);
        else if (m.op === 'insert') b.splice(at, 0, ...(m as { bytes: Uint8Array }).bytes);
        else b.splice(at, (m as { count: number }).count);
        const bytes = Uint8Array.from(b);
        let decoded: LeafData;
        try {
          decoded = decodeLeaf(bytes);
        } catch (err) {
          assert.ok(invalid('LEAF_ENCODING_INVALID')(err), String(err));
          return;
        }
        assert.deepEqual(encodeLeaf(decoded), Buffer.from(bytes));
      }),
      { numRuns: runs(500) },
    );
  });

  const good = Buffer.from(VECTOR_HEX, 'hex');
  const withBytes = (f: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(good);
    f(b);
    return b;
  };
  const REJECTED: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['the domain alone', good.subarray(0, 15)],
    ['another version', withBytes((b) => b.write('2', 13, 'latin1'))],
    ['an empty device id', Buffer.concat([good.subarray(0, 15), Buffer.from('0000', 'hex'), good.subarray(23)])],
    ['a device id length past the end', withBytes((b) => b.writeUInt16BE(0xffff, 15))],
    ['a stream length one short', withBytes((b) => b.writeUInt16BE(8, 23))],
    ['a trailing byte', Buffer.concat([good, Buffer.of(0)])],
    ['one byte short', good.subarray(0, good.length - 1)],
    ['invalid UTF-8 in the device id', withBytes((b) => b.writeUInt8(0xff, 17))],
    ['an overlong UTF-8 NUL in the stream', Buffer.concat([good.subarray(0, 23), Buffer.from('0002c080', 'hex'), good.subarray(34)])],
    ['seq 0', withBytes((b) => b.fill(0, 34, 42))],
    ['seq 2^53', withBytes((b) => b.writeBigUInt64BE(2n ** 53n, 34))],
    ['receive time 2^64 − 1', withBytes((b) => b.fill(0xff, 74, 82))],
  ];
  for (const [name, bytes] of REJECTED) {
    test(`rejects ${name}`, () => assert.throws(() => decodeLeaf(bytes), invalid('LEAF_ENCODING_INVALID')));
  }

  const BAD_FIELDS: [string, Partial<Record<keyof LeafData, unknown>>][] = [
    ['an empty device id', { deviceId: '' }],
    ['a lone surrogate in the stream', { stream: 'a\ud800' }],
    ['a 65,536-byte device id', { deviceId: 'x'.repeat(65_536) }],
    ['seq 0', { seq: 0 }],
    ['a fractional seq', { seq: 1.5 }],
    ['seq 2^53', { seq: 2 ** 53 }],
    ['a negative receive time', { receivedUs: -1 }],
    ['a 31-byte chain hash', { chainHash: new Uint8Array(31) }],
    ['a digest that is not bytes', { recordDigest: 'ab'.repeat(32) }],
  ];
  for (const [name, change] of BAD_FIELDS) {
    test(`refuses to encode ${name}`, () => {
      const leaf = { ...VECTOR, ...change } as LeafData;
      assert.throws(() => encodeLeaf(leaf), invalid('LEAF_INVALID'));
      assert.throws(() => leafHash(leaf), invalid('LEAF_INVALID'));
    });
  }
  test('a device id of 65,535 bytes fits', () =>
    assert.equal(encodeLeaf({ ...VECTOR, deviceId: 'x'.repeat(65_535) }).length, LEAF_FIXED_BYTES + 65_535 + 9));
});

describe('the leaf of a record', () => {
  const records = deviceStream('cam-17', 3, 40).records;
  test('binds the record digest and chain hash the device chain uses (hashed once)', () => {
    for (const r of records) {
      const leaf = recordLeaf(r, 1_000_000 + r.seq);
      assert.deepEqual([leaf.deviceId, leaf.stream, leaf.seq, leaf.receivedUs], [r.device.id, r.stream, r.seq, 1_000_000 + r.seq]);
      assert.deepEqual(Buffer.from(leaf.recordDigest), recordDigest(r));
      assert.deepEqual(Buffer.from(leaf.chainHash), recordChainHash(r));
      assert.deepEqual(recordLeafHash(r, 1_000_000 + r.seq), leafHash(leaf));
    }
  });
  test('a record outside any chain has no leaf', () => {
    const { prev: _prev, ...unchained } = records[1] as ChainedEvent;
    assert.throws(() => recordLeaf(unchained as ChainedEvent, 0), invalid('LEAF_INVALID'));
  });
});
