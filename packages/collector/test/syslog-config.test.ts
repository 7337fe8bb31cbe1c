/**
 * The syslog keys of the configuration (defaults, SECLOG_* overrides, the
 * source map from the file, cross-key rules) and the attribution helpers.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SeclogError } from '@seclog/core';
import { frameOctetCounted } from '@seclog/core';
import { loadConfig } from '../src/config/load.js';
import { addDevice } from '../src/enrol/enrol.js';
import { openDataDir } from '../src/server/data-store.js';
import { certificateNames, plainAddress, SourceMapResolver, UNAUTHENTICATED_DEVICE } from '../src/syslog/attribution.js';
import { SyslogListeners } from '../src/syslog/syslog-listeners.js';
import { passthrough, sendAndClose, sleep, startSyslogCollector, waitFor } from './syslog-fixtures.js';

test('syslog defaults: TCP and UDP on 127.0.0.1:5514, limits set, no source map', () => {
  const c = loadConfig({ env: {}, cwd: tmpdir() });
  assert.equal(c.syslog.host, '127.0.0.1');
  assert.equal(c.syslog.tcpPort, 5514);
  assert.equal(c.syslog.udpPort, 5514);
  assert.equal(c.syslog.tlsPort, 6514);
  assert.equal(c.syslog.maxMessageBytes, 65_536);
  assert.equal(c.syslog.maxConnections, 256);
  assert.equal(c.syslog.connectionRatePerSec, 20_000);
  assert.deepEqual(c.syslog.sourceMap, []);
  assert.equal(c.syslog.sourceMapRefreshSeconds, 300);
  assert.equal(c.syslog.requireClientCert, false);
  assert.equal(SyslogListeners.enabled(c.syslog), true);
  const off = loadConfig({ env: {}, cwd: tmpdir(), flags: { syslog: { tcpEnabled: false, udpEnabled: false } } });
  assert.equal(SyslogListeners.enabled(off.syslog), false);
});

test('SECLOG_SYSLOG_* variables override the limits', () => {
  const c = loadConfig({
    cwd: tmpdir(),
    env: { SECLOG_SYSLOG_MAX_MESSAGE_BYTES: '2048', SECLOG_SYSLOG_MAX_CONNECTIONS: '8', SECLOG_SYSLOG_CONNECTION_RATE_PER_SEC: '50' },
  });
  assert.equal(c.syslog.maxMessageBytes, 2048);
  assert.equal(c.syslog.maxConnections, 8);
  assert.equal(c.syslog.connectionRatePerSec, 50);
  assert.throws(
    () => loadConfig({ cwd: tmpdir(), env: { SECLOG_SYSLOG_MAX_MESSAGE_BYTES: '100' } }),
    (e: SeclogError) => e.code === 'CONFIG_INVALID' && /syslog\.maxMessageBytes/.test(e.message),
  );
});

test('the source map comes from the file; a bad device id names its key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-syslog-config-'));
  try {
    writeFileSync(
      join(dir, 'seclog.yaml'),
      'syslog:\n  sourceMap:\n    - source: 192.0.2.10\n      device: plc-10\n    - source: gw.example.internal\n      device: gw-1\n',
    );
    const c = loadConfig({ env: {}, cwd: dir });
    assert.deepEqual(c.syslog.sourceMap, [
      { source: '192.0.2.10', device: 'plc-10' },
      { source: 'gw.example.internal', device: 'gw-1' },
    ]);
    writeFileSync(join(dir, 'seclog.yaml'), 'syslog:\n  sourceMap:\n    - source: 192.0.2.10\n      device: "bad id"\n');
    assert.throws(
      () => loadConfig({ env: {}, cwd: dir }),
      (e: SeclogError) => e.code === 'CONFIG_INVALID' && /syslog\.sourceMap\.0\.device|syslog\.sourceMap/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('syslog.requireClientCert without syslog.tls.caFile is refused', () => {
  assert.throws(
    () => loadConfig({ env: {}, cwd: tmpdir(), flags: { syslog: { requireClientCert: true } } }),
    (e: SeclogError) => e.code === 'CONFIG_INVALID' && /syslog\.requireClientCert: needsCaFile/.test(e.message),
  );
});

test('a non-loopback syslog host with plain TCP or UDP is refused unless forced', () => {
  assert.throws(
    () => loadConfig({ env: {}, cwd: tmpdir(), flags: { syslog: { host: '0.0.0.0' } } }),
    (e: SeclogError) => e.code === 'CONFIG_INSECURE_BIND',
  );
  assert.equal(loadConfig({ env: {}, cwd: tmpdir(), flags: { syslog: { host: '0.0.0.0', insecureBind: true } } }).syslog.host, '0.0.0.0');
});

test('source map: addresses as given, host names resolved, IPv4-mapped IPv6 peers matched', async () => {
  const map = await new SourceMapResolver([
    { source: '192.0.2.10', device: 'plc-10' },
    { source: 'localhost', device: 'local-1' },
    { source: 'no-such-host.invalid', device: 'ghost' },
  ]).resolve();
  assert.equal(map.get('192.0.2.10'), 'plc-10');
  assert.equal(map.get('127.0.0.1') ?? map.get('::1'), 'local-1');
  assert.ok(![...map.values()].includes('ghost'));
  assert.equal(plainAddress('::ffff:192.0.2.10'), '192.0.2.10');
  assert.equal(plainAddress('2001:db8::1'), '2001:db8::1');
});

test('source map refresh: a moved name follows its new address, a failed lookup keeps the last one', async () => {
  let answer: string[] | Error = ['192.0.2.20'];
  const lookups: string[] = [];
  const resolver = new SourceMapResolver(
    [
      { source: '192.0.2.10', device: 'plc-10' },
      { source: 'gw-3.plant.example', device: 'gw-3' },
      { source: 'never.plant.example', device: 'ghost' },
    ],
    async (name) => {
      lookups.push(name);
      if (name === 'never.plant.example') throw new Error('ENOTFOUND');
      if (answer instanceof Error) throw answer;
      return answer.map((address) => ({ address }));
    },
  );
  assert.equal(resolver.hasNames, true);
  const entries = async () => [...(await resolver.resolve())].sort();
  assert.deepEqual(await entries(), [
    ['192.0.2.10', 'plc-10'],
    ['192.0.2.20', 'gw-3'],
  ]);
  answer = ['192.0.2.21', '2001:DB8::21'];
  assert.deepEqual(await entries(), [
    ['192.0.2.10', 'plc-10'],
    ['192.0.2.21', 'gw-3'],
    ['2001:db8::21', 'gw-3'],
  ]);
  answer = new Error('EAI_AGAIN');
  assert.deepEqual(await entries(), [
    ['192.0.2.10', 'plc-10'],
    ['192.0.2.21', 'gw-3'],
    ['2001:db8::21', 'gw-3'],
  ]);
  assert.deepEqual(lookups.filter((n) => n === 'gw-3.plant.example').length, 3, 'a lookup per resolve, addresses never looked up');
  // The name is deleted from DNS: its addresses go with it.
  answer = Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  assert.deepEqual(await entries(), [['192.0.2.10', 'plc-10']]);
});

test('source map refresh: an address a name answers for now wins over one another name held before a DNS failure', async () => {
  const now = new Map<string, string[] | Error>([
    ['old.plant.example', ['192.0.2.5']],
    ['new.plant.example', ['192.0.2.6']],
  ]);
  const resolver = new SourceMapResolver(
    [
      { source: 'old.plant.example', device: 'retired' },
      { source: 'new.plant.example', device: 'current' },
    ],
    async (name) => {
      const a = now.get(name)!;
      if (a instanceof Error) throw a;
      return a.map((address) => ({ address }));
    },
  );
  await resolver.resolve();
  now.set('old.plant.example', Object.assign(new Error('EAI_AGAIN'), { code: 'EAI_AGAIN' }));
  now.set('new.plant.example', ['192.0.2.5']);
  const map = await resolver.resolve();
  assert.equal(map.get('192.0.2.5'), 'current', 'the fresh answer, although the stale entry comes first in the list');
  assert.equal(new SourceMapResolver([{ source: '192.0.2.10', device: 'plc-10' }]).hasNames, false);
});

test('a collector looks source-map names up again every sourceMapRefreshSeconds', async () => {
  let address = '192.0.2.99';
  const sc = await startSyslogCollector(
    { sourceMap: [{ source: 'gw-9.plant.example', device: 'gw-9' }], sourceMapRefreshSeconds: 1 },
    {},
    { sourceMapLookup: async () => [{ address }] },
  );
  try {
    const send = async (text: string) => {
      const s = connect({ host: '127.0.0.1', port: sc.addrs.tcp!.port, localAddress: '127.0.0.3' });
      await once(s, 'connect');
      await sendAndClose(s, Buffer.from(frameOctetCounted(`<13>1 - - app - - - ${text}`)));
      await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === text), text);
      return passthrough(sc.c).find((r) => r.rec.message === text)!;
    };
    assert.equal((await send('before the move')).device, UNAUTHENTICATED_DEVICE);
    address = '127.0.0.3';
    await sleep(1500);
    const moved = await send('after the move');
    assert.deepEqual([moved.device, moved.rec.attrs.attribution, moved.rec.attrs.source_ip], ['gw-9', 'source_map', '127.0.0.3']);
  } finally {
    await sc.close();
  }
});

test('certificate names: subject CN, then DNS and URI subjectAltNames', () => {
  const names = certificateNames({
    subject: { CN: 'gw-7' },
    subjectaltname: 'DNS:gw-7.example.com, URI:urn:dev:gw-7b, IP Address:192.0.2.1',
  } as never);
  assert.deepEqual(names, ['gw-7', 'gw-7.example.com', 'urn:dev:gw-7b']);
});

test('the unauthenticated device id cannot be enrolled, so no device is mistaken for it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-syslog-enrol-'));
  const dd = await openDataDir(join(dir, 'data'));
  try {
    assert.throws(
      () => addDevice(dd.enrol, UNAUTHENTICATED_DEVICE, 'high', 'http://127.0.0.1:8080'),
      (e: SeclogError) => e.code === 'ENROL_ID_INVALID',
    );
  } finally {
    dd.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
