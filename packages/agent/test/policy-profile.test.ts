import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError, PROFILES } from '@seclog/core';
import { resolveProfile } from '../src/index.js';

test('a profile with overrides: merged, frozen, the defaults untouched', () => {
  const p = resolveProfile('high', { batchMaxEvents: 20, storageWarnPct: [70, 90] });
  assert.equal(p.batchMaxEvents, 20);
  assert.deepEqual(p.storageWarnPct, [70, 90]);
  assert.equal(p.sealEpochMs, PROFILES.high.sealEpochMs);
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.storageWarnPct));
  assert.equal(PROFILES.high.batchMaxEvents, 100);
  assert.deepEqual(resolveProfile('low'), PROFILES.low);
});

test('every problem is reported at once; the seal epoch is fixed at enrolment', () => {
  assert.throws(
    () =>
      resolveProfile('medium', {
        batchMaxEvents: 0,
        storageWarnPct: [95, 80],
        sealEpochMs: 1000,
        realtime: 'yes' as unknown as boolean,
        colour: 1,
      } as never),
    (e) => {
      assert.ok(isSeclogError(e, 'AGENT_PROFILE_INVALID'));
      const keys = (e as unknown as { details: { errors: { key: string; rule: string }[] } }).details.errors.map(
        (i) => `${i.key}:${i.rule}`,
      );
      assert.deepEqual(keys.sort(), [
        'batchMaxEvents:value',
        'colour:unknown',
        'profile:enum',
        'realtime:value',
        'sealEpochMs:fixed',
        'storageWarnPct:value',
      ]);
      return true;
    },
  );
});
