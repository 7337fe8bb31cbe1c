import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { constantTimeEqual, hashToken, newToken, TOKEN_PREFIXES, tokenPrefix, verifyToken } from '../src/keys/secrets.js';

for (const prefix of TOKEN_PREFIXES) {
  test(`newToken(${prefix}): readable prefix and 32 random bytes in base64url`, () => {
    const token = newToken(prefix);
    assert.match(token, new RegExp(`^${prefix}_[A-Za-z0-9_-]{43}$`));
    assert.equal(Buffer.from(token.slice(4), 'base64url').length, 32);
    assert.equal(tokenPrefix(token), prefix);
    assert.notEqual(newToken(prefix), token);
  });
}

test('tokens are unique over many draws', () => {
  const seen = new Set(Array.from({ length: 1000 }, () => newToken('sld')));
  assert.equal(seen.size, 1000);
});

test('an unknown prefix is refused', () => {
  assert.throws(() => newToken('xyz' as 'sld'), TypeError);
});

const malformed = [
  '',
  'sld_',
  'sld_short',
  `slx_${'A'.repeat(43)}`,
  `sld_${'A'.repeat(42)}=`,
  `sld_${'A'.repeat(44)}`,
  `SLD_${'A'.repeat(43)}`,
];
for (const token of malformed) test(`tokenPrefix rejects ${JSON.stringify(token)}`, () => assert.equal(tokenPrefix(token), undefined));

test('hashToken is SHA-256 hex of the token text', () => {
  const token = newToken('sla');
  assert.equal(hashToken(token), createHash('sha256').update(token).digest('hex'));
  assert.match(hashToken(token), /^[0-9a-f]{64}$/);
  assert.notEqual(hashToken(token), hashToken(newToken('sla')));
});

test('verifyToken and constantTimeEqual', () => {
  const token = newToken('sld');
  const stored = hashToken(token);
  assert.ok(verifyToken(token, stored));
  assert.ok(verifyToken(token, stored.toUpperCase()));
  assert.ok(!verifyToken(newToken('sld'), stored));
  assert.ok(!verifyToken(`${token}x`, stored));
  assert.ok(constantTimeEqual('abc', 'abc'));
  assert.ok(!constantTimeEqual('abc', 'abcd'), 'different lengths compare false without throwing');
  assert.ok(constantTimeEqual(Buffer.from('abc'), 'abc'));
});
