/**
 * RFC 6587 framing: octet counting and LF, decoded from chunks split at
 * every byte, and the malformed streams that must end the connection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ErrorCode, isSeclogError } from '../src/errors.js';
import { createSyslogFrameDecoder, frameLf, frameOctetCounted, type SyslogFraming } from '../src/formats/syslog/framing.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const texts = (frames: Uint8Array[]): string[] => frames.map((f) => dec.decode(f));

const M1 = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed";
const M2 = '<13>1 - - - - - [a x="line1\nline2"] multi\nline'; // LF inside: only octet counting carries it
const M3 = '<38>1 2026-11-27T10:15:02.123456+01:00 gw-17 sshd 812 - - Failed password for root from 203.0.113.9 port 52144 ssh2 — é😀';

const framingCases: { name: string; framing: SyslogFraming; stream: Uint8Array; want: string[] }[] = [
  {
    name: 'octet counting',
    framing: 'octet-counting',
    stream: concat(frameOctetCounted(M1), frameOctetCounted(M2), frameOctetCounted(M3)),
    want: [M1, M2, M3],
  },
  { name: 'LF', framing: 'lf', stream: concat(frameLf(M1), frameLf(M3)), want: [M1, M3] },
  {
    name: 'auto, mixed per frame',
    framing: 'auto',
    stream: concat(frameLf(M1), frameOctetCounted(M2), frameLf(M3), frameOctetCounted(M3)),
    want: [M1, M2, M3, M3],
  },
  { name: 'auto, all octet-counted', framing: 'auto', stream: concat(frameOctetCounted(M3), frameOctetCounted(M2)), want: [M3, M2] },
  {
    name: 'LF, CR kept as message text and empty lines skipped',
    framing: 'lf',
    stream: enc.encode('<13>1 - - - - - - a\r\n\n\n<13>1 - - - - - - b\n'),
    want: ['<13>1 - - - - - - a\r', '<13>1 - - - - - - b'],
  },
  { name: "LF framing takes any first byte, not only '<'", framing: 'lf', stream: enc.encode('x\n1 y\n'), want: ['x', '1 y'] },
  { name: 'octet counting of a one-byte message', framing: 'octet-counting', stream: enc.encode('1 x1 y'), want: ['x', 'y'] },
];

for (const c of framingCases) {
  test(`${c.name}: whole stream`, () => {
    const d = createSyslogFrameDecoder({ maxFrameBytes: 4096, framing: c.framing });
    assert.deepEqual([...texts(d.push(c.stream)), ...texts(d.end())], c.want);
  });
  test(`${c.name}: split into two chunks at every byte`, () => {
    for (let k = 0; k <= c.stream.length; k++) {
      const d = createSyslogFrameDecoder({ maxFrameBytes: 4096, framing: c.framing });
      const got = [...d.push(c.stream.subarray(0, k)), ...d.push(c.stream.subarray(k)), ...d.end()];
      assert.deepEqual(texts(got), c.want, `split at ${k}`);
    }
  });
  test(`${c.name}: one byte per chunk`, () => {
    const d = createSyslogFrameDecoder({ maxFrameBytes: 4096, framing: c.framing });
    const got: Uint8Array[] = [];
    for (let i = 0; i < c.stream.length; i++) got.push(...d.push(c.stream.subarray(i, i + 1)));
    got.push(...d.end());
    assert.deepEqual(texts(got), c.want);
  });
}

test('random chunkings of random frame sequences decode to the same frames', () => {
  const message = fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).map((s) => `<13>1 - - - - - - ${s}`);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(message, fc.boolean()), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (msgs, cuts) => {
        const usable = msgs.map(([m, counted]) => [m, counted || m.includes('\n')] as const);
        const stream = concat(...usable.map(([m, counted]) => (counted ? frameOctetCounted(m) : frameLf(m))));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const d = createSyslogFrameDecoder({ maxFrameBytes: 4096 });
        const got: Uint8Array[] = [];
        let from = 0;
        for (const p of [...points, stream.length]) {
          got.push(...d.push(stream.subarray(from, p)));
          from = p;
        }
        got.push(...d.end());
        assert.deepEqual(
          texts(got),
          usable.map(([m]) => m),
        );
      },
    ),
    { numRuns: 500 },
  );
});

test('frameOctetCounted counts octets, not characters', () => {
  assert.equal(dec.decode(frameOctetCounted('é😀')), '6 é😀');
  assert.equal(dec.decode(frameOctetCounted('<13>1 - - - - - -')), '17 <13>1 - - - - - -');
});

test('frameLf appends one LF', () => assert.equal(dec.decode(frameLf('<13>1 - - - - - - x')), '<13>1 - - - - - - x\n'));

const frameErrors: { name: string; fn: () => unknown; code: ErrorCode }[] = [
  { name: 'frameLf refuses a message containing LF', fn: () => frameLf('a\nb'), code: 'SYSLOG_FRAME_INVALID' },
  { name: 'frameOctetCounted refuses an empty message', fn: () => frameOctetCounted(''), code: 'SYSLOG_FRAME_INVALID' },
  { name: 'frameOctetCounted refuses a lone surrogate', fn: () => frameOctetCounted('a\ud800'), code: 'SYSLOG_ENCODING_INVALID' },
];
for (const c of frameErrors) test(c.name, () => assert.throws(c.fn, (e: unknown) => isSeclogError(e, c.code)));

const malformed: { name: string; framing: SyslogFraming; stream: string; code: ErrorCode; max?: number }[] = [
  { name: 'MSG-LEN with a leading zero', framing: 'octet-counting', stream: '05 <13>1', code: 'SYSLOG_FRAME_INVALID' },
  { name: 'MSG-LEN 0', framing: 'auto', stream: '0 ', code: 'SYSLOG_FRAME_INVALID' },
  { name: 'MSG-LEN followed by a letter', framing: 'octet-counting', stream: '12x<13>1 - - - -', code: 'SYSLOG_FRAME_INVALID' },
  { name: 'MSG-LEN followed by LF', framing: 'auto', stream: '12\n', code: 'SYSLOG_FRAME_INVALID' },
  {
    name: 'MSG-LEN one short of the message (the next frame starts mid-message)',
    framing: 'octet-counting',
    stream: '2 abc3 abc',
    code: 'SYSLOG_FRAME_INVALID',
  },
  {
    name: "a frame starting with '<' in octet-counting mode",
    framing: 'octet-counting',
    stream: '<13>1 - - - - - -\n',
    code: 'SYSLOG_FRAME_INVALID',
  },
  { name: 'a frame starting with a letter in auto mode', framing: 'auto', stream: 'hello\n', code: 'SYSLOG_FRAME_INVALID' },
  { name: 'a frame starting with SP in auto mode', framing: 'auto', stream: ' <13>1\n', code: 'SYSLOG_FRAME_INVALID' },
  { name: 'LF in octet-counting mode between frames', framing: 'octet-counting', stream: '1 x\n1 y', code: 'SYSLOG_FRAME_INVALID' },
  { name: 'MSG-LEN above maxFrameBytes', framing: 'octet-counting', stream: '101 ', code: 'SYSLOG_TOO_LONG', max: 100 },
  // Shrunk fast-check counterexample: a one-digit MSG-LEN was not checked against the limit.
  { name: 'one-digit MSG-LEN above maxFrameBytes', framing: 'auto', stream: '9 <165>1 20', code: 'SYSLOG_TOO_LONG', max: 1 },
  { name: 'MSG-LEN of 30 digits', framing: 'octet-counting', stream: '9'.repeat(30), code: 'SYSLOG_TOO_LONG', max: 2 ** 53 - 1 },
  { name: 'no LF within maxFrameBytes', framing: 'lf', stream: `<13>${'x'.repeat(101)}`, code: 'SYSLOG_TOO_LONG', max: 100 },
  { name: 'stream ends inside an octet-counted frame', framing: 'octet-counting', stream: '10 abc', code: 'SYSLOG_FRAME_INVALID' },
  { name: 'stream ends inside MSG-LEN', framing: 'auto', stream: '12', code: 'SYSLOG_FRAME_INVALID' },
  { name: 'stream ends inside an LF frame', framing: 'auto', stream: '<13>1 - - - - - - x', code: 'SYSLOG_FRAME_INVALID' },
];
for (const c of malformed) {
  test(`malformed: ${c.name} → ${c.code}`, () => {
    const d = createSyslogFrameDecoder({ maxFrameBytes: c.max ?? 4096, framing: c.framing });
    assert.throws(
      () => {
        d.push(enc.encode(c.stream));
        d.end();
      },
      (e: unknown) => isSeclogError(e, c.code) && typeof (e as unknown as { details: { offset: unknown } }).details.offset === 'number',
    );
    // Once broken, the decoder stays broken: the caller must close the connection.
    assert.throws(
      () => d.push(enc.encode('<13>1 - - - - - -\n')),
      (e: unknown) => isSeclogError(e, c.code),
    );
  });
}

test('a frame of exactly maxFrameBytes is accepted, in both framings', () => {
  const body = '<13>1 - - - - - - '.padEnd(100, 'x');
  const lf = createSyslogFrameDecoder({ maxFrameBytes: 100, framing: 'lf' });
  assert.deepEqual(texts(lf.push(frameLf(body))), [body]);
  const oc = createSyslogFrameDecoder({ maxFrameBytes: 100, framing: 'octet-counting' });
  assert.deepEqual(texts(oc.push(frameOctetCounted(body))), [body]);
});

test('returned frames are copies: reusing the pushed buffer does not change them', () => {
  const d = createSyslogFrameDecoder({ maxFrameBytes: 100 });
  const buf = enc.encode('<13>a\n3 abc');
  const frames = d.push(buf);
  buf.fill(0x41);
  assert.deepEqual(texts(frames), ['<13>a', 'abc']);
});

test('returned frames are copies for a Buffer chunk too, whole or split across pushes', () => {
  for (const framing of ['auto', 'lf'] as const) {
    const d = createSyslogFrameDecoder({ maxFrameBytes: 100, framing });
    const first = Buffer.from('<1>a\n<2>b\n<3>');
    const a = d.push(first);
    first.fill(0x41);
    const second = Buffer.from('c\n<4>d\n');
    const b = d.push(second);
    second.fill(0x41);
    assert.deepEqual([...texts(a), ...texts(b)], ['<1>a', '<2>b', '<3>c', '<4>d']);
  }
});

test('a frame completed from earlier pushes comes before the frames that start in the same push', () => {
  const d = createSyslogFrameDecoder({ maxFrameBytes: 100 });
  assert.deepEqual(texts(d.push(enc.encode('5 ab'))), []);
  assert.deepEqual(texts(d.push(enc.encode('cde3 xyz<1>f\n2 gh'))), ['abcde', 'xyz', '<1>f', 'gh']);
  assert.deepEqual(texts(d.push(enc.encode('<2>g'))), []);
  assert.deepEqual(texts(d.push(enc.encode('\n1 q1'))), ['<2>g', 'q']);
  assert.deepEqual(texts(d.push(enc.encode(' r'))), ['r']);
  assert.deepEqual(d.end(), []);
});

test('decode returns the frames of a chunk completed before a framing error, with the error; the decoder then stays broken', () => {
  const d = createSyslogFrameDecoder({ maxFrameBytes: 100 });
  assert.deepEqual(texts(d.push(enc.encode('<1>a\n5 ab'))), ['<1>a']);
  // One chunk: the end of a split frame, two whole frames, then a bad byte and a frame after it.
  const r = d.decode(enc.encode('cde3 xyz<2>b\n!oops\n1 z'));
  assert.deepEqual(texts(r.frames), ['abcde', 'xyz', '<2>b']);
  assert.ok(isSeclogError(r.error, 'SYSLOG_FRAME_INVALID'));
  assert.equal((r.error as unknown as { details: { offset: number } }).details.offset, 9 + 13); // 9 bytes in the first push
  const again = d.decode(enc.encode('<3>c\n'));
  assert.deepEqual(again.frames, []);
  assert.equal(again.error, r.error);
  assert.throws(
    () => d.push(enc.encode('<3>c\n')),
    (e: unknown) => isSeclogError(e, 'SYSLOG_FRAME_INVALID'),
  );
  // Too long, after a whole frame in the same chunk; and no error: the same frames as push.
  const t = createSyslogFrameDecoder({ maxFrameBytes: 10 });
  const tr = t.decode(enc.encode('3 abc<4>0123456789x'));
  assert.deepEqual(texts(tr.frames), ['abc']);
  assert.ok(isSeclogError(tr.error, 'SYSLOG_TOO_LONG'));
  const ok = createSyslogFrameDecoder({ maxFrameBytes: 10 }).decode(enc.encode('3 abc<5>d\n'));
  assert.deepEqual(texts(ok.frames), ['abc', '<5>d']);
  assert.equal('error' in ok, false);
});

test('decode, random chunkings: every frame completed before a framing error is returned, nothing after it', () => {
  const message = fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).map((s) => `<13>1 - - - - - - ${s}`);
  // Bytes that cannot start a frame in auto mode ('0' is a bad MSG-LEN, the rest no frame start).
  const bad = fc.constantFrom('0 x', '!', 'x<13>', ' 5 abcde', '\r\n');
  fc.assert(
    fc.property(
      fc.array(fc.tuple(message, fc.boolean()), { maxLength: 8 }),
      bad,
      fc.array(fc.nat(), { maxLength: 6 }),
      (msgs, junk, cuts) => {
        const usable = msgs.map(([m, counted]) => [m, counted || m.includes('\n')] as const);
        const good = concat(...usable.map(([m, counted]) => (counted ? frameOctetCounted(m) : frameLf(m))));
        const stream = concat(good, enc.encode(junk), frameOctetCounted('<13>1 - - - - - - after'));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const d = createSyslogFrameDecoder({ maxFrameBytes: 4096 });
        const got: Uint8Array[] = [];
        let error: unknown;
        let from = 0;
        for (const p of [...points, stream.length]) {
          const r = d.decode(stream.subarray(from, p));
          got.push(...r.frames);
          from = p;
          if (r.error !== undefined) {
            error = r.error;
            break;
          }
        }
        assert.ok(isSeclogError(error, 'SYSLOG_FRAME_INVALID'));
        assert.deepEqual(
          texts(got),
          usable.map(([m]) => m),
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('the partial frame held between pushes stays within maxFrameBytes', () => {
  const d = createSyslogFrameDecoder({ maxFrameBytes: 1000, framing: 'lf' });
  for (let i = 0; i < 9; i++) d.push(enc.encode('<'.padEnd(100, 'x')));
  assert.throws(
    () => d.push(enc.encode('x'.repeat(200))),
    (e: unknown) => isSeclogError(e, 'SYSLOG_TOO_LONG'),
  );
});

test('maxFrameBytes must be a positive integer', () => {
  assert.throws(() => createSyslogFrameDecoder({ maxFrameBytes: 0 }), RangeError);
  assert.throws(() => createSyslogFrameDecoder({ maxFrameBytes: 1.5 }), RangeError);
});
