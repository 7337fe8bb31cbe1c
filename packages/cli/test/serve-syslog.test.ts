/**
 * `seclog serve` with its syslog listeners: --syslog-port, --no-syslog-udp,
 * the startup line naming the bound addresses, a message over TCP stored
 * and queryable over HTTP, and a graceful stop.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { frameOctetCounted } from '@seclog/core';
import { freePort } from '../../collector/test/support/peers.js';
import { CLI } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-cli-syslog-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('serve --syslog-port P --no-syslog-udp: TCP on P, no UDP, messages queryable', async () => {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...CLI, 'serve', '--data', join(root, 'data'), '--port', '0', '--syslog-port', String(port), '--no-syslog-udp'],
    { env: { ...process.env, SECLOG_LOG_LEVEL: 'silent' } },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 30_000;
    while (!/syslog inputs: .*\n/.test(out)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `serve did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(out, new RegExp(`seclog syslog inputs: tcp 127\\.0\\.0\\.1:${port}\\n`));
    assert.doesNotMatch(out, /udp 127/);
    const url = /listening on (\S+)/.exec(out)![1]!;
    const admin = /(sla_[A-Za-z0-9_-]{43})/.exec(out)![1]!;
    await new Promise<void>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () =>
        s.end(Buffer.from(frameOctetCounted('<86>1 - gw sshd 1 - - serve-syslog test message'))),
      );
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    let events: Array<{ record?: { message?: string; attrs?: Record<string, unknown> } }> = [];
    const until = Date.now() + 10_000;
    while (events.length === 0) {
      assert.ok(Date.now() < until, 'the message never became queryable');
      const res = await fetch(`${url}/api/v1/events?q=${encodeURIComponent('serve-syslog test')}`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      assert.equal(res.status, 200);
      events = ((await res.json()) as { events: typeof events }).events;
      if (events.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    const rec = events[0]!.record ?? (events[0] as { message?: string; attrs?: Record<string, unknown> });
    assert.equal(rec.message, 'serve-syslog test message');
    assert.equal(rec.attrs?.attribution, 'unauthenticated');
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
  assert.match(out, /stopped/);
});
