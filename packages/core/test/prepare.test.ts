import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError } from '../src/errors.js';
import { type PrepareContext, prepareEvent } from '../src/event/prepare.js';
import { validateEvent } from '../src/event/validate.js';
import { createUuidV7Generator } from '../src/id/uuidv7.js';

const ctx: PrepareContext = {
  device: { id: 'cam-17', fw: '2.4.1' },
  redaction: { salt: new Uint8Array(32).fill(1) },
  now: () => Date.UTC(2026, 10, 27, 13, 33, 43) + 123.456,
  newId: createUuidV7Generator(() => 0),
  tq: { synced: true, source: 'ntp', accuracy_ms: 5 },
};

test('stamps version, id, time with microseconds, defaults from the catalogue', () => {
  const { event } = prepareEvent(
    'authn_login_fail',
    { actor: { user: 'admin', ip: '203.0.113.9' }, attrs: { method: 'password', reason: 'bad_password' } },
    ctx,
  );
  assert.equal(event.v, 1);
  assert.equal(event.time, '2026-11-27T13:33:43.123456Z');
  assert.equal(event.severity, 'medium');
  assert.equal(event.outcome, 'failure');
  assert.deepEqual(event.device, { id: 'cam-17', fw: '2.4.1' });
  assert.deepEqual(event.tq, { synced: true, source: 'ntp', accuracy_ms: 5 });
  assert.deepEqual(validateEvent(event), []);
});

test('hostile text is neutralised and cut, never refused, and the result says where', () => {
  const user = `root\r\n\u001b[2J\u202efake${'A'.repeat(2000)}`;
  const { event, neutralised, truncated } = prepareEvent(
    'authn_login_fail',
    { actor: { user }, attrs: { method: 'password', reason: 'unknown_user', interface: 'ssh\u0000' }, message: 'multi\nline\rmessage' },
    ctx,
  );
  assert.deepEqual(validateEvent(event), []);
  assert.ok(event.actor?.user?.startsWith('root\\u000d\\u000a\\u001b[2J\\u202efake'));
  assert.ok(Buffer.byteLength(event.actor?.user ?? '') <= 1024);
  assert.equal(event.attrs.interface, 'ssh\\u0000');
  assert.equal(event.message, 'multi\nline\\u000dmessage');
  assert.deepEqual(neutralised.sort(), ['actor.user', 'attrs.interface', 'message']);
  assert.deepEqual(truncated, ['actor.user']);
});

test('secrets are redacted on the way in', () => {
  const { event, redacted } = prepareEvent(
    'authn_login_fail',
    { actor: { user: 'admin', session: 'abc' }, attrs: { method: 'token', reason: 'expired', token: 'eyJhbGciOi' } },
    ctx,
  );
  assert.ok(!JSON.stringify(event).includes('eyJhbGciOi'));
  assert.deepEqual(event.redacted, ['actor.session', 'attrs.token']);
  assert.equal(redacted.length, 2);
});

test('programmer errors throw at once with every issue', () => {
  assert.throws(
    () => prepareEvent('authn_login_fial', { attrs: {} }, ctx),
    (e) => isSeclogError(e, 'EVENT_UNKNOWN_NAME'),
  );
  try {
    prepareEvent('authn_login_fail', { outcome: 'nope' as never, attrs: { method: 1 as never } }, ctx);
    assert.fail('should throw');
  } catch (e) {
    assert.ok(isSeclogError(e, 'EVENT_INVALID'));
    const paths = (e as unknown as { details: { errors: { path: string }[] } }).details.errors.map((i) => i.path).sort();
    assert.deepEqual(paths, ['actor.user', 'attrs.method', 'attrs.reason', 'outcome']);
  }
});
