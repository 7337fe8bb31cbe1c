/**
 * The syslog channel against a real rsyslogd started here with its own
 * configuration in a temp dir (imtcp and imudp on free loopback ports,
 * omfile in RFC 5424 form; no imuxsock, so /dev/log is not touched), and
 * the message itself read back with core's RFC 5424 parser. Skips with a
 * message when rsyslogd is missing; fails then under SECLOG_TEST_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createSyslogFrameDecoder, parseRfc5424 } from '@seclog/core';
import { notifyConfigIssues } from '../src/notify/channels/channel-config.js';
import { ALERT_SD_ID, alertSyslogMessage } from '../src/notify/channels/syslog-message.js';
import { Notifier } from '../src/notify/notifier.js';
import { notice, notifyConfig, sleep, tempStore, waitFor } from './notify-fixtures.js';
import { canConnect, findPeer, freePort } from './support/peers.js';

// SECLOG_RSYSLOGD names another binary (or a missing one, to see the skip).
const { path: RSYSLOGD, skip } = findPeer('rsyslogd', 'SECLOG_RSYSLOGD', ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'], 'rsyslog');

interface Rsyslog {
  tcpPort: number;
  udpPort: number;
  out: string;
  lines(): string[];
}

const dir = mkdtempSync(join(tmpdir(), 'seclog-rsyslog-'));
let child: ChildProcess | undefined;
let rsyslog: Rsyslog | undefined;
let output = '';

async function startRsyslog(tcpPort: number, udpPort: number, out: string): Promise<void> {
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}" maxMessageSize="16k")`,
      'module(load="imtcp")',
      'module(load="imudp")',
      `input(type="imtcp" address="127.0.0.1" port="${tcpPort}")`,
      `input(type="imudp" address="127.0.0.1" port="${udpPort}")`,
      `action(type="omfile" file="${out}" template="RSYSLOG_SyslogProtocol23Format")`,
      '',
    ].join('\n'),
  );
  const proc = spawn(RSYSLOGD as string, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  proc.stdout?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  proc.stderr?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  const end = Date.now() + 10_000;
  while (!(await canConnect(tcpPort))) {
    if (Date.now() > end || proc.exitCode !== null) throw new Error(`rsyslogd did not start: ${output}`);
    await sleep(20);
  }
}

async function stopRsyslog(): Promise<void> {
  const proc = child;
  if (proc === undefined || proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

before(async () => {
  if (!RSYSLOGD) return;
  const tcpPort = await freePort('tcp');
  const udpPort = await freePort('udp');
  const out = join(dir, 'alerts.log');
  const lines = () =>
    existsSync(out)
      ? readFileSync(out, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];
  await startRsyslog(tcpPort, udpPort, out);
  // UDP has no handshake: probe until a datagram shows up in the file.
  const end = Date.now() + 10_000;
  const probe = createSocket('udp4');
  try {
    while (!lines().some((l) => l.includes('seclog-probe'))) {
      if (Date.now() > end) throw new Error(`rsyslogd's UDP input never answered: ${output}`);
      probe.send('<13>1 - - probe - - - seclog-probe', udpPort, '127.0.0.1');
      await sleep(30);
    }
  } finally {
    probe.close();
  }
  rsyslog = { tcpPort, udpPort, out, lines };
});

after(async () => {
  await stopRsyslog();
  rmSync(dir, { recursive: true, force: true });
});

const channel = (name: string, protocol: 'tcp' | 'udp', port: number) => ({
  name,
  type: 'syslog' as const,
  host: '127.0.0.1',
  port,
  protocol,
});

for (const protocol of ['tcp', 'udp'] as const) {
  test(`an alert reaches rsyslog over ${protocol} as RFC 5424 with the alert in structured data`, { skip }, async () => {
    const rs = rsyslog as Rsyslog;
    const t = tempStore();
    const name = `siem-${protocol}`;
    const n = new Notifier({
      store: t.store,
      config: notifyConfig([channel(name, protocol, protocol === 'tcp' ? rs.tcpPort : rs.udpPort)]),
    });
    const id = protocol === 'tcp' ? 'alr-0101' : 'alr-0102';
    try {
      n.start();
      n.enqueue(notice(protocol === 'tcp' ? 101 : 102, { ruleTitle: 'Brute force "admin" [ssh]' }));
      await waitFor(() => t.store.getOutboxRow(id, name)?.state === 'delivered', 'handed to syslog');
      await waitFor(() => rs.lines().some((l) => l.includes(id)), `rsyslog wrote ${id}`);
      const line = rs.lines().find((l) => l.includes(id)) as string;
      // Facility 13 (log audit) × 8 + severity 3 (high → error).
      assert.match(line, /^<107>1 \S+ \S+ seclog \d+ alert \[seclog-alert@32473 /);
      for (const param of [
        `alert_id="${id}"`,
        'rule_id="seclog.brute_force_login"',
        'rule_title="Brute force \\"admin\\" [ssh\\]"',
        'severity="high"',
        'group_key="gw-0042/203.0.113.9"',
        'count="11"',
        'evidence="0193a1f2-6a01-7c3d-8e10-1a2b3c4d5e01,0193a1f2-6a4f-7c3d-9e11-1a2b3c4d5e02"',
        'evidence_total="2"',
        `idempotency_key="${id}:${name}"`,
      ]) {
        assert.ok(line.includes(param), `${param} in ${line}`);
      }
      assert.match(line, /\[HIGH\] Brute force "admin" \[ssh\] \(gw-0042\/203\.0\.113\.9\): 11 events$/);
    } finally {
      await n.close();
      t.dispose();
    }
  });
}

test('after rsyslog restarts, the next alert goes over a new TCP connection', { skip }, async () => {
  const rs = rsyslog as Rsyslog;
  const t = tempStore();
  const n = new Notifier({ store: t.store, config: notifyConfig([channel('siem', 'tcp', rs.tcpPort)]) });
  const seen = (i: number) => rs.lines().some((l) => l.includes(`alr-0${i}`));
  try {
    n.start();
    for (let i = 201; i <= 203; i++) n.enqueue(notice(i));
    await waitFor(() => [201, 202, 203].every(seen), 'three alerts over one connection');
    await stopRsyslog();
    await startRsyslog(rs.tcpPort, rs.udpPort, rs.out);
    n.enqueue(notice(204));
    await waitFor(() => seen(204), 'the alert after the restart');
    assert.equal(t.store.getOutboxRow('alr-0204', 'siem')?.state, 'delivered');
  } finally {
    await n.close();
    t.dispose();
  }
});

test('alerts sent at once share one TCP connection, each an octet-counted frame', async () => {
  let connections = 0;
  const frames: string[] = [];
  const server = createServer((sock) => {
    connections++;
    const decoder = createSyslogFrameDecoder({ maxFrameBytes: 65_536, framing: 'octet-counting' });
    sock.on('data', (b: Buffer) => {
      for (const f of decoder.push(b)) frames.push(Buffer.from(f).toString('utf8'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const t = tempStore();
  const n = new Notifier({ store: t.store, config: notifyConfig([channel('siem', 'tcp', port)]) });
  try {
    for (let i = 301; i <= 305; i++) n.enqueue(notice(i));
    n.start();
    await waitFor(() => frames.length === 5, 'five frames');
    assert.equal(connections, 1);
    assert.deepEqual(frames.map((f) => new Map(parseRfc5424(f).structuredData[0]?.params).get('alert_id')).sort(), [
      'alr-0301',
      'alr-0302',
      'alr-0303',
      'alr-0304',
      'alr-0305',
    ]);
  } finally {
    await n.close();
    server.close();
    t.dispose();
  }
});

test('the message parses back with core’s RFC 5424 parser; evidence is cut to fit, with the total kept', () => {
  const many = Array.from({ length: 300 }, (_, i) => `0193a1f2-6a01-7c3d-8e10-${String(i).padStart(12, '0')}`);
  const text = alertSyslogMessage(notice(9, { evidence: many, groupKey: 'gw-9/Grüße' }), 'alr-0009:siem', {
    facility: 13,
    hostname: 'collector-1',
    maxBytes: 2048,
    timestamp: '2026-11-04T09:01:00.250Z',
  });
  assert.ok(Buffer.byteLength(text) <= 2048, `${Buffer.byteLength(text)} bytes`);
  const m = parseRfc5424(text);
  assert.equal(m.facility, 13);
  assert.equal(m.severity, 3);
  assert.deepEqual([m.hostname, m.appName, m.msgId], ['collector-1', 'seclog', 'alert']);
  const sd = m.structuredData.find((e) => e.id === ALERT_SD_ID);
  const params = new Map(sd?.params);
  assert.equal(params.get('group_key'), 'gw-9/Grüße');
  assert.equal(params.get('evidence_total'), '300');
  const shown = params.get('evidence')?.split(',') ?? [];
  assert.ok(shown.length > 0 && shown.length < 300, `${shown.length} ids shown`);
  assert.deepEqual(shown, many.slice(0, shown.length));
  assert.equal(params.get('idempotency_key'), 'alr-0009:siem');
  assert.equal(m.bom, true);
});

test('syslog to another host needs insecure: true (plain text on the network)', () => {
  const remote = { ...channel('siem', 'tcp', 514), host: 'siem.example.com' };
  const issues = (ch: object) => notifyConfigIssues(notifyConfig([ch as ReturnType<typeof channel>])).map((i) => `${i.key}: ${i.rule}`);
  assert.deepEqual(issues(remote), ['notify.channels.0.insecure: loopbackOrTls']);
  assert.deepEqual(issues({ ...remote, insecure: true }), []);
  assert.deepEqual(issues({ ...remote, insecure: true, url: 'https://x.test' }), ['notify.channels.0.url: unknown']);
});
