/**
 * Robustness: 100,000 random and mutated inputs (bit flips, truncation,
 * insertion, duplication, deletion, delimiter swaps) into parseRfc5424 and the
 * frame decoder. Each must return a value or throw a SeclogError whose code
 * starts with SYSLOG_; nothing else, and never hang (linear-time parsing).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isSeclogError } from '../src/errors.js';
import { createSyslogFrameDecoder, frameLf, frameOctetCounted, type SyslogFraming } from '../src/formats/syslog/framing.js';
import { parseRfc3164 } from '../src/formats/syslog/rfc3164.js';
import { parseRfc5424 } from '../src/formats/syslog/rfc5424-parse.js';
import { serializeRfc5424 } from '../src/formats/syslog/rfc5424-serialize.js';
import { encodeEventSyslog } from '../src/formats/syslog/seclog-syslog.js';

const enc = new TextEncoder();
const BOM = '\ufeff';

const seeds: string[] = [
  `<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${BOM}'su root' failed for lonvick on /dev/pts/8`,
  "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
  `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ${BOM}An application event log entry...`,
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
  '<38>1 2026-11-27T10:15:02.123456+01:00 gw-17 sshd 812 - - Failed password for root from 203.0.113.9 port 52144 ssh2',
  '<0>1 - - - - - [a x="q\\"b\\\\c\\]" y="\\n" y=""][b@1.2] é😀',
  encodeEventSyslog({
    v: 1,
    id: '01936b2e-4f3a-7c00-8000-0123456789ab',
    name: 'authn_login_fail',
    time: '2026-11-27T10:15:02.123456Z',
    severity: 'medium',
    outcome: 'failure',
    device: { id: 'gw-17' },
    actor: { user: 'ro"o]t\\', ip: '203.0.113.9', port: 52144 },
    attrs: { method: 'password', reason: 'bad_password' },
    seq: 7,
    tq: { synced: true, source: 'ntp', accuracy_ms: 1 },
  }),
];
const seedBytes = seeds.map((s) => enc.encode(s));

/** Bytes that matter to the grammar, so mutations hit the interesting paths often. */
const special = fc.constantFrom(
  0x3c,
  0x3e,
  0x20,
  0x5b,
  0x5d,
  0x22,
  0x5c,
  0x3d,
  0x2d,
  0x40,
  0x0a,
  0x30,
  0x31,
  0x39,
  0x54,
  0x5a,
  0xef,
  0xbb,
  0xbf,
  0xc3,
  0x80,
  0xff,
  0xed,
  0xa0,
  0xf4,
  0x90,
);
const byte = fc.oneof(special, fc.integer({ min: 0, max: 255 }));

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'duplicate'; from: number; len: number; at: number }
  | { op: 'delete'; from: number; len: number }
  | { op: 'set'; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(byte, { minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('duplicate' as const), from: fc.nat(), len: fc.integer({ min: 1, max: 64 }), at: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), from: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: byte }),
);

function mutate(input: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Array.from(input);
  for (const m of ms) {
    const n = b.length + 1;
    switch (m.op) {
      case 'flip':
        if (b.length > 0) b[m.at % b.length] = (b[m.at % b.length] as number) ^ (1 << m.bit);
        break;
      case 'truncate':
        b = b.slice(0, m.at % n);
        break;
      case 'insert':
        b.splice(m.at % n, 0, ...m.bytes);
        break;
      case 'duplicate': {
        const from = m.from % n;
        b.splice(m.at % n, 0, ...b.slice(from, from + m.len));
        break;
      }
      case 'delete':
        b.splice(m.from % n, m.len);
        break;
      case 'set':
        if (b.length > 0) b[m.at % b.length] = m.value;
        break;
    }
  }
  return Uint8Array.from(b);
}

const mutated = fc.tuple(fc.constantFrom(...seedBytes), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, ms]) => mutate(s, ms));
const tokens = fc.constantFrom(
  '<',
  '>',
  '13',
  '191',
  '1',
  ' ',
  '-',
  '[',
  ']',
  '"',
  '\\',
  '=',
  '@32473',
  'a',
  'T',
  'Z',
  '2026-11-27',
  '10:15:02',
  '.123456',
  '+01:00',
  BOM,
  '\n',
  'é',
);
const tokenSoup = fc.array(tokens, { maxLength: 40 }).map((t) => t.join(''));
const anyInput: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  { weight: 6, arbitrary: mutated },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 2, arbitrary: tokenSoup },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

function isSyslogError(e: unknown): boolean {
  return isSeclogError(e) && (e as { code: string }).code.startsWith('SYSLOG_');
}

test('parseRfc5424: 100,000 random and mutated inputs return or throw SYSLOG_*', { timeout: 60_000 }, () => {
  let parsed = 0;
  fc.assert(
    fc.property(anyInput, fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }), (input, maxLength) => {
      let m: ReturnType<typeof parseRfc5424>;
      try {
        m = parseRfc5424(input, maxLength === undefined ? {} : { maxLength });
      } catch (e) {
        assert.ok(isSyslogError(e), `unexpected ${String(e)}`);
        const d = (e as { details: { offset: unknown; field: unknown } }).details;
        assert.ok(typeof d.offset === 'number' && typeof d.field === 'string');
        return;
      }
      parsed++;
      // Whatever parses re-serialises to something that parses to the same message.
      assert.deepEqual(parseRfc5424(serializeRfc5424(m)), m);
    }),
    { numRuns: 100_000 },
  );
  assert.ok(parsed > 1000, `only ${parsed} inputs parsed: the mutations are too destructive to exercise the happy path`);
});

const streams = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...seeds), fc.boolean()), { minLength: 1, maxLength: 4 }),
    fc.array(mutation, { maxLength: 3 }),
    fc.array(fc.nat(), { maxLength: 8 }),
    fc.constantFrom<SyslogFraming>('auto', 'octet-counting', 'lf'),
    fc.integer({ min: 1, max: 600 }),
  )
  .map(([msgs, ms, cuts, framing, maxFrameBytes]) => {
    const parts = msgs.map(([m, counted]) => (counted ? frameOctetCounted(m) : frameLf(m)));
    const joined = Uint8Array.from(parts.flatMap((p) => [...p]));
    return { stream: mutate(joined, ms), cuts, framing, maxFrameBytes };
  });

test('frame decoder: 40,000 random and mutated streams in random chunks return frames or throw SYSLOG_*', { timeout: 30_000 }, () => {
  fc.assert(
    fc.property(
      fc.oneof(
        { weight: 4, arbitrary: streams },
        {
          weight: 1,
          arbitrary: fc.record({
            stream: fc.uint8Array({ maxLength: 300 }),
            cuts: fc.array(fc.nat(), { maxLength: 8 }),
            framing: fc.constantFrom<SyslogFraming>('auto', 'octet-counting', 'lf'),
            maxFrameBytes: fc.integer({ min: 1, max: 600 }),
          }),
        },
      ),
      ({ stream, cuts, framing, maxFrameBytes }) => {
        const d = createSyslogFrameDecoder({ maxFrameBytes, framing });
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        try {
          for (const p of [...points, stream.length]) {
            for (const f of d.push(stream.subarray(from, p))) {
              assert.ok(f.length <= maxFrameBytes);
              try {
                parseRfc5424(f);
              } catch (e) {
                assert.ok(isSyslogError(e), `unexpected ${String(e)}`);
              }
            }
            from = p;
          }
          d.end();
        } catch (e) {
          assert.ok(isSyslogError(e), `unexpected ${String(e)}`);
        }
      },
    ),
    { numRuns: 40_000 },
  );
});

test('parseRfc3164 on the same inputs only ever throws SYSLOG_RFC3164_INVALID', { timeout: 30_000 }, () => {
  const now = new Date('2026-11-27T12:00:00Z');
  fc.assert(
    fc.property(anyInput, (input) => {
      try {
        parseRfc3164(input, { now });
      } catch (e) {
        assert.ok(isSeclogError(e, 'SYSLOG_RFC3164_INVALID'), `unexpected ${String(e)}`);
      }
    }),
    { numRuns: 10_000 },
  );
});

// Linear time: inputs built to make a backtracking parser explode take about as long as plain ones.
const pathological: { name: string; input: string }[] = [
  { name: 'a 64 KiB run of backslashes in a PARAM-VALUE', input: `<13>1 - - - - - [a x="${'\\'.repeat(65000)}` },
  { name: 'a 64 KiB run of escaped quotes', input: `<13>1 - - - - - [a x="${'\\"'.repeat(32000)}` },
  { name: 'thousands of SD-ELEMENTs', input: `<13>1 - - - - - ${Array.from({ length: 4000 }, (_, i) => `[e${i}]`).join('')}` },
  { name: 'thousands of params', input: `<13>1 - - - - - [a ${Array.from({ length: 6000 }, () => 'x="1"').join(' ')}]` },
  { name: 'thousands of duplicate SD-IDs', input: `<13>1 - - - - - ${'[a]'.repeat(20000)}` },
  { name: 'a 64 KiB digit run after <', input: `<${'1'.repeat(65000)}` },
  { name: 'a 64 KiB TIMESTAMP-like token', input: `<13>1 ${'2026-11-27T'.repeat(5900)}` },
];
for (const c of pathological) {
  // 20 parses of ~64 KiB: a linear parser needs milliseconds, a quadratic one
  // (about 4·10⁹ steps a parse) far more than the timeout. No wall-clock
  // assertion beyond that, so a loaded CI machine cannot make it flaky.
  test(`never hangs: ${c.name}`, { timeout: 10_000 }, () => {
    for (let i = 0; i < 20; i++) {
      try {
        parseRfc5424(c.input);
      } catch (e) {
        assert.ok(isSyslogError(e));
      }
    }
  });
}
