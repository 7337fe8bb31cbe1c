import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalize } from '../src/canon/jcs.js';
import { fitToRecordLimit } from '../src/event/fit.js';
import { LIMITS } from '../src/event/limits.js';
import { validateEvent } from '../src/event/validate.js';
import { decodeOtlpLogs } from '../src/formats/otlp/decode.js';
import { parseRfc3164 } from '../src/formats/syslog/rfc3164.js';
import { parseRfc5424 } from '../src/formats/syslog/rfc5424-parse.js';
import { syslogToPassthrough } from '../src/formats/syslog/syslog-passthrough.js';

const receivedAt = { ms: Date.UTC(2026, 10, 27, 12), us: 0 };

test('a syslog message of quotes and backslashes still becomes one valid record under the record limit', () => {
  const body = '"\\'.repeat(4000);
  const sd = Array.from(
    { length: 40 },
    (_, i) => `[x${i}@32473 ${Array.from({ length: 8 }, (_, j) => `p${j}="${'\\"'.repeat(20)}"`).join(' ')}]`,
  ).join('');
  const msg = parseRfc5424(`<13>1 2026-11-27T12:00:00Z host app - - ${sd} ${body}`);
  const ev = syslogToPassthrough(msg, { deviceId: 'gw-1', receivedAt });
  assert.deepEqual(validateEvent(ev), []);
  assert.ok(Buffer.byteLength(canonicalize(ev)) <= LIMITS.recordBytes);
  assert.ok(String(ev.attrs.sd).endsWith('…'), 'the SD was cut visibly');
  assert.ok(Buffer.byteLength(String(ev.attrs.sd)) <= LIMITS.jsonTextBytes);
  assert.ok(ev.message?.startsWith('"\\"\\'));
});

test('structured data up to its own limit is kept whole as JSON', () => {
  const msg = parseRfc5424(`<13>1 2026-11-27T12:00:00Z host app - - [a@32473 k="${'v'.repeat(2000)}"] hi`);
  const ev = syslogToPassthrough(msg, { deviceId: 'gw-1', receivedAt });
  assert.deepEqual(JSON.parse(String(ev.attrs.sd)), [['a@32473', [['k', 'v'.repeat(2000)]]]]);
});

test('an OTLP body of quotes still becomes one valid passthrough record', () => {
  const body = {
    resourceLogs: [
      {
        resource: { attributes: [] },
        scopeLogs: [{ scope: {}, logRecords: [{ timeUnixNano: '1764244800000000000', body: { stringValue: '"'.repeat(9000) } }] }],
      },
    ],
  };
  const { events, rejected } = decodeOtlpLogs(body, { receivedAt });
  assert.deepEqual(rejected, []);
  assert.equal(events.length, 1);
  assert.ok(Buffer.byteLength(canonicalize(events[0])) <= LIMITS.recordBytes);
});

test('passthrough records are built in RFC 8785 member order, so canonical JSON is a plain serialisation (property)', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 40 });
  const name = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
  fc.assert(
    fc.property(
      fc.record({
        pri: fc.integer({ min: 0, max: 191 }),
        host: fc.option(name, { nil: undefined }),
        app: fc.option(name, { nil: undefined }),
        procId: fc.option(name, { nil: undefined }),
        msgId: fc.option(name, { nil: undefined }),
        timeQuality: fc.option(fc.tuple(fc.boolean(), fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined })), {
          nil: undefined,
        }),
        message: fc.option(text, { nil: undefined }),
        sourceIp: fc.option(fc.ipV4(), { nil: undefined }),
        legacy: fc.boolean(),
      }),
      (m) => {
        const raw = m.legacy
          ? `<${m.pri}>Nov 27 10:00:01 ${m.host ?? 'h'} ${m.app ?? 'app'}: ${m.message ?? ''}`
          : `<${m.pri}>1 2026-11-27T10:00:00.25Z ${m.host ?? '-'} ${m.app ?? '-'} ${m.procId ?? '-'} ${m.msgId ?? '-'} ${
              m.timeQuality === undefined
                ? '-'
                : `[timeQuality isSynced="${m.timeQuality[0] ? 1 : 0}"${m.timeQuality[1] === undefined ? '' : ` syncAccuracy="${m.timeQuality[1]}"`}]`
            }${m.message === undefined ? '' : ` ${m.message}`}`;
        const msg = m.legacy ? parseRfc3164(raw, { now: new Date(receivedAt.ms) }) : parseRfc5424(raw);
        const ev = syslogToPassthrough(msg, {
          deviceId: 'gw-1',
          receivedAt,
          attribution: 'source_map',
          ...(m.sourceIp === undefined ? {} : { sourceIp: m.sourceIp }),
        });
        assert.deepEqual(validateEvent(ev), []);
        assert.equal(JSON.stringify(ev), canonicalize(ev));
      },
    ),
    { numRuns: 500 },
  );
});

test('the size bound of fitToRecordLimit never lets a record over the limit through (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 12_000 }), fc.integer({ min: 600, max: LIMITS.recordBytes }), (body, limit) => {
      const msg = parseRfc5424(`<13>1 2026-11-27T12:00:00Z host app - - - ${body.replace(/[\ud800-\udfff]/g, '?')}`);
      const ev = fitToRecordLimit(syslogToPassthrough(msg, { deviceId: 'gw-1', receivedAt }), limit);
      assert.ok(Buffer.byteLength(canonicalize(ev)) <= limit, `over ${limit}`);
    }),
    { numRuns: 300 },
  );
});
