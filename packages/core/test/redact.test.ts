import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getCatalogueEntry } from '../src/catalogue/registry.js';
import type { CatalogueEntry } from '../src/catalogue/types.js';
import { isSecretKey, REDACTED_PREFIX, redactEvent, redactValue } from '../src/event/redact.js';
import type { SecurityEvent } from '../src/event/types.js';
import { validateEvent } from '../src/event/validate.js';
import { eventFromExample } from './support/events.js';

const salt = new Uint8Array(32).fill(7);
const otherSalt = new Uint8Array(32).fill(9);

describe('isSecretKey', () => {
  const secret = [
    'password',
    'passwd',
    'new_password',
    'userPassword',
    'PASSPHRASE',
    'client_secret',
    'token',
    'auth_token',
    'accessToken',
    'api_key',
    'apiKey',
    'API-KEY',
    'key',
    'private_key',
    'cookie',
    'set_cookie',
    'authorization',
    'session',
    'session_id',
    'sessionId',
    'sessionid',
    'wifi_psk_key',
    'pin',
    'credentials',
  ];
  const notSecret = [
    'user',
    'reason',
    'method',
    'key_id',
    'keyboard',
    'monkey',
    'token_count',
    'token_type',
    'session_timeout',
    'sessions',
    'keys_rotated',
    'category',
    'old_version',
  ];
  for (const k of secret) test(`${k} is secret`, () => assert.ok(isSecretKey(k)));
  for (const k of notSecret) test(`${k} is not secret`, () => assert.ok(!isSecretKey(k)));
});

function loginFail(extra: Record<string, string | number | boolean> = {}): SecurityEvent {
  const ev = eventFromExample(getCatalogueEntry('authn_login_fail') as CatalogueEntry);
  ev.attrs = { ...ev.attrs, ...extra };
  ev.actor = { ...ev.actor, session: 's3cr3t-session-id' };
  return ev;
}

test('secret attrs and the session are hashed, the result says which', () => {
  const ev = loginFail({ password: 'hunter2', api_key: 'AKIA123', attempt: 3 });
  const { event, redacted } = redactEvent(ev, { salt });
  assert.equal(event.attrs.attempt, 3);
  assert.ok(String(event.attrs.password).startsWith(REDACTED_PREFIX));
  assert.ok(String(event.attrs.api_key).startsWith(REDACTED_PREFIX));
  assert.ok(event.actor?.session?.startsWith(REDACTED_PREFIX));
  assert.ok(!JSON.stringify(event).includes('hunter2'));
  assert.ok(!JSON.stringify(event).includes('s3cr3t-session-id'));
  assert.deepEqual(event.redacted, ['actor.session', 'attrs.api_key', 'attrs.password']);
  assert.deepEqual(redacted.map((n) => `${n.path}:${n.action}`).sort(), [
    'actor.session:hashed',
    'attrs.api_key:hashed',
    'attrs.password:hashed',
  ]);
  assert.deepEqual(validateEvent(event), []);
  // the input is untouched
  assert.equal(ev.attrs.password, 'hunter2');
});

test('equal values correlate under one salt, not across salts', () => {
  assert.equal(redactValue('hunter2', salt), redactValue('hunter2', salt));
  assert.notEqual(redactValue('hunter2', salt), redactValue('hunter3', salt));
  assert.notEqual(redactValue('hunter2', salt), redactValue('hunter2', otherSalt));
  assert.match(redactValue('x', salt), /^hmac-sha256:[0-9a-f]{32}$/);
});

test('redaction is idempotent: hashed values are not hashed again', () => {
  const once = redactEvent(loginFail({ token: 'abc' }), { salt }).event;
  const twice = redactEvent(once, { salt });
  assert.deepEqual(twice.event, once);
  assert.deepEqual(twice.redacted, []);
});

test('drop policy removes optional secrets but hashes required ones', () => {
  const ev = loginFail({ password: 'hunter2' });
  const { event, redacted } = redactEvent(ev, { salt, policy: 'drop' });
  assert.ok(!('password' in event.attrs));
  assert.deepEqual(
    redacted.find((n) => n.path === 'attrs.password'),
    { path: 'attrs.password', action: 'dropped' },
  );
  // the session is always hashed
  assert.ok(event.actor?.session?.startsWith(REDACTED_PREFIX));
});

test('extra secret keys and not-secret exceptions', () => {
  const ev = loginFail({ serial_number: 'SN-1', public_key: 'ssh-ed25519 AAAA' });
  const { event } = redactEvent(ev, { salt, secretKeys: ['serial_number'], notSecretKeys: ['public_key'] });
  assert.ok(String(event.attrs.serial_number).startsWith(REDACTED_PREFIX));
  assert.equal(event.attrs.public_key, 'ssh-ed25519 AAAA');
});

test('old and new values of a secret setting are hashed (config_change of wifi_password)', () => {
  const entry = getCatalogueEntry('config_change');
  if (!entry) return; // catalogue entry arrives with the full catalogue
  const ev = eventFromExample(entry);
  ev.target = { ...ev.target, setting: 'wifi_password' };
  ev.attrs = { ...ev.attrs, old_value: 'old-secret', new_value: 'new-secret' };
  const { event } = redactEvent(ev, { salt });
  assert.ok(String(event.attrs.old_value).startsWith(REDACTED_PREFIX));
  assert.ok(String(event.attrs.new_value).startsWith(REDACTED_PREFIX));
  ev.target = { ...ev.target, setting: 'ntp_server' };
  assert.equal(redactEvent(ev, { salt }).event.attrs.new_value, 'new-secret');
});

test('a short salt is a programming error', () => {
  assert.throws(() => redactEvent(loginFail(), { salt: new Uint8Array(8) }), RangeError);
});
