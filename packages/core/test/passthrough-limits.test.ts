import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalize } from '../src/canon/jcs.js';
import { LIMITS } from '../src/event/limits.js';
import { validateEvent } from '../src/event/validate.js';
import { decodeOtlpLogs } from '../src/formats/otlp/decode.js';
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
