/** The retention, storage and devices configuration keys: defaults, environment, and errors that name the key. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.js';

const load = (flags: Record<string, unknown>, env: Record<string, string> = {}) => loadConfig({ env, cwd: '/nonexistent', flags });

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('no error');
}

test('defaults: a year by default, shorter for faults and noise, longer for reviews; no cap; reject at 95%', () => {
  const c = load({});
  assert.equal(c.retention.defaultDays, 365);
  assert.equal(c.retention.groups.system, 90);
  assert.equal(c.retention.groups.authentication, undefined);
  assert.equal(c.retention.maxPayloadBytes, 0);
  assert.deepEqual(
    [c.storage.warnPercent, c.storage.criticalPercent, c.storage.hardFloorPercent, c.storage.onFull],
    [80, 95, 99, 'reject'],
  );
  assert.equal(c.devices.minHorizonHours, 72);
});

test('a group is set from the environment by its own variable', () => {
  const c = load({}, { SECLOG_RETENTION_GROUPS_AUTHENTICATION: '400', SECLOG_STORAGE_ON_FULL: 'prune' });
  assert.equal(c.retention.groups.authentication, 400);
  assert.equal(c.storage.onFull, 'prune');
});

test('errors name the key: a misspelt group, zero days, levels out of order, an unknown onFull', () => {
  assert.match(
    problem(() => load({ retention: { groups: { authentcation: 30 } } })),
    /retention\.groups\.authentcation.*authentication/s,
  );
  assert.match(
    problem(() => load({ retention: { defaultDays: 0 } })),
    /retention\.defaultDays: minimum/,
  );
  assert.match(
    problem(() => load({ storage: { warnPercent: 96 } })),
    /storage\.warnPercent: belowCriticalPercent/,
  );
  assert.match(
    problem(() => load({ storage: { hardFloorPercent: 90 } })),
    /storage\.hardFloorPercent: atLeastCriticalPercent/,
  );
  assert.match(
    problem(() => load({ storage: { onFull: 'drop' } })),
    /storage\.onFull/,
  );
});
