/**
 * Syslog over UDP (RFC 5426): one datagram, one message; a bad datagram is
 * dropped alone; a source over syslog.connectionRatePerSec loses the excess,
 * counted and recorded (net_conn_fail, reason limit, rate-limited).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { UNAUTHENTICATED_DEVICE } from '../src/syslog/attribution.js';
import { metric, ownRecords, passthrough, type SyslogCollector, sleep, startSyslogCollector, udpSend, waitFor } from './syslog-fixtures.js';

let sc: SyslogCollector;
before(async () => {
  sc = await startSyslogCollector({ tcpEnabled: false, connectionRatePerSec: 50, maxMessageBytes: 4096 });
});
after(async () => {
  await sc.close();
});

test('a datagram is one message: RFC 5424 and RFC 3164 become passthrough records, unauthenticated', async () => {
  const port = sc.addrs.udp!.port;
  await udpSend(port, '<165>1 2026-11-27T10:00:00.5+01:00 dev-1 evntslog - ID47 [exampleSDID@32473 iut="3"] An application event\n');
  await udpSend(port, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
  await waitFor(() => passthrough(sc.c).length === 2, 'two records');
  const [a, b] = passthrough(sc.c).map((r) => r.rec);
  assert.equal(a!.device.id, UNAUTHENTICATED_DEVICE);
  assert.equal(a!.attrs.attribution, 'unauthenticated');
  assert.equal(a!.attrs.source_ip, '127.0.0.1');
  assert.equal(a!.time, '2026-11-27T09:00:00.500000Z');
  assert.equal(a!.attrs.sd, '[["exampleSDID@32473",[["iut","3"]]]]');
  assert.equal(a!.message, 'An application event');
  assert.equal(b!.attrs.format, 'rfc3164');
  assert.equal(b!.attrs.app, 'su');
  assert.equal(await metric(sc.c, 'seclog_syslog_messages_total', { transport: 'udp', outcome: 'stored' }), 2);
});

test('an empty or oversized datagram is dropped alone; the listener keeps serving', async () => {
  const port = sc.addrs.udp!.port;
  const before = passthrough(sc.c).length;
  await udpSend(port, Buffer.alloc(0));
  await udpSend(port, `<13>1 - - app - - - ${'x'.repeat(10_000)}`);
  await udpSend(port, '<13>1 - - app - - - still here');
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === 'still here'), 'the good datagram');
  assert.equal(passthrough(sc.c).length, before + 1);
  assert.ok((await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'udp', reason: 'too_long' })) >= 1);
  assert.ok((await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'udp', reason: 'frame_invalid' })) >= 1);
});

test('a source over the rate loses the excess, counted, with one diagnostic record per window', async () => {
  const port = sc.addrs.udp!.port;
  const before = passthrough(sc.c).length;
  const storedBefore = await metric(sc.c, 'seclog_syslog_messages_total', { transport: 'udp', outcome: 'stored' });
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  try {
    for (let i = 0; i < 200; i++) s.send(`<13>1 - - app - - - burst ${i}`, port, '127.0.0.1');
    await sleep(300);
  } finally {
    s.close();
  }
  // Every datagram the kernel delivered is either stored or dropped; wait until the stored ones are committed.
  let dropped = 0;
  let stored = 0;
  for (let i = 0; i < 200; i++) {
    dropped = await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'udp', reason: 'rate_limited' });
    const settled = (await metric(sc.c, 'seclog_syslog_messages_total', { transport: 'udp', outcome: 'stored' })) - storedBefore;
    stored = passthrough(sc.c).length - before;
    if (stored === settled && stored + dropped >= 200) break;
    await sleep(20);
  }
  // A bucket of at most 50 (one second at 50/s; the earlier tests took a few), refilling a little during the burst.
  assert.ok(stored >= 40 && stored < 120, `stored ${stored}`);
  assert.equal(stored + dropped, 200, `stored ${stored}, dropped ${dropped}: every datagram is accounted for`);
  await waitFor(() => ownRecords(sc.c, 'net_conn_fail').some((r) => r.rec.attrs.protocol === 'syslog-udp'), 'the diagnostic record');
  // Rate-limited: one record for the burst, not one per dropped datagram.
  assert.equal(
    ownRecords(sc.c, 'net_conn_fail').filter((r) => r.rec.attrs.protocol === 'syslog-udp' && r.rec.attrs.reason === 'limit').length,
    1,
  );
});
