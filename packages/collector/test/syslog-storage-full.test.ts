/**
 * Syslog while the collector's storage refuses records (retention/capacity.ts, 507 STORAGE_FULL on
 * HTTP): a TCP connection waits, reading nothing more, and its messages are stored once space is
 * back; a UDP datagram is dropped, counted as storage_full. Nothing is stored past the gate.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SeclogError } from '@seclog/core';
import { metric, passthrough, type SyslogCollector, sleep, startSyslogCollector, tcpConnect, udpSend, waitFor } from './syslog-fixtures.js';

let sc: SyslogCollector;
let full = false;
let asked = 0;
before(async () => {
  sc = await startSyslogCollector();
  const real = sc.c.ingest.storageGate;
  sc.c.ingest.storageGate = (critical) => {
    asked++;
    if (full) throw new SeclogError('STORAGE_FULL', 'the collector’s storage is full (test)', { level: 'full', usedPercent: 99 });
    real?.(critical);
  };
});
after(async () => {
  await sc.close();
});

const stored = (text: string): boolean => passthrough(sc.c).some((r) => r.rec.message === text);

test('TCP waits while storage is full, then stores what it held back; UDP drops, counted', async () => {
  full = true;
  const tcp = await tcpConnect(sc.addrs.tcp!.port);
  try {
    const line = '<13>1 2026-11-28T10:00:00Z host app - - - held back while full\n';
    tcp.write(line);
    await udpSend(sc.addrs.udp!.port, '<13>1 2026-11-28T10:00:00Z host app - - - a datagram while full');
    for (let i = 0; (await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'udp', reason: 'storage_full' })) !== 1; i++) {
      assert.ok(i < 250, 'the datagram was not counted as storage_full');
      await sleep(20);
    }
    const askedWhileFull = asked;
    await sleep(1200);
    assert.ok(asked > askedWhileFull, 'the TCP connection keeps asking the gate');
    assert.equal(stored('held back while full'), false, 'nothing stored past the gate');
    assert.equal(stored('a datagram while full'), false);
    assert.equal(
      await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'storage_full' }),
      0,
      'TCP waits, it does not drop',
    );

    full = false;
    await waitFor(() => stored('held back while full'), 'the held-back TCP message, stored once space is back');
    tcp.write('<13>1 2026-11-28T10:00:01Z host app - - - after the wait\n');
    await waitFor(() => stored('after the wait'), 'the connection goes on');
    assert.equal(stored('a datagram while full'), false, 'the dropped datagram stays dropped');
  } finally {
    tcp.destroy();
  }
});
