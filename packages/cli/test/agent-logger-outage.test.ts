/**
 * Issue D item 9 against a real collector: an outage (collector stopped
 * while the device logs, then started again on the same port) delivers
 * every event once and in order; an overflow (tiny ring, collector down,
 * many events) accounts for every record: delivered + Σ log_dropped.count
 * = recorded, the `log_dropped` ranges being exactly the seqs missing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Receipt, SecurityLogger } from '@seclog/agent';
import { accountGaps } from '@seclog/collector';
import { enrolDevice, ownEvents, range, startCollector, storedRecords } from './support/agent-collector.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-logger-outage-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SHIP = { backoff: { baseMs: 20, maxMs: 200 } };

test('outage: events logged while the collector is down arrive once and in order after it is back', async () => {
  const dataDir = join(root, 'outage');
  const first = await startCollector(dataDir);
  const file = enrolDevice(first, 'cam-2', root, 'high');
  const log = await SecurityLogger.open({ ...file, store: { path: join(root, 'cam-2.ring') }, ship: SHIP });
  let second: Awaited<ReturnType<typeof startCollector>> | undefined;
  try {
    for (let i = 0; i < 30; i++) await log.loginFailed({ user: `u${i}`, method: 'password', reason: 'bad_password' });
    await log.flush({ timeoutMs: 10_000 });
    await first.c.close();
    const during: Promise<Receipt>[] = [];
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 20; j++) {
        const n = i * 20 + j;
        during.push(
          n % 2 === 0
            ? log.sessionStarted({ user: `u${n}`, source: 'web' })
            : log.accessDenied({ user: `u${n}`, resource: '/admin', action: 'write' }),
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(during);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(log.status().ship.failures > 0, 'the shipper noticed the outage');
    assert.ok(log.status().ring!.ackedSeq < log.status().lastSeq);

    second = await startCollector(dataDir, first.port);
    await log.flush({ timeoutMs: 20_000 });
    const last = log.status().lastSeq;
    const stored = storedRecords(second.c, log.status().stream);
    assert.deepEqual(
      stored.map((s) => s.seq),
      range(1, last),
      'each record once, in order',
    );
    assert.equal(stored.filter((s) => s.name === 'session_start' || s.name === 'authz_fail').length, 200);
    assert.equal(new Set(stored.map((s) => s.rec.id)).size, stored.length);
    assert.deepEqual(ownEvents(second.c, 'log_integrity_fail'), []);
  } finally {
    await log.close();
    await second?.c.close();
    await first.c.close();
  }
});

test('overflow: tiny ring, collector down; delivered + Σ log_dropped.count = recorded, ranges exactly the missing seqs', async () => {
  const dataDir = join(root, 'overflow');
  const first = await startCollector(dataDir);
  const file = enrolDevice(first, 'bulb-1', root, 'high');
  await first.c.close();
  // 32 KiB holds about 70 records of these; 600 events overflow it many times over.
  const log = await SecurityLogger.open({ ...file, store: { path: join(root, 'bulb-1.ring'), capacity: 32 * 1024 }, ship: SHIP });
  let second: Awaited<ReturnType<typeof startCollector>> | undefined;
  try {
    for (let i = 0; i < 60; i++) {
      const batch: Promise<Receipt>[] = [];
      for (let j = 0; j < 10; j++) {
        const n = i * 10 + j;
        batch.push(
          n % 5 === 0
            ? log.loginFailed({ user: `u${n}`, method: 'password', reason: 'bad_password' })
            : log.sessionStarted({ user: `u${n}`, source: 'web' }),
        );
      }
      await Promise.all(batch);
    }
    assert.ok(log.status().ring!.oldestSeq > 300, 'the ring overwrote most of the events');

    second = await startCollector(dataDir, first.port);
    await log.flush({ timeoutMs: 20_000 });
    const stored = storedRecords(second.c, log.status().stream);
    const recorded = stored.at(-1)!.seq;
    const dropped = stored
      .filter((s) => s.name === 'log_dropped')
      .map((s) => s.rec.attrs as { from_seq: number; to_seq: number; count: number; reason: string });
    assert.ok(dropped.length > 0);
    assert.ok(dropped.every((d) => d.reason === 'overwritten'));
    const sum = dropped.reduce((n, d) => n + d.count, 0);
    assert.equal(stored.length + sum, recorded, `delivered ${stored.length} + dropped ${sum} = recorded ${recorded}`);
    const delivered = new Set(stored.map((s) => s.seq));
    const described: number[] = [];
    for (const d of dropped) {
      assert.equal(d.count, d.to_seq - d.from_seq + 1);
      described.push(...range(d.from_seq, d.to_seq));
    }
    assert.deepEqual(
      described.sort((a, b) => a - b),
      range(1, recorded).filter((s) => !delivered.has(s)),
      'the ranges name exactly the seqs that never arrived, each once',
    );
    assert.deepEqual(ownEvents(second.c, 'log_integrity_fail'), []);
    // Every gap the collector holds open is one the device declared: loss, not tampering (ingest/declared-loss.ts).
    const gaps = accountGaps(second.c.data.store, 'bulb-1');
    assert.ok(gaps.length > 0, 'the overwritten seqs left gaps');
    assert.deepEqual(
      gaps.filter((g) => !g.declaredReasons.includes('overwritten')).map((g) => [g.gap.fromSeq, g.gap.toSeq]),
      [],
      'no gap is left unexplained',
    );
  } finally {
    await log.close();
    await second?.c.close();
  }
});
