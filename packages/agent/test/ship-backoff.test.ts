import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelayMs, hintedDelayMs, MAX_HINT_MS, retryHintMs } from '../src/ship/backoff.js';

const policy = { baseMs: 500, maxMs: 60_000 };

test('full jitter: the delay is uniform in [0, min(max, base · 2^attempt))', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
      const d = backoffDelayMs(attempt, policy, () => r);
      const window = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
      assert.ok(Number.isInteger(d) && d >= 0 && d < window, `attempt ${attempt}: ${d} outside [0, ${window})`);
    }),
  );
});

test('the window doubles up to the cap; the extremes of random reach both ends', () => {
  const top = (attempt: number) => backoffDelayMs(attempt, policy, () => 0.999999);
  assert.deepEqual([0, 1, 2, 3].map(top), [499, 999, 1999, 3999]);
  assert.equal(top(7), 59_999, '500 · 2^7 = 64 s is capped at 60 s');
  assert.equal(top(5000), 59_999, 'no overflow to Infinity or NaN after thousands of failures');
  assert.equal(
    backoffDelayMs(9, policy, () => 0),
    0,
    'full jitter may retry at once',
  );
});

test('jitter spreads a fleet: 1,000 devices retrying attempt 4 do not land on a few instants', () => {
  const delays = Array.from({ length: 1000 }, () => backoffDelayMs(4, policy));
  const buckets = new Set(delays.map((d) => Math.floor(d / 100)));
  assert.ok(buckets.size >= 70, `only ${buckets.size} of 80 100-ms buckets used`);
});

test('a server hint is a floor with at most 10 % added, capped at an hour', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 * MAX_HINT_MS }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (hint, r) => {
      const d = hintedDelayMs(hint, () => r);
      const floor = Math.min(hint, MAX_HINT_MS);
      assert.ok(d >= floor && d <= floor * 1.1, `${hint} → ${d}`);
    }),
  );
});

const hints: { name: string; header: string | undefined; details: unknown; want: number | undefined }[] = [
  { name: 'details.retryAfterMs wins', header: '5', details: { retryAfterMs: 250 }, want: 250 },
  { name: 'Retry-After seconds', header: '3', details: {}, want: 3000 },
  { name: 'Retry-After HTTP date', header: 'Wed, 21 Oct 2026 07:28:10 GMT', details: undefined, want: 10_000 },
  { name: 'a date in the past is 0', header: 'Wed, 21 Oct 2026 07:27:00 GMT', details: undefined, want: 0 },
  { name: 'garbage is no hint', header: 'soon', details: { retryAfterMs: 'x' }, want: undefined },
  { name: 'negative details ignored', header: undefined, details: { retryAfterMs: -5 }, want: undefined },
  { name: 'none', header: undefined, details: undefined, want: undefined },
];
const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
for (const c of hints) test(`retry hint: ${c.name}`, () => assert.equal(retryHintMs(c.header, c.details, now), c.want));
