/**
 * Interop over TLS (RFC 5425) with a real peer: a stock rsyslogd started here
 * (own configuration in a temp dir, no imuxsock) takes messages on an imtcp
 * input and forwards them with omfwd through the gtls network stream driver
 * (Debian package rsyslog-gnutls), octet-counted, in
 * RSYSLOG_SyslogProtocol23Format, to the collector's syslog TLS listener.
 *
 * rsyslog runs in StreamDriverAuthMode "x509/name": it verifies the
 * collector's certificate against the test CA and its name against
 * StreamDriverPermittedPeers, and presents a client certificate whose CN is an
 * enrolled device, so the collector attributes the messages to that device.
 * The configuration is the one docs/syslog.md shows. Certificates are
 * throwaway ones made by the openssl CLI.
 *
 * Skips with a message when rsyslogd, its gtls module or openssl is missing;
 * fails then under SECLOG_TEST_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { frameOctetCounted } from '@seclog/core';
import {
  enrol,
  freeTcpPort,
  hasOpenssl,
  makePki,
  passthrough,
  RSYSLOGD,
  type RsyslogForwarder as Rsyslog,
  runRsyslogd,
  type SyslogCollector,
  sendAndClose,
  startSyslogCollector,
  type TestPki,
  tcpConnect,
  waitFor,
} from './syslog-fixtures.js';

/** rsyslog's module directories: Debian's multiarch one first, then the usual others. */
function gtlsModule(): string | undefined {
  const dirs = ['/usr/lib/rsyslog', '/usr/lib64/rsyslog'];
  try {
    for (const d of readdirSync('/usr/lib')) if (d.endsWith('-linux-gnu')) dirs.unshift(join('/usr/lib', d, 'rsyslog'));
  } catch {
    // no /usr/lib: nothing to add
  }
  if (process.env.SECLOG_RSYSLOG_MODDIR) dirs.unshift(process.env.SECLOG_RSYSLOG_MODDIR);
  return dirs.map((d) => join(d, 'lmnsd_gtls.so')).find((p) => existsSync(p));
}

const REQUIRE_ALL = process.env.SECLOG_TEST_REQUIRE_ALL === '1';
const OPENSSL = hasOpenssl();
const GTLS = RSYSLOGD ? gtlsModule() : undefined;
const MISSING = !RSYSLOGD
  ? 'rsyslogd not found: install Debian package rsyslog (apt-get install rsyslog)'
  : !GTLS
    ? "rsyslog's gtls stream driver (lmnsd_gtls.so) not found: install Debian package rsyslog-gnutls (apt-get install rsyslog-gnutls)"
    : !OPENSSL
      ? 'openssl not found: install Debian package openssl (apt-get install openssl) to make the test certificates'
      : undefined;
if (MISSING !== undefined && REQUIRE_ALL)
  test('rsyslogd with gtls and openssl are available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MISSING));
const skip = MISSING ?? false;

const DEVICE = 'gw-17';

const dir = mkdtempSync(join(tmpdir(), 'seclog-syslog-rsyslog-tls-'));
let pki: TestPki;
let sc: SyslogCollector;
const running: Rsyslog[] = [];

/**
 * rsyslogd with its own configuration and work directory: imtcp on a free
 * loopback port, omfwd over gtls to the collector's TLS port with the client
 * certificate of DEVICE. `permittedPeers` undefined leaves the setting out
 * (rsyslog refuses to connect when it is set in anon mode).
 */
async function startRsyslog(name: string, authMode: string, permittedPeers: string | undefined): Promise<Rsyslog> {
  const work = join(dir, name);
  mkdirSync(work);
  const inTcp = await freeTcpPort();
  pki.clientCert(DEVICE); // writes gw-17.crt and gw-17.key into the PKI directory
  const conf = join(work, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      // Control characters kept as they are: the octet-counted frame carries them to the collector.
      `global(workDirectory="${work}" maxMessageSize="16k" parser.escapeControlCharactersOnReceive="off"`,
      `       DefaultNetstreamDriverCAFile="${pki.caCert}"`,
      `       DefaultNetstreamDriverCertFile="${join(pki.dir, `${DEVICE}.crt`)}"`,
      `       DefaultNetstreamDriverKeyFile="${join(pki.dir, `${DEVICE}.key`)}")`,
      'module(load="imtcp")',
      `input(type="imtcp" address="127.0.0.1" port="${inTcp}")`,
      // As in docs/syslog.md; the collector's test certificate names localhost (and 127.0.0.1).
      `action(type="omfwd" target="127.0.0.1" port="${sc.addrs.tls!.port}" protocol="tcp"`,
      `       StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="${authMode}"`,
      ...(permittedPeers === undefined ? [] : [`       StreamDriverPermittedPeers="${permittedPeers}"`]),
      '       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"',
      '       queue.type="LinkedList" queue.filename="seclog_fwd" queue.maxDiskSpace="1g"',
      // docs/syslog.md retries every 5 s; 1 s keeps the test short.
      '       queue.saveOnShutdown="on" action.resumeRetryCount="-1" action.resumeInterval="1")',
      '',
    ].join('\n'),
  );
  const r: Rsyslog = await runRsyslogd(conf, work, inTcp);
  running.push(r);
  return r;
}

before(async () => {
  if (MISSING !== undefined) return;
  pki = makePki();
  sc = await startSyslogCollector({
    tcpEnabled: false,
    udpEnabled: false,
    requireClientCert: true,
    tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert },
  });
  enrol(sc.c, DEVICE);
});

after(async () => {
  for (const r of running) await r.stop();
  if (sc !== undefined) await sc.close();
  if (pki !== undefined) rmSync(pki.dir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

/** GET /api/v1/events through the HTTP app: what a user querying the collector sees. */
async function query(params: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const res = await sc.c.app.inject({
    method: 'GET',
    url: `/api/v1/events?${new URLSearchParams({ limit: '100', ...params })}`,
    headers: { authorization: `Bearer ${sc.c.adminToken as string}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  return (JSON.parse(res.body) as { events: Array<Record<string, unknown>> }).events;
}

const recordOf = (e: Record<string, unknown>) =>
  (e.record ?? e) as { message?: string; attrs: Record<string, unknown>; device: { id: string } };

/** Waits for a stored passthrough message, saying what rsyslog printed if it never comes. */
async function arrives(r: Rsyslog, message: string): Promise<void> {
  await waitFor(() => passthrough(sc.c).some((p) => p.rec.message === message), JSON.stringify(message), 15_000).catch((err: Error) => {
    throw new Error(`${err.message}; rsyslogd said: ${r.output()}`);
  });
}

test('rsyslog forwards over TLS (gtls, x509/name, client certificate): messages arrive intact, attributed to the certificate device', {
  skip,
}, async () => {
  const r = await startRsyslog('x509', 'x509/name', 'localhost');
  const s = await tcpConnect(r.inTcp);
  // LF-framed RFC 3164 and RFC 5424 lines into rsyslog's imtcp.
  s.write('<38>Nov 27 10:00:01 gw-17 sshd[813]: Accepted publickey for backup from 192.0.2.55 port 50122 ssh2\n');
  s.write('<86>1 2026-11-27T10:00:02.250Z gw-17 sudo 990 - - pam_unix(sudo:session): session opened for user root\n');
  // Octet-counted into rsyslog: CR, LF and ] inside the text survive both hops, the second one over TLS.
  await sendAndClose(s, frameOctetCounted('<13>1 2026-11-27T10:00:03Z gw-17 app - - - multi\r\nline ] text'));

  // CR is neutralised to a visible escape (CWE-117); LF and ] are kept.
  const tricky = 'multi\\u000d\nline ] text';
  await arrives(r, tricky);
  await waitFor(() => passthrough(sc.c).length >= 3, 'all three messages', 10_000);
  const stored = passthrough(sc.c);
  assert.equal(stored.length, 3);
  // The client certificate (CN gw-17, an enrolled device) decides the device, for every message.
  for (const p of stored) {
    assert.equal(p.device, DEVICE);
    assert.equal(p.rec.device.id, DEVICE);
    assert.equal(p.rec.attrs.attribution, 'certificate');
    assert.equal(p.rec.attrs.format, 'rfc5424'); // rsyslog re-encodes as RFC 5424 (SyslogProtocol23Format)
  }
  const multi = stored.find((p) => p.rec.message === tricky)!;
  assert.equal(multi.rec.attrs.app, 'app');
  assert.equal(multi.rec.attrs.facility, 1);
  assert.equal(multi.rec.attrs.syslog_severity, 5);

  // Queryable through the API, by device and text.
  const ssh = await query({ device: DEVICE, q: 'Accepted publickey' });
  assert.equal(ssh.length, 1);
  const sshRec = recordOf(ssh[0]!);
  // rsyslog's %msg% of an RFC 3164 message keeps the space after the tag's colon.
  assert.equal(sshRec.message, ' Accepted publickey for backup from 192.0.2.55 port 50122 ssh2');
  assert.equal(sshRec.attrs.app, 'sshd');
  assert.equal(sshRec.attrs.procid, '813');
  const sudo = await query({ device: DEVICE, q: 'session opened' });
  assert.equal(sudo.length, 1);
  assert.equal(recordOf(sudo[0]!).attrs.app, 'sudo');
  assert.equal(recordOf(sudo[0]!).attrs.syslog_severity, 6);
  // The certificate authenticated the device: its last-seen time moved.
  assert.notEqual(sc.c.data.store.getDevice(DEVICE)?.lastSeenUs, null);
  await r.stop();
});

test('x509/name: rsyslog will not talk to a collector whose certificate does not carry the permitted name', { skip }, async () => {
  const r = await startRsyslog('wrong-peer', 'x509/name', 'collector.example.com');
  const s = await tcpConnect(r.inTcp);
  await sendAndClose(s, '<13>1 - gw-17 app - - - to the wrong peer\n');
  await waitFor(() => r.output().includes('peer name not authorized'), "rsyslog's refusal of the collector's name", 15_000);
  await r.stop();
  assert.ok(!passthrough(sc.c).some((p) => p.rec.message === 'to the wrong peer'));
});

test('anon mode delivers too (and still presents the client certificate) but does not check the collector', { skip }, async () => {
  // With StreamDriverPermittedPeers set, anon mode refuses to connect at all; without it, it connects to anyone.
  const r = await startRsyslog('anon', 'anon', undefined);
  const s = await tcpConnect(r.inTcp);
  await sendAndClose(s, '<13>1 - gw-17 app - - - over anon TLS\n');
  await arrives(r, 'over anon TLS');
  const p = passthrough(sc.c).find((x) => x.rec.message === 'over anon TLS')!;
  assert.equal(p.device, DEVICE);
  assert.equal(p.rec.attrs.attribution, 'certificate');
  await r.stop();
});
