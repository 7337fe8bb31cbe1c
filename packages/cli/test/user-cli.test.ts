// `seclog user …` on a data directory (issue G item 1): accounts created, listed, disabled, re-roled,
// unlocked and given new passwords without a running server; bad input gets exit 2 and a message that
// says what is wrong; each change is a record in the collector's own stream; the password verifies.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { COLLECTOR_DEVICE_ID, openDataDir, verifyPassword } from '@seclog/collector';
import { runCli } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-user-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'data');

async function ownRecords(): Promise<{ name: string; target?: { user?: string }; attrs: Record<string, unknown> }[]> {
  const dd = await openDataDir(data);
  try {
    return dd.store
      .readEvents(0, dd.store.eventCount())
      .filter((e) => e.device === COLLECTOR_DEVICE_ID)
      .map((e) => JSON.parse(e.canonical));
  } finally {
    dd.close();
  }
}

async function user(name: string) {
  const dd = await openDataDir(data);
  try {
    return dd.store.users().getUser(name);
  } finally {
    dd.close();
  }
}

test('add prints a generated password once; --password-stdin takes one; both verify', async () => {
  const add = runCli(['user', 'add', 'alice', '--role', 'analyst', '--data', data]);
  assert.equal(add.code, 0, add.stderr);
  const password = /password: (\S+)$/m.exec(add.stdout)?.[1];
  assert.ok(password !== undefined && password.length >= 20, add.stdout);
  assert.equal(await verifyPassword(password, (await user('alice'))!.passwordHash), true);

  const piped = runCli(['user', 'add', 'bob', '--role', 'auditor', '--password-stdin', '--data', data], 'bob has a secret phrase\n');
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, 'user bob (auditor) created\n', 'a given password is not echoed');
  assert.equal(await verifyPassword('bob has a secret phrase', (await user('bob'))!.passwordHash), true);

  const created = (await ownRecords()).filter((r) => r.name === 'user_created');
  assert.deepEqual(
    created.map((r) => [r.target?.user, r.attrs.role, r.attrs.interface]),
    [
      ['alice', 'analyst', 'cli'],
      ['bob', 'auditor', 'cli'],
    ],
  );
});

test('bad input is refused with exit 2 and the reason', () => {
  const cases: [string[], string | undefined, RegExp][] = [
    [['user', 'add', 'alice', '--role', 'analyst'], undefined, /user alice exists/],
    [['user', 'add', '-x', '--role', 'analyst'], undefined, /unknown option|not allowed/],
    [['user', 'add', 'carol', '--role', 'root'], undefined, /role must be one of admin, analyst, auditor/],
    [['user', 'add', 'carol', '--role', 'admin', '--password-stdin'], 'short\n', /at least 12 characters/],
    [['user', 'disable', 'nobody'], undefined, /there is no user nobody/],
  ];
  for (const [args, input, message] of cases) {
    const r = runCli([...args, '--data', data], input);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
  }
});

test('disable, enable, role, unlock and password change the account and are recorded', async () => {
  for (const args of [
    ['user', 'disable', 'alice'],
    ['user', 'enable', 'alice'],
    ['user', 'role', 'alice', 'admin'],
    ['user', 'unlock', 'alice'],
  ]) {
    const r = runCli([...args, '--data', data]);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.equal((await user('alice'))?.role, 'admin');
  assert.equal((await user('alice'))?.disabledUs, null);
  const pw = runCli(['user', 'password', 'alice', '--data', data]);
  assert.equal(pw.code, 0, pw.stderr);
  const fresh = /set: (\S+)$/m.exec(pw.stdout)?.[1] as string;
  assert.equal(await verifyPassword(fresh, (await user('alice'))!.passwordHash), true);

  const changes = (await ownRecords())
    .filter((r) => r.target?.user === 'alice' && r.name !== 'user_created')
    .map((r) => [r.name, r.attrs.action ?? r.attrs.mode, r.attrs.privilege ?? r.attrs.new_role ?? null]);
  assert.deepEqual(changes, [
    ['privilege_change', 'revoke', 'login'],
    ['privilege_change', 'grant', 'login'],
    ['privilege_change', 'change', 'admin'],
    ['authn_password_change', 'admin_reset', null],
  ]);

  const list = runCli(['user', 'list', '--json', '--data', data]);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    (JSON.parse(list.stdout) as { name: string; role: string }[]).map((u) => [u.name, u.role]),
    [
      ['alice', 'admin'],
      ['bob', 'auditor'],
    ],
  );
});
