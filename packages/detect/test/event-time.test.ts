import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError, parseDateTime } from '@seclog/core';
import fc from 'fast-check';
import { eventTimeUs, formatUs } from '../src/index.js';

test('property: the fast record-time reader agrees with core RFC 3339 parsing', () => {
  // 1970 … 2200, microsecond resolution.
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 7_258_118_400_000_000 }), (us) => {
      const text = formatUs(us);
      assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      const p = parseDateTime(text);
      assert.equal(eventTimeUs(text), p.ms * 1000 + p.us);
      assert.equal(eventTimeUs(text), us);
    }),
    { numRuns: 3000 },
  );
});

test('other RFC 3339 forms go through the exact parser; impossible dates are refused', () => {
  assert.equal(eventTimeUs('2026-03-01T01:00:00+01:00'), Date.UTC(2026, 2, 1) * 1000);
  assert.equal(eventTimeUs('2024-02-29T00:00:00.000001Z'), Date.UTC(2024, 1, 29) * 1000 + 1);
  for (const bad of ['2026-02-30T00:00:00.000000Z', '2026-13-01T00:00:00.000000Z', '2026-03-01 00:00:00.000000Z', 'now'])
    assert.throws(
      () => eventTimeUs(bad),
      (err: unknown) => isSeclogError(err, 'DETECT_INPUT_INVALID'),
      bad,
    );
});
