import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { canonicalize, canonicalizeExact } from '../src/canon/jcs.js';
import { isSeclogError } from '../src/errors.js';

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

// RFC 8785 Appendix B, "Number Serialization Samples".
const appendixB: [string, string | null][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['7fffffffffffffff', null],
  ['7ff0000000000000', null],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

describe('RFC 8785 Appendix B numbers', () => {
  for (const [bits, want] of appendixB) {
    test(`${bits} → ${want ?? 'error'}`, () => {
      const n = fromBits(bits);
      if (want === null)
        assert.throws(
          () => canonicalize(n),
          (e) => isSeclogError(e, 'JCS_UNSUPPORTED_VALUE'),
        );
      else assert.equal(canonicalize(n), want);
    });
  }
  test('-0, 1e21 and 5e-324 as literals', () => {
    assert.equal(canonicalize(-0), '0');
    assert.equal(canonicalize(1e21), '1e+21');
    assert.equal(canonicalize(5e-324), '5e-324');
  });
});

describe('RFC 8785 examples', () => {
  test('§3.2.2 main example: whitespace, numbers, string escapes, literals', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    assert.equal(
      canonicalize(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  test('§3.2.3 sorting by UTF-16 code units', () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    );
    // Object.keys would put the integer-like key "1" first, so read the order off the text.
    const keys = [...canonicalize(input).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1]}"`));
    assert.deepEqual(keys, ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
    assert.equal(
      canonicalize(input),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  test('nested arrays and objects (cyberphone arrays.json)', () => {
    assert.equal(canonicalize(JSON.parse('[56, {"d": true, "10": null, "1": [ ]}]')), '[56,{"1":[],"10":null,"d":true}]');
  });

  test('the two-character escapes and \\u00XX for other controls', () => {
    assert.equal(canonicalize('\b\t\n\f\r\u0001\u001f"\\/'), '"\\b\\t\\n\\f\\r\\u0001\\u001f\\"\\\\/"');
  });
});

describe('rejections name the path', () => {
  const bad: [string, unknown, string][] = [
    ['NaN', { a: [1, Number.NaN] }, '$.a[1]'],
    ['Infinity', { x: { y: Number.POSITIVE_INFINITY } }, '$.x.y'],
    ['lone high surrogate in a value', { s: 'a\ud800b' }, '$.s'],
    ['lone low surrogate in a key', { '\udc00': 1 }, '$'],
    ['bigint', { n: 1n }, '$.n'],
    ['function', { f: () => 1 }, '$.f'],
    ['undefined in an array', [undefined], '$[0]'],
    ['binary buffer', { b: new Uint8Array(2) }, '$.b'],
  ];
  for (const [name, value, path] of bad) {
    test(name, () => {
      assert.throws(
        () => canonicalize(value),
        (e: unknown) => isSeclogError(e, 'JCS_UNSUPPORTED_VALUE') && (e as unknown as { details: { path: string } }).details.path === path,
      );
    });
  }
  test('undefined object members are omitted, like JSON.stringify', () => {
    assert.equal(canonicalize({ a: undefined, b: 1 }), '{"b":1}');
  });
});

describe('properties', () => {
  const json = fc.jsonValue({ noUnicodeString: false });
  test('canonical text parses back to an equal value', () => {
    fc.assert(
      fc.property(json, (v) => {
        // JSON.parse(JSON.stringify) normalises -0 to 0 like JCS does.
        assert.deepEqual(JSON.parse(canonicalize(v)), JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 2000 },
    );
  });
  test('idempotent: canonicalising canonical text changes nothing', () => {
    fc.assert(
      fc.property(json, (v) => {
        const c = canonicalize(v);
        assert.equal(canonicalize(JSON.parse(c)), c);
      }),
      { numRuns: 2000 },
    );
  });
  test('the fast path (JSON.stringify) and the exact serialiser agree on any value', () => {
    const anyValue = fc.anything({ withNullPrototype: true, maxDepth: 4, stringUnit: 'binary' });
    fc.assert(
      fc.property(fc.oneof(json, anyValue), (v) => {
        let fast: string | Error;
        let exact: string | Error;
        try {
          fast = canonicalize(v);
        } catch (e) {
          fast = e as Error;
        }
        try {
          exact = canonicalizeExact(v);
        } catch (e) {
          exact = e as Error;
        }
        if (typeof exact === 'string') assert.equal(fast, exact);
        else assert.ok(fast instanceof Error, `fast path accepted what the exact one refused: ${String(fast)}`);
      }),
      { numRuns: 3000 },
    );
  });
  test('independent of member insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.integer()), (d) => {
        const reversed = Object.fromEntries(Object.entries(d).reverse());
        assert.equal(canonicalize(reversed), canonicalize(d));
      }),
    );
  });
});
