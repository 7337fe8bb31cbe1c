import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  catalogueEntries,
  clearVendorEvents,
  type EventInput,
  isSeclogError,
  prepareEvent,
  registerVendorEvent,
  type SecurityEvent,
} from '@seclog/core';
import {
  buildEventInput,
  type FieldsOf,
  hasTypedMethod,
  installTypedEvents,
  type TypedEvents,
  typedMethod,
  typedMethods,
} from '../src/index.js';

const ctx = { device: { id: 'cam-17' }, redaction: { salt: new Uint8Array(16) } };

/** The `details.errors` of a thrown SeclogError, as `path rule` strings. */
function issuesOf(fn: () => unknown, code: string): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(isSeclogError(e), String(e));
    assert.equal((e as { code: string }).code, code);
    return ((e as unknown as { details: { errors: { path: string; rule: string }[] } }).details.errors ?? []).map(
      (i) => `${i.path} ${i.rule}`,
    );
  }
  assert.fail('did not throw');
}

test('loginFailed({ user, sourceIp, method, reason }) maps to authn_login_fail actor and attrs', () => {
  assert.deepEqual(
    buildEventInput('loginFailed', {
      user: 'admin',
      sourceIp: '203.0.113.9',
      sourcePort: 52144,
      method: 'password',
      reason: 'bad_password',
    }),
    {
      name: 'authn_login_fail',
      input: { actor: { user: 'admin', ip: '203.0.113.9', port: 52144 }, attrs: { method: 'password', reason: 'bad_password' } },
    },
  );
  assert.equal(
    buildEventInput('authn_login_fail', { user: 'a', method: 'm', reason: 'r' }).name,
    'authn_login_fail',
    'the event name works too',
  );
});

test('outcome, severity, message pass through; attrs adds context; undefined fields are ignored', () => {
  const { input } = buildEventInput('configChanged', {
    user: 'admin',
    setting: 'firewall.rules',
    category: 'firewall',
    oldValue: 'a',
    newValue: 'b',
    interface: undefined,
    severity: 'high',
    outcome: 'success',
    message: 'rule added',
    attrs: { rule_id: 'r7' },
  });
  assert.deepEqual(input, {
    severity: 'high',
    outcome: 'success',
    message: 'rule added',
    actor: { user: 'admin' },
    target: { setting: 'firewall.rules' },
    attrs: { category: 'firewall', old_value: 'a', new_value: 'b', rule_id: 'r7' },
  });
});

test('an attribute takes its name over an actor or target field: log_config_change setting vs targetSetting', () => {
  const { input } = buildEventInput('logConfigChanged', { setting: 'groups.session', optOut: true, targetSetting: 'logging' });
  assert.deepEqual(input, { target: { setting: 'logging' }, attrs: { setting: 'groups.session', opt_out: true } });
});

test('unknown fields and duplicated attrs throw EVENT_INVALID at once, naming each field and rule', () => {
  assert.deepEqual(
    issuesOf(
      () => buildEventInput('loginFailed', { user: 'a', source_ip: '1.2.3.4', method: 'm', reason: 'r', colour: 'red' }),
      'EVENT_INVALID',
    ),
    ['source_ip unknown-field', 'colour unknown-field'],
  );
  assert.throws(
    () => buildEventInput('loginFailed', { source_ip: '1.2.3.4' }),
    (e) => /did you mean sourceIp\?/.test((e as Error).message),
  );
  assert.deepEqual(
    issuesOf(() => buildEventInput('loginFailed', { method: 'm', attrs: { method: 'x' } }), 'EVENT_INVALID'),
    ['attrs.method unique'],
  );
  assert.deepEqual(
    issuesOf(() => buildEventInput('loginFailed', 'admin'), 'EVENT_INVALID'),
    [' type'],
  );
  assert.deepEqual(
    issuesOf(() => buildEventInput('frobnicate', {}), 'EVENT_UNKNOWN_NAME'),
    ['name catalogue'],
  );
});

test('every catalogue example round-trips through its typed method and validates', () => {
  for (const m of typedMethods()) {
    const ex = m.entry.example;
    const fields: Record<string, unknown> = {};
    for (const f of m.fields.values()) {
      const slot = f.slot === 'attrs' ? ex.attrs : f.slot === 'actor' ? ex.actor : ex.target;
      if (slot !== undefined && f.key in slot) fields[f.name] = (slot as Record<string, unknown>)[f.key];
    }
    for (const k of ['outcome', 'severity', 'message'] as const) if (ex[k] !== undefined) fields[k] = ex[k];
    const { name, input } = buildEventInput(m.method, fields);
    assert.equal(name, m.event);
    assert.deepEqual(input.attrs ?? {}, ex.attrs, `${m.method} attrs`);
    assert.deepEqual(input.actor, ex.actor, `${m.method} actor`);
    assert.deepEqual(input.target, ex.target, `${m.method} target`);
    assert.equal(prepareEvent(name, input, ctx).event.name, m.event);
  }
});

test('typed methods exist for the events product code logs, and only those', () => {
  const names = new Set(typedMethods().map((m) => m.event));
  for (const e of catalogueEntries()) assert.equal(names.has(e.name), hasTypedMethod(e), e.name);
  for (const own of ['log_seal', 'stream_start', 'alert', 'alert_transition', 'review_signed', 'log_gap', 'passthrough'])
    assert.ok(!names.has(own), own);
  for (const m of ['loginFailed', 'configChanged', 'firmwareUpdateFinished', 'accessDenied', 'logConfigChanged'])
    assert.ok(typedMethod(m), m);
  assert.equal(new Set(typedMethods().map((m) => m.method)).size, typedMethods().length, 'method names are unique');
});

class FakeLoggerBase {
  readonly seen: SecurityEvent[] = [];
  event(name: string, input: EventInput): SecurityEvent {
    const { event } = prepareEvent(name, input, ctx);
    this.seen.push(event);
    return event;
  }
}
type FakeLogger = FakeLoggerBase & TypedEvents<SecurityEvent>;
installTypedEvents(FakeLoggerBase.prototype, function (this: FakeLoggerBase, name, input) {
  return this.event(name, input);
});

test('installed on a class prototype: typed calls go through event(); invalid calls throw with the path and rule of core validation', () => {
  const log = new FakeLoggerBase() as FakeLogger;
  const ev = log.loginFailed({ user: 'admin', sourceIp: '203.0.113.9', method: 'password', reason: 'bad_password' });
  assert.deepEqual([ev.name, ev.actor?.ip, ev.attrs.reason], ['authn_login_fail', '203.0.113.9', 'bad_password']);
  assert.equal(log.seen.length, 1);
  assert.equal(log.loginFailed.name, 'loginFailed');
  assert.ok(!Object.keys(log).includes('loginFailed'), 'methods are not enumerable');
  // Missing required attr and a wrong type: core's paths and rules.
  const bad = { user: 'admin', method: 'password', sourcePort: 'x' } as unknown as FieldsOf<'loginFailed'>;
  const issues = issuesOf(() => log.loginFailed(bad), 'EVENT_INVALID');
  assert.ok(issues.includes('attrs.reason required'), issues.join());
  assert.ok(issues.includes('actor.port type'), issues.join());
  assert.deepEqual(
    issuesOf(() => log.accountLocked({ targetUser: 'admin', failures: 0 }), 'EVENT_INVALID'),
    ['attrs.failures minimum'],
  );
  assert.deepEqual(
    issuesOf(() => log.loggedOut({} as FieldsOf<'loggedOut'>), 'EVENT_INVALID'),
    ['actor.user required'],
  );
  assert.equal(log.seen.length, 1, 'nothing logged by invalid calls');
});

test('installing over an existing property is refused', () => {
  const target = { loginFailed: () => 'mine', accessDenied: 1 };
  assert.throws(
    () => installTypedEvents(target, () => undefined),
    (e) => isSeclogError(e, 'AGENT_API_CONFLICT') && /loginFailed, accessDenied/.test((e as Error).message),
  );
});

test('a vendor event registered before installing gets a method; buildEventInput sees later registrations', () => {
  try {
    registerVendorEvent({
      name: 'x_acme_door_open',
      title: 'Door opened',
      when: 'The cabinet door was opened.',
      group: 'system',
      attrs: { door_id: { type: 'string', required: true, description: 'Which door.' } },
      example: { attrs: { door_id: 'front' } },
    });
    assert.deepEqual(buildEventInput('xAcmeDoorOpen', { doorId: 'front', user: 'tech' }), {
      name: 'x_acme_door_open',
      input: { actor: { user: 'tech' }, attrs: { door_id: 'front' } },
    });
    const target: Record<string, unknown> = {};
    installTypedEvents(target, (name) => name);
    assert.equal((target.xAcmeDoorOpen as (f: object) => string)({ doorId: 'x' }), 'x_acme_door_open');
  } finally {
    clearVendorEvents();
  }
  assert.equal(typedMethod('xAcmeDoorOpen'), undefined);
});

// Type-level checks: `npm run lint` type-checks the tests, so these fail the build if the generated types drift.
export const typeChecks = [
  { user: 'admin', method: 'password', reason: 'bad_password' } satisfies FieldsOf<'loginFailed'>,
  // @ts-expect-error reason is required
  { user: 'admin', method: 'password' } satisfies FieldsOf<'loginFailed'>,
  // @ts-expect-error action is an enum
  { user: 'admin', resource: 'lockout', action: 'explode' } satisfies FieldsOf<'policyChanged'>,
  // @ts-expect-error failures is a number
  { targetUser: 'admin', failures: '5' } satisfies FieldsOf<'accountLocked'>,
  { setting: 'groups.session', optOut: true, targetSetting: 'x' } satisfies FieldsOf<'logConfigChanged'>,
];
