import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { findUnsafeChar, neutraliseText, truncateUtf8, utf8ByteLength } from '../src/text/unsafe-chars.js';

describe('findUnsafeChar', () => {
  const cases: [string, string, boolean, { index: number; kind: string } | undefined][] = [
    ['clean ASCII', 'admin', false, undefined],
    ['clean astral', 'ok 😀 ok', false, undefined],
    ['NUL', 'a\u0000b', false, { index: 1, kind: 'control-char' }],
    ['CR', 'a\rb', false, { index: 1, kind: 'control-char' }],
    ['LF outside free text', 'a\nb', false, { index: 1, kind: 'control-char' }],
    ['LF in free text', 'a\nb', true, undefined],
    ['TAB in free text', 'a\tb', true, undefined],
    ['CR in free text', 'a\rb', true, { index: 1, kind: 'control-char' }],
    ['ANSI ESC', 'x\u001b[31mred', false, { index: 1, kind: 'control-char' }],
    ['DEL', 'x\u007f', false, { index: 1, kind: 'control-char' }],
    ['C1 CSI', 'x\u009b31m', false, { index: 1, kind: 'control-char' }],
    ['RLO', 'abc\u202eevil', false, { index: 3, kind: 'bidi-override' }],
    ['LRI', '\u2066x', false, { index: 0, kind: 'bidi-override' }],
    ['PDI', 'x\u2069', false, { index: 1, kind: 'bidi-override' }],
    ['lone high surrogate', 'a\ud800', false, { index: 1, kind: 'lone-surrogate' }],
    ['lone low surrogate', '\udc00a', false, { index: 0, kind: 'lone-surrogate' }],
    ['reversed pair', '\ude00\ud83d', false, { index: 0, kind: 'lone-surrogate' }],
  ];
  for (const [name, input, allowNewlines, want] of cases) {
    test(name, () => {
      const got = findUnsafeChar(input, allowNewlines);
      assert.deepEqual(got && { index: got.index, kind: got.kind }, want);
    });
  }
});

test('neutraliseText makes every string safe and keeps clean strings as they are', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (s, nl) => {
      const out = neutraliseText(s, nl);
      assert.equal(findUnsafeChar(out, nl), undefined);
      if (findUnsafeChar(s, nl) === undefined) assert.equal(out, s);
      assert.ok(out.isWellFormed());
    }),
    { numRuns: 5000 },
  );
  assert.equal(neutraliseText('root\u001b[2J\r\nFAKE'), 'root\\u001b[2J\\u000d\\u000aFAKE');
  assert.equal(neutraliseText('a\ud800b'), 'a\ufffdb');
});

test('utf8ByteLength matches Buffer.byteLength on well-formed strings', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (s) => assert.equal(utf8ByteLength(s), Buffer.byteLength(s, 'utf8'))),
    { numRuns: 3000 },
  );
});

test('truncateUtf8 respects the byte budget and never splits a character', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 4, max: 300 }), (s, max) => {
      const out = truncateUtf8(s, max);
      assert.ok(Buffer.byteLength(out) <= max);
      assert.ok(out.isWellFormed());
      if (Buffer.byteLength(s) <= max) assert.equal(out, s);
      else assert.ok(out.endsWith('…') && s.startsWith(out.slice(0, -1)));
    }),
    { numRuns: 3000 },
  );
});
