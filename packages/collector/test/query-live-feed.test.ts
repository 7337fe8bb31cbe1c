// The live tail's pub/sub on its own: a store, a feed and sinks that read or refuse to.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { LiveFeed } from '../src/query/live-feed.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { parseSse } from './query-fixtures.js';
import { StreamWriter } from './store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'seclog-feed-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const newStore = () => openSqliteStore(join(dir, `feed-${n++}.db`));

class Sink {
  text = '';
  ended = false;
  open = true;
  #drain: (() => void) | undefined;
  write(chunk: string): boolean {
    this.text += chunk;
    return this.open;
  }
  onDrain(fn: () => void): void {
    this.#drain = fn;
  }
  end(): void {
    this.ended = true;
  }
  resume(): void {
    this.open = true;
    const fn = this.#drain;
    this.#drain = undefined;
    fn?.();
  }
  ids(): number[] {
    return parseSse(this.text)
      .filter((e) => e.event === undefined)
      .map((e) => Number(e.id));
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await tick();
}

test('delivers records committed after subscribing, filtered, in position order, after a notify', async () => {
  const store = newStore();
  const w = new StreamWriter();
  store.commitBatches([w.batch('a', 's', 3)]); // before: not delivered
  const feed = new LiveFeed(store, { pollMs: 60_000 });
  const all = new Sink();
  const onlyB = new Sink();
  feed.subscribe({}, feed.head(), all);
  feed.subscribe({ device: 'b' }, feed.head(), onlyB);
  store.commitBatches([w.batch('a', 's', 2), w.batch('b', 's', 2)]);
  feed.notify();
  await settle();
  assert.deepEqual(all.ids(), [3, 4, 5, 6]);
  assert.deepEqual(onlyB.ids(), [5, 6]);
  const first = JSON.parse(parseSse(all.text)[0]?.data as string);
  assert.equal(first.leafIndex, 3);
  assert.equal(first.record.device.id, 'a');
  feed.close();
  assert.ok(all.ended && onlyB.ended, 'close ends every subscription');
  store.close();
});

test('a commit made elsewhere is picked up by the poll, without a notify', async () => {
  const store = newStore();
  const feed = new LiveFeed(store, { pollMs: 20 });
  const sink = new Sink();
  feed.subscribe({}, 0, sink);
  store.commitBatches([new StreamWriter().batch('c', 's', 2)]);
  for (let i = 0; i < 50 && sink.ids().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(sink.ids(), [0, 1]);
  feed.close();
  store.close();
});

test('from an earlier position (Last-Event-ID + 1): catches up chunk by chunk, then follows', async () => {
  const store = newStore();
  const w = new StreamWriter();
  store.commitBatches([w.batch('a', 's', 25)]);
  const feed = new LiveFeed(store, { pollMs: 60_000, chunk: 4 });
  const sink = new Sink();
  feed.subscribe({}, 10, sink);
  await settle();
  assert.deepEqual(
    sink.ids(),
    Array.from({ length: 15 }, (_, i) => 10 + i),
  );
  store.commitBatches([w.batch('a', 's', 1)]);
  feed.notify();
  await settle();
  assert.equal(sink.ids().at(-1), 25);
  feed.close();
  store.close();
});

test('a sink that pushes back waits for drain; nothing is lost or repeated', async () => {
  const store = newStore();
  const w = new StreamWriter();
  const feed = new LiveFeed(store, { pollMs: 60_000, chunk: 3, maxLag: 1000 });
  const sink = new Sink();
  sink.open = false;
  feed.subscribe({}, 0, sink);
  store.commitBatches([w.batch('a', 's', 10)]);
  feed.notify();
  await settle();
  assert.deepEqual(sink.ids(), [0, 1, 2], 'one chunk, then it stops writing');
  sink.resume();
  await settle();
  assert.deepEqual(
    sink.ids(),
    Array.from({ length: 10 }, (_, i) => i),
  );
  assert.equal(sink.ended, false);
  feed.close();
  store.close();
});

test('a sink that pushes back while more than maxLag behind is dropped with a final error event', async () => {
  const store = newStore();
  const w = new StreamWriter();
  const feed = new LiveFeed(store, { pollMs: 60_000, chunk: 5, maxLag: 8 });
  const slow = new Sink();
  const fast = new Sink();
  slow.open = false;
  feed.subscribe({}, 0, slow);
  feed.subscribe({}, 0, fast);
  store.commitBatches([w.batch('a', 's', 20)]);
  feed.notify();
  await settle();
  assert.equal(slow.ended, true, 'dropped');
  const events = parseSse(slow.text);
  const last = events.at(-1);
  assert.equal(last?.event, 'error');
  const err = JSON.parse(last?.data as string).error;
  assert.equal(err.code, 'QUERY_TAIL_TOO_SLOW');
  assert.deepEqual(err.details, { maxLag: 8, lastEventId: 4 });
  assert.deepEqual(slow.ids(), [0, 1, 2, 3, 4], 'what it got before the drop');
  assert.equal(feed.size, 1, 'the slow one is gone, the fast one stays');
  assert.equal(fast.ids().length, 20);
  feed.close();
  store.close();
});

test('heartbeats go to idle subscribers; timers stop with the last subscriber', async () => {
  const store = newStore();
  const feed = new LiveFeed(store, { pollMs: 60_000, heartbeatMs: 15 });
  const sink = new Sink();
  const unsubscribe = feed.subscribe({}, 0, sink);
  await new Promise((r) => setTimeout(r, 60));
  assert.match(sink.text, /^: keep-alive\n\n/m);
  unsubscribe();
  const before = sink.text;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(sink.text, before, 'no heartbeat after unsubscribing');
  assert.equal(feed.size, 0);
  store.close();
});

test('notify without subscribers reads nothing', async () => {
  const store = newStore();
  let reads = 0;
  const counting = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'queryEvents' || prop === 'eventCount') reads++;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const feed = new LiveFeed(counting);
  feed.notify();
  await settle();
  assert.equal(reads, 0);
  store.close();
});
