// `seclog query` and `seclog tail` against a real `seclog serve` child process.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ChainedEvent } from '@seclog/core';
import { recordChainHashHex, uuidv7, ZERO_HASH_HEX } from '@seclog/core';
import { CLI, runCli } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-cli-q-'));
const data = join(root, 'data');
let server: ChildProcess;
let url = '';
let admin = '';
const children: ChildProcess[] = [];

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SECLOG_URL: '', SECLOG_TOKEN: '', NO_COLOR: '1', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  server = spawn(process.execPath, [...CLI, 'serve', '--data', data, '--port', '0'], {
    env: { ...process.env, SECLOG_LOG_LEVEL: 'silent' },
  });
  let out = '';
  server.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  server.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!/listening on (\S+)/.test(out)) {
    assert.ok(Date.now() < deadline, `serve did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  url = /listening on (\S+)/.exec(out)![1]!;
  server.on('exit', (code, signal) => {
    if (signal !== 'SIGKILL') process.stderr.write(`seclog serve exited (${code ?? signal}):\n${out.slice(-4000)}\n`);
  });
  admin = /(sla_[A-Za-z0-9_-]{43})/.exec(out)![1]!;
});

after(() => {
  for (const c of children) c.kill('SIGKILL');
  server.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** Enrols `id` on the data directory and returns a function that ingests chained records over HTTP. */
function device(id: string) {
  const file = JSON.parse(runCli(['device', 'add', id, '--data', data]).stdout) as { token: string };
  const stream = uuidv7();
  const boot = uuidv7();
  let seq = 0;
  let prev = ZERO_HASH_HEX;
  return async (messages: string[]): Promise<ChainedEvent[]> => {
    const records = messages.map((message) => {
      seq++;
      const rec: ChainedEvent = {
        v: 1,
        id: uuidv7(),
        name: 'authn_login_fail',
        time: new Date().toISOString().replace('Z', '000Z'),
        severity: 'high',
        outcome: 'failure',
        device: { id },
        actor: { user: 'admin', ip: '198.51.100.7' },
        attrs: { method: 'password', reason: 'bad_password' },
        message,
        stream,
        seq,
        boot,
        mono_ms: seq,
        prev,
        tq: { synced: true, source: 'ntp' },
      };
      prev = recordChainHashHex(rec);
      return rec;
    });
    const post = () =>
      fetch(`${url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${file.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ device: id, stream, records }),
      });
    // A kept-alive connection the server closes as idle fails the next request; a retry of the
    // same batch is safe (a duplicate is re-acknowledged, not stored twice).
    const res = await post().catch(post);
    assert.equal(res.status, 200, await res.text());
    return records;
  };
}

test('query --json prints one event per line, newest first; --all follows the pages', async () => {
  const send = device('cli-q1');
  const recs = await send(['one', 'two', 'three', 'four', 'five']);
  const r = cli(['query', '--server', url, '--token', admin, '--device', 'cli-q1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((e) => e.record.id),
    recs.map((x) => x.id).reverse(),
  );
  assert.equal(typeof lines[0].leafIndex, 'number');
  assert.match(lines[0].received, /Z$/);

  const paged = cli(['query', '--server', url, '--token', admin, '--device', 'cli-q1', '--limit', '2', '--json']);
  assert.equal(paged.stdout.trim().split('\n').length, 2);
  assert.match(paged.stderr, /--cursor \S+/, 'without --all it says how to go on');
  const cursor = /--cursor (\S+)/.exec(paged.stderr)![1]!;
  const next = cli(['query', '--server', url, '--token', admin, '--device', 'cli-q1', '--limit', '2', '--json', '--cursor', cursor]);
  assert.deepEqual(
    next.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).record.message),
    ['three', 'two'],
  );
  const everything = cli(['query', '--server', url, '--token', admin, '--device', 'cli-q1', '--limit', '2', '--json', '--all']);
  assert.equal(everything.stdout.trim().split('\n').length, 5);
});

test('query prints a table by default; SECLOG_URL and SECLOG_TOKEN stand in for the flags', async () => {
  const send = device('cli-q2');
  await send(['Disk full on /var']);
  const r = cli(['query', '--device', 'cli-q2', '--q', 'DISK'], { SECLOG_URL: url, SECLOG_TOKEN: admin });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /LEAF.*TIME.*DEVICE.*NAME.*SEVERITY.*OUTCOME.*ACTOR.*MESSAGE/);
  assert.match(r.stdout, /cli-q2.*authn_login_fail.*high.*failure.*admin @ 198\.51\.100\.7.*Disk full on \/var/);
  const none = cli(['query', '--device', 'cli-q2', '--severity', 'low'], { SECLOG_URL: url, SECLOG_TOKEN: admin });
  assert.equal(none.code, 0);
  assert.match(none.stderr, /no events match/);
});

test('errors exit 2 with the server’s message', () => {
  const bad = cli(['query', '--server', url, '--token', admin, '--from', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^seclog query: from: must be an RFC 3339 date-time.*\(HTTP_QUERY_INVALID\)/);
  const noToken = cli(['query', '--server', url]);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /API token is needed/);
  const wrong = cli(['query', '--server', url, '--token', `sla_${'A'.repeat(43)}`]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /AUTH_TOKEN_INVALID/);
  const down = cli(['query', '--server', 'http://127.0.0.1:1', '--token', admin]);
  assert.equal(down.code, 2);
  assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/);
  const tailBad = cli(['tail', '--server', url, '--token', admin, '--severity', 'loud']);
  assert.equal(tailBad.code, 2);
  assert.match(tailBad.stderr, /severity: unknown severity/);
});

async function follow(args: string[]): Promise<{ lines: () => string[]; child: ChildProcess }> {
  const child = spawn(process.execPath, [...CLI, 'tail', '--server', url, '--token', admin, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  await until('the tail to connect', () => err.includes('following'));
  return { lines: () => out.split('\n').filter((l) => l !== ''), child };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('tail follows events committed after it started, as JSON lines or one line each', async () => {
  const send = device('cli-t1');
  await send(['before the tail']);
  const json = await follow(['--device', 'cli-t1', '--json']);
  const plain = await follow(['--device', 'cli-t1']);
  const sent = await send(['first', 'second']);
  await until('two JSON lines', () => json.lines().length >= 2);
  assert.deepEqual(
    json.lines().map((l) => JSON.parse(l).record.id),
    sent.map((r) => r.id),
  );
  await until('two plain lines', () => plain.lines().length >= 2);
  assert.match(plain.lines()[0]!, /^\d+ {2}\S+Z {2}cli-t1 {2}authn_login_fail {2}high {2}failure {2}admin @ 198\.51\.100\.7 {2}first$/);
  json.child.kill('SIGTERM');
  plain.child.kill('SIGTERM');
});
