import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { type EventInput, isSeclogError, prepareEvent, type TimeQuality, validateEvent } from '@seclog/core';
import type { ServerAddress } from '../src/time/sntp/server-address.js';
import type { ServerPoll, ServerPollOptions } from '../src/time/sntp/sntp-poll.js';
import type { TimeEventName } from '../src/time/time-events.js';
import { type PollReport, type TimeQualityOptions, TimeQualityTracker } from '../src/time/time-quality-tracker.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

/** Wall and monotonic clocks that move only when told. */
class Clocks {
  wall = T0;
  mono = 50_000;
  now = () => this.wall;
  monoNow = () => this.mono;
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  /** Step the wall clock alone, as `date -s` would. */
  step(ms: number): void {
    this.wall += ms;
  }
}

type Script = (server: ServerAddress, n: number, opts: ServerPollOptions) => ServerPoll | Promise<ServerPoll>;

function estimate(server: string, offsetMs: number, errorMs = 5): ServerPoll {
  return {
    server,
    address: '192.0.2.1',
    samples: [],
    rejections: [],
    estimate: { offsetMs, errorMs, delayMs: 4, stratum: 2, rootDelayMs: 2, rootDispersionMs: 2, samplesUsed: 2 },
  };
}
const silent = (server: string): ServerPoll => ({
  server,
  samples: [],
  rejections: [{ reason: 'timeout', field: 'answer', rule: 'must arrive' }],
});
const kiss = (server: string, code: string): ServerPoll => ({ server, samples: [], kiss: code, rejections: [] });

interface Harness {
  tracker: TimeQualityTracker;
  clocks: Clocks;
  events: { name: TimeEventName; input: EventInput; tq: TimeQuality }[];
  polled: string[][];
}

function harness(script: Script, o: Partial<TimeQualityOptions> = {}, servers = ['ntp1.test']): Harness {
  const clocks = new Clocks();
  const events: Harness['events'] = [];
  const polled: string[][] = [];
  let n = 0;
  const tracker: TimeQualityTracker = new TimeQualityTracker({
    servers,
    now: clocks.now,
    mono: clocks.monoNow,
    random: () => 0.5,
    poller: async (list, opts) => {
      polled.push(list.map((s) => s.spec));
      const i = n++;
      return Promise.all(list.map((s) => script(s, i, opts)));
    },
    // the record stamped for the event carries the tq of that moment
    onEvent: (name, input) => events.push({ name, input, tq: tracker.tq() }),
    ...o,
  });
  return { tracker, clocks, events, polled };
}

const salt = new Uint8Array(16).fill(7);
let seq = 0;
/** The event as the logger will record it: prepared by core, with chain fields, validated as a device-stream record. */
function assertRecordable(name: string, input: EventInput, tq: TimeQuality): void {
  const { event } = prepareEvent(name, input, { device: { id: 'dev-1' }, redaction: { salt }, tq });
  const chained = { ...event, stream: 'dev-1.s1', seq: ++seq, boot: 'b1', mono_ms: 1, prev: '0'.repeat(64), tq };
  assert.deepEqual(validateEvent(chained, { chained: true }), []);
}

test('tq before any measurement: not synced; source ntp, or unknown when no server is configured', () => {
  const { tracker } = harness(() => silent('x'));
  assert.deepEqual(tracker.tq(), { synced: false, source: 'ntp' });
  const none = new TimeQualityTracker({ servers: [] });
  assert.deepEqual(none.tq(), { synced: false, source: 'unknown' });
  assertRecordable('sys_startup', { attrs: { reason: 'power_on' } }, tracker.tq());
  assertRecordable('sys_startup', { attrs: { reason: 'power_on' } }, none.tq());
});

test('first good poll: synced, time_sync regained, tq carries offset and accuracy = |offset| + error', async () => {
  const h = harness((s) => estimate(s.spec, -12.3456, 4));
  h.clocks.advance(30_000);
  const report = await h.tracker.pollNow();
  assert.equal(report.selection.kind, 'ok');
  assert.deepEqual(h.tracker.tq(), { synced: true, source: 'ntp', accuracy_ms: 16.346, offset_ms: -12.346 });
  assert.equal(h.events.length, 1);
  const ev = h.events[0]!;
  assert.equal(ev.name, 'time_sync');
  assert.deepEqual(ev.input.attrs, { state: 'regained', source: 'ntp', offset_ms: -12, server: 'ntp1.test', unsynced_seconds: 30 });
  assert.equal(ev.tq.synced, true, 'the regained record already says synced');
  assertRecordable(ev.name, ev.input, ev.tq);
});

test('accuracy grows with the age of the measurement (drift allowance)', async () => {
  const h = harness((s) => estimate(s.spec, 0, 5), { driftPpm: 100 });
  await h.tracker.pollNow();
  h.clocks.advance(1_000_000);
  assert.equal(h.tracker.tq().accuracy_ms, 5 + 100);
});

test('sync is lost after maxFailedPolls polls in a row fail, and regained by the next good poll', async () => {
  let up = true;
  const h = harness((s) => (up ? estimate(s.spec, 3) : silent(s.spec)), { maxFailedPolls: 3 });
  await h.tracker.pollNow();
  up = false;
  for (let i = 0; i < 2; i++) {
    h.clocks.advance(16_000);
    await h.tracker.pollNow();
  }
  assert.equal(h.tracker.synced, true, 'two failures are tolerated');
  assert.equal(h.events.length, 1);
  h.clocks.advance(16_000);
  await h.tracker.pollNow();
  assert.equal(h.tracker.synced, false);
  const lost = h.events[1]!;
  assert.equal(lost.name, 'time_sync');
  assert.deepEqual(lost.input.attrs, { state: 'lost', source: 'ntp', offset_ms: 3, server: 'ntp1.test' });
  assert.equal(lost.input.outcome, 'failure');
  assert.match(lost.input.message ?? '', /3 failed polls/);
  assert.equal(lost.tq.synced, false, 'the lost record already says unsynced');
  assert.equal(lost.tq.offset_ms, 3, 'the last offset is still reported');
  assertRecordable(lost.name, lost.input, lost.tq);

  up = true;
  h.clocks.advance(100_000);
  await h.tracker.pollNow();
  const regained = h.events[2]!;
  assert.equal(regained.input.attrs?.state, 'regained');
  assert.equal(regained.input.attrs?.unsynced_seconds, 100);
  assert.equal(h.tracker.status().failedPolls, 0);
});

test('sync is lost when the last measurement outlives the holdover, seen by the periodic check', async () => {
  const h = harness((s) => estimate(s.spec, 3), { holdoverMs: 600_000 });
  await h.tracker.pollNow();
  h.clocks.advance(600_000);
  h.tracker.checkClock();
  assert.equal(h.tracker.synced, true);
  h.clocks.advance(1);
  h.tracker.checkClock();
  assert.equal(h.tracker.synced, false);
  assert.match(h.events.at(-1)?.input.message ?? '', /holdover/);
});

test('a server skewed by +1 h: offset reported, not synced, no time_change (nothing stepped) and no time_sync (never synced)', async () => {
  const h = harness((s) => estimate(s.spec, HOUR, 5));
  await h.tracker.pollNow();
  const tq = h.tracker.tq();
  assert.equal(tq.synced, false);
  assert.equal(tq.offset_ms, HOUR);
  assert.ok((tq.accuracy_ms ?? 0) >= HOUR, 'accuracy of the record time includes the known offset');
  assert.deepEqual(h.events, []);
});

test('synced, then the measured offset grows past maxOffsetMs: time_sync lost (offset), still no time_change', async () => {
  let offset = 2;
  const h = harness((s) => estimate(s.spec, offset));
  await h.tracker.pollNow();
  offset = 1500;
  h.clocks.advance(900_000);
  await h.tracker.pollNow();
  assert.deepEqual(
    h.events.map((e) => [e.name, e.input.attrs?.state]),
    [
      ['time_sync', 'regained'],
      ['time_sync', 'lost'],
    ],
  );
  assert.match(h.events[1]!.input.message ?? '', /offset 1500 ms/);
});

test('a wall-clock step back by 1 h: time_change with old and new time, then time_sync lost; the offset is re-based', async () => {
  const h = harness((s) => estimate(s.spec, 5));
  await h.tracker.pollNow();
  h.clocks.advance(1_000);
  h.tracker.checkClock();
  h.clocks.advance(500);
  const before = h.clocks.wall;
  h.clocks.step(-HOUR);
  const jump = h.tracker.checkClock();
  assert.ok(jump);
  assert.equal(jump.deltaMs, -HOUR);
  assert.deepEqual(
    h.events.map((e) => e.name),
    ['time_sync', 'time_change', 'time_sync'],
  );
  const change = h.events[1]!;
  assert.deepEqual(change.input.attrs, {
    old_time: new Date(before).toISOString().replace('Z', '000Z'),
    new_time: new Date(before - HOUR).toISOString().replace('Z', '000Z'),
    delta_ms: -HOUR,
    source: 'other',
  });
  assert.equal(change.input.severity, 'medium', 'stepping back is what hides evidence');
  assertRecordable(change.name, change.input, change.tq);
  assert.equal(h.events[2]!.input.attrs?.state, 'lost');
  assert.match(h.events[2]!.input.message ?? '', /stepped/);
  assert.equal(h.tracker.tq().offset_ms, HOUR + 5, 'the servers did not move; our clock did');
});

test('a step forward that corrects a wrong clock re-bases the offset but only a poll regains sync', async () => {
  let offset = HOUR;
  const h = harness((s) => estimate(s.spec, offset));
  await h.tracker.pollNow();
  assert.equal(h.tracker.synced, false);
  h.clocks.step(HOUR - 2);
  h.tracker.checkClock();
  assert.equal(h.events[0]?.name, 'time_change');
  assert.equal(h.events[0]?.input.severity, 'low');
  assert.equal(h.tracker.tq().offset_ms, 2);
  assert.equal(h.tracker.synced, false);
  offset = 2;
  h.clocks.advance(16_000);
  await h.tracker.pollNow();
  assert.equal(h.tracker.synced, true);
  assert.equal(h.events.at(-1)?.input.attrs?.state, 'regained');
});

test('steps below the threshold and slewing (400 ppm) are not jumps', () => {
  const h = harness(() => silent('x'), { jumpThresholdMs: 1000 });
  h.clocks.step(900);
  assert.equal(h.tracker.checkClock(), undefined);
  for (let i = 0; i < 10_000; i++) {
    h.clocks.mono += 1000;
    h.clocks.wall += 1000.4;
    assert.equal(h.tracker.checkClock(), undefined);
  }
  h.clocks.step(-1001);
  assert.equal(h.tracker.checkClock()?.deltaMs, -1001);
  assert.deepEqual(
    h.events.map((e) => e.name),
    ['time_change'],
  );
});

test('a step during a poll: the poll is discarded (measured against two clocks), not counted as a failure', async () => {
  let stepNext = false;
  const h = harness((s) => {
    if (stepNext) h.clocks.step(5000);
    return estimate(s.spec, 1);
  });
  await h.tracker.pollNow();
  stepNext = true;
  const report = await h.tracker.pollNow();
  assert.equal(report.discarded, 'clock-stepped');
  assert.equal(h.tracker.status().failedPolls, 0);
  assert.equal(h.tracker.tq().offset_ms, 1 - 5000, 'the old measurement, re-based by the step');
});

test('one liar among three honest servers does not move the result', async () => {
  const offsets: Record<string, number> = { a: 10, b: 12, c: 11, liar: HOUR };
  const h = harness((s) => estimate(s.spec, offsets[s.spec]!, 5), {}, ['a', 'b', 'c', 'liar']);
  const r = await h.tracker.pollNow();
  assert.equal(r.selection.kind, 'ok');
  if (r.selection.kind !== 'ok') return;
  assert.deepEqual(r.selection.falsetickers, ['liar']);
  assert.equal(r.selection.offsetMs, 11);
  assert.equal(h.tracker.synced, true);
});

test('minAgreeing: one answering server is not enough when two are required', async () => {
  const h = harness((s) => (s.spec === 'a' ? estimate('a', 1) : silent(s.spec)), { minAgreeing: 2 }, ['a', 'b']);
  const r = await h.tracker.pollNow();
  assert.deepEqual(r.selection, { kind: 'too-few-agreeing', agreeing: 1, required: 2 });
  assert.equal(h.tracker.synced, false);
});

test("kiss-o'-death DENY / RSTR: the server is dropped for good; RATE: it is asked less and less often", async () => {
  const h = harness(
    (s, n) => {
      if (s.spec === 'deny') return kiss('deny', 'DENY');
      if (s.spec === 'rstr') return kiss('rstr', 'RSTR');
      if (s.spec === 'rate' && (n === 0 || n === 2)) return kiss('rate', 'RATE');
      return estimate(s.spec, 1);
    },
    { pollMs: 60_000 },
    ['ok', 'deny', 'rstr', 'rate'],
  );
  const first = await h.tracker.pollNow();
  assert.deepEqual(h.polled[0], ['ok', 'deny', 'rstr', 'rate']);
  assert.equal(first.selection.kind, 'ok');
  const st = Object.fromEntries(h.tracker.status().servers.map((s) => [s.server, s]));
  assert.equal(st.deny?.dropped, 'DENY');
  assert.equal(st.rstr?.dropped, 'RSTR');
  assert.equal(st.rate?.rateFactor, 2);

  h.clocks.advance(60_000);
  const second = await h.tracker.pollNow();
  assert.deepEqual(h.polled[1], ['ok']);
  assert.deepEqual(second.skipped, [
    { server: 'deny', why: 'dropped' },
    { server: 'rstr', why: 'dropped' },
    { server: 'rate', why: 'rate-limited' },
  ]);
  h.clocks.advance(60_000); // 2 × pollMs since it was asked
  await h.tracker.pollNow();
  assert.deepEqual(h.polled[2], ['ok', 'rate']);
  assert.equal(h.tracker.status().servers.find((s) => s.server === 'rate')?.rateFactor, 4, 'a second RATE slows it further');
  h.clocks.advance(120_000);
  await h.tracker.pollNow();
  assert.deepEqual(h.polled[3], ['ok']);
  h.clocks.advance(120_000);
  await h.tracker.pollNow();
  assert.deepEqual(h.polled[4], ['ok', 'rate']);
});

test('poll reports reach poll listeners as data', async () => {
  const reports: PollReport[] = [];
  const h = harness((s) => silent(s.spec), { onPoll: (r) => reports.push(r) });
  const off = h.tracker.onPoll((r) => reports.push(r));
  await h.tracker.pollNow();
  off();
  await h.tracker.pollNow();
  assert.equal(reports.length, 3);
  assert.deepEqual(reports[0]?.servers[0]?.rejections, [{ reason: 'timeout', field: 'answer', rule: 'must arrive' }]);
  assert.deepEqual(reports[0]?.selection, { kind: 'no-answer' });
});

test('concurrent pollNow calls share one poll', async () => {
  const h = harness((s) => estimate(s.spec, 1));
  const [a, b] = await Promise.all([h.tracker.pollNow(), h.tracker.pollNow()]);
  assert.equal(a, b);
  assert.equal(h.polled.length, 1);
});

test('a listener that throws becomes a process warning, and the others still hear the event', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const h = harness((s) => estimate(s.spec, 1));
    h.tracker.onEvent(() => {
      throw new Error('boom');
    });
    const heard: string[] = [];
    h.tracker.onEvent((name) => heard.push(name));
    await h.tracker.pollNow();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(heard, ['time_sync']);
    assert.equal(h.events.length, 1);
    assert.ok(warnings.some((w) => w.includes('boom')));
  } finally {
    process.off('warning', onWarning);
  }
});

test('a poller that throws is no answer, not a crash', async () => {
  const h = harness(() => {
    throw new Error('network stack gone');
  });
  const warn = mock.method(process, 'emitWarning', () => undefined);
  try {
    const r = await h.tracker.pollNow();
    assert.deepEqual(r.selection, { kind: 'no-answer' });
    assert.equal(warn.mock.callCount(), 1);
  } finally {
    warn.mock.restore();
  }
});

test('configuration errors list every problem with its path and rule', () => {
  try {
    new TimeQualityTracker({
      servers: ['ok.example', 'bad host', 'ok.example:123', '[::1'],
      pollMs: 1000,
      samples: 2.5,
      timeoutMs: Number.NaN,
    });
    assert.fail('should throw');
  } catch (err) {
    assert.ok(isSeclogError(err, 'AGENT_TIME_CONFIG_INVALID'));
    const errors = (err.details as { errors: { path: string; rule: string }[] }).errors.map((e) => `${e.path}:${e.rule}`);
    assert.deepEqual(errors, [
      'servers[1]:address',
      'servers[2]:unique',
      'servers[3]:address',
      'pollMs:minimum',
      'samples:integer',
      'timeoutMs:type',
    ]);
  }
  assert.throws(() => new TimeQualityTracker({ servers: ['a'], pollMs: 60_000, retryMs: 120_000 }), /retryMs: maximum/);
});

test('schedule: first poll within the start delay, then every pollMs (jittered), retries back off from retryMs', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  try {
    let up = true;
    const h = harness((s) => (up ? estimate(s.spec, 1) : silent(s.spec)), {
      pollMs: 600_000,
      retryMs: 20_000,
      startDelayMaxMs: 2_000,
      jumpCheckMs: 1_000,
    });
    const flush = async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    // time advances for both clocks and for the mocked timers together
    const tick = async (ms: number) => {
      h.clocks.advance(ms);
      mock.timers.tick(ms);
      await flush();
    };
    h.tracker.start();
    await tick(999);
    assert.equal(h.polled.length, 0);
    await tick(1); // random 0.5 × 2 s
    assert.equal(h.polled.length, 1);
    await tick(599_999);
    assert.equal(h.polled.length, 1);
    await tick(1);
    assert.equal(h.polled.length, 2);
    up = false;
    await tick(600_000); // fails → retry after 20 s, then 40 s, 80 s
    assert.equal(h.polled.length, 3);
    await tick(20_000);
    assert.equal(h.polled.length, 4);
    await tick(39_999);
    assert.equal(h.polled.length, 4);
    await tick(1);
    assert.equal(h.polled.length, 5);
    assert.equal(h.tracker.synced, false, 'lost after the third failure');
    // a clock step while running triggers a poll at once (the last was ≥ retryMs ago)
    up = true;
    await tick(30_000);
    h.clocks.step(-10_000);
    await tick(1_000);
    await tick(0);
    assert.equal(h.polled.length, 6);
    assert.equal(h.tracker.synced, true);
    await h.tracker.stop();
    await tick(10 * 600_000);
    assert.equal(h.polled.length, 6, 'nothing after stop()');
  } finally {
    mock.timers.reset();
  }
});

test('stop() abandons a poll in flight', async () => {
  let sawAbort = false;
  const h = harness(
    (s, _n, opts) =>
      new Promise<ServerPoll>((resolve) => {
        opts.signal?.addEventListener('abort', () => {
          sawAbort = true;
          resolve(silent(s.spec));
        });
      }),
    { startDelayMaxMs: 0 },
  );
  h.tracker.start();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(h.polled.length, 1);
  await h.tracker.stop();
  assert.equal(sawAbort, true);
});
