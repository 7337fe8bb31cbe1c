// Password hashing (keys/passwords.ts) and sessions' lifetimes (auth/sign-in.ts, on a real store with an
// injected clock): what the HTTP tests cannot wait for.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { SignIn } from '../src/auth/sign-in.js';
import { addUser } from '../src/auth/users.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../src/keys/passwords.js';
import { startTestCollector, type TestCollector } from './ingest-fixtures.js';

const COST = { ln: 10, r: 8, p: 1 };

test('a hash verifies its password only, carries its cost, and differs per call (salt)', async () => {
  const a = await hashPassword('a long enough password', COST);
  const b = await hashPassword('a long enough password', COST);
  assert.match(a, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('a long enough password', a), true);
  assert.equal(await verifyPassword('a long enough passworD', a), false);
  assert.equal(await verifyPassword('', a), false);
  // Composed and decomposed forms of the same text are one password (NFC).
  const c = await hashPassword('caf\u00e9 au lait, bitte!', COST);
  assert.equal(await verifyPassword('cafe\u0301 au lait, bitte!', c), true);
});

test('hashes this code cannot read, or with a silly cost, never verify', async () => {
  const good = await hashPassword('a long enough password', COST);
  for (const bad of ['', 'plain', good.replace('ln=10', 'ln=40'), good.replace('ln=10', 'ln=2'), good.replace('$scrypt$', '$argon2id$')]) {
    assert.equal(await verifyPassword('a long enough password', bad), false, bad);
  }
});

test('any password round-trips and no other string verifies against it', async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), async (p, q) => {
      const h = await hashPassword(p, COST);
      assert.equal(await verifyPassword(p, h), true);
      if (p.normalize('NFC') !== q.normalize('NFC')) assert.equal(await verifyPassword(q, h), false);
    }),
    { numRuns: 15 },
  );
});

test('the policy names the rule a password breaks', () => {
  const rule = (pw: string, user = 'alice') => {
    try {
      checkPasswordPolicy(pw, user);
      return 'ok';
    } catch (e) {
      return (e as { details: { rule: string } }).details.rule;
    }
  };
  assert.equal(rule('short'), 'min-length');
  assert.equal(rule('x'.repeat(1025)), 'max-bytes');
  assert.equal(rule('AliceAndBobby', 'aliceandbobby'), 'not-user-name');
  assert.equal(rule('twelve chars'), 'ok');
  assert.equal(rule('🔑'.repeat(12)), 'ok', 'characters, not UTF-16 units or bytes, count for the minimum');
  assert.equal(rule('🔑'.repeat(11)), 'min-length');
});

let t: TestCollector;
let nowMs = Date.UTC(2026, 10, 27, 12);
before(async () => {
  t = await startTestCollector();
  await addUser(t.c.data.enrol, 'sam', 'analyst', { user: 'cli', interface: 'cli' }, { password: 'sam has a long password', cost: COST });
});
after(() => t.cleanup());

test('a session ends after its idle time, moves on with use, and never outlives its maximum', async () => {
  const signIn = new SignIn(t.c.data.store, t.c.ingest.own, { idleMinutes: 30, maxHours: 1, cost: COST, now: () => nowMs });
  const s = await signIn.login('sam', 'sam has a long password', '192.0.2.1');
  assert.equal(s.expiresUs, (nowMs + 30 * 60_000) * 1000);
  nowMs += 29 * 60_000;
  assert.equal(signIn.session(s.token).user.name, 'sam', 'still alive after 29 idle minutes');
  nowMs += 29 * 60_000;
  assert.equal(signIn.session(s.token).user.name, 'sam', 'use moved the idle expiry');
  nowMs += 5 * 60_000; // 63 minutes after sign-in, 5 after the last use: past the 1 h maximum
  assert.throws(
    () => signIn.session(s.token),
    (e: Error & { details?: { reason?: string } }) => e.details?.reason === 'expired',
  );
  assert.throws(
    () => signIn.session(s.token),
    (e: Error & { details?: { reason?: string } }) => e.details?.reason === 'unknown',
  );

  const s2 = await signIn.login('sam', 'sam has a long password', '192.0.2.1');
  nowMs += 31 * 60_000;
  assert.throws(
    () => signIn.session(s2.token),
    (e: Error & { details?: { reason?: string } }) => e.details?.reason === 'expired',
  );
});
