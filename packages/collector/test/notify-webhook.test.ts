/**
 * The webhook channel against a real receiver (node:http in this process):
 * the signature checked the way docs/notifications.md tells receivers to,
 * the idempotency key, a receiver that is down and then up, Retry-After,
 * 4xx dead, the Slack payload, and the status table.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import type { NotifyChannelConfig } from '../src/config/schema.js';
import { classifyHttpStatus } from '../src/notify/channels/webhook-channel.js';
import { verifyWebhookSignature } from '../src/notify/channels/webhook-signature.js';
import { Notifier } from '../src/notify/notifier.js';
import { notice, notifyConfig, RecordingLog, sleep, tempStore, waitFor } from './notify-fixtures.js';

const SECRET = 'whsec-test-0123456789abcdef';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A webhook receiver; `respond` decides each answer (default 204). */
class Receiver {
  readonly got: Received[] = [];
  respond: (r: Received, res: ServerResponse) => void = (_r, res) => res.writeHead(204).end();
  #server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() };
        this.got.push(r);
        this.respond(r, res);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/seclog`;
  }
}

const receivers: Receiver[] = [];
after(async () => {
  for (const r of receivers) await r.stop();
});
async function receiver(): Promise<Receiver> {
  const r = await new Receiver().start();
  receivers.push(r);
  return r;
}

const hook = (url: string, over: Partial<NotifyChannelConfig> = {}): NotifyChannelConfig => ({
  name: 'soc',
  type: 'webhook',
  url,
  secret: SECRET,
  ...over,
});

/** What a receiver does, written from the docs rather than with the code under test. */
function receiverAccepts(r: Received, nowS = Math.floor(Date.now() / 1000)): boolean {
  const ts = String(r.headers['x-seclog-timestamp']);
  const sig = String(r.headers['x-seclog-signature']);
  const want = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${r.body}`).digest('hex')}`;
  return sig === want && Math.abs(nowS - Number(ts)) <= 300;
}

test('a delivery is signed over timestamp and body, carries the idempotency key, and the body holds the alert', async () => {
  const rx = await receiver();
  const t = tempStore();
  const n = new Notifier({ store: t.store, config: notifyConfig([hook(rx.url)]) });
  try {
    n.start();
    n.enqueue(notice(1, { dashboardUrl: 'https://seclog.example/alerts/alr-0001' }));
    await waitFor(() => t.store.getOutboxRow('alr-0001', 'soc')?.state === 'delivered', 'delivery');
    assert.equal(rx.got.length, 1);
    const r = rx.got[0] as Received;
    assert.equal(r.headers['content-type'], 'application/json');
    assert.ok(receiverAccepts(r), 'the signature verifies');
    assert.equal(r.headers['idempotency-key'], 'alr-0001:soc');
    assert.equal(r.headers['x-seclog-delivery-attempt'], '1');
    const body = JSON.parse(r.body);
    assert.deepEqual(body, {
      type: 'seclog.alert',
      version: 1,
      idempotency_key: 'alr-0001:soc',
      alert: {
        id: 'alr-0001',
        rule: { id: 'seclog.brute_force_login', version: '3', title: 'More than 10 failed logins in one minute' },
        severity: 'high',
        group_key: 'gw-0042/203.0.113.9',
        count: 11,
        window: { start: '2026-11-04T09:00:00.000000Z', end: '2026-11-04T09:01:00.000000Z' },
        evidence: ['0193a1f2-6a01-7c3d-8e10-1a2b3c4d5e01', '0193a1f2-6a4f-7c3d-9e11-1a2b3c4d5e02'],
        suppressed: 0,
        created_at: '2026-11-04T09:01:00.250000Z',
        dashboard_url: 'https://seclog.example/alerts/alr-0001',
      },
    });
    // The exported check agrees, and refuses a replay outside the window, a changed body and another key.
    const headers = { timestamp: String(r.headers['x-seclog-timestamp']), signature: String(r.headers['x-seclog-signature']) };
    assert.deepEqual(verifyWebhookSignature(SECRET, headers, r.body), { ok: true });
    assert.deepEqual(verifyWebhookSignature(SECRET, headers, r.body, { nowS: Number(headers.timestamp) + 301 }), {
      ok: false,
      reason: 'stale',
    });
    assert.deepEqual(verifyWebhookSignature(SECRET, headers, r.body.replace('"count":11', '"count":12')), {
      ok: false,
      reason: 'mismatch',
    });
    assert.deepEqual(verifyWebhookSignature('another-secret-value', headers, r.body), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verifyWebhookSignature(SECRET, { ...headers, signature: undefined }, r.body), { ok: false, reason: 'missing' });
    assert.ok(!receiverAccepts(r, Number(headers.timestamp) + 301), 'a replay 5 minutes later is refused');
  } finally {
    await n.close();
    t.dispose();
  }
});

test('receiver down, then up: delivered exactly once after retries, and a second hand-over sends nothing', async () => {
  const rx = await receiver();
  const port = rx.port;
  await rx.stop(); // connection refused from now on
  const t = tempStore();
  const log = new RecordingLog();
  const n = new Notifier({ store: t.store, config: notifyConfig([hook(`http://127.0.0.1:${port}/hook`)]), log });
  try {
    n.start();
    n.enqueue(notice(2));
    await waitFor(() => (t.store.getOutboxRow('alr-0002', 'soc')?.attempts ?? 0) >= 3, 'three failed attempts');
    assert.equal(t.store.getOutboxRow('alr-0002', 'soc')?.state, 'pending');
    assert.match(String(log.lines[0]?.obj.error), /ECONNREFUSED/);
    await rx.start(port);
    await waitFor(() => t.store.getOutboxRow('alr-0002', 'soc')?.state === 'delivered', 'delivery once up');
    const attempts = t.store.getOutboxRow('alr-0002', 'soc')?.attempts ?? 0;
    assert.ok(attempts >= 4, `${attempts} attempts`);
    n.enqueue(notice(2));
    await sleep(150);
    assert.equal(rx.got.length, 1);
    assert.equal(rx.got[0]?.headers['x-seclog-delivery-attempt'], String(attempts));
    assert.equal(rx.got[0]?.headers['idempotency-key'], 'alr-0002:soc');
    assert.ok(receiverAccepts(rx.got[0] as Received));
  } finally {
    await n.close();
    t.dispose();
  }
});

test('a new notifier on the same database (a restart) delivers what the first left pending', async () => {
  const rx = await receiver();
  rx.respond = (_r, res) => res.writeHead(503).end();
  const t = tempStore();
  const config = notifyConfig([hook(rx.url)], { initialDelayMs: 200, maxDelayMs: 200 });
  const first = new Notifier({ store: t.store, config });
  first.start();
  first.enqueue(notice(6));
  await waitFor(() => rx.got.length === 1, 'the first attempt');
  await first.close();
  rx.respond = (_r, res) => res.writeHead(202).end();
  const store = t.reopen();
  const second = new Notifier({ store, config });
  try {
    second.start();
    await waitFor(() => store.getOutboxRow('alr-0006', 'soc')?.state === 'delivered', 'delivery after the restart');
    assert.equal(rx.got.length, 2);
    assert.deepEqual(
      rx.got.map((r) => [r.headers['idempotency-key'], r.headers['x-seclog-delivery-attempt']]),
      [
        ['alr-0006:soc', '1'],
        ['alr-0006:soc', '2'],
      ],
    );
    assert.equal(rx.got[0]?.body, rx.got[1]?.body, 'the same body, so a receiver that saw the first can drop the second');
    assert.ok(rx.got.every((r) => receiverAccepts(r)));
  } finally {
    await second.close();
    t.dispose();
  }
});

test('429 with Retry-After: the next attempt waits at least that long, then 2xx delivers', async () => {
  const rx = await receiver();
  let first = true;
  rx.respond = (_r, res) => {
    if (first) {
      first = false;
      res.writeHead(429, { 'retry-after': '1' }).end('slow down');
    } else res.writeHead(200).end('ok');
  };
  const t = tempStore();
  const n = new Notifier({ store: t.store, config: notifyConfig([hook(rx.url)]) });
  try {
    n.start();
    n.enqueue(notice(3));
    await waitFor(() => t.store.getOutboxRow('alr-0003', 'soc')?.state === 'delivered', 'delivery after Retry-After', 4_000);
    assert.equal(rx.got.length, 2);
    const waited = (rx.got[1]?.at ?? 0) - (rx.got[0]?.at ?? 0);
    assert.ok(waited >= 990, `waited ${waited.toFixed(0)} ms (initial delay 20 ms)`);
  } finally {
    await n.close();
    t.dispose();
  }
});

test('a 4xx other than 408/429 is dead after one attempt and logged', async () => {
  const rx = await receiver();
  rx.respond = (_r, res) => res.writeHead(410).end('gone');
  const t = tempStore();
  const log = new RecordingLog();
  const n = new Notifier({ store: t.store, config: notifyConfig([hook(rx.url)]), log });
  try {
    n.start();
    n.enqueue(notice(4));
    await waitFor(() => t.store.getOutboxRow('alr-0004', 'soc')?.state === 'dead', 'dead');
    await sleep(60);
    assert.equal(rx.got.length, 1);
    assert.equal(t.store.getOutboxRow('alr-0004', 'soc')?.lastError, 'rejected: HTTP 410');
    assert.deepEqual(
      log.lines.map((l) => [l.level, l.obj.alertId, l.obj.error]),
      [['error', 'alr-0004', 'rejected: HTTP 410']],
    );
  } finally {
    await n.close();
    t.dispose();
  }
});

test('format slack: {text, blocks} with device-supplied text escaped; unsigned without a secret', async () => {
  const rx = await receiver();
  const t = tempStore();
  const ch = hook(rx.url, { name: 'chat', format: 'slack', secret: undefined });
  const n = new Notifier({ store: t.store, config: notifyConfig([ch]) });
  try {
    n.start();
    n.enqueue(notice(5, { groupKey: 'gw-1/<!channel> & <http://evil.test|click>', dashboardUrl: 'https://seclog.example/a/5' }));
    await waitFor(() => t.store.getOutboxRow('alr-0005', 'chat')?.state === 'delivered', 'delivery');
    const r = rx.got[0] as Received;
    assert.equal(r.headers['x-seclog-signature'], undefined);
    assert.equal(r.headers['idempotency-key'], 'alr-0005:chat');
    const body = JSON.parse(r.body) as { text: string; blocks: { type: string; [k: string]: unknown }[] };
    assert.deepEqual(Object.keys(body).sort(), ['blocks', 'text']);
    assert.equal(
      body.text,
      '[HIGH] More than 10 failed logins in one minute (gw-1/&lt;!channel&gt; &amp; &lt;http://evil.test|click&gt;): 11 events',
    );
    assert.deepEqual(
      body.blocks.map((b) => b.type),
      ['header', 'section', 'section', 'actions', 'context'],
    );
    assert.ok(!r.body.includes('<!channel>') && !r.body.includes('<http://evil'), 'no raw mention or link survives');
    assert.match(JSON.stringify(body.blocks.at(-1)), /alr-0005:chat/);
  } finally {
    await n.close();
    t.dispose();
  }
});

test('HTTP status classes', () => {
  const now = Date.parse('2026-11-04T09:00:00Z');
  const cases: [number, string | null, unknown][] = [
    [200, null, { kind: 'delivered' }],
    [204, null, { kind: 'delivered' }],
    [301, null, { kind: 'reject', reason: 'HTTP 301 (redirects are not followed)' }],
    [400, null, { kind: 'reject', reason: 'HTTP 400' }],
    [401, null, { kind: 'reject', reason: 'HTTP 401' }],
    [404, '5', { kind: 'reject', reason: 'HTTP 404' }],
    [408, null, { kind: 'retry', reason: 'HTTP 408' }],
    [429, '7', { kind: 'retry', reason: 'HTTP 429', retryAfterMs: 7_000 }],
    [500, null, { kind: 'retry', reason: 'HTTP 500' }],
    [503, 'Wed, 04 Nov 2026 09:00:30 GMT', { kind: 'retry', reason: 'HTTP 503', retryAfterMs: 30_000 }],
    [503, 'soon', { kind: 'retry', reason: 'HTTP 503' }],
  ];
  for (const [status, retryAfter, want] of cases) assert.deepEqual(classifyHttpStatus(status, retryAfter, now), want, String(status));
});
