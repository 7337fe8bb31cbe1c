import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isProfileName, PROFILES } from '../src/index.js';

test('the high profile is stricter than the low one on every axis', () => {
  const { low, high } = PROFILES;
  assert.ok(high.sealEpochMs < low.sealEpochMs);
  assert.ok(high.batchMaxAgeMs < low.batchMaxAgeMs);
  assert.equal(high.realtime, true);
  assert.equal(low.realtime, false);
  assert.equal(high.shipCriticalAtOnce, true);
  assert.ok(high.ringCapacityBytes > low.ringCapacityBytes);
});

test('profiles are frozen and named', () => {
  assert.ok(Object.isFrozen(PROFILES.low));
  assert.ok(isProfileName('low') && isProfileName('high') && !isProfileName('medium'));
});
