import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError, prepareEvent } from '@seclog/core';
import { isEventEnabled, optIn, optionalEventNames, optOut } from '../src/index.js';

const ctx = { device: { id: 'bulb-1' }, redaction: { salt: new Uint8Array(16) } };

test('the optional events are exactly the non-mandatory ones a device logs', () => {
  assert.deepEqual(optionalEventNames(), ['session_start', 'session_end', 'net_conn_fail', 'time_sync']);
});

test('opting out of a group switches its events off and yields a valid log_config_change with opt_out true', () => {
  const r = optOut(new Set(), ['session'], { user: 'owner', ip: '198.51.100.12' });
  assert.deepEqual([...r.disabled].sort(), ['session_end', 'session_start']);
  assert.equal(r.events.length, 1);
  const [change] = r.events;
  assert.equal(change!.name, 'log_config_change');
  assert.deepEqual(change!.input.attrs, { setting: 'groups.session', old_value: 'on', new_value: 'off', opt_out: true });
  assert.deepEqual(change!.input.actor, { user: 'owner', ip: '198.51.100.12' });
  // The change is itself a mandatory event; it must pass core's validation as it is.
  const prepared = prepareEvent(change!.name, change!.input, ctx);
  assert.equal(prepared.event.name, 'log_config_change');
  assert.equal(isEventEnabled(r.disabled, 'session_start'), false);
  assert.equal(isEventEnabled(r.disabled, 'authn_login_fail'), true);
});

test('mandatory events cannot be switched off: a clear error naming them, nothing changed', () => {
  const before = new Set(['time_sync']);
  for (const selectors of [['authn_login_fail'], ['config_change', 'session_start'], ['network'], ['logging']]) {
    assert.throws(
      () => optOut(before, selectors),
      (e) => {
        assert.ok(isSeclogError(e, 'AGENT_EVENT_MANDATORY'));
        const names = (e as unknown as { details: { names: string[] } }).details.names;
        assert.ok(names.length > 0 && !names.includes('session_start'), JSON.stringify(names));
        assert.match((e as Error).message, /cannot switch off mandatory events: .*The opt-out covers only: session_start/);
        return true;
      },
    );
  }
  assert.deepEqual([...before], ['time_sync']);
  assert.throws(
    () => optOut(new Set(), ['network']),
    (e) => (e as unknown as { details: { names: string[] } }).details.names.join() === 'tls_fail',
  );
});

test('unknown selectors are refused with their names', () => {
  assert.throws(
    () => optOut(new Set(), ['sessions', 'session_start']),
    (e) => isSeclogError(e, 'EVENT_UNKNOWN_NAME') && /sessions/.test((e as Error).message),
  );
  assert.throws(
    () => optOut(new Set(), ['alert']),
    (e) => isSeclogError(e, 'EVENT_UNKNOWN_NAME'),
    'collector events are not device events',
  );
});

test('no event when nothing changes; partly → off; opting in again logs opt_out false', () => {
  const a = optOut(new Set(), ['session_start']);
  assert.deepEqual(a.events[0]!.input.attrs, { setting: 'events.session_start', old_value: 'on', new_value: 'off', opt_out: true });
  assert.equal(optOut(a.disabled, ['session_start']).events.length, 0);
  const b = optOut(a.disabled, ['session']);
  assert.equal(b.events[0]!.input.attrs!.old_value, 'partly');
  const c = optIn(b.disabled, ['session'], { user: 'owner' });
  assert.equal(c.disabled.size, 0);
  assert.deepEqual(c.events[0]!.input.attrs, { setting: 'groups.session', old_value: 'off', new_value: 'on', opt_out: false });
  assert.equal(optIn(c.disabled, ['session']).events.length, 0);
});

test('a persisted set that somehow names a mandatory event does not switch it off', () => {
  assert.equal(isEventEnabled(new Set(['authn_login_fail']), 'authn_login_fail'), true);
});
