/**
 * kill -9 of a collector (a child process) while a device publishes batches
 * through a real mosquitto: every batch the collector acknowledged on the ack
 * topic before it died is stored, and after a restart the persistent session
 * delivers the rest: every record is stored exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectAsync, type IPublishPacket } from 'mqtt';
import { addDevice } from '../src/enrol/enrol.js';
import { openDataDir } from '../src/server/data-store.js';
import { deviceChain } from './ingest-fixtures.js';
import { type ChildCollector, startChildCollector } from './support/child-collector.js';
import { type Broker, MOSQUITTO, MOSQUITTO_MISSING, REQUIRE_ALL, sleep, startBroker } from './support/mosquitto.js';

if (!MOSQUITTO && REQUIRE_ALL) test('mosquitto is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MOSQUITTO_MISSING));
const skip = MOSQUITTO ? false : MOSQUITTO_MISSING;

const root = mkdtempSync(join(tmpdir(), 'seclog-mqtt-kill-'));
after(() => rmSync(root, { recursive: true, force: true }));

const BATCHES = 60;
const PER_BATCH = 10;

test('kill -9 while batches arrive over MQTT: acknowledged batches are stored, and every record exactly once after restart', {
  skip,
}, async () => {
  const broker: Broker = await startBroker();
  const dataDir = join(root, 'data');
  const dd = await openDataDir(dataDir);
  const token = addDevice(dd.enrol, 'gw-m', 'high', 'http://127.0.0.1').token;
  dd.close();
  const flags = { mqtt: { enabled: true, url: broker.url, clientId: 'seclog-kill-test' } };
  let child: ChildCollector | undefined;
  const dev = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'gw-m-test', reconnectPeriod: 0 });
  try {
    await dev.subscribeAsync('seclog/gw-m/ack', { qos: 1 });
    let ackedBeforeKill = 0;
    let killed = false;
    let ackedSeq = 0;
    let cursorAnswers = 0;
    dev.on('message', (_t, payload, packet: IPublishPacket) => {
      const { status, kind } = packet.properties?.userProperties ?? {};
      if (kind === 'cursor') cursorAnswers++;
      if (status !== '200' || kind !== 'events') return;
      const seq = (JSON.parse(payload.toString()) as { acked: { seq: number } }).acked.seq;
      ackedSeq = Math.max(ackedSeq, seq);
      if (!killed) ackedBeforeKill = Math.max(ackedBeforeKill, seq);
    });
    child = await startChildCollector(dataDir, { flags });
    // The child has subscribed once it answers a cursor request (its first session starts empty).
    for (let i = 0; cursorAnswers === 0; i++) {
      assert.ok(i < 200, 'the collector answers a cursor request');
      await dev.publishAsync('seclog/gw-m/cursor', '', { qos: 0, properties: { userProperties: { authorization: `Bearer ${token}` } } });
      await sleep(50);
    }
    const chain = deviceChain('gw-m', BATCHES * PER_BATCH);
    const stream = chain[0]!.stream;
    const publishing = (async () => {
      for (let b = 0; b < BATCHES; b++) {
        const records = chain.slice(b * PER_BATCH, (b + 1) * PER_BATCH);
        await dev.publishAsync('seclog/gw-m/events', JSON.stringify({ device: 'gw-m', stream, records }), {
          qos: 1,
          properties: { correlationData: Buffer.from(`b${b}`), userProperties: { authorization: `Bearer ${token}` } },
        });
        await sleep(5);
      }
    })();
    const deadline = Date.now() + 20_000;
    while (ackedSeq < 10 * PER_BATCH && Date.now() < deadline) await sleep(5);
    assert.ok(ackedSeq > 0, 'the collector acknowledged batches before the kill');
    killed = true;
    const how = await child.kill9();
    assert.equal(how, 'SIGKILL');
    await publishing;
    // What was acknowledged before the kill is stored, read straight from the data directory.
    {
      const check = await openDataDir(dataDir);
      const seqs = check.store
        .readEvents(0, check.store.eventCount())
        .filter((e) => e.stream === stream)
        .map((e) => e.seq as number);
      check.close();
      assert.ok(seqs.length >= ackedBeforeKill, `acked through ${ackedBeforeKill}, stored ${seqs.length}`);
      assert.deepEqual(
        seqs.slice(0, ackedBeforeKill),
        Array.from({ length: ackedBeforeKill }, (_, i) => i + 1),
      );
    }
    child = await startChildCollector(dataDir, { flags });
    const done = Date.now() + 30_000;
    while (ackedSeq < BATCHES * PER_BATCH && Date.now() < done) await sleep(20);
    assert.equal(ackedSeq, BATCHES * PER_BATCH, 'the rest arrived from the session');
    await child.stop();
    child = undefined;
    const final = await openDataDir(dataDir);
    const seqs = final.store
      .readEvents(0, final.store.eventCount())
      .filter((e) => e.stream === stream)
      .map((e) => e.seq as number)
      .sort((a, b) => a - b);
    final.close();
    assert.deepEqual(
      seqs,
      Array.from({ length: BATCHES * PER_BATCH }, (_, i) => i + 1),
      'every record exactly once',
    );
  } finally {
    await dev.endAsync();
    if (child !== undefined) await child.kill9();
    await broker.dispose();
  }
});
