/**
 * The Notifier and its dispatcher over scripted in-memory channels: what
 * enqueue stores, idempotency per (alert, channel), severity filters,
 * retries until delivered, dead rows recorded in the own stream and counted
 * in /metrics, restarts (a closed notifier, and one that died holding a
 * lease), and a slow channel not holding up the others.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COLLECTOR_DEVICE_ID, OwnStreamBuilder } from '../src/ingest/own-stream.js';
import type { Integrator } from '../src/integrate/integrator.js';
import { CollectorMetrics } from '../src/metrics/collector-metrics.js';
import { noticeFromAlert } from '../src/notify/notice.js';
import { Notifier } from '../src/notify/notifier.js';
import type { DeliveryOutcome, SendResult } from '../src/notify/types.js';
import type { StoredAlert } from '../src/store/alert-types.js';
import { hang, MemoryChannel, notice, notifyConfig, RecordingLog, sleep, tempStore, waitFor } from './notify-fixtures.js';

const hasCode = (code: string) => (err: unknown) => (err as { code?: unknown }).code === code;

test('enqueue stores one row per channel before it returns; a second enqueue of the same alert sends nothing more', async () => {
  const t = tempStore();
  const a = new MemoryChannel('a');
  const b = new MemoryChannel('b');
  const n = new Notifier({ store: t.store, config: notifyConfig(), channels: [a, b] });
  try {
    n.enqueue(notice(1));
    // Durable before start: the rows are there, nothing has been sent.
    assert.deepEqual(
      ['a', 'b'].map((c) => t.store.getOutboxRow('alr-0001', c)?.state),
      ['pending', 'pending'],
    );
    assert.equal(a.deliveries.length + b.deliveries.length, 0);
    n.start();
    await waitFor(() => t.store.getOutboxRow('alr-0001', 'b')?.state === 'delivered', 'delivery to b');
    await waitFor(() => t.store.getOutboxRow('alr-0001', 'a')?.state === 'delivered', 'delivery to a');
    n.enqueue(notice(1));
    n.enqueue(notice(1, { count: 99 }));
    await sleep(100);
    assert.equal(a.deliveries.length, 1);
    assert.equal(b.deliveries.length, 1);
    assert.equal(a.deliveries[0]?.idempotencyKey, 'alr-0001:a');
    assert.equal(a.deliveries[0]?.attempt, 1);
    assert.deepEqual(a.deliveries[0]?.notice, notice(1));
  } finally {
    await n.close();
    t.dispose();
  }
});

test('a malformed notice is refused with NOTIFY_NOTICE_INVALID, every problem named, nothing queued', () => {
  const t = tempStore();
  const n = new Notifier({ store: t.store, config: notifyConfig(), channels: [new MemoryChannel('a')] });
  try {
    const bad = { ...notice(1), severity: 'urgent', count: -1, windowEnd: 'yesterday', evidence: [''] } as unknown as ReturnType<
      typeof notice
    >;
    assert.throws(
      () => n.enqueue(bad),
      (err: unknown) => {
        const e = err as { code?: string; details?: { errors?: { path: string }[] } };
        assert.equal(e.code, 'NOTIFY_NOTICE_INVALID');
        assert.deepEqual(e.details?.errors?.map((x) => x.path).sort(), ['count', 'evidence', 'severity', 'windowEnd']);
        return true;
      },
    );
    assert.throws(() => n.enqueue({ ...notice(2), alertId: '' }), hasCode('NOTIFY_NOTICE_INVALID'));
    assert.equal(t.store.getOutboxRow('alr-0001', 'a'), undefined);
    assert.deepEqual(t.store.countOutbox(), { pending: 0, dead: 0 });
  } finally {
    t.dispose();
  }
});

test('severity filters: notify.minSeverity for all, a channel’s own minSeverity over it', () => {
  const t = tempStore();
  const config = {
    ...notifyConfig([
      { name: 'pager', type: 'webhook' as const, url: 'https://x.test/', secret: 's'.repeat(16), minSeverity: 'critical' as const },
    ]),
    minSeverity: 'medium' as const,
  };
  const n = new Notifier({ store: t.store, config, channels: [new MemoryChannel('pager'), new MemoryChannel('soc')] });
  try {
    n.enqueue(notice(1, { severity: 'low' }));
    n.enqueue(notice(2, { severity: 'medium' }));
    n.enqueue(notice(3, { severity: 'critical' }));
    const queued = (id: string) => ['pager', 'soc'].filter((c) => t.store.getOutboxRow(id, c) !== undefined);
    assert.deepEqual(queued('alr-0001'), []);
    assert.deepEqual(queued('alr-0002'), ['soc']);
    assert.deepEqual(queued('alr-0003'), ['pager', 'soc']);
  } finally {
    t.dispose();
  }
});

test('failures are retried with growing delays until delivered; each attempt carries the same key', async () => {
  const t = tempStore();
  const results: SendResult[] = [
    { kind: 'retry', reason: 'HTTP 503' },
    { kind: 'retry', reason: 'ECONNREFUSED' },
    { kind: 'retry', reason: 'timed out' },
  ];
  const at: number[] = [];
  const ch = new MemoryChannel('a', () => {
    at.push(performance.now());
    return results.shift() ?? { kind: 'delivered' };
  });
  const outcomes: DeliveryOutcome[] = [];
  const log = new RecordingLog();
  const n = new Notifier({
    store: t.store,
    config: notifyConfig([], { initialDelayMs: 40, maxDelayMs: 1_000 }),
    channels: [ch],
    observer: { settled: (_c, o) => outcomes.push(o) },
    log,
    random: () => 0, // the low end of each jitter range: exactly half the exponential delay
  });
  try {
    n.start();
    n.enqueue(notice(1));
    await waitFor(() => t.store.getOutboxRow('alr-0001', 'a')?.state === 'delivered', 'delivery');
    assert.deepEqual(outcomes, ['retry', 'retry', 'retry', 'delivered']);
    assert.deepEqual(
      ch.deliveries.map((d) => [d.attempt, d.idempotencyKey]),
      [1, 2, 3, 4].map((i) => [i, 'alr-0001:a']),
    );
    // Waits of 20, 40, 80 ms (half of 40·2^(n−1)): each at least that, and growing.
    const gaps = at.slice(1).map((x, i) => x - (at[i] as number));
    for (const [i, g] of gaps.entries()) assert.ok(g >= 20 * 2 ** i - 2, `wait ${i + 1} was ${g.toFixed(1)} ms`);
    assert.equal(t.store.getOutboxRow('alr-0001', 'a')?.attempts, 4);
    assert.deepEqual(
      log.lines.map((l) => [l.level, l.obj.error]),
      [
        ['warn', 'HTTP 503'],
        ['warn', 'ECONNREFUSED'],
        ['warn', 'timed out'],
      ],
    );
  } finally {
    await n.close();
    t.dispose();
  }
});

test('a rejected notification is dead at once: logged, recorded as net_conn_fail in the own stream, counted in /metrics', async () => {
  const t = tempStore();
  const own = new OwnStreamBuilder(t.store, 'seclog.test/notify');
  const metrics = new CollectorMetrics({
    store: t.store,
    integrator: { lag: () => 0, size: 0 } as unknown as Integrator,
    processMetrics: false,
  });
  const log = new RecordingLog();
  const ch = new MemoryChannel('hook', () => ({ kind: 'reject', reason: 'HTTP 404' }));
  const n = new Notifier({
    store: t.store,
    config: notifyConfig(),
    channels: [ch],
    log,
    observer: metrics.notifyObserver,
    own: { append: async (...events) => own.appendNow(events) },
  });
  try {
    n.start();
    n.enqueue(notice(7));
    await waitFor(() => t.store.getOutboxRow('alr-0007', 'hook')?.reported === true, 'the dead row reported');
    const row = t.store.getOutboxRow('alr-0007', 'hook');
    assert.deepEqual([row?.state, row?.attempts, row?.lastError], ['dead', 1, 'rejected: HTTP 404']);
    assert.deepEqual(
      log.lines.map((l) => [l.level, l.msg, l.obj.alertId]),
      [['error', 'notification dead: not delivered and no longer retried', 'alr-0007']],
    );
    const events = t.store.readEvents(0, t.store.eventCount());
    assert.equal(events.length, 1);
    assert.equal(events[0]?.device, COLLECTOR_DEVICE_ID);
    const rec = JSON.parse(events[0]?.canonical ?? '{}');
    assert.equal(rec.name, 'net_conn_fail');
    assert.equal(rec.severity, 'high');
    assert.equal(rec.outcome, 'failure');
    assert.deepEqual(
      [rec.attrs.reason, rec.attrs.alert_id, rec.attrs.channel, rec.attrs.notification, rec.attrs.peer, rec.attrs.count, rec.attrs.error],
      ['notification_dead', 'alr-0007', 'hook', 'alr-0007:hook', 'memory.test', 1, 'rejected: HTTP 404'],
    );
    const scrape = await metrics.scrape();
    assert.match(scrape, /^seclog_notify_deliveries_total\{channel="hook",outcome="dead"\} 1$/m);
    assert.match(scrape, /^seclog_notify_outbox_rows\{state="dead"\} 1$/m);
    assert.match(scrape, /^seclog_notify_outbox_rows\{state="pending"\} 0$/m);
    // Reported once: another pass finds nothing to record.
    n.start();
    await sleep(50);
    assert.equal(t.store.eventCount(), 1);
  } finally {
    await n.close();
    t.dispose();
  }
});

test('retries stop at maxAttempts, and earlier when the next one would pass maxAgeMs', async () => {
  const t = tempStore();
  const ch = new MemoryChannel('a', () => ({ kind: 'retry', reason: 'HTTP 500' }));
  const n = new Notifier({ store: t.store, config: notifyConfig([], { maxAttempts: 3 }), channels: [ch] });
  const clock = { ms: Date.now() };
  const aged = new MemoryChannel('b', () => ({ kind: 'retry', reason: 'HTTP 502', retryAfterMs: 10_000 }));
  const m = new Notifier({ store: t.store, config: notifyConfig([], { maxAgeMs: 5_000 }), channels: [aged], now: () => clock.ms });
  try {
    n.start();
    n.enqueue(notice(1));
    await waitFor(() => t.store.getOutboxRow('alr-0001', 'a')?.state === 'dead', 'dead after 3 attempts');
    assert.equal(ch.deliveries.length, 3);
    assert.equal(t.store.getOutboxRow('alr-0001', 'a')?.lastError, 'gave up after 3 attempts: HTTP 500');
    await n.close();
    // Retry-After 10 s with 5 s of age allowed: dead after the first attempt rather than waiting.
    m.start();
    m.enqueue(notice(2));
    await waitFor(() => t.store.getOutboxRow('alr-0002', 'b')?.state === 'dead', 'dead by age');
    assert.equal(aged.deliveries.length, 1);
    assert.match(t.store.getOutboxRow('alr-0002', 'b')?.lastError ?? '', /^gave up after 1 attempts over 0 s \(max age\): HTTP 502$/);
  } finally {
    await n.close();
    await m.close();
    t.dispose();
  }
});

test('a restart delivers what an earlier notifier left pending, and what it held when it died (after the lease)', async () => {
  const t = tempStore();
  const down = new MemoryChannel('a', () => ({ kind: 'retry', reason: 'ECONNREFUSED' }));
  const first = new Notifier({
    store: t.store,
    config: notifyConfig([], { initialDelayMs: 60_000, maxDelayMs: 60_000, maxAgeMs: 600_000 }),
    channels: [down],
  });
  first.start();
  first.enqueue(notice(1));
  await waitFor(() => down.deliveries.length === 1, 'the first attempt');
  await first.close();
  assert.equal(down.closed, true);
  // A process that died mid-send: its row is claimed (leased for 2 × timeoutMs) and never settled.
  first.enqueue(notice(2)); // the store is still open; the closed notifier only queues
  const leased = t.store.claimOutbox(Date.now() * 1000, (Date.now() + 300) * 1000, 10);
  assert.deepEqual(
    leased.map((r) => r.alertId),
    ['alr-0002'],
  );

  const store = t.reopen();
  const up = new MemoryChannel('a');
  const second = new Notifier({ store, config: notifyConfig([], { timeoutMs: 150 }), channels: [up] });
  try {
    const started = Date.now();
    second.start();
    // alr-0001 waits for its 60 s backoff: a restart does not reset the schedule…
    await sleep(100);
    assert.equal(up.deliveries.length, 0);
    assert.equal(store.getOutboxRow('alr-0001', 'a')?.state, 'pending');
    // …alr-0002 comes due when the dead process's lease runs out, as attempt 2.
    await waitFor(() => store.getOutboxRow('alr-0002', 'a')?.state === 'delivered', 'the leased row delivered');
    assert.ok(Date.now() - started >= 150, 'not before the lease ended');
    assert.deepEqual(
      up.deliveries.map((d) => [d.notice.alertId, d.attempt]),
      [['alr-0002', 2]],
    );
  } finally {
    await second.close();
    t.dispose();
  }
});

test('close() aborts a delivery in flight and makes its row due at once for the next start', async () => {
  const t = tempStore();
  const stuck = new MemoryChannel('a', (_d, signal) => hang(signal));
  const n = new Notifier({ store: t.store, config: notifyConfig([], { timeoutMs: 60_000 }), channels: [stuck] });
  n.start();
  n.enqueue(notice(1));
  await waitFor(() => n.inFlight === 1, 'the delivery in flight');
  const t0 = Date.now();
  await n.close();
  assert.ok(Date.now() - t0 < 1_000, 'close did not wait for the 60 s timeout');
  const row = t.store.getOutboxRow('alr-0001', 'a');
  assert.equal(row?.state, 'pending');
  assert.ok((row?.nextAttemptUs ?? Infinity) <= Date.now() * 1000);
  assert.match(row?.lastError ?? '', /^interrupted by shutdown/);
  const next = new Notifier({ store: t.store, config: notifyConfig(), channels: [new MemoryChannel('a')] });
  try {
    next.start();
    // Due at once: well before the 120 s lease a killed process would have left.
    await waitFor(() => t.store.getOutboxRow('alr-0001', 'a')?.state === 'delivered', 'delivery after restart', 2_000);
  } finally {
    await next.close();
    t.dispose();
  }
});

test('pause() (a lost integrator lease) claims nothing more, lets the delivery in flight finish, and start() resumes', async () => {
  const t = tempStore();
  let release: (r: SendResult) => void = () => undefined;
  const slow = new MemoryChannel('a', (d) =>
    d.notice.alertId === 'alr-0001' ? new Promise<SendResult>((r) => (release = r)) : { kind: 'delivered' },
  );
  const n = new Notifier({ store: t.store, config: notifyConfig(), channels: [slow] });
  try {
    n.start();
    assert.equal(n.dispatching, true);
    n.enqueue(notice(1));
    await waitFor(() => n.inFlight === 1, 'the first delivery in flight');
    n.pause();
    assert.equal(n.dispatching, false);
    n.enqueue(notice(2));
    release({ kind: 'delivered' });
    await waitFor(() => t.store.getOutboxRow('alr-0001', 'a')?.state === 'delivered', 'the delivery in flight settled');
    await sleep(150);
    assert.equal(t.store.getOutboxRow('alr-0002', 'a')?.state, 'pending', 'nothing claimed while paused');
    assert.equal(slow.deliveries.length, 1);
    n.start();
    await waitFor(() => t.store.getOutboxRow('alr-0002', 'a')?.state === 'delivered', 'delivery after start');
    assert.equal(slow.deliveries.length, 2);
  } finally {
    await n.close();
    t.dispose();
  }
});

test('a channel that hangs until its timeout does not hold up the others', async () => {
  const t = tempStore();
  const slow = new MemoryChannel('slow', (_d, signal) => hang(signal));
  const fast = new MemoryChannel('fast');
  const n = new Notifier({ store: t.store, config: notifyConfig([], { timeoutMs: 2_500 }), channels: [slow, fast] });
  try {
    n.start();
    const t0 = Date.now();
    for (let i = 1; i <= 5; i++) n.enqueue(notice(i));
    await waitFor(() => fast.deliveries.length === 5, 'five fast deliveries');
    assert.ok(Date.now() - t0 < 2_000, `the fast channel waited ${Date.now() - t0} ms`);
    await waitFor(() => (t.store.getOutboxRow('alr-0001', 'slow')?.lastError ?? '') !== '', 'the slow attempt timed out', 6_000);
    assert.equal(t.store.getOutboxRow('alr-0001', 'slow')?.lastError, 'timed out after 2500 ms');
  } finally {
    await n.close();
    t.dispose();
  }
});

test('a row whose channel is no longer configured is dead, not left pending forever', async () => {
  const t = tempStore();
  const before = new Notifier({ store: t.store, config: notifyConfig(), channels: [new MemoryChannel('old')] });
  before.enqueue(notice(1));
  const after = new Notifier({ store: t.store, config: notifyConfig(), channels: [new MemoryChannel('new')] });
  try {
    after.start();
    await waitFor(() => t.store.getOutboxRow('alr-0001', 'old')?.state === 'dead', 'the orphan row dead');
    assert.equal(t.store.getOutboxRow('alr-0001', 'old')?.lastError, 'rejected: channel old is no longer configured');
  } finally {
    await after.close();
    t.dispose();
  }
});

test('a stored alert becomes a notice: µs times as RFC 3339, an empty group key left out', () => {
  const alert: StoredAlert = {
    id: 'alr-k1',
    key: 'k1',
    ruleId: 'seclog.brute_force_login',
    ruleVersion: '3',
    ruleTitle: 'Brute force',
    ruleType: 'event_count',
    severity: 'high',
    tags: [],
    group: {},
    groupKey: '',
    device: null,
    count: 11,
    windowStartUs: Date.UTC(2026, 10, 4, 9, 0, 0) * 1000 + 7,
    windowEndUs: Date.UTC(2026, 10, 4, 9, 1, 0) * 1000,
    evidence: ['e1', 'e2'],
    evidenceTotal: 2,
    triggerEventId: 'e2',
    triggerLeaf: 5,
    createdUs: Date.UTC(2026, 10, 4, 9, 1, 0) * 1000 + 250_000,
    seq: 1,
    suppressed: 3,
    status: 'new',
    assignee: null,
    resolution: null,
    updatedUs: 0,
    logPos: null,
    notified: false,
  };
  const n = noticeFromAlert(alert, 'https://seclog.example/alerts/alr-k1');
  assert.deepEqual(n, {
    alertId: 'alr-k1',
    ruleId: 'seclog.brute_force_login',
    ruleVersion: '3',
    ruleTitle: 'Brute force',
    severity: 'high',
    count: 11,
    windowStart: '2026-11-04T09:00:00.000007Z',
    windowEnd: '2026-11-04T09:01:00.000000Z',
    evidence: ['e1', 'e2'],
    suppressed: 3,
    createdAt: '2026-11-04T09:01:00.250000Z',
    dashboardUrl: 'https://seclog.example/alerts/alr-k1',
  });
  assert.equal(noticeFromAlert({ ...alert, groupKey: 'user=admin' }).groupKey, 'user=admin');
  const t = tempStore();
  try {
    new Notifier({ store: t.store, config: notifyConfig(), channels: [new MemoryChannel('a')] }).enqueue(n);
    assert.equal(t.store.getOutboxRow('alr-k1', 'a')?.state, 'pending');
  } finally {
    t.dispose();
  }
});
