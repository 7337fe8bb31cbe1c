/**
 * Interop with real peers: a stock rsyslogd started here (own configuration
 * in a temp dir: imtcp and imudp inputs on free loopback ports, no imuxsock,
 * so /dev/log is untouched) forwards what it receives to the collector with
 * omfwd over TCP, octet-counted, in RSYSLOG_SyslogProtocol23Format; and
 * util-linux `logger` sends straight to the collector (RFC 5424 over TCP
 * with octet counting, and over UDP). The messages must be queryable through
 * GET /api/v1/events. Skips with a message when rsyslogd or logger is
 * missing; fails then under SECLOG_TEST_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { canConnect, freePort } from './support/peers.js';
import { passthrough, type SyslogCollector, sleep, startSyslogCollector, tcpConnect, udpSend, waitFor } from './syslog-fixtures.js';

const freeTcpPort = (): Promise<number> => freePort('tcp');

const RSYSLOGD = (process.env.SECLOG_RSYSLOGD ? [process.env.SECLOG_RSYSLOGD] : ['/usr/sbin/rsyslogd', '/sbin/rsyslogd']).find((p) =>
  existsSync(p),
);
const LOGGER = ['/usr/bin/logger', '/bin/logger'].find((p) => existsSync(p));
const REQUIRE_ALL = process.env.SECLOG_TEST_REQUIRE_ALL === '1';
const MISSING_RSYSLOG = 'rsyslogd not found: install Debian package rsyslog (apt-get install rsyslog)';
const MISSING_LOGGER = 'logger not found: install Debian package bsdutils (util-linux logger)';
if (!RSYSLOGD && REQUIRE_ALL) test('rsyslogd is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MISSING_RSYSLOG));
if (!LOGGER && REQUIRE_ALL) test('logger is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MISSING_LOGGER));

const dir = mkdtempSync(join(tmpdir(), 'seclog-syslog-rsyslog-'));
let sc: SyslogCollector;
let child: ChildProcess | undefined;
let rsyslogOut = '';
let inTcp = 0;
let inUdp = 0;
let token = '';

async function startRsyslog(collectorPort: number): Promise<void> {
  inTcp = await freeTcpPort();
  inUdp = await freeTcpPort(); // a free TCP port number is almost always free for UDP too; checked by the probe below
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      // Control characters kept as they are: the octet-counted frame carries them to the collector.
      `global(workDirectory="${dir}" maxMessageSize="16k" parser.escapeControlCharactersOnReceive="off")`,
      'module(load="imtcp")',
      'module(load="imudp")',
      `input(type="imtcp" address="127.0.0.1" port="${inTcp}")`,
      `input(type="imudp" address="127.0.0.1" port="${inUdp}")`,
      // The forwarding recommended in docs/syslog.md: a disk-assisted queue that retries forever.
      `action(type="omfwd" target="127.0.0.1" port="${collectorPort}" protocol="tcp" TCP_Framing="octet-counted"`,
      '       template="RSYSLOG_SyslogProtocol23Format" queue.type="LinkedList" queue.filename="fwd"',
      '       queue.saveOnShutdown="on" action.resumeRetryCount="-1" action.resumeInterval="1")',
      '',
    ].join('\n'),
  );
  const proc = spawn(RSYSLOGD as string, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  proc.stdout?.on('data', (b: Buffer) => {
    rsyslogOut += b.toString();
  });
  proc.stderr?.on('data', (b: Buffer) => {
    rsyslogOut += b.toString();
  });
  const end = Date.now() + 10_000;
  while (!(await canConnect(inTcp))) {
    if (Date.now() > end || proc.exitCode !== null) throw new Error(`rsyslogd did not start: ${rsyslogOut}`);
    await sleep(20);
  }
}

before(async () => {
  if (!RSYSLOGD && !LOGGER) return;
  sc = await startSyslogCollector({ sourceMap: [{ source: '127.0.0.1', device: 'edge-1' }] });
  token = sc.c.adminToken as string;
  if (RSYSLOGD) await startRsyslog(sc.addrs.tcp!.port);
});

after(async () => {
  const proc = child;
  if (proc !== undefined && proc.exitCode === null) {
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  }
  if (sc !== undefined) await sc.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GET /api/v1/events through the HTTP app: what a user querying the collector sees. */
async function query(params: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const res = await sc.c.app.inject({
    method: 'GET',
    url: `/api/v1/events?${new URLSearchParams({ limit: '100', ...params })}`,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  return (JSON.parse(res.body) as { events: Array<Record<string, unknown>> }).events;
}

const recordOf = (e: Record<string, unknown>) =>
  (e.record ?? e) as { message?: string; attrs: Record<string, unknown>; device: { id: string } };

test('rsyslog forwards what it receives (TCP and UDP inputs) to the collector, octet-counted; queryable as passthrough', {
  skip: RSYSLOGD ? false : MISSING_RSYSLOG,
}, async () => {
  // A logger-style writer into rsyslog's imtcp: LF-framed RFC 3164 and RFC 5424 lines.
  const s = await tcpConnect(inTcp);
  s.write('<38>Nov 27 10:00:01 edge-1 sshd[813]: Accepted publickey for backup from 192.0.2.55 port 50122 ssh2\n');
  s.write('<86>1 2026-11-27T10:00:02.250Z edge-1 sudo 990 - - pam_unix(sudo:session): session opened for user root\n');
  // Octet-counted into rsyslog too: CR, LF and ] inside the text survive both hops.
  const tricky = 'multi\r\nline ] text';
  const body = `<13>1 2026-11-27T10:00:03Z edge-1 app - - - ${tricky}`;
  s.end(`${Buffer.byteLength(body)} ${body}`);
  // UDP has no handshake: repeat until rsyslog has started its UDP input.
  const end = Date.now() + 10_000;
  while (!passthrough(sc.c).some((r) => r.rec.message === 'via rsyslog udp')) {
    if (Date.now() > end) throw new Error(`rsyslog's UDP input never forwarded: ${rsyslogOut}`);
    await udpSend(inUdp, '<13>1 - edge-1 app - - - via rsyslog udp');
    await sleep(100);
  }
  // CR is neutralised to a visible escape (CWE-117); LF and ] are kept.
  const stored = 'multi\\u000d\nline ] text';
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === stored), 'the message with CR, LF and ]', 10_000);
  const events = await query({ device: 'edge-1', q: 'Accepted publickey' });
  assert.equal(events.length, 1);
  const ssh = recordOf(events[0]!);
  // rsyslog's %msg% of an RFC 3164 message keeps the space after the tag's colon.
  assert.equal(ssh.message, ' Accepted publickey for backup from 192.0.2.55 port 50122 ssh2');
  assert.equal(ssh.attrs.app, 'sshd');
  assert.equal(ssh.attrs.procid, '813');
  assert.equal(ssh.attrs.attribution, 'source_map');
  assert.equal(ssh.attrs.format, 'rfc5424'); // rsyslog re-encodes as RFC 5424 (SyslogProtocol23Format)
  const sudo = recordOf((await query({ device: 'edge-1', q: 'session opened' }))[0]!);
  assert.equal(sudo.attrs.app, 'sudo');
  assert.equal(sudo.attrs.syslog_severity, 6);
  assert.equal(sudo.attrs.facility, 10);
});

test('logger --rfc5424 --tcp --octet-count and --udp reach the collector directly', { skip: LOGGER ? false : MISSING_LOGGER }, async () => {
  const run = (args: string[]) => execFileSync(LOGGER as string, args, { stdio: 'pipe', timeout: 10_000 });
  run([
    '--rfc5424',
    '--tcp',
    '--octet-count',
    '-n',
    '127.0.0.1',
    '-P',
    String(sc.addrs.tcp!.port),
    '-t',
    'fwtest',
    '--msgid',
    'M1',
    '--sd-id',
    'origin@32473',
    '--sd-param',
    'ip="192.0.2.1"',
    'logger over tcp',
  ]);
  const end = Date.now() + 10_000;
  while (!passthrough(sc.c).some((r) => r.rec.message === 'logger over udp')) {
    if (Date.now() > end) throw new Error('logger --udp never arrived');
    run(['--rfc5424', '--udp', '-n', '127.0.0.1', '-P', String(sc.addrs.udp!.port), '-t', 'fwtest', 'logger over udp']);
    await sleep(100);
  }
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === 'logger over tcp'), 'logger over tcp');
  const tcp = recordOf((await query({ device: 'edge-1', q: 'logger over tcp' }))[0]!);
  assert.equal(tcp.attrs.app, 'fwtest');
  assert.equal(tcp.attrs.msgid, 'M1');
  assert.match(String(tcp.attrs.sd), /origin@32473/);
  assert.equal(tcp.attrs.attribution, 'source_map');
});
