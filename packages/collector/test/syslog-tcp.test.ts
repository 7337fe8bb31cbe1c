/**
 * Syslog over plain TCP (RFC 6587) into a real collector: octet-counted and
 * LF-framed messages on one connection, foreign messages as passthrough with
 * their attribution, seclog's own encoding back to the original record
 * through the ingest checks, and the limits.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ChainedEvent } from '@seclog/core';
import { encodeEventSyslog, formatEventTime, frameLf, frameOctetCounted, uuidv7 } from '@seclog/core';
import { openDataDir } from '../src/server/data-store.js';
import { UNAUTHENTICATED_DEVICE } from '../src/syslog/attribution.js';
import { StreamBuilder } from './ingest-harness.js';
import {
  allStored,
  closedByServer,
  enrol,
  metric,
  ownRecords,
  passthrough,
  type SyslogCollector,
  sendAndClose,
  startSyslogCollector,
  tcpConnect,
  waitFor,
} from './syslog-fixtures.js';

const FOREIGN_5424 =
  '<34>1 2026-11-27T10:00:00.123Z gw-claims-this sshd 812 ID47 [ex@32473 k="v"] Failed password for root from 203.0.113.5';
const FOREIGN_3164 = '<38>Nov 27 10:00:01 host1 sshd[813]: Accepted publickey for backup';

let sc: SyslogCollector;
before(async () => {
  sc = await startSyslogCollector({ sourceMap: [{ source: '127.0.0.2', device: 'plc-2' }] });
});
after(async () => {
  await sc.close();
});

const octet = (s: string) => Buffer.from(frameOctetCounted(s));
const lf = (s: string) => Buffer.from(frameLf(s));

test('octet-counted and LF frames on one connection become passthrough records, unauthenticated', async () => {
  const before = passthrough(sc.c).length;
  const s = await tcpConnect(sc.addrs.tcp!.port);
  // Framing is decided per frame, and a chunk may split a frame anywhere.
  const bytes = Buffer.concat([octet(FOREIGN_5424), lf(FOREIGN_3164), octet('<13>1 - - app - - - line one\nline two ] "q"\r\n')]);
  s.write(bytes.subarray(0, 7));
  s.write(bytes.subarray(7, 100));
  await sendAndClose(s, bytes.subarray(100));
  await waitFor(() => passthrough(sc.c).length >= before + 3, 'three passthrough records');
  const got = passthrough(sc.c).slice(before);
  assert.equal(got.length, 3);
  const [a, b, c] = got.map((r) => r.rec);
  assert.equal(a!.device.id, UNAUTHENTICATED_DEVICE);
  assert.equal(a!.attrs.attribution, 'unauthenticated');
  assert.equal(a!.attrs.source_ip, '127.0.0.1');
  assert.equal(a!.attrs.format, 'rfc5424');
  assert.equal(a!.attrs.host, 'gw-claims-this');
  assert.equal(a!.attrs.app, 'sshd');
  assert.equal(a!.attrs.msgid, 'ID47');
  assert.equal(a!.message, 'Failed password for root from 203.0.113.5');
  assert.equal(b!.attrs.format, 'rfc3164');
  assert.equal(b!.attrs.app, 'sshd');
  assert.equal(b!.message, 'Accepted publickey for backup');
  // LF and ] inside an octet-counted message are kept, the trailing CR LF is not.
  assert.equal(c!.message, 'line one\nline two ] "q"');
  // Chained by the collector in passthrough/syslog of that device.
  const seqs = got.map((r) => r.seq);
  assert.deepEqual(seqs, [seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
  assert.equal(got[0]!.device, UNAUTHENTICATED_DEVICE);
  assert.ok((await metric(sc.c, 'seclog_syslog_messages_total', { transport: 'tcp', outcome: 'stored' })) >= 3);
});

test('a source-mapped address attributes messages to the mapped device', async () => {
  const s = await tcpConnect(sc.addrs.tcp!.port);
  await sendAndClose(s, octet('<13>1 - - app - - - from the loopback'));
  // 127.0.0.2 is loopback on Linux too; bind the client to it.
  const { connect } = await import('node:net');
  const s2 = connect({ host: '127.0.0.1', port: sc.addrs.tcp!.port, localAddress: '127.0.0.2' });
  await new Promise<void>((r) => s2.once('connect', () => r()));
  await sendAndClose(s2, octet('<13>1 - - app - - - from the plc'));
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === 'from the plc'), 'the mapped message');
  const rec = passthrough(sc.c).find((r) => r.rec.message === 'from the plc')!;
  assert.equal(rec.device, 'plc-2');
  assert.equal(rec.rec.attrs.attribution, 'source_map');
  assert.equal(rec.rec.attrs.source_ip, '127.0.0.2');
});

function deviceStream(id: string, n: number): StreamBuilder {
  const b = new StreamBuilder(id, { startMs: Date.now() - 60_000 });
  b.add(n);
  return b;
}

const encode = (recs: readonly ChainedEvent[]) => Buffer.concat(recs.map((r) => octet(encodeEventSyslog(r))));

test('seclog-encoded records from a source-mapped enrolled device become the original records; a fork is refused', async () => {
  enrol(sc.c, 'plc-2');
  const b = deviceStream('plc-2', 5);
  const { connect } = await import('node:net');
  const s = connect({ host: '127.0.0.1', port: sc.addrs.tcp!.port, localAddress: '127.0.0.2' });
  await new Promise<void>((r) => s.once('connect', () => r()));
  await sendAndClose(s, encode(b.records));
  const stored = () => allStored(sc.c).filter((r) => r.device === 'plc-2' && r.stream === b.stream);
  await waitFor(() => stored().length === 5, 'five device records');
  // The record the device chained, field for field, at its own seq.
  for (const [i, r] of stored().entries()) {
    assert.equal(r.seq, i + 1);
    assert.deepEqual(JSON.parse(r.canonical), b.records[i]);
  }
  // A different record 5 that chains to record 4 is a fork: refused, logged as log_integrity_fail.
  const forkAt = structuredClone(b.records[4]!);
  forkAt.attrs = { ...forkAt.attrs, reason: 'forged' };
  const s2 = connect({ host: '127.0.0.1', port: sc.addrs.tcp!.port, localAddress: '127.0.0.2' });
  await new Promise<void>((r) => s2.once('connect', () => r()));
  await sendAndClose(s2, encode([forkAt]));
  await waitFor(() => ownRecords(sc.c, 'log_integrity_fail').some((r) => r.rec.attrs.device_id === 'plc-2'), 'the fork record');
  assert.equal(stored().length, 5);
  assert.ok((await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'ingest_refused' })) >= 1);
});

test('an unchained seclog event from a source-mapped device is chained by the collector; unauthenticated, it is refused', async () => {
  const ev = {
    v: 1 as const,
    id: uuidv7(),
    name: 'authn_login_fail',
    time: formatEventTime({ ms: Date.now(), us: 0 }),
    severity: 'medium' as const,
    outcome: 'failure' as const,
    device: { id: 'plc-2' },
    actor: { user: 'admin', ip: '203.0.113.9' },
    attrs: { method: 'password', reason: 'bad_password' },
  };
  const { connect } = await import('node:net');
  const s = connect({ host: '127.0.0.1', port: sc.addrs.tcp!.port, localAddress: '127.0.0.2' });
  await new Promise<void>((r) => s.once('connect', () => r()));
  await sendAndClose(s, octet(encodeEventSyslog(ev)));
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.id === ev.id), 'the event');
  const got = passthrough(sc.c).find((r) => r.rec.id === ev.id)!;
  assert.equal(got.device, 'plc-2');
  assert.equal(got.rec.name, 'authn_login_fail');
  assert.deepEqual(got.rec.attrs, ev.attrs);
  const other = { ...ev, id: uuidv7() };
  const s2 = await tcpConnect(sc.addrs.tcp!.port);
  await sendAndClose(s2, octet(encodeEventSyslog(other)));
  await waitFor(
    () => ownRecords(sc.c, 'authz_fail').some((r) => (r.rec as { target?: { resource?: string } }).target?.resource === 'syslog/plc-2'),
    'authz_fail',
  );
  assert.ok(!allStored(sc.c).some((r) => r.rec.id === other.id));
});

test('seclog records from an unauthenticated sender, or naming another device, are refused and logged as authz_fail', async () => {
  enrol(sc.c, 'cam-9');
  const b = deviceStream('cam-9', 2);
  const s = await tcpConnect(sc.addrs.tcp!.port);
  await sendAndClose(s, encode(b.records));
  await waitFor(
    () => ownRecords(sc.c, 'authz_fail').some((r) => (r.rec as { target?: { resource?: string } }).target?.resource === 'syslog/cam-9'),
    'authz_fail',
  );
  // plc-2 (source map) sends cam-9's records: refused too.
  const { connect } = await import('node:net');
  const s2 = connect({ host: '127.0.0.1', port: sc.addrs.tcp!.port, localAddress: '127.0.0.2' });
  await new Promise<void>((r) => s2.once('connect', () => r()));
  await sendAndClose(s2, encode(b.records));
  await waitFor(
    () => ownRecords(sc.c, 'authz_fail').some((r) => (r.rec as { actor?: { user?: string } }).actor?.user === 'plc-2'),
    'authz_fail naming plc-2',
  );
  assert.equal(allStored(sc.c).filter((r) => r.device === 'cam-9' && r.stream === b.stream).length, 0);
  assert.ok((await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'unauthenticated' })) >= 2);
  assert.ok((await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'device_mismatch' })) >= 2);
});

test('a seclog message whose structured data disagrees with its body is refused', async () => {
  enrol(sc.c, 'plc-2');
  const b = deviceStream('plc-2', 1);
  const text = encodeEventSyslog(b.records[0]!).replace('outcome="failure"', 'outcome="success"');
  const s = await tcpConnect(sc.addrs.tcp!.port);
  const was = await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'seclog_invalid' });
  await sendAndClose(s, octet(text));
  await waitFor(() => ownRecords(sc.c, 'net_conn_fail').some((r) => r.rec.attrs.error === 'SYSLOG_SECLOG_MISMATCH'), 'diagnostic');
  assert.equal(await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'seclog_invalid' }), was + 1);
});

test('a malformed frame closes only its connection; the others keep being served', async () => {
  const good = await tcpConnect(sc.addrs.tcp!.port);
  good.write(octet('<13>1 - - app - - - before the bad one'));
  const bad = await tcpConnect(sc.addrs.tcp!.port);
  bad.write('xyz not a frame\n');
  assert.equal(await closedByServer(bad), true);
  await sendAndClose(good, octet('<13>1 - - app - - - after the bad one'));
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === 'after the bad one'), 'the good connection served');
  assert.ok(passthrough(sc.c).some((r) => r.rec.message === 'before the bad one'));
  assert.ok((await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'frame_invalid' })) >= 1);
  await waitFor(() => ownRecords(sc.c, 'net_conn_fail').some((r) => r.rec.attrs.error === 'SYSLOG_FRAME_INVALID'), 'diagnostic');
});

test('valid frames before a malformed one in the same read are stored; nothing after it; then the connection closes', async () => {
  const wasInvalid = await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'frame_invalid' });
  const wasTooLong = await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'too_long' });
  const cases = [
    { tag: 'bad-start', bad: 'xyz not a frame\n' },
    { tag: 'bad-length', bad: '12a <13>1 - - app - - - x' },
    { tag: 'too-long', bad: '99999999 <13>1 - - app - - - x' },
  ];
  for (const { tag, bad } of cases) {
    const s = await tcpConnect(sc.addrs.tcp!.port);
    const good = [`${tag} one`, `${tag} two\nwith LF ] inside`, `${tag} three`];
    // ONE write, so the valid frames and the bad one reach the collector in one read.
    s.write(
      Buffer.concat([
        octet(`<13>1 - - app - - - ${good[0]}`),
        octet(`<13>1 - - app - - - ${good[1]}`),
        lf(`<13>1 - - app - - - ${good[2]}`),
        Buffer.from(bad),
        octet(`<13>1 - - app - - - ${tag} after the bad one`),
      ]),
    );
    assert.equal(await closedByServer(s), true, tag);
    await waitFor(() => passthrough(sc.c).filter((r) => r.rec.message?.startsWith(`${tag} `)).length === 3, `${tag}: the valid frames`);
    const got = passthrough(sc.c).filter((r) => r.rec.message?.startsWith(`${tag} `));
    assert.deepEqual(
      got.map((r) => r.rec.message),
      good,
    );
    // Committed in the order sent, in one chain.
    assert.deepEqual(
      got.map((r) => r.seq! - got[0]!.seq!),
      [0, 1, 2],
    );
  }
  assert.ok(!passthrough(sc.c).some((r) => r.rec.message?.endsWith('after the bad one') && r.rec.message !== 'after the bad one'));
  assert.equal(await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'frame_invalid' }), wasInvalid + 2);
  assert.equal(await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'too_long' }), wasTooLong + 1);
});

test('a frame over syslog.maxMessageBytes closes the connection (too_long)', async () => {
  const limited = await startSyslogCollector({ maxMessageBytes: 1024, udpEnabled: false });
  try {
    const s = await tcpConnect(limited.addrs.tcp!.port);
    s.write(`5000 <13>1 - - app - - - ${'x'.repeat(100)}`);
    assert.equal(await closedByServer(s), true);
    const s2 = await tcpConnect(limited.addrs.tcp!.port);
    s2.write(`<13>1 - - app - - - ${'y'.repeat(2000)}`);
    assert.equal(await closedByServer(s2), true);
    assert.equal(await metric(limited.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'too_long' }), 2);
    const s3 = await tcpConnect(limited.addrs.tcp!.port);
    await sendAndClose(s3, octet(`<13>1 - - app - - - ${'z'.repeat(900)}`));
    await waitFor(() => passthrough(limited.c).length === 1, 'a message under the limit');
  } finally {
    await limited.close();
  }
});

test('connections over syslog.maxConnections are refused and recorded as net_conn_fail (limit)', async () => {
  const limited = await startSyslogCollector({ maxConnections: 2, udpEnabled: false });
  try {
    const a = await tcpConnect(limited.addrs.tcp!.port);
    const b = await tcpConnect(limited.addrs.tcp!.port);
    const c = await tcpConnect(limited.addrs.tcp!.port);
    assert.equal(await closedByServer(c), true);
    assert.equal(await metric(limited.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'connection_limit' }), 1);
    await waitFor(() => ownRecords(limited.c, 'net_conn_fail').some((r) => r.rec.attrs.reason === 'limit'), 'limit record');
    // The two admitted ones still work.
    await sendAndClose(a, octet('<13>1 - - app - - - a'));
    await sendAndClose(b, octet('<13>1 - - app - - - b'));
    await waitFor(() => passthrough(limited.c).length === 2, 'both admitted connections served');
  } finally {
    await limited.close();
  }
});

test('over syslog.connectionRatePerSec a connection is slowed down, not cut: every message arrives', async () => {
  const limited = await startSyslogCollector({ connectionRatePerSec: 200, udpEnabled: false });
  try {
    const n = 500;
    const frames = Buffer.concat(Array.from({ length: n }, (_, i) => octet(`<13>1 - - app - - - m${i}`)));
    const s = await tcpConnect(limited.addrs.tcp!.port);
    const t0 = performance.now();
    s.write(frames);
    await waitFor(() => passthrough(limited.c).length === n, `${n} messages`, 10_000);
    const ms = performance.now() - t0;
    // 200/s with a one-second burst: 500 messages take at least ~1.5 s.
    assert.ok(ms >= 1200, `took ${ms} ms`);
    assert.deepEqual(
      passthrough(limited.c).map((r) => r.rec.message),
      Array.from({ length: n }, (_, i) => `m${i}`),
    );
    s.destroy();
  } finally {
    await limited.close();
  }
});

test('shutdown commits what was read before closing the connections', async () => {
  const c2 = await startSyslogCollector({ udpEnabled: false });
  const s = await tcpConnect(c2.addrs.tcp!.port);
  const frames = Buffer.concat(Array.from({ length: 200 }, (_, i) => octet(`<13>1 - - app - - - s${i}`)));
  await new Promise<void>((r) => s.write(frames, () => r()));
  await waitFor(() => passthrough(c2.c).length > 0, 'first messages');
  const closing = closedByServer(s, 10_000);
  await c2.c.close();
  assert.equal(await closing, true);
  const reopened = await openDataDir(join(c2.dir, 'data'));
  try {
    const store = reopened.store;
    assert.equal(store.readEvents(0, store.eventCount()).filter((e) => e.stream === 'passthrough/syslog').length, 200);
  } finally {
    reopened.close();
    rmSync(c2.dir, { recursive: true, force: true });
  }
});

test('backpressure: a sender faster than the rate stalls in TCP flow control; the collector does not buffer it', async () => {
  const limited = await startSyslogCollector({ connectionRatePerSec: 500, udpEnabled: false });
  try {
    const s = await tcpConnect(limited.addrs.tcp!.port);
    const frame = octet(`<13>1 - - app - - - ${'p'.repeat(250)}`);
    const chunk = Buffer.concat(Array.from({ length: 256 }, () => frame));
    // Write while the socket takes it; stop at the first write that has to wait for 'drain' for 1.5 s.
    let written = 0;
    const until = Date.now() + 8000;
    let stalled = false;
    while (Date.now() < until) {
      written += chunk.length;
      if (!s.write(chunk)) {
        const drained = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 1500);
          s.once('drain', () => {
            clearTimeout(t);
            resolve(true);
          });
        });
        if (!drained) {
          stalled = true;
          break;
        }
      }
    }
    assert.ok(stalled, `the sender never stalled (${written} bytes taken)`);
    // What was taken sits in the kernel's socket buffers and the collector's bounded read-ahead, not unbounded memory.
    assert.ok(written < 64 * 1024 * 1024, `${written} bytes taken before the stall`);
    // Stored at the rate (a one-second burst plus 500/s), nowhere near what was sent.
    const stored = passthrough(limited.c).length;
    assert.ok(stored < written / frame.length, `stored ${stored} of ${Math.floor(written / frame.length)}`);
    s.destroy();
  } finally {
    await limited.close();
  }
});
