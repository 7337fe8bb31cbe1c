/**
 * Fuzzing the MQTT input: the payload decoder (fast-check, in process) only
 * ever returns a well-formed batch or throws one of its three registry
 * errors; random and mutated payloads sent through a real mosquitto are each
 * answered with a 4xx, counted by outcome, and leave the collector connected
 * and taking valid batches.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isSeclogError } from '@seclog/core';
import fc from 'fast-check';
import { connectAsync, type IPublishPacket } from 'mqtt';
import { loadConfig } from '../src/config/load.js';
import { addDevice } from '../src/enrol/enrol.js';
import { decodeBatchPayload } from '../src/mqtt/batch-payload.js';
import { parseInboundTopic } from '../src/mqtt/topics.js';
import { openCollector } from '../src/server/collector.js';
import { deviceChain } from './ingest-fixtures.js';
import { MOSQUITTO, MOSQUITTO_MISSING, REQUIRE_ALL, sleep, startBroker } from './support/mosquitto.js';

if (!MOSQUITTO && REQUIRE_ALL) test('mosquitto is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MOSQUITTO_MISSING));
const skip = MOSQUITTO ? false : MOSQUITTO_MISSING;

const root = mkdtempSync(join(tmpdir(), 'seclog-mqtt-fuzz-'));
after(() => rmSync(root, { recursive: true, force: true }));

const DECODE_CODES = new Set(['HTTP_BODY_INVALID', 'HTTP_BODY_TOO_LARGE', 'HTTP_UNSUPPORTED_MEDIA_TYPE']);
const valid = JSON.stringify({ device: 'gw-f', stream: 's', records: deviceChain('gw-f', 2) });

/** Valid batch text with a few bytes overwritten, inserted or cut. */
const mutated = fc
  .tuple(fc.nat(valid.length - 1), fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom('set', 'insert', 'cut'))
  .map(([at, bytes, how]) => {
    const b = Buffer.from(valid);
    if (how === 'cut') return b.subarray(0, at);
    if (how === 'insert') return Buffer.concat([b.subarray(0, at), bytes, b.subarray(at)]);
    Buffer.from(bytes).copy(b, at);
    return b;
  });
const payloads = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  mutated,
  fc.json().map((j) => Buffer.from(j)),
);

test('the payload decoder returns a batch or throws one of its registry errors, for any bytes and encoding', async () => {
  await fc.assert(
    fc.asyncProperty(payloads, fc.constantFrom(undefined, 'identity', 'gzip', 'br'), fc.boolean(), async (payload, enc, zip) => {
      const body = enc === 'gzip' && zip ? gzipSync(payload) : payload;
      try {
        const b = await decodeBatchPayload(body, enc, 4096);
        assert.equal(typeof b.device, 'string');
        assert.equal(typeof b.stream, 'string');
        assert.ok(Array.isArray(b.records) && b.records.length > 0);
      } catch (err) {
        assert.ok(isSeclogError(err) && DECODE_CODES.has(err.code), `unexpected ${String(err)}`);
      }
    }),
    { numRuns: 400 },
  );
  // A small gzip bomb: refused by its inflated size.
  await assert.rejects(decodeBatchPayload(gzipSync(Buffer.alloc(1 << 20, 0x20)), 'gzip', 4096), { code: 'HTTP_BODY_TOO_LARGE' });
});

test('topic parsing takes only seclog/<one level>/events|cursor', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (t) => {
      const p = parseInboundTopic(t);
      if (p === undefined) return;
      assert.equal(t, `seclog/${p.device}/${p.kind}`);
      assert.ok(!p.device.includes('/') && p.device !== '');
    }),
  );
  assert.deepEqual(parseInboundTopic('seclog/gw-1/events'), { device: 'gw-1', kind: 'events' });
  assert.equal(parseInboundTopic('seclog/gw-1/ack'), undefined);
  assert.equal(parseInboundTopic('seclog//events'), undefined);
});

test('random and mutated payloads through mosquitto are each refused; the collector stays up and takes a valid batch', {
  skip,
}, async () => {
  const broker = await startBroker();
  const config = loadConfig({
    env: {},
    cwd: root,
    flags: {
      dataDir: join(root, 'data'),
      http: { port: 0 },
      logLevel: 'silent',
      mqtt: { enabled: true, url: broker.url, clientId: 'fuzz' },
    },
  });
  const c = await openCollector(config, { processMetrics: false });
  const dev = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'fuzz-dev', reconnectPeriod: 0 });
  try {
    await c.listen();
    await c.mqtt!.ready();
    const token = addDevice(c.data.enrol, 'gw-f', 'low', 'http://127.0.0.1').token;
    await dev.subscribeAsync('seclog/gw-f/ack', { qos: 1 });
    const answers = new Map<string, number>();
    dev.on('message', (_t, _p, packet: IPublishPacket) => {
      const id = packet.properties?.correlationData?.toString() ?? '';
      answers.set(id, Number(packet.properties?.userProperties?.status));
    });
    const samples = fc.sample(payloads, { numRuns: 150, seed: 7 });
    let sent = 0;
    for (const p of samples) {
      await dev.publishAsync('seclog/gw-f/events', p, {
        qos: 1,
        properties: { correlationData: Buffer.from(`f${sent}`), userProperties: { authorization: `Bearer ${token}` } },
      });
      sent++;
    }
    const deadline = Date.now() + 20_000;
    while (answers.size < sent && Date.now() < deadline) await sleep(20);
    assert.equal(answers.size, sent, 'every message answered');
    for (const [id, status] of answers) assert.ok(status >= 400 && status < 500, `${id}: ${status}`);
    assert.equal(c.mqtt!.status().connected, true);
    const chain = deviceChain('gw-f', 3);
    await dev.publishAsync('seclog/gw-f/events', JSON.stringify({ device: 'gw-f', stream: chain[0]!.stream, records: chain }), {
      qos: 1,
      properties: { correlationData: Buffer.from('ok'), userProperties: { authorization: `Bearer ${token}` } },
    });
    while (!answers.has('ok') && Date.now() < deadline + 5000) await sleep(20);
    assert.equal(answers.get('ok'), 200);
    const m = await c.metrics.scrape();
    const refused = [...m.matchAll(/seclog_mqtt_messages_total\{kind="events",outcome="([A-Z_]+)"\} (\d+)/g)];
    assert.equal(
      refused.reduce((n, r) => n + Number(r[2]), 0),
      sent,
      `every refusal counted: ${refused.map((r) => r[0]).join(', ')}`,
    );
  } finally {
    await dev.endAsync();
    await c.close();
    await broker.dispose();
  }
});
