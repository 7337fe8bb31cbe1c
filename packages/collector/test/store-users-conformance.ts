/**
 * The UserStore contract (src/store/user-types.ts), run by store-conformance.ts against every Store
 * implementation: unique names, the failure count and lock applied atomically (a burst of concurrent
 * failures locks exactly once), sessions found by hash only, ended by disabling or a new password,
 * expired ones swept, and all of it surviving a reopen.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Store } from '../src/store/types.js';

export interface UserStoreFixture {
  store: Store;
  reopen?: () => Store;
  dispose(): void;
}

const T0 = Date.UTC(2026, 10, 27, 13) * 1000;
const h = (s: string): Uint8Array => createHash('sha256').update(s).digest();
const HASH = '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U';

export function describeUserStoreConformance(name: string, factory: () => UserStoreFixture): void {
  const withStore = (fn: (f: UserStoreFixture) => void) => () => {
    const f = factory();
    try {
      fn(f);
    } finally {
      f.dispose();
    }
  };

  describe(`${name}: users and sessions`, () => {
    test(
      'a user is created once; a second of the same name is refused and changes nothing',
      withStore(({ store }) => {
        const users = store.users();
        users.createUser({ name: 'alice', role: 'analyst', passwordHash: HASH, createdUs: T0 });
        assert.throws(
          () => users.createUser({ name: 'alice', role: 'admin', passwordHash: 'x', createdUs: T0 + 1 }),
          (e: Error & { code?: string }) => e.code === 'STORE_USER_EXISTS',
        );
        const u = users.getUser('alice');
        assert.deepEqual(u, {
          name: 'alice',
          role: 'analyst',
          passwordHash: HASH,
          createdUs: T0,
          disabledUs: null,
          failedLogins: 0,
          lockedUntilUs: null,
          lastLoginUs: null,
        });
        assert.equal(users.getUser('bob'), undefined);
        users.createUser({ name: 'bob', role: 'auditor', passwordHash: HASH, createdUs: T0 });
        assert.deepEqual(
          users.listUsers().map((x) => x.name),
          ['alice', 'bob'],
        );
      }),
    );

    test(
      'failures count up to the lock, the lock failure resets the count, success clears everything',
      withStore(({ store }) => {
        const users = store.users();
        users.createUser({ name: 'carol', role: 'admin', passwordHash: HASH, createdUs: T0 });
        for (let i = 1; i <= 4; i++) {
          assert.deepEqual(users.noteLoginFailure('carol', 5, T0 + 900e6), { failedLogins: i, lockedNow: false, lockedUntilUs: null });
        }
        assert.deepEqual(users.noteLoginFailure('carol', 5, T0 + 900e6), { failedLogins: 5, lockedNow: true, lockedUntilUs: T0 + 900e6 });
        assert.equal(users.getUser('carol')?.lockedUntilUs, T0 + 900e6);
        assert.equal(users.getUser('carol')?.failedLogins, 0);
        // Counting goes on under the lock without extending it.
        assert.deepEqual(users.noteLoginFailure('carol', 5, T0 + 999e6), { failedLogins: 1, lockedNow: false, lockedUntilUs: T0 + 900e6 });
        users.noteLoginSuccess('carol', T0 + 5);
        const u = users.getUser('carol');
        assert.equal(u?.failedLogins, 0);
        assert.equal(u?.lockedUntilUs, null);
        assert.equal(u?.lastLoginUs, T0 + 5);
        assert.equal(users.noteLoginFailure('nobody', 5, T0), undefined);
      }),
    );

    test(
      'any sequence of failures and successes locks exactly at every lockAfter-th failure since the last success',
      withStore(({ store }) => {
        const users = store.users();
        users.createUser({ name: 'dave', role: 'analyst', passwordHash: HASH, createdUs: T0 });
        fc.assert(
          fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { maxLength: 40 }), (lockAfter, steps) => {
            users.noteLoginSuccess('dave', T0);
            let run = 0;
            steps.forEach((fail, i) => {
              if (!fail) {
                users.noteLoginSuccess('dave', T0 + i);
                run = 0;
                return;
              }
              run++;
              const r = users.noteLoginFailure('dave', lockAfter, T0 + i * 1e6);
              assert.equal(r?.lockedNow, run % lockAfter === 0);
            });
          }),
          { numRuns: 60 },
        );
      }),
    );

    test(
      'role, disable, password and unlock change what they say; unknown names report false',
      withStore(({ store }) => {
        const users = store.users();
        users.createUser({ name: 'erin', role: 'auditor', passwordHash: HASH, createdUs: T0 });
        assert.equal(users.setRole('erin', 'admin'), true);
        assert.equal(users.getUser('erin')?.role, 'admin');
        users.noteLoginFailure('erin', 1, T0 + 60e6);
        assert.equal(users.clearLock('erin'), true);
        assert.equal(users.getUser('erin')?.lockedUntilUs, null);
        users.noteLoginFailure('erin', 1, T0 + 60e6);
        assert.equal(users.setPasswordHash('erin', `${HASH}x`), true);
        assert.equal(users.getUser('erin')?.passwordHash, `${HASH}x`);
        assert.equal(users.getUser('erin')?.lockedUntilUs, null, 'a new password clears the lock');
        assert.equal(users.setDisabled('erin', T0 + 9), true);
        assert.equal(users.getUser('erin')?.disabledUs, T0 + 9);
        assert.equal(users.setDisabled('erin', null), true);
        assert.equal(users.getUser('erin')?.disabledUs, null);
        for (const f of [
          () => users.setRole('zed', 'admin'),
          () => users.setDisabled('zed', 1),
          () => users.setPasswordHash('zed', HASH),
          () => users.clearLock('zed'),
        ]) {
          assert.equal(f(), false);
        }
      }),
    );

    test(
      'sessions are found by hash, moved, ended one by one, per user, by disabling and by expiry',
      withStore(({ store }) => {
        const users = store.users();
        users.createUser({ name: 'fay', role: 'analyst', passwordHash: HASH, createdUs: T0 });
        users.createUser({ name: 'gus', role: 'analyst', passwordHash: HASH, createdUs: T0 });
        const mk = (k: string, user: string, expiresUs: number) =>
          users.createSession({ idHash: h(k), user, createdUs: T0, expiresUs, lastSeenUs: T0 });
        mk('a', 'fay', T0 + 100);
        mk('b', 'fay', T0 + 200);
        mk('c', 'gus', T0 + 300);
        mk('d', 'gus', T0 + 50);
        const a = users.findSession(h('a'));
        assert.deepEqual(
          { ...a, idHash: Buffer.from(a?.idHash ?? []).toString('hex') },
          {
            idHash: Buffer.from(h('a')).toString('hex'),
            user: 'fay',
            createdUs: T0,
            expiresUs: T0 + 100,
            lastSeenUs: T0,
          },
        );
        assert.equal(users.findSession(h('zz')), undefined);
        assert.equal(users.touchSession(h('a'), T0 + 10, T0 + 500), true);
        assert.equal(users.findSession(h('a'))?.expiresUs, T0 + 500);
        assert.equal(users.touchSession(h('zz'), T0, T0), false);
        assert.equal(users.deleteExpiredSessions(T0 + 60), 1, 'only d had expired');
        assert.equal(users.deleteSession(h('b')), true);
        assert.equal(users.deleteSession(h('b')), false);
        assert.equal(users.deleteUserSessions('fay'), 1);
        users.setDisabled('gus', T0 + 1);
        assert.equal(users.findSession(h('c')), undefined, 'disabling ends the sessions');
      }),
    );

    test('users and sessions survive a reopen', () => {
      const f = factory();
      try {
        if (f.reopen === undefined) return;
        f.store.users().createUser({ name: 'hal', role: 'admin', passwordHash: HASH, createdUs: T0 });
        f.store.users().createSession({ idHash: h('s'), user: 'hal', createdUs: T0, expiresUs: T0 + 1, lastSeenUs: T0 });
        const again = f.reopen();
        assert.equal(again.users().getUser('hal')?.role, 'admin');
        assert.equal(again.users().findSession(h('s'))?.user, 'hal');
      } finally {
        f.dispose();
      }
    });
  });
}
