/**
 * Syslog over TLS (RFC 5425) with throwaway certificates made by the openssl
 * CLI: without a client certificate (unauthenticated), with one naming an
 * enrolled device (certificate attribution, and seclog records accepted as
 * that device), with one from an unknown CA (refused, tls_fail), and with
 * syslog.requireClientCert. Skips when openssl is missing; fails then under
 * SECLOG_TEST_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { encodeEventSyslog, frameOctetCounted } from '@seclog/core';
import { UNAUTHENTICATED_DEVICE } from '../src/syslog/attribution.js';
import { StreamBuilder } from './ingest-harness.js';
import {
  allStored,
  closedByServer,
  enrol,
  hasOpenssl,
  makePki,
  metric,
  ownRecords,
  passthrough,
  type SyslogCollector,
  sendAndClose,
  startSyslogCollector,
  type TestPki,
  tcpConnect,
  tlsOpen,
  waitFor,
} from './syslog-fixtures.js';

const REQUIRE_ALL = process.env.SECLOG_TEST_REQUIRE_ALL === '1';
const MISSING = 'openssl not found: install Debian package openssl (apt-get install openssl) to make the test certificates';
const OPENSSL = hasOpenssl();
if (!OPENSSL && REQUIRE_ALL) test('openssl is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MISSING));
const skip = OPENSSL ? false : MISSING;

const octet = (s: string) => Buffer.from(frameOctetCounted(s));

let pki: TestPki;
let sc: SyslogCollector;
before(async () => {
  if (!OPENSSL) return;
  pki = makePki();
  sc = await startSyslogCollector({
    tcpEnabled: false,
    udpEnabled: false,
    tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert },
  });
  enrol(sc.c, 'gw-7');
});
after(async () => {
  if (!OPENSSL) return;
  await sc.close();
  rmSync(pki.dir, { recursive: true, force: true });
});

test('TLS without a client certificate: messages arrive, unauthenticated', { skip }, async () => {
  assert.equal(sc.addrs.tcp, undefined);
  assert.equal(sc.addrs.udp, undefined);
  const s = await tlsOpen(sc.addrs.tls!.port, pki);
  await sendAndClose(s, octet('<86>1 2026-11-27T10:00:00Z gw sudo - - - pam_unix(sudo:session): session opened for user root'));
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.app === undefined && r.rec.attrs.app === 'sudo'), 'the message');
  const r = passthrough(sc.c).find((x) => x.rec.attrs.app === 'sudo')!;
  assert.equal(r.device, UNAUTHENTICATED_DEVICE);
  assert.equal(r.rec.attrs.attribution, 'unauthenticated');
});

test('a verified client certificate naming an enrolled device attributes messages to it, and its seclog records are ingested', {
  skip,
}, async () => {
  const s = await tlsOpen(sc.addrs.tls!.port, pki, pki.clientCert('gw-7'));
  const b = new StreamBuilder('gw-7', { startMs: Date.now() - 60_000 });
  b.add(3);
  const bytes = Buffer.concat([octet('<13>1 - - app - - - hello from gw-7'), ...b.records.map((r) => octet(encodeEventSyslog(r)))]);
  await sendAndClose(s, bytes);
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === 'hello from gw-7'), 'the passthrough record');
  const p = passthrough(sc.c).find((r) => r.rec.message === 'hello from gw-7')!;
  assert.equal(p.device, 'gw-7');
  assert.equal(p.rec.attrs.attribution, 'certificate');
  await waitFor(() => allStored(sc.c).filter((r) => r.stream === b.stream).length === 3, 'the device records');
  const stored = allStored(sc.c).filter((r) => r.stream === b.stream);
  assert.deepEqual(
    stored.map((r) => JSON.parse(r.canonical)),
    b.records.map((r) => JSON.parse(JSON.stringify(r))),
  );
  // The certificate authenticated the device: its last-seen time moved.
  assert.notEqual(sc.c.data.store.getDevice('gw-7')?.lastSeenUs, null);
});

test('a certificate that names no enrolled device is verified but attributes nothing', { skip }, async () => {
  const s = await tlsOpen(sc.addrs.tls!.port, pki, pki.clientCert('not-enrolled'));
  await sendAndClose(s, octet('<13>1 - - app - - - from an unknown name'));
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === 'from an unknown name'), 'the message');
  assert.equal(passthrough(sc.c).find((r) => r.rec.message === 'from an unknown name')!.rec.attrs.attribution, 'unauthenticated');
});

test('a client certificate from an unknown CA is refused and recorded as tls_fail', { skip }, async () => {
  const was = await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tls', reason: 'tls_failed' });
  // TLS 1.3: the client learns of the refusal after its handshake completes.
  const s = await tlsOpen(sc.addrs.tls!.port, pki, pki.rogueClient).catch(() => undefined);
  if (s !== undefined) {
    s.write(octet('<13>1 - - app - - - should not be stored'));
    assert.equal(await closedByServer(s), true);
  }
  await waitFor(() => ownRecords(sc.c, 'tls_fail').some((r) => r.rec.attrs.reason === 'unknown_ca'), 'tls_fail');
  const rec = ownRecords(sc.c, 'tls_fail').find((r) => r.rec.attrs.reason === 'unknown_ca')!;
  assert.match(String(rec.rec.attrs.cert_fingerprint), /^[0-9a-f]{64}$/);
  assert.equal(await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tls', reason: 'tls_failed' }), was + 1);
  assert.ok(!passthrough(sc.c).some((r) => r.rec.message === 'should not be stored'));
});

test('syslog.requireClientCert refuses a client without a certificate', { skip }, async () => {
  const strict = await startSyslogCollector({
    tcpEnabled: false,
    udpEnabled: false,
    requireClientCert: true,
    tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert },
  });
  try {
    const s = await tlsOpen(strict.addrs.tls!.port, pki).catch(() => undefined);
    if (s !== undefined) {
      s.write(octet('<13>1 - - app - - - no cert'));
      assert.equal(await closedByServer(s), true);
    }
    await waitFor(() => ownRecords(strict.c, 'tls_fail').length === 1, 'tls_fail');
    enrol(strict.c, 'gw-8');
    const ok = await tlsOpen(strict.addrs.tls!.port, pki, pki.clientCert('gw-8'));
    await sendAndClose(ok, octet('<13>1 - - app - - - with cert'));
    await waitFor(() => passthrough(strict.c).length === 1, 'the message with a certificate');
    assert.equal(passthrough(strict.c)[0]!.device, 'gw-8');
    assert.equal(passthrough(strict.c)[0]!.rec.message, 'with cert');
  } finally {
    await strict.close();
  }
});

test('TLS connections count against syslog.maxConnections', { skip }, async () => {
  const limited = await startSyslogCollector({
    tcpEnabled: true,
    udpEnabled: false,
    maxConnections: 1,
    tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
  });
  try {
    const first = await tlsOpen(limited.addrs.tls!.port, pki);
    await waitFor(() => limited.c.syslog.openConnections === 1, 'the first connection admitted');
    // A second TLS connection, and a plain TCP one: both over the shared limit.
    const second = await tlsOpen(limited.addrs.tls!.port, pki).catch(() => undefined);
    if (second !== undefined) assert.equal(await closedByServer(second), true);
    const plain = await tcpConnect(limited.addrs.tcp!.port);
    assert.equal(await closedByServer(plain), true);
    assert.equal(await metric(limited.c, 'seclog_syslog_errors_total', { transport: 'tls', reason: 'connection_limit' }), 1);
    assert.equal(await metric(limited.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'connection_limit' }), 1);
    await sendAndClose(first, octet('<13>1 - - app - - - the admitted one'));
    await waitFor(() => passthrough(limited.c).some((r) => r.rec.message === 'the admitted one'), 'the admitted connection served');
  } finally {
    await limited.close();
  }
});

test('plain text to the TLS port fails the handshake: closed, counted, recorded as tls_fail', { skip }, async () => {
  const was = await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tls', reason: 'tls_failed' });
  const s = await tcpConnect(sc.addrs.tls!.port);
  s.write(octet('<13>1 - - app - - - not TLS at all'));
  assert.equal(await closedByServer(s), true);
  await waitFor(() => ownRecords(sc.c, 'tls_fail').some((r) => r.rec.attrs.reason === 'other'), 'tls_fail (other)');
  assert.equal(await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tls', reason: 'tls_failed' }), was + 1);
  // The listener still serves.
  const ok = await tlsOpen(sc.addrs.tls!.port, pki);
  await sendAndClose(ok, octet('<13>1 - - app - - - after the plain-text client'));
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === 'after the plain-text client'), 'served');
});
