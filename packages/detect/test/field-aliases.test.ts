import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFieldPath, getField, resolveFieldPath } from '../src/index.js';

const record = {
  name: 'authn_login_fail',
  outcome: 'failure',
  actor: { user: 'admin', ip: '203.0.113.9' },
  device: { id: 'cam-17' },
  attrs: { reason: 'bad_password', 'odd.key': 1 },
};

test('ECS and Sigma names resolve to seclog paths', () => {
  assert.equal(resolveFieldPath('source.ip'), 'actor.ip');
  assert.equal(resolveFieldPath('user.name'), 'actor.user');
  assert.equal(resolveFieldPath('event.outcome'), 'outcome');
  assert.equal(resolveFieldPath('attrs.reason'), 'attrs.reason');
});

test('getField reads nested paths and aliases, undefined when absent', () => {
  assert.equal(getField(record, 'source.ip'), '203.0.113.9');
  assert.equal(getField(record, 'actor.user'), 'admin');
  assert.equal(getField(record, 'attrs.reason'), 'bad_password');
  assert.equal(getField(record, 'target.user'), undefined);
  assert.equal(getField(record, 'actor.ip.more'), undefined);
  assert.equal(getField(null, 'actor.ip'), undefined);
});

test('attrs keys are flat: attrs.a.b is the key "a.b"', () => {
  assert.equal(compileFieldPath('attrs.odd.key')(record), 1);
});

test('inherited properties are not fields', () => {
  assert.equal(getField(record, 'attrs.constructor'), undefined);
  assert.equal(getField(record, 'toString'), undefined);
  assert.equal(getField(record, 'actor.__proto__'), undefined);
  assert.equal(getField({ attrs: { constructor: 'x' } }, 'attrs.constructor'), 'x');
});
