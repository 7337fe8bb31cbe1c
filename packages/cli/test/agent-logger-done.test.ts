/**
 * Issue D, done when: a device enrolled with `seclog device add` logs
 * through the SDK into a running collector, and `seclog verify --data`
 * passes. Typed calls, a seal epoch closed by time (the logger's clock is
 * moved past the grid line), one closed by record count, one at close, a
 * restart that continues the stream, flush() resolving on the collector's
 * acknowledgement.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SecurityLogger } from '@seclog/agent';
import { enrolDevice, ownEvents, range, startCollector, storedRecords } from './support/agent-collector.js';
import { runCli } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-logger-done-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('an enrolled device logs through SecurityLogger into a running collector; seals pass; seclog verify --data exits 0', async () => {
  const dataDir = join(root, 'data');
  const r = await startCollector(dataDir);
  let stream = '';
  try {
    const file = enrolDevice(r, 'cam-1', root, 'high');
    let offsetMs = 0;
    const config = {
      ...file,
      store: { path: join(root, 'cam-1.ring') },
      fw: '2.4.1',
      model: 'IPC-300',
      now: () => Date.now() + offsetMs,
      ship: { backoff: { baseMs: 20, maxMs: 200 } },
    };
    const log = await SecurityLogger.open(config);
    stream = log.status().stream;
    const failed = await log.loginFailed({ user: 'admin', sourceIp: '203.0.113.9', method: 'password', reason: 'bad_password' });
    assert.equal(failed.recorded, true);
    assert.ok(log.status().ring!.durableSeq >= failed.seq, 'a critical event is durable when its promise resolves');
    await log.loginSucceeded({ user: 'admin', sourceIp: '203.0.113.9', method: 'password' });
    await log.configChanged({ user: 'admin', setting: 'firewall.rules', category: 'firewall', oldValue: 'allow 22', newValue: 'deny 22' });
    await log.firmwareUpdateStarted({ fromVersion: '2.4.1', toVersion: '2.4.2' });
    await log.firmwareUpdateFinished({ result: 'success', fromVersion: '2.4.1', toVersion: '2.4.2', signatureValid: true });
    // The high profile's epoch is a minute: step the logger's clock past the grid line.
    offsetMs += file.seal!.epochMs + 1000;
    await log.sessionStarted({ user: 'admin', source: 'web' });
    // …and the record count: an epoch holds at most 1,000 records. Not awaited one by one: they share fsyncs (group commit).
    const denials = Array.from({ length: 1100 }, (_, i) =>
      log.event('authz_fail', { actor: { user: `u${i % 7}` }, target: { resource: '/admin' }, attrs: { action: 'read' } }),
    );
    assert.ok((await Promise.all(denials)).every((x) => x.recorded));
    await log.flush({ timeoutMs: 20_000 });
    const beforeClose = log.status().lastSeq;
    await log.close();

    // A restart continues the stream; close() sealed the epoch it left open.
    const again = await SecurityLogger.open(config);
    assert.equal(again.status().stream, stream);
    assert.equal(again.status().lastSeq, beforeClose + 1, 'the seal written at close');
    await again.loggedOut({ user: 'admin' });
    await again.flush({ timeoutMs: 20_000 });
    await again.close();

    const stored = storedRecords(r.c, stream);
    const last = stored.at(-1)!.seq;
    assert.deepEqual(
      stored.map((s) => s.seq),
      range(1, last),
      'every record once, in order',
    );
    assert.equal(stored[0]!.name, 'stream_start');
    const names = new Set(stored.map((s) => s.name));
    for (const n of ['authn_login_fail', 'authn_login_success', 'config_change', 'fw_update_start', 'fw_update_end', 'authn_logout']) {
      assert.ok(names.has(n), n);
    }
    const seals = stored.filter((s) => s.name === 'log_seal').map((s) => (s.rec.attrs as { epoch: number }).epoch);
    // By time, by count, at the first close (the second close's seal waits in the ring for the next start).
    assert.equal(seals.length, 3, `seals: ${seals.join(',')}`);
    assert.deepEqual(seals, range(0, seals.length - 1), 'one seal per epoch, in order');
    const fwEnd = stored.find((s) => s.name === 'fw_update_end')!.rec;
    assert.deepEqual(fwEnd.device, { id: 'cam-1', fw: '2.4.1', model: 'IPC-300' });
    assert.equal(typeof (fwEnd.tq as { synced: boolean }).synced, 'boolean');
    // The collector checked chain and seals at ingest and found nothing wrong.
    assert.deepEqual(ownEvents(r.c, 'log_integrity_fail'), []);
    assert.deepEqual(ownEvents(r.c, 'log_gap'), []);
  } finally {
    await r.c.close();
  }
  const verify = runCli(['verify', '--data', dataDir, '--workers', '1']);
  assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
});
