/**
 * The agent's MQTT transport end to end: SecurityLogger (ship.transport
 * 'mqtt') → a real mosquitto → a real collector subscribed to it → the
 * store. flush() resolves on the collector's answers, every record is
 * stored once, a restarted logger learns the collector's cursor over MQTT,
 * a broker restart in the middle of the stream loses nothing, and
 * `seclog verify --data` passes. Skips without mosquitto (fails under
 * SECLOG_TEST_REQUIRE_ALL=1).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type LoggerConfig, SecurityLogger } from '@seclog/agent';
import { type Collector, loadConfig, openCollector } from '@seclog/collector';
import { connectAsync } from 'mqtt';
import { type Broker, MOSQUITTO, MOSQUITTO_MISSING, REQUIRE_ALL, sleep, startBroker } from '../../collector/test/support/mosquitto.js';
import { enrolDevice, ownEvents, type RunningCollector, range, storedRecords } from './support/agent-collector.js';
import { CLI, runCli } from './support/run-cli.js';

if (!MOSQUITTO && REQUIRE_ALL) test('mosquitto is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MOSQUITTO_MISSING));
const skip = MOSQUITTO ? false : MOSQUITTO_MISSING;

const root = mkdtempSync(join(tmpdir(), 'seclog-agent-mqtt-'));
let broker: Broker;
before(async () => {
  if (MOSQUITTO) broker = await startBroker();
});
after(async () => {
  await broker?.dispose();
  rmSync(root, { recursive: true, force: true });
});

async function startMqttCollector(dataDir: string, clientId: string): Promise<RunningCollector> {
  const config = loadConfig({
    env: {},
    cwd: root,
    flags: {
      dataDir,
      http: { port: 0 },
      ingest: { perDeviceRatePerSec: 1_000_000 },
      logLevel: 'silent',
      mqtt: { enabled: true, url: broker.url, clientId },
    },
  });
  const c: Collector = await openCollector(config, { processMetrics: false });
  const url = await c.listen();
  await c.mqtt!.ready();
  return { c, url, dataDir, port: Number(new URL(url).port) };
}

function mqttConfig(file: LoggerConfig, ring: string): LoggerConfig {
  return {
    ...file,
    store: { path: ring },
    ship: {
      transport: 'mqtt',
      mqtt: { url: broker.url },
      backoff: { baseMs: 20, maxMs: 300 },
      requestTimeoutMs: 3000,
    },
  };
}

test('SecurityLogger over MQTT: flush() resolves, every record is stored once, a restart resumes, verify passes', { skip }, async () => {
  const dataDir = join(root, 'data-1');
  const r = await startMqttCollector(dataDir, 'seclog-e2e-1');
  let stream = '';
  try {
    const file = enrolDevice(r, 'gw-1', root, 'high');
    const config = mqttConfig(file, join(root, 'gw-1.ring'));
    const log = await SecurityLogger.open(config);
    stream = log.status().stream;
    await log.loginFailed({ user: 'admin', sourceIp: '203.0.113.9', method: 'password', reason: 'bad_password' });
    const many = Array.from({ length: 600 }, (_, i) =>
      log.event('authz_fail', { actor: { user: `u${i % 5}` }, target: { resource: '/admin' }, attrs: { action: 'read' } }),
    );
    assert.ok((await Promise.all(many)).every((x) => x.recorded));
    await log.flush({ timeoutMs: 20_000 });
    const st = log.status();
    assert.equal(st.ship.ackedSeq, st.lastSeq, 'the ring is acknowledged up to its last record');
    await log.close();

    // A new logger on the same ring: its shipper asks for the cursor on seclog/gw-1/cursor and goes on from there.
    const again = await SecurityLogger.open(config);
    assert.equal(again.status().stream, stream);
    await again.loggedOut({ user: 'admin' });
    await again.flush({ timeoutMs: 20_000 });
    await again.close();

    const stored = storedRecords(r.c, stream);
    const last = stored.at(-1)!.seq;
    assert.ok(last >= 603, `last stored seq ${last}`);
    assert.deepEqual(
      stored.map((s) => s.seq),
      range(1, last),
      'every record once, in order',
    );
    assert.deepEqual(ownEvents(r.c, 'log_integrity_fail'), []);
    assert.deepEqual(ownEvents(r.c, 'log_gap'), []);
    const metrics = await r.c.metrics.scrape();
    assert.match(metrics, /seclog_mqtt_messages_total\{kind="cursor",outcome="ok"\} [1-9]/);
  } finally {
    await r.c.close();
  }
  const verify = runCli(['verify', '--data', dataDir, '--workers', '1']);
  assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
});

test('a broker restart in the middle of the stream: the agent resumes from the cursor and nothing is lost or doubled', {
  skip,
}, async () => {
  const dataDir = join(root, 'data-2');
  const r = await startMqttCollector(dataDir, 'seclog-e2e-2');
  try {
    const file = enrolDevice(r, 'gw-2', root, 'high');
    const log = await SecurityLogger.open(mqttConfig(file, join(root, 'gw-2.ring')));
    const stream = log.status().stream;
    const burst = async (n: number, tag: string) => {
      const rs = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          log.event('authz_fail', { actor: { user: `${tag}${i}` }, target: { resource: '/x' }, attrs: { action: 'read' } }),
        ),
      );
      assert.ok(rs.every((x) => x.recorded));
    };
    await burst(200, 'a');
    // Shipping is under way (a flush ships at once) when the broker goes away.
    const early = log.flush({ timeoutMs: 60_000 });
    await sleep(30);
    await broker.stop();
    // Logged while the broker is down: kept in the ring.
    await burst(200, 'b');
    await sleep(500);
    assert.ok(log.status().ship.ackedSeq < log.status().lastSeq, 'not all acknowledged while the broker is down');
    await broker.start();
    await early;
    await burst(100, 'c');
    await log.flush({ timeoutMs: 30_000 });
    const last = log.status().lastSeq;
    await log.close();
    const stored = storedRecords(r.c, stream);
    assert.deepEqual(
      stored.map((s) => s.seq),
      range(1, stored.at(-1)!.seq),
      'every record once, in order',
    );
    assert.ok(stored.at(-1)!.seq >= last - 1, `stored up to ${stored.at(-1)!.seq} of ${last}`);
    assert.deepEqual(ownEvents(r.c, 'log_gap'), []);
  } finally {
    await r.c.close();
  }
});

test('seclog serve --mqtt URL subscribes to the broker and answers on the ack topic', { skip }, async () => {
  const child = spawn(process.execPath, [...CLI, 'serve', '--data', join(root, 'serve'), '--port', '0', '--mqtt', broker.url], {
    env: { ...process.env, SECLOG_LOG_LEVEL: 'silent', SECLOG_MQTT_CLIENT_ID: 'seclog-serve-flag' },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const dev = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'serve-flag-dev', reconnectPeriod: 0 });
  try {
    const deadline = Date.now() + 30_000;
    while (!out.includes('seclog mqtt input:')) {
      assert.ok(Date.now() < deadline, `serve did not start: ${out}`);
      await sleep(50);
    }
    assert.match(out, new RegExp(`seclog mqtt input: mqtt://127\\.0\\.0\\.1:${broker.port} as seclog-serve-flag`));
    await dev.subscribeAsync('seclog/nobody/ack', { qos: 1 });
    let answer: { status: string; body: { error: { code: string } } } | undefined;
    dev.on('message', (_t, payload, packet) => {
      answer = { status: String(packet.properties?.userProperties?.status), body: JSON.parse(payload.toString()) };
    });
    // Until the collector has subscribed, a cursor request goes unanswered: ask again.
    for (let i = 0; answer === undefined; i++) {
      assert.ok(i < 200, 'an answer on seclog/nobody/ack');
      await dev.publishAsync('seclog/nobody/cursor', '', {
        qos: 0,
        properties: { userProperties: { authorization: 'Bearer sld_unknown' } },
      });
      await sleep(100);
    }
    assert.equal(answer.status, '401');
    assert.equal(answer.body.error.code, 'AUTH_TOKEN_INVALID');
  } finally {
    await dev.endAsync();
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
  }
});

/** A CA, the broker's certificate for 127.0.0.1, and client certificates (openssl CLI); undefined without openssl. */
function brokerPki(dir: string, clients: string[]): { ca: string; files: (name: string) => { cert: string; key: string } } | undefined {
  const ossl = (args: string[]) => execFileSync(process.env.SECLOG_OPENSSL || 'openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    ossl(['version']);
  } catch {
    return undefined;
  }
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ossl(['req', '-x509', ...key, '-days', '2', '-subj', '/CN=broker-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
  for (const [name, ext] of [
    ['broker', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ...clients.map((c) => [c, 'extendedKeyUsage=clientAuth\n']),
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ossl(['req', ...key, '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    ossl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]);
  }
  return { ca: join(dir, 'ca.crt'), files: (name) => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }) };
}

test('over mqtts with client certificates: the collector and the agent each present one; flush() resolves', { skip }, async () => {
  const dir = mkdtempSync(join(root, 'tls-'));
  const pki = brokerPki(dir, ['seclog-collector', 'gw-3']);
  if (pki === undefined) {
    assert.ok(process.env.SECLOG_TEST_REQUIRE_ALL !== '1', 'openssl is required (SECLOG_TEST_REQUIRE_ALL=1)');
    return;
  }
  const b = pki.files('broker');
  // The broker's only listener becomes TLS, and takes only clients with a certificate from the CA.
  const tlsBroker = await startBroker([`cafile ${pki.ca}`, `certfile ${b.cert}`, `keyfile ${b.key}`, 'require_certificate true']);
  const url = `mqtts://127.0.0.1:${tlsBroker.port}`;
  const col = pki.files('seclog-collector');
  const dataDir = join(dir, 'data');
  const config = loadConfig({
    env: {},
    cwd: dir,
    flags: {
      dataDir,
      http: { port: 0 },
      logLevel: 'silent',
      mqtt: { enabled: true, url, clientId: 'seclog-e2e-tls', tls: { caFile: pki.ca, certFile: col.cert, keyFile: col.key } },
    },
  });
  const c = await openCollector(config, { processMetrics: false });
  try {
    const hurl = await c.listen();
    await c.mqtt!.ready();
    const r: RunningCollector = { c, url: hurl, dataDir, port: Number(new URL(hurl).port) };
    const file = enrolDevice(r, 'gw-3', dir, 'high');
    const dev = pki.files('gw-3');
    const log = await SecurityLogger.open({
      ...file,
      store: { path: join(dir, 'gw-3.ring') },
      ship: {
        transport: 'mqtt',
        mqtt: { url, ca: readFileSync(pki.ca, 'utf8'), cert: readFileSync(dev.cert, 'utf8'), key: readFileSync(dev.key, 'utf8') },
        backoff: { baseMs: 20, maxMs: 300 },
        requestTimeoutMs: 3000,
      },
    });
    const stream = log.status().stream;
    await log.loginFailed({ user: 'admin', sourceIp: '203.0.113.9', method: 'password', reason: 'bad_password' });
    await log.flush({ timeoutMs: 20_000 });
    await log.close();
    const stored = storedRecords(c, stream);
    assert.deepEqual(
      stored.map((x) => x.seq),
      range(1, stored.at(-1)!.seq),
    );
    assert.ok(stored.some((x) => x.name === 'authn_login_fail'));
  } finally {
    await c.close();
    await tlsBroker.dispose();
  }
});
