/**
 * Issue F's "done when", end to end: a brute force sent through the device
 * SDK into a real collector (built-in rule pack, detection on) raises exactly
 * one alert in under a second, and a webhook receiver gets it once, signed.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type LoggerConfig, SecurityLogger } from '@seclog/agent';
import { addDevice, loadConfig, openCollector } from '@seclog/collector';

const root = mkdtempSync(join(tmpdir(), 'seclog-bf-e2e-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SECRET = 'e2e-webhook-secret-0123456789';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  atMs: number;
}

/** A SOC's webhook receiver: records every POST and answers 204. */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; close: () => Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: performance.now() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, deliveries, close: () => new Promise((r) => server.close(() => r())) };
}

/** The receiver's check, written from docs/notifications.md rather than with seclog's own code. */
function signatureOk(d: Delivery): boolean {
  const ts = String(d.headers['x-seclog-timestamp'] ?? '');
  const sig = String(d.headers['x-seclog-signature'] ?? '');
  const want = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${d.body}`).digest('hex')}`;
  return (
    sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want)) && Math.abs(Date.now() / 1000 - Number(ts)) < 300
  );
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a brute force through the SDK raises one alert in under a second; the webhook gets it once, signed', async (t) => {
  const receiver = await startReceiver();
  const dataDir = join(root, 'data');
  const config = loadConfig({
    env: {},
    cwd: root,
    flags: {
      dataDir,
      http: { port: 0 },
      notify: { channels: [{ name: 'soc', type: 'webhook', url: receiver.url, secret: SECRET }] },
    },
  });
  const c = await openCollector(config);
  const url = await c.listen();
  const device = addDevice(c.data.enrol, 'door-1', 'high', url) as unknown as LoggerConfig;
  const log = await SecurityLogger.open({ ...device, store: { path: join(root, 'door-1.ring') } });
  try {
    // A background of normal use first: one successful login, so only the burst is suspicious.
    await log.loginSucceeded({ user: 'operator', sourceIp: '198.51.100.4', method: 'password' });
    for (let i = 0; i < 11; i++) {
      await log.loginFailed({ user: 'admin', sourceIp: '203.0.113.77', method: 'password', reason: 'bad_password' });
    }
    await log.flush({ timeoutMs: 10_000 });
    const ackedMs = performance.now();
    const alerts = c.data.store.alerts();
    const alert = await until('the alert', () => alerts.queryAlerts({ limit: 10 }).alerts[0], 5_000);
    const storedMs = performance.now() - ackedMs;
    assert.ok(storedMs < 1_000, `alert stored ${storedMs.toFixed(0)} ms after the last event was acknowledged`);
    assert.equal(alert.ruleTitle, 'Brute force from one address');
    assert.equal(alert.count, 11);
    assert.equal(alert.groupKey.includes('203.0.113.77'), true, alert.groupKey);

    const delivery = await until('the webhook', () => receiver.deliveries[0], 10_000);
    t.diagnostic(`alert stored ${storedMs.toFixed(0)} ms, webhook received ${(delivery.atMs - ackedMs).toFixed(0)} ms after the ACK`);
    assert.ok(signatureOk(delivery), 'the signature verifies with the shared secret');
    assert.equal(delivery.headers['idempotency-key'], `${alert.id}:soc`);
    const body = JSON.parse(delivery.body) as { alert?: { id?: string }; idempotency_key?: string };
    assert.equal(body.idempotency_key, `${alert.id}:soc`);
    assert.match(delivery.body, new RegExp(alert.id));
    // A forged body does not verify.
    assert.equal(signatureOk({ ...delivery, body: delivery.body.replace('203.0.113.77', '203.0.113.78') }), false);

    // Nothing more arrives: one alert, one delivery.
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(alerts.queryAlerts({ limit: 10 }).alerts.length, 1);
    assert.equal(receiver.deliveries.length, 1);
  } finally {
    await log.close();
    await c.close();
    await receiver.close();
  }
});
