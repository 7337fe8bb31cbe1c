import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isSeclogError } from '../src/errors.js';
import {
  dateTimeProblem,
  formatEventTime,
  instantFromUnixNanos,
  isEventTime,
  parseDateTime,
  toEventTime,
  unixNanosFromInstant,
} from '../src/time/rfc3339.js';

describe('valid date-times convert exactly to record time', () => {
  const cases: [string, string][] = [
    ['2026-11-27T13:33:43Z', '2026-11-27T13:33:43.000000Z'],
    ['2026-11-27T13:33:43.1Z', '2026-11-27T13:33:43.100000Z'],
    ['2026-11-27T13:33:43.123456Z', '2026-11-27T13:33:43.123456Z'],
    ['2026-11-27T14:33:43.000001+01:00', '2026-11-27T13:33:43.000001Z'],
    ['2026-01-01T00:30:00.5-01:30', '2026-01-01T02:00:00.500000Z'],
    ['2024-02-29T23:59:59.999999+00:00', '2024-02-29T23:59:59.999999Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000000Z'],
    ['2026-03-01T00:00:00.25+23:59', '2026-02-28T00:01:00.250000Z'],
    ['0050-06-15T12:00:00Z', '0050-06-15T12:00:00.000000Z'],
  ];
  for (const [input, want] of cases) test(input, () => assert.equal(toEventTime(input), want));
});

describe('impossible or malformed date-times are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['2026-02-30T00:00:00Z', /day 30 does not exist/],
    ['2025-02-29T00:00:00Z', /day 29 does not exist/],
    ['1900-02-29T00:00:00Z', /day 29 does not exist/],
    ['2026-04-31T00:00:00Z', /day 31/],
    ['2026-13-01T00:00:00Z', /month 13/],
    ['2026-00-10T00:00:00Z', /month 00/],
    ['2026-01-00T00:00:00Z', /day 00/],
    ['2026-01-01T24:00:00Z', /hour 24/],
    ['2026-01-01T23:60:00Z', /minute 60/],
    ['2026-12-31T23:59:60Z', /second 60/],
    ['2026-01-01T00:00:00+24:00', /offset/],
    ['2026-01-01 00:00:00Z', /not an RFC 3339/],
    ['2026-01-01T00:00:00', /not an RFC 3339/],
    ['2026-1-01T00:00:00Z', /not an RFC 3339/],
    ['2026-01-01T00:00:00.Z', /not an RFC 3339/],
    ['2026-01-01T00:00:00.1234567890Z', /not an RFC 3339/],
    ['', /not an RFC 3339/],
  ];
  for (const [input, reason] of cases) {
    test(JSON.stringify(input), () => {
      assert.match(dateTimeProblem(input) ?? '', reason);
      assert.throws(
        () => parseDateTime(input),
        (e) => isSeclogError(e, 'TIME_INVALID'),
      );
    });
  }
  test('more than six fractional digits are refused unless truncation is asked for', () => {
    assert.throws(
      () => toEventTime('2026-01-01T00:00:00.1234567Z'),
      (e) => isSeclogError(e, 'TIME_INVALID'),
    );
    assert.equal(toEventTime('2026-01-01T00:00:00.1234567Z', true), '2026-01-01T00:00:00.123456Z');
  });
});

test('isEventTime accepts only UTC with exactly six digits', () => {
  assert.ok(isEventTime('2026-11-27T13:33:43.123456Z'));
  assert.ok(!isEventTime('2026-11-27T13:33:43.12345Z'));
  assert.ok(!isEventTime('2026-11-27T13:33:43.123456+00:00'));
  assert.ok(!isEventTime('2026-02-30T13:33:43.123456Z'));
});

test('instant ↔ record time ↔ nanoseconds round-trip exactly', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253402300799999 }), fc.integer({ min: 0, max: 999 }), (ms, us) => {
      const s = formatEventTime({ ms, us });
      assert.ok(isEventTime(s), s);
      const back = parseDateTime(s);
      assert.deepEqual({ ms: back.ms, us: back.us }, { ms, us });
      assert.deepEqual(instantFromUnixNanos(unixNanosFromInstant({ ms, us })), { ms, us });
    }),
    { numRuns: 3000 },
  );
});

test('nanoseconds below a microsecond are cut, not rounded', () => {
  assert.deepEqual(instantFromUnixNanos(1_700_000_000_123_456_999n), { ms: 1_700_000_000_123, us: 456 });
});
