import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSeclogError } from '../src/errors.js';
import { decodeOtlpLogs } from '../src/formats/otlp/decode.js';

// biome-ignore lint/suspicious/noExplicitAny: bodies are built field by field
type Json = Record<string, any>;
const receivedAt = { ms: Date.parse('2026-11-27T13:40:00.000Z'), us: 0 };
const ctx = { receivedAt };
const str = (s: string) => ({ stringValue: s });
const kv = (key: string, value: unknown) => ({ key, value });

describe('OTLP malformed bodies throw OTLP_INVALID naming the field', () => {
  const rec = (r: Json) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [r] }] }] });
  const cases: [string, unknown, string][] = [
    ['not an object', 'hello', ''],
    ['resourceLogs not an array', { resourceLogs: {} }, 'resourceLogs'],
    ['scopeLogs entry not an object', { resourceLogs: [{ scopeLogs: [1] }] }, 'resourceLogs[0].scopeLogs[0]'],
    ['timeUnixNano not digits', rec({ timeUnixNano: '17e17' }), 'resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano'],
    ['timeUnixNano negative', rec({ timeUnixNano: -5 }), 'resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano'],
    ['severityNumber 25', rec({ severityNumber: 25 }), 'resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber'],
    [
      'intValue not an integer',
      rec({ attributes: [kv('n', { intValue: '1.5' })] }),
      'resourceLogs[0].scopeLogs[0].logRecords[0].attributes[0].value.intValue',
    ],
    ['AnyValue with two values', rec({ body: { stringValue: 'a', intValue: '1' } }), 'resourceLogs[0].scopeLogs[0].logRecords[0].body'],
    [
      'duplicate attribute key',
      rec({ attributes: [kv('a', str('1')), kv('a', str('2'))] }),
      'resourceLogs[0].scopeLogs[0].logRecords[0].attributes[1].key',
    ],
    ['attribute key missing', rec({ attributes: [{ value: str('1') }] }), 'resourceLogs[0].scopeLogs[0].logRecords[0].attributes[0].key'],
    ['bytesValue not base64', rec({ body: { bytesValue: 'a*b=' } }), 'resourceLogs[0].scopeLogs[0].logRecords[0].body.bytesValue'],
    ['traceId not hex', rec({ traceId: 'W4j/95gDgQPSabYzgT/GDA==' }), 'resourceLogs[0].scopeLogs[0].logRecords[0].traceId'],
  ];
  for (const [name, body, path] of cases) {
    test(name, () => {
      assert.throws(
        () => decodeOtlpLogs(body, ctx),
        (err: unknown) => isSeclogError(err, 'OTLP_INVALID') && err.details.path === path,
      );
    });
  }
  test('nesting deeper than 16 levels', () => {
    let v: Json = str('deep');
    for (let i = 0; i < 40; i++) v = { arrayValue: { values: [v] } };
    assert.throws(
      () => decodeOtlpLogs(rec({ body: v }), ctx),
      (err: unknown) => isSeclogError(err, 'OTLP_INVALID'),
    );
  });
  test('more records than maxRecords', () => {
    const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{}, {}, {}] }] }] };
    assert.throws(
      () => decodeOtlpLogs(body, { receivedAt, maxRecords: 2 }),
      (err: unknown) => isSeclogError(err, 'OTLP_TOO_MANY_RECORDS'),
    );
    assert.equal(decodeOtlpLogs(body, { receivedAt, maxRecords: 3 }).events.length, 3);
  });
  test('proto field names and null fields are accepted', () => {
    const body = {
      resource_logs: [
        {
          resource: null,
          scope_logs: [
            { log_records: [{ time_unix_nano: '1', severity_number: 'SEVERITY_NUMBER_WARN', body: { string_value: 'x' }, trace_id: '' }] },
          ],
        },
      ],
    };
    const ev = decodeOtlpLogs(body, ctx).events[0];
    assert.equal(ev?.severity, 'low');
    assert.equal(ev?.message, 'x');
  });
});
