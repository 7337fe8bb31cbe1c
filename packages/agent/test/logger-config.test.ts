/**
 * The logger's configuration: the device file as `seclog device add` writes
 * it plus local options; every problem reported at once with its path and
 * rule, nothing opened when any is found.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { type LoggerConfig, SecurityLogger } from '../src/index.js';
import { resolveLoggerConfig } from '../src/logger/logger-config.js';
import { deviceConfig, scratch } from './logger-setup.js';

const dir = scratch('logger-config');

function problems(c: unknown): { code: string; errors: string[] } {
  try {
    resolveLoggerConfig(c as LoggerConfig);
  } catch (e) {
    assert.ok(isSeclogError(e));
    const errors = ((e.details as { errors?: { path?: string; key?: string; rule: string }[] }).errors ?? []).map(
      (i) => `${i.path ?? i.key} ${i.rule}`,
    );
    return { code: e.code, errors };
  }
  assert.fail('accepted');
}

const base = deviceConfig(dir);

const cases: { name: string; change: Record<string, unknown>; code?: string; errors: string[] }[] = [
  { name: 'no store', change: { store: undefined }, errors: ['store required'] },
  { name: 'store without a path', change: { store: { capacity: 65536 } }, errors: ['store.path type'] },
  { name: 'a capacity too small', change: { store: { path: 'x', capacity: 100 } }, errors: ['store.capacity range'] },
  { name: 'a negative inline sync bound', change: { store: { path: 'x', inlineSyncMaxMs: -1 } }, errors: ['store.inlineSyncMaxMs range'] },
  { name: 'an inline sync bound as text', change: { store: { path: 'x', inlineSyncMaxMs: '2' } }, errors: ['store.inlineSyncMaxMs range'] },
  { name: 'a device id with a space', change: { device: 'cam 17' }, errors: ['device pattern'] },
  { name: 'no token', change: { token: '' }, errors: ['token type'] },
  { name: 'a seal key that is not k_0', change: { sealKey: 'abc' }, errors: ['sealKey pattern'] },
  { name: 'a seal key without its policy', change: { seal: undefined }, errors: ['seal required'] },
  { name: 'a broken seal policy', change: { seal: { t0Ms: 1, epochMs: 0, maxRecords: 5 } }, errors: ['seal.epochMs integer'] },
  { name: 'firmware with a newline', change: { fw: '2.4\n' }, errors: ['fw pattern'] },
  { name: 'time without servers', change: { time: { pollMs: 60000 } }, errors: ['time type'] },
  {
    name: 'several at once',
    change: { collector: 42, dropReportMs: -1, sealOnClose: 'yes' },
    errors: ['collector type', 'sealOnClose type', 'dropReportMs integer'],
  },
  { name: 'an unknown profile', change: { profile: 'medium' }, code: 'AGENT_PROFILE_INVALID', errors: ['profile enum'] },
  {
    name: 'the seal epoch overridden',
    change: { overrides: { sealEpochMs: 1000 } },
    code: 'AGENT_PROFILE_INVALID',
    errors: ['sealEpochMs fixed'],
  },
];

for (const c of cases) {
  test(`refused: ${c.name}`, () => {
    const got = problems({ ...base, ...c.change });
    assert.equal(got.code, c.code ?? 'AGENT_LOGGER_CONFIG_INVALID');
    assert.deepEqual(got.errors, c.errors);
  });
}

test('a valid configuration is frozen, with the profile’s defaults and the overrides applied', () => {
  const r = resolveLoggerConfig({ ...base, overrides: { batchMaxEvents: 7 } });
  assert.ok(Object.isFrozen(r));
  assert.equal(r.profile.batchMaxEvents, 7);
  assert.equal(r.capacityBytes, 16 * 1024 * 1024, 'the high profile’s ring');
  assert.equal(r.sealOnClose, true);
  assert.equal(r.k0Id?.length, 32);
  assert.equal(r.k0Id?.includes(base.sealKey!.slice(0, 16)), false, 'a fingerprint, not the key');
});

test('open() refuses a bad configuration before it creates the ring, the shipper’s and the time tracker’s too', async () => {
  const path = `${dir}/never.ring`;
  await assert.rejects(SecurityLogger.open({ ...base, device: '', store: { path } }), { code: 'AGENT_LOGGER_CONFIG_INVALID' });
  assert.equal(existsSync(path), false);
  const plain = { ...base, collector: 'http://collector.example:8080', store: { path } };
  await assert.rejects(SecurityLogger.open(plain), { code: 'AGENT_SHIP_OPTIONS_INVALID' }, 'the token would cross the network in clear');
  const time = { ...base, time: { servers: ['ntp.example:99999'] }, store: { path } };
  await assert.rejects(SecurityLogger.open(time), { code: 'AGENT_TIME_CONFIG_INVALID' });
  assert.equal(existsSync(path), false);
});
