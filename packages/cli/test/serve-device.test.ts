import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createNoteVerifier, eventTimeNow, openCheckpoint, recordChainHashHex, uuidv7, ZERO_HASH_HEX } from '@seclog/core';
import { runCli, type ServeChild, startServe } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'data');

test('device add writes the device file (0600); list and revoke; token create', () => {
  const out = join(root, 'cam-1.json');
  const add = runCli(['device', 'add', 'cam-1', '--profile', 'high', '--out', out, '--data', data]);
  assert.equal(add.code, 0, add.stderr);
  const file = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(Object.keys(file).sort(), ['collector', 'device', 'logKey', 'origin', 'profile', 'seal', 'sealKey', 'token'].sort());
  assert.match(file.token, /^sld_/);
  assert.match(file.sealKey, /^[0-9a-f]{64}$/);
  assert.equal(file.profile, 'high');
  if (process.platform !== 'win32') assert.equal(statSync(out).mode & 0o777, 0o600);
  // The database holds a hash, never the token itself.
  assert.ok(!readFileSync(join(data, 'seclog.db')).includes(Buffer.from(file.token)));

  assert.equal(runCli(['device', 'add', 'cam-1', '--data', data]).code, 2, 'a second add of the same id is refused');
  assert.equal(runCli(['device', 'add', 'cam-2', '--data', data]).code, 0);
  assert.equal(runCli(['device', 'revoke', 'cam-2', '--data', data]).code, 0);
  assert.equal(runCli(['device', 'revoke', 'nope', '--data', data]).code, 2);
  const list = JSON.parse(runCli(['device', 'list', '--json', '--data', data]).stdout) as { id: string; revoked: string }[];
  assert.deepEqual(
    list.map((d) => [d.id, d.revoked === '-']),
    [
      ['cam-1', true],
      ['cam-2', false],
    ],
  );

  const tok = runCli(['token', 'create', '--role', 'auditor', '--name', 'ci', '--data', data]);
  assert.equal(tok.code, 0, tok.stderr);
  assert.match(tok.stdout.trim(), /^sla_[A-Za-z0-9_-]{43}$/);
  assert.equal(runCli(['token', 'create', '--role', 'root', '--data', data]).code, 2);
});

test('serve: first-run admin token, ingest over HTTP, SIGTERM signs a last checkpoint', async () => {
  const dir = join(root, 'serve');
  const child = await startServe(['--data', dir, '--port', '0']);
  let again: ServeChild | undefined;
  try {
    const { url } = child;
    const admin = /(sla_[A-Za-z0-9_-]{43})/.exec(child.output())![1]!;
    // Enrol while the server runs: the CLI works on the same data directory.
    const dev = JSON.parse(runCli(['device', 'add', 'cam-9', '--data', dir]).stdout);
    const stream = uuidv7();
    const rec = {
      v: 1,
      id: uuidv7(),
      name: 'authn_login_fail',
      time: eventTimeNow(Date.now()),
      severity: 'medium',
      outcome: 'failure',
      device: { id: 'cam-9' },
      actor: { user: 'admin' },
      attrs: { method: 'password', reason: 'bad_password' },
      stream,
      seq: 1,
      boot: uuidv7(),
      mono_ms: 1,
      prev: ZERO_HASH_HEX,
      tq: { synced: false, source: 'rtc' },
    } as const;
    const res = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dev.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device: 'cam-9', stream, records: [rec] }),
    });
    const ack = (await res.json()) as { acked: { seq: number; head: string } };
    assert.equal(res.status, 200, JSON.stringify(ack));
    assert.deepEqual(ack.acked.seq, 1);
    assert.equal(ack.acked.head, recordChainHashHex(rec as never));
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);

    assert.equal(await child.stop(), 0, child.output());
    assert.match(child.output(), /stopped/);
    // The last checkpoint covers everything committed, and verifies with the published key.
    const vkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
    const origin = vkey.split('+')[0]!;
    const srv2 = await startServe(['--data', dir, '--port', '0']);
    again = srv2;
    const out2 = srv2.output();
    assert.doesNotMatch(out2, /admin API token/, 'the admin token is printed on the first run only');
    const url2 = srv2.url;
    const note = await (await fetch(`${url2}/api/v1/log/checkpoint`, { headers: { authorization: `Bearer ${admin}` } })).text();
    const { checkpoint } = openCheckpoint(note, { origin, verifiers: [createNoteVerifier(vkey)] });
    assert.equal(checkpoint.size, 3); // the admin token's creation, the enrolment, the record
    assert.equal(await srv2.stop(), 0);
  } finally {
    child.kill();
    again?.kill();
  }
});
