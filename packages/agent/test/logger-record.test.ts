/**
 * SecurityLogger: what one call records. The logger stamps id, time, seq,
 * prev, stream, boot, mono_ms, device and tq; programmer errors throw at once
 * with path and rule and record nothing; typed methods are installed;
 * critical events are durable when their promise resolves; the opt-out
 * records itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError, isUuidV7, verifyChain } from '@seclog/core';
import { SecurityLogger } from '../src/index.js';
import { deviceConfig, ringRecords, scratch } from './logger-setup.js';
import { waitFor } from './ship-fake-collector.js';

const dir = scratch('logger-record');

function thrown(fn: () => unknown): { code: string; errors: string[] } {
  try {
    fn();
  } catch (e) {
    assert.ok(isSeclogError(e), String(e));
    const errors = ((e.details as { errors?: { path: string; rule: string }[] }).errors ?? []).map((i) => `${i.path} ${i.rule}`);
    return { code: e.code, errors };
  }
  assert.fail('did not throw');
}

test('records are stamped and chained; the stream opens with stream_start; typed calls land on their catalogue fields', async () => {
  const cfg = deviceConfig(dir, { store: { path: `${dir}/a.ring` }, fw: '2.4.1', model: 'IPC-300' });
  const log = await SecurityLogger.open(cfg);
  const r1 = await log.loginFailed({
    user: 'admin',
    sourceIp: '203.0.113.9',
    sourcePort: 52144,
    method: 'password',
    reason: 'bad_password',
  });
  const r2 = await log.event('config_change', {
    actor: { user: 'admin' },
    target: { setting: 'firewall.rules' },
    attrs: { category: 'firewall', old_value: 'allow 22', new_value: 'deny 22' },
  });
  const r3 = await log.sessionStarted({ user: 'admin', source: 'web', session: 's3cr3t-session' });
  assert.deepEqual([r1.seq, r2.seq, r3.seq], [2, 3, 4]);
  assert.equal(r1.stream, log.status().stream);
  assert.ok(isUuidV7(r1.id));
  await log.close();

  const recs = ringRecords(cfg.store.path);
  assert.equal(recs[0]!.name, 'stream_start');
  // ring_capacity: the ring's data bytes, for the collector's overwrite horizon (docs/retention.md).
  const { ring_capacity: capacity, ...startAttrs } = recs[0]!.attrs;
  assert.deepEqual(startAttrs, { reason: 'first_start' });
  assert.ok(typeof capacity === 'number' && capacity > 0, `ring_capacity ${String(capacity)}`);
  assert.equal(verifyChain(recs).ok, true, 'prev of each record is the chain hash of the one before');
  const fail = recs[1]!;
  assert.equal(fail.id, r1.id);
  assert.equal(fail.name, 'authn_login_fail');
  assert.deepEqual(fail.actor, { user: 'admin', ip: '203.0.113.9', port: 52144 });
  assert.deepEqual(fail.attrs, { method: 'password', reason: 'bad_password' });
  assert.deepEqual(fail.device, { id: 'cam-17', fw: '2.4.1', model: 'IPC-300' });
  assert.deepEqual(fail.tq, { synced: false, source: 'unknown' }, 'no time server configured');
  assert.match(fail.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.ok(Number.isInteger(fail.mono_ms) && fail.mono_ms > 0);
  assert.equal(fail.boot, recs[0]!.boot);
  assert.equal(recs[3]!.actor?.session?.startsWith('hmac-sha256:'), true, 'the session is stored hashed');
  assert.deepEqual(recs[3]!.redacted, ['actor.session']);
  assert.equal(recs.at(-1)!.name, 'log_seal', 'close() sealed the open epoch');
});

test('programmer errors throw at once with path and rule, and record nothing', async () => {
  const cfg = deviceConfig(dir, { store: { path: `${dir}/b.ring` } });
  const log = await SecurityLogger.open(cfg);
  try {
    const cases: { name: string; call: () => unknown; code: string; errors: string[] }[] = [
      {
        name: 'missing attr',
        call: () => log.loginFailed({ user: 'a', method: 'password' } as never),
        code: 'EVENT_INVALID',
        errors: ['attrs.reason required'],
      },
      {
        name: 'wrong type',
        call: () => log.event('authn_login_fail', { actor: { user: 'a', port: 'x' as never }, attrs: { method: 'm', reason: 'r' } }),
        code: 'EVENT_INVALID',
        errors: ['actor.port type'],
      },
      {
        name: 'unknown typed field',
        call: () => log.loginFailed({ user: 'a', method: 'm', reason: 'r', source_ip: '1.2.3.4' } as never),
        code: 'EVENT_INVALID',
        errors: ['source_ip unknown-field'],
      },
      { name: 'unknown event', call: () => log.event('authn_nope', {}), code: 'EVENT_UNKNOWN_NAME', errors: ['name catalogue'] },
      { name: 'a seal forged by the product', call: () => log.event('log_seal', {}), code: 'EVENT_INVALID', errors: ['name catalogue'] },
      { name: "the collector's own event", call: () => log.event('log_gap', {}), code: 'EVENT_INVALID', errors: ['name catalogue'] },
      { name: 'fields not an object', call: () => log.event('sys_startup', 'boot' as never), code: 'EVENT_INVALID', errors: [' type'] },
    ];
    for (const c of cases) {
      const got = thrown(c.call);
      assert.equal(got.code, c.code, c.name);
      assert.deepEqual(got.errors, c.errors, c.name);
    }
    assert.equal(log.status().lastSeq, 1, 'only the stream_start was recorded');
  } finally {
    await log.close();
  }
  assert.equal(thrown(() => log.event('sys_startup', { attrs: { reason: 'power_on' } })).code, 'AGENT_LOGGER_CLOSED');
});

test('a critical event is fsynced before its promise resolves; others resolve at once and are fsynced soon after', async () => {
  const cfg = deviceConfig(dir, { store: { path: `${dir}/c.ring` } });
  const log = await SecurityLogger.open(cfg);
  try {
    const before = log.status().ring!.fsyncs;
    const r = await log.accessDenied({ user: 'guest', resource: '/admin', action: 'write' });
    assert.ok(log.status().ring!.durableSeq >= r.seq);
    assert.ok(log.status().ring!.fsyncs > before);
    const soft = await log.connectionFailed({ peer: '198.51.100.1', reason: 'timeout' });
    assert.ok(log.status().ring!.durableSeq < soft.seq, 'an optional event does not wait for its fsync');
    // Its fsync starts within 100 ms by itself (the ring's syncSoon); when it ends depends on the disk.
    await waitFor(() => log.status().ring!.durableSeq >= soft.seq, 5000, 'the optional event’s fsync, with no further call');
    // A burst of critical events shares fsyncs (group commit).
    const f0 = log.status().ring!.fsyncs;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => log.loginFailed({ user: `u${i}`, method: 'password', reason: 'bad_password' })),
    );
    assert.ok(log.status().ring!.fsyncs - f0 < 20, `${log.status().ring!.fsyncs - f0} fsyncs for 200 critical events`);
  } finally {
    await log.close();
  }
});

test('the opt-out: optional events switched off are not recorded; the change is recorded; mandatory ones cannot be', async () => {
  const cfg = deviceConfig(dir, { store: { path: `${dir}/d.ring` } });
  let log = await SecurityLogger.open(cfg);
  assert.deepEqual(await log.optOut(['session'], { user: 'owner' }), ['session_start', 'session_end']);
  const skipped = await log.sessionStarted({ user: 'a', source: 'web' });
  assert.deepEqual(skipped, { recorded: false, seq: 0, id: '', stream: log.status().stream });
  await assert.rejects(log.optOut(['authn_login_fail']), (e: unknown) => isSeclogError(e) && e.code === 'AGENT_EVENT_MANDATORY');
  await log.close();
  // The setting survives a restart (it is kept in the ring's state).
  log = await SecurityLogger.open(cfg);
  assert.equal((await log.sessionEnded({ user: 'a', source: 'web', reason: 'logout' })).recorded, false);
  await log.optIn(['session_start']);
  assert.equal((await log.sessionStarted({ user: 'a', source: 'web' })).recorded, true);
  await log.close();
  const changes = ringRecords(cfg.store.path).filter((r) => r.name === 'log_config_change');
  assert.deepEqual(
    changes.map((c) => [c.attrs.setting, c.attrs.old_value, c.attrs.new_value, c.attrs.opt_out, c.actor?.user]),
    [
      ['groups.session', 'on', 'off', true, 'owner'],
      ['events.session_start', 'off', 'on', false, undefined],
    ],
  );
});
