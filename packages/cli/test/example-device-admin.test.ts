/**
 * examples/device-admin (issue D item 8) against a real collector: sign-in
 * failures, a lockout, a viewer refused, firewall and settings changes, a
 * tampered and a good firmware image, sign-out. Each must reach the collector
 * as the catalogue event the README promises, and the store must verify.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { verifyDataDir } from '@seclog/collector';
import { startAdminPanel } from '../../../examples/device-admin/server.js';
import { enrolDevice, startCollector, storedRecords } from './support/agent-collector.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-example-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A browser-like client: keeps the session cookie, does not follow redirects. */
class Client {
  cookie = '';
  constructor(readonly base: string) {}

  async post(path: string, form: Record<string, string>): Promise<{ status: number; body: string; location: string | null }> {
    const res = await fetch(this.base + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookie },
      body: new URLSearchParams(form).toString(),
    });
    const set = res.headers.get('set-cookie');
    if (set !== null) this.cookie = set.split(';')[0] ?? '';
    return { status: res.status, body: await res.text(), location: res.headers.get('location') };
  }
}

test('the admin panel’s security events arrive in the collector and the store verifies', async () => {
  const dataDir = join(root, 'data');
  const collector = await startCollector(dataDir);
  const device = enrolDevice(collector, 'panel-1', root, 'high');
  const panel = await startAdminPanel({
    logger: { ...device, store: { path: join(root, 'panel.ring') } },
    adminPassword: 'correct horse',
    viewerPassword: 'viewer pw',
    port: 0,
  });
  try {
    const attacker = new Client(panel.url);
    for (let i = 0; i < 5; i++) assert.equal((await attacker.post('/login', { user: 'admin', password: `guess${i}` })).status, 401);
    // Locked now: even the right password is refused.
    assert.equal((await attacker.post('/login', { user: 'admin', password: 'correct horse' })).status, 401);
    assert.equal((await attacker.post('/login', { user: 'nobody', password: 'x' })).status, 401);

    const viewer = new Client(panel.url);
    assert.equal((await viewer.post('/login', { user: 'viewer', password: 'viewer pw' })).status, 303);
    assert.equal((await viewer.post('/firewall/add', { rule: 'allow all' })).status, 403);
    assert.equal((await viewer.post('/firmware', { version: '9.9.9' })).status, 403);
    assert.equal((await viewer.post('/logout', {})).location, '/login');

    const stream = panel.log.status().stream;
    await panel.log.flush({ timeoutMs: 10_000 });
    const names = storedRecords(collector.c, stream).map((r) => r.name);
    const count = (n: string) => names.filter((x) => x === n).length;
    assert.equal(count('authn_login_fail'), 7);
    assert.equal(count('authn_login_lock'), 1);
    assert.equal(count('authn_login_success'), 1);
    assert.equal(count('authz_fail'), 2);
    assert.equal(count('session_start'), 1);
    assert.equal(count('session_end'), 1);
    const reasons = storedRecords(collector.c, stream)
      .filter((r) => r.name === 'authn_login_fail')
      .map((r) => (r.rec.attrs as { reason: string }).reason);
    assert.deepEqual(reasons, ['bad_password', 'bad_password', 'bad_password', 'bad_password', 'bad_password', 'locked', 'unknown_user']);
  } finally {
    await panel.close();
  }

  // A fresh panel process on the same ring (the admin account is not locked in the new process).
  const panel2 = await startAdminPanel({
    logger: { ...device, store: { path: join(root, 'panel.ring') } },
    adminPassword: 'correct horse',
    port: 0,
  });
  try {
    const admin = new Client(panel2.url);
    assert.equal((await admin.post('/login', { user: 'admin', password: 'correct horse' })).status, 303);
    assert.equal((await admin.post('/firewall/add', { rule: 'allow tcp 443 from 10.0.0.0/8' })).status, 200);
    assert.equal((await admin.post('/settings', { hostname: 'cam-lobby', ssh: 'on' })).status, 200);
    assert.equal((await admin.post('/firmware', { version: '2.0.0', tampered: 'on' })).status, 422);
    assert.equal((await admin.post('/firmware', { version: '2.0.0' })).status, 200);
    assert.equal((await admin.post('/logout', {})).status, 303);
    const stream = panel2.log.status().stream;
    await panel2.log.flush({ timeoutMs: 10_000 });
    const recs = storedRecords(collector.c, stream);
    const changes = recs
      .filter((r) => r.name === 'config_change')
      .map((r) => [(r.rec.target as { setting: string }).setting, (r.rec.attrs as { category: string }).category]);
    assert.deepEqual(changes, [
      ['firewall.rules', 'firewall'],
      ['hostname', 'network'],
      ['ssh.enabled', 'service'],
    ]);
    const firewall = recs.find((r) => r.name === 'config_change')!.rec.attrs as { old_value: string; new_value: string };
    assert.deepEqual([firewall.old_value, firewall.new_value], ['deny all inbound', 'deny all inbound; allow tcp 443 from 10.0.0.0/8']);
    const updates = recs
      .filter((r) => r.name === 'fw_update_end')
      .map((r) => {
        const a = r.rec.attrs as { result: string; signature_valid: boolean; reason?: string };
        return [a.result, a.signature_valid, a.reason ?? null];
      });
    assert.deepEqual(updates, [
      ['rejected', false, 'bad_signature'],
      ['success', true, null],
    ]);
  } finally {
    await panel2.close();
    await collector.c.close();
  }
  const v = await verifyDataDir(dataDir, { workers: 0 });
  assert.equal(v.ok, true, JSON.stringify(v));
});
