/**
 * MQTT ingest against a real mosquitto (test/support/mosquitto.ts): a batch
 * published on seclog/<device>/events is stored through the same pipeline as
 * HTTP ingest, its answer is published on seclog/<device>/ack before the
 * collector's PUBACK, a token that is not the topic's (or the batch's)
 * device is refused and recorded, and the persistent session carries
 * batches published while the collector was down into it exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ChainedEvent } from '@seclog/core';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { loadConfig } from '../src/config/load.js';
import { addDevice, type DeviceFile } from '../src/enrol/enrol.js';
import { type Collector, openCollector } from '../src/server/collector.js';
import { deviceChain } from './ingest-fixtures.js';
import { type Broker, MOSQUITTO, MOSQUITTO_MISSING, REQUIRE_ALL, sleep, startBroker } from './support/mosquitto.js';

if (!MOSQUITTO && REQUIRE_ALL) test('mosquitto is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MOSQUITTO_MISSING));
const skip = MOSQUITTO ? false : MOSQUITTO_MISSING;

let broker: Broker;
const root = mkdtempSync(join(tmpdir(), 'seclog-mqtt-ingest-'));
let n = 0;

before(async () => {
  if (MOSQUITTO) broker = await startBroker();
});
after(async () => {
  await broker?.dispose();
  rmSync(root, { recursive: true, force: true });
});

async function openOn(dataDir: string, clientId: string): Promise<Collector> {
  const config = loadConfig({
    env: {},
    cwd: root,
    flags: {
      dataDir,
      http: { port: 0 },
      logLevel: 'silent',
      mqtt: { enabled: true, url: broker.url, clientId },
    },
  });
  const c = await openCollector(config, { processMetrics: false });
  await c.listen();
  await c.mqtt!.ready();
  return c;
}

interface Answer {
  status: number;
  kind: string;
  body: Record<string, unknown>;
  correlation: string | undefined;
}

/** A device's side: publishes on its topics and collects what arrives on its ack topic. */
class DeviceClient {
  readonly answers: Answer[] = [];
  readonly #waiters: (() => void)[] = [];
  constructor(
    readonly client: MqttClient,
    readonly device: string,
  ) {
    client.on('message', (_topic, payload, packet: IPublishPacket) => {
      const p = packet.properties;
      const status = p?.userProperties?.status;
      this.answers.push({
        status: Number(Array.isArray(status) ? status[0] : status),
        kind: String(p?.userProperties?.kind ?? ''),
        body: JSON.parse(payload.toString()) as Record<string, unknown>,
        correlation: p?.correlationData?.toString(),
      });
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async open(brokerUrl: string, device: string): Promise<DeviceClient> {
    const client = await connectAsync(brokerUrl, { protocolVersion: 5, clientId: `dev-${device}-${++n}`, reconnectPeriod: 0 });
    await client.subscribeAsync(`seclog/${device}/ack`, { qos: 1 });
    return new DeviceClient(client, device);
  }

  publish(topicDevice: string, body: unknown, token: string | undefined, correlation: string, kind = 'events'): Promise<unknown> {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    return this.client.publishAsync(`seclog/${topicDevice}/${kind}`, payload, {
      qos: 1,
      properties: {
        correlationData: Buffer.from(correlation),
        ...(token === undefined ? {} : { userProperties: { authorization: `Bearer ${token}` } }),
      },
    });
  }

  async waitFor(correlation: string, timeoutMs = 10_000): Promise<Answer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const a = this.answers.find((x) => x.correlation === correlation);
      if (a !== undefined) return a;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer ${correlation} within ${timeoutMs} ms (got ${JSON.stringify(this.answers)})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

const batchOf = (device: string, records: ChainedEvent[]) => ({ device, stream: records[0]!.stream, records });

function storedSeqs(c: Collector, stream: string): number[] {
  const s = c.data.store;
  return s
    .readEvents(0, s.eventCount())
    .filter((e) => e.stream === stream)
    .map((e) => e.seq as number);
}

function ownNamed(c: Collector, name: string): Record<string, unknown>[] {
  const s = c.data.store;
  return s
    .readEvents(0, s.eventCount())
    .map((e) => JSON.parse(e.canonical) as Record<string, unknown>)
    .filter((e) => e.name === name && (e.device as { id: string }).id === 'collector');
}

test('a batch over MQTT is committed, answered on the ack topic, and only then PUBACKed', { skip }, async () => {
  const dataDir = join(root, 'a');
  const c = await openOn(dataDir, 'seclog-test-a');
  const dev: DeviceFile = addDevice(c.data.enrol, 'cam-a', 'low', 'http://127.0.0.1');
  const d = await DeviceClient.open(broker.url, 'cam-a');
  try {
    // What the collector sends, in order, with what the store held at each PUBACK.
    const sent: { cmd: string; topic?: string; storedAtPuback?: number }[] = [];
    c.mqtt!.client!.on('packetsend', (p) => {
      const stored = storedSeqs(c, chain[0]!.stream).length;
      sent.push(p.cmd === 'publish' ? { cmd: p.cmd, topic: p.topic } : { cmd: p.cmd, storedAtPuback: stored });
    });
    const chain = deviceChain('cam-a', 8);
    await d.publish('cam-a', batchOf('cam-a', chain.slice(0, 5)), dev.token, 'b1');
    const a1 = await d.waitFor('b1');
    assert.equal(a1.status, 200);
    assert.equal(a1.kind, 'events');
    assert.deepEqual(a1.body.acked, { stream: chain[0]!.stream, seq: 5, head: (a1.body.acked as { head: string }).head });
    assert.equal(a1.body.accepted, 5);
    assert.deepEqual(storedSeqs(c, chain[0]!.stream), [1, 2, 3, 4, 5], 'durable before the answer');

    // The same batch again: a duplicate, answered from the cursor, stored once.
    await d.publish('cam-a', batchOf('cam-a', chain.slice(0, 5)), dev.token, 'b2');
    const a2 = await d.waitFor('b2');
    assert.equal(a2.body.accepted, 0);
    assert.equal(a2.body.duplicates, 5);
    // gzip payloads are taken too (the agent gzips large batches).
    const { gzipSync } = await import('node:zlib');
    await d.client.publishAsync('seclog/cam-a/events', gzipSync(JSON.stringify(batchOf('cam-a', chain.slice(5)))), {
      qos: 1,
      properties: {
        correlationData: Buffer.from('b3'),
        userProperties: { authorization: `Bearer ${dev.token}`, 'content-encoding': 'gzip' },
      },
    });
    assert.equal((await d.waitFor('b3')).body.accepted, 3);
    assert.deepEqual(storedSeqs(c, chain[0]!.stream), [1, 2, 3, 4, 5, 6, 7, 8]);

    // The cursor, for a device that starts without knowing it.
    await d.publish('cam-a', '', dev.token, 'c1', 'cursor');
    const cur = await d.waitFor('c1');
    assert.equal(cur.status, 200);
    assert.equal(cur.kind, 'cursor');
    assert.deepEqual(
      (cur.body.streams as { stream: string; seq: number }[]).map((s) => [s.stream, s.seq]),
      [[chain[0]!.stream, 8]],
    );

    await sleep(100); // the last PUBACK leaves after the answer
    const first = sent.findIndex((p) => p.cmd === 'publish' && p.topic === 'seclog/cam-a/ack');
    const puback = sent.findIndex((p) => p.cmd === 'puback');
    assert.ok(first >= 0 && puback > first, `the answer goes out before the PUBACK: ${JSON.stringify(sent)}`);
    assert.equal(sent[puback]!.storedAtPuback, 5, 'the PUBACK of the first batch leaves after its commit');
    const pubacks = sent.filter((p) => p.cmd === 'puback').length;
    const answers = sent.filter((p) => p.cmd === 'publish').length;
    assert.equal(pubacks, 4);
    assert.equal(answers, 4);
    const metrics = await c.metrics.scrape();
    assert.match(metrics, /seclog_mqtt_messages_total\{kind="events",outcome="ok"\} 3/);
    assert.match(metrics, /seclog_mqtt_connected 1/);
    assert.match(metrics, /seclog_ingest_events_total\{source="mqtt",outcome="accepted"\} 8/);
    assert.match(metrics, /seclog_ingest_events_total\{source="mqtt",outcome="duplicate"\} 5/);
  } finally {
    await d.close();
    await c.close();
  }
});

test('a token for another device than the topic or the batch is refused and recorded as authz_fail', { skip }, async () => {
  const c = await openOn(join(root, 'b'), 'seclog-test-b');
  const a: DeviceFile = addDevice(c.data.enrol, 'cam-b1', 'low', 'http://127.0.0.1');
  addDevice(c.data.enrol, 'cam-b2', 'low', 'http://127.0.0.1');
  const victim = await DeviceClient.open(broker.url, 'cam-b2');
  const self = await DeviceClient.open(broker.url, 'cam-b1');
  try {
    // cam-b1's token on cam-b2's topic, with a batch naming cam-b2.
    const forged = deviceChain('cam-b2', 3);
    await self.publish('cam-b2', batchOf('cam-b2', forged), a.token, 'x1');
    const r1 = await victim.waitFor('x1');
    assert.equal(r1.status, 403);
    assert.equal((r1.body.error as { code: string }).code, 'AUTH_DEVICE_MISMATCH');
    // cam-b1's own topic and token, but the batch names cam-b2.
    await self.publish('cam-b1', batchOf('cam-b2', forged), a.token, 'x2');
    const r2 = await self.waitFor('x2');
    assert.equal(r2.status, 403);
    assert.equal((r2.body.error as { code: string }).code, 'AUTH_DEVICE_MISMATCH');
    assert.deepEqual(storedSeqs(c, forged[0]!.stream), [], 'nothing stored');
    const denials = ownNamed(c, 'authz_fail');
    assert.equal(denials.length, 2);
    for (const e of denials) assert.equal((e.attrs as { interface: string }).interface, 'mqtt');
    assert.deepEqual(
      denials.map((e) => (e.target as { resource: string }).resource),
      ['mqtt:seclog/cam-b2/events', 'mqtt:seclog/cam-b1/events'],
    );

    // No token, a token that is not a device's, and a payload that is not a batch.
    await self.publish('cam-b1', batchOf('cam-b1', deviceChain('cam-b1', 1)), undefined, 'x3');
    assert.equal(((await self.waitFor('x3')).body.error as { code: string }).code, 'AUTH_TOKEN_MISSING');
    await self.publish('cam-b1', batchOf('cam-b1', deviceChain('cam-b1', 1)), 'sld_not-a-token', 'x4');
    const r4 = await self.waitFor('x4');
    assert.equal(r4.status, 401);
    assert.equal((r4.body.error as { code: string }).code, 'AUTH_TOKEN_INVALID');
    await self.publish('cam-b1', '{"device":', a.token, 'x5');
    const r5 = await self.waitFor('x5');
    assert.equal(r5.status, 400);
    assert.equal((r5.body.error as { code: string }).code, 'HTTP_BODY_INVALID');
    // A fork: a different record 1 after the stored one; refused, recorded, and the message is settled (no redelivery).
    const chain = deviceChain('cam-b1', 2);
    await self.publish('cam-b1', batchOf('cam-b1', chain), a.token, 'x6');
    assert.equal((await self.waitFor('x6')).status, 200);
    const other = deviceChain('cam-b1', 2, chain[0]!.stream);
    await self.publish('cam-b1', batchOf('cam-b1', other), a.token, 'x7');
    const r7 = await self.waitFor('x7');
    assert.equal((r7.body.error as { code: string }).code, 'INGEST_FORK');
    await sleep(300);
    assert.equal(self.answers.filter((x) => x.correlation === 'x7').length, 1, 'a refused message is not redelivered');
  } finally {
    await self.close();
    await victim.close();
    await c.close();
  }
});

test('batches published while the collector is down wait in its session and are stored exactly once', { skip }, async () => {
  const dataDir = join(root, 'c');
  let c = await openOn(dataDir, 'seclog-test-c');
  const dev: DeviceFile = addDevice(c.data.enrol, 'cam-c', 'low', 'http://127.0.0.1');
  const d = await DeviceClient.open(broker.url, 'cam-c');
  const chain = deviceChain('cam-c', 40);
  const stream = chain[0]!.stream;
  try {
    await d.publish('cam-c', batchOf('cam-c', chain.slice(0, 10)), dev.token, 'p1');
    assert.equal((await d.waitFor('p1')).status, 200);
    await c.close();
    // Down: three more batches and a repeat of one of them.
    await d.publish('cam-c', batchOf('cam-c', chain.slice(10, 20)), dev.token, 'p2');
    await d.publish('cam-c', batchOf('cam-c', chain.slice(20, 30)), dev.token, 'p3');
    await d.publish('cam-c', batchOf('cam-c', chain.slice(10, 20)), dev.token, 'p2again');
    await d.publish('cam-c', batchOf('cam-c', chain.slice(30, 40)), dev.token, 'p4');
    await sleep(200);
    assert.equal(d.answers.length, 1, 'nobody answers while the collector is down');
    c = await openOn(dataDir, 'seclog-test-c');
    const last = await d.waitFor('p4');
    assert.equal(last.status, 200);
    assert.equal((last.body.acked as { seq: number }).seq, 40);
    assert.equal((await d.waitFor('p2again')).body.duplicates, 10);
    assert.deepEqual(
      storedSeqs(c, stream),
      Array.from({ length: 40 }, (_, i) => i + 1),
      'every record once',
    );
  } finally {
    await d.close();
    await c.close();
  }
});

test('the collector reconnects after a broker restart; batches queued in its session survive a broker restart', { skip }, async () => {
  const dataDir = join(root, 'd');
  let c = await openOn(dataDir, 'seclog-test-d');
  const dev: DeviceFile = addDevice(c.data.enrol, 'cam-d', 'low', 'http://127.0.0.1');
  const chain = deviceChain('cam-d', 6);
  try {
    let d = await DeviceClient.open(broker.url, 'cam-d');
    await d.publish('cam-d', batchOf('cam-d', chain.slice(0, 2)), dev.token, 'r1');
    assert.equal((await d.waitFor('r1')).status, 200);
    await d.close();
    await broker.stop();
    await sleep(300);
    assert.equal(c.mqtt!.status().connected, false);
    await broker.start();
    await c.mqtt!.ready();
    d = await DeviceClient.open(broker.url, 'cam-d');
    await d.publish('cam-d', batchOf('cam-d', chain.slice(2, 4)), dev.token, 'r2');
    const r2 = await d.waitFor('r2');
    assert.equal(r2.status, 200);
    assert.equal((r2.body.acked as { seq: number }).seq, 4);
    // Collector away, a batch queued in its session, and the broker restarted (persistence on):
    // the batch is delivered when the collector comes back.
    await c.close();
    await d.publish('cam-d', batchOf('cam-d', chain.slice(4)), dev.token, 'r3');
    await d.close();
    await broker.stop();
    await broker.start();
    c = await openOn(dataDir, 'seclog-test-d');
    const deadline = Date.now() + 10_000;
    while (storedSeqs(c, chain[0]!.stream).length < 6 && Date.now() < deadline) await sleep(20);
    assert.deepEqual(storedSeqs(c, chain[0]!.stream), [1, 2, 3, 4, 5, 6]);
  } finally {
    await c.close();
  }
});
