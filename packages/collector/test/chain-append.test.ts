// chainAfter: records the collector chains itself. Events marked as validated by their builder
// skip the second validation, but what chaining adds (stream id, default tq, the size grown by the
// chain fields) is still checked, an unmarked event is validated in full, and the records come out
// the same either way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityEvent, TimeQuality } from '@seclog/core';
import { canonicalize, isSeclogError, LIMITS, parseRfc5424, syslogToPassthrough, uuidv7, validateEvent } from '@seclog/core';
import { type CollectorClock, chainAfter, markValidated } from '../src/ingest/chain-append.js';
import { zeroCursor } from '../src/ingest/own-stream.js';

const TQ: TimeQuality = { source: 'unknown', synced: false };
/** A clock that always reads the same: two chainings of the same events give the same records. */
const clock = { boot: uuidv7(), monoMs: () => 7 } as unknown as CollectorClock;
const start = () => zeroCursor('dev-1', 'passthrough/syslog');

function passthroughs(n: number, tag = 'line'): SecurityEvent[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) =>
    syslogToPassthrough(parseRfc5424(`<13>1 2026-11-27T10:00:00Z host app - - - ${tag} ${i}`), {
      deviceId: 'dev-1',
      receivedAt: { ms: now, us: now * 1000 },
    }),
  );
}

/** Validated events, as a builder hands them over. */
function validated(events: SecurityEvent[]): SecurityEvent[] {
  for (const e of events) assert.deepEqual(validateEvent(e), []);
  return markValidated(events);
}

const invalid = (index: number, rule?: string) => (e: unknown) =>
  isSeclogError(e, 'EVENT_INVALID') &&
  e.details.index === index &&
  (rule === undefined || (e.details.errors as Array<{ rule: string }>).some((x) => x.rule === rule));

test('marked and unmarked events chain to the same records', () => {
  const events = passthroughs(5);
  const plain = chainAfter(
    start(),
    events.map((e) => structuredClone(e)),
    clock,
    TQ,
    1,
  );
  const marked = chainAfter(start(), validated(events), clock, TQ, 1);
  assert.deepEqual(
    marked.records.map((r) => r.canonical),
    plain.records.map((r) => r.canonical),
  );
  assert.deepEqual(marked.cursor, plain.cursor);
  for (const r of marked.records) assert.deepEqual(validateEvent(r.record, { chained: true }), []);
});

test('an unmarked event is validated in full', () => {
  const events = passthroughs(3);
  (events[1] as unknown as { severity: string }).severity = 'loud';
  assert.throws(() => chainAfter(start(), events, clock, TQ, 1), invalid(1, 'enum'));
});

test('a marked event grown over the record limit by its chain fields is refused, at any position', () => {
  const events = passthroughs(3);
  const big = events[2] as SecurityEvent;
  // Just under the limit without chain fields; the chain fields push it over.
  for (let k = 0; Buffer.byteLength(canonicalize(big)) < LIMITS.recordBytes - 120; k++) {
    const room = LIMITS.recordBytes - 120 - Buffer.byteLength(canonicalize(big));
    big.attrs[`extra_${k}`] = 'x'.repeat(Math.max(1, Math.min(1000, room - 16)));
  }
  validated(events);
  assert.ok(Buffer.byteLength(canonicalize(big)) <= LIMITS.recordBytes);
  assert.throws(() => chainAfter(start(), events, clock, TQ, 1), invalid(2, 'record-bytes'));
  // The same as the first record, which is validated in full.
  assert.throws(() => chainAfter(start(), [big], clock, TQ, 1), invalid(0, 'record-bytes'));
});

test('for marked events the stream id and the default tq are still checked', () => {
  assert.throws(() => chainAfter(zeroCursor('dev-1', 'bad stream id!'), validated(passthroughs(2)), clock, TQ, 1), invalid(0));
  const badTq = { synced: 'yes', source: 'unknown' } as unknown as TimeQuality;
  // The first record brings its own (valid) tq: the default tq is checked with the first record that gets it.
  const events = passthroughs(3);
  (events[0] as SecurityEvent).tq = { synced: true, source: 'ntp' };
  assert.throws(() => chainAfter(start(), validated(events), clock, badTq, 1), invalid(1));
});

test('a record with an own __proto__ member is refused, not given a prototype', () => {
  const [e] = passthroughs(1);
  const poisoned = JSON.parse(JSON.stringify(e).replace(/^\{/, '{"__proto__":{"polluted":true},')) as SecurityEvent;
  assert.ok(Object.hasOwn(poisoned, '__proto__'));
  assert.throws(() => chainAfter(start(), [poisoned], clock, TQ, 1), invalid(0));
  assert.throws(() => chainAfter(start(), markValidated([poisoned]), clock, TQ, 1), invalid(0));
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
});

test('a chained record keeps the canonical member order of its event (canonical JSON without a sorted copy); chain members win', () => {
  const events = validated(passthroughs(3));
  // An event that carries members chaining sets itself (a seclog event decoded without its chain): chaining's win.
  const own = { ...events[0], seq: 99, stream: 'elsewhere' } as SecurityEvent;
  const { records } = chainAfter(start(), [...events, own], clock, TQ, 1);
  for (const r of records) assert.equal(JSON.stringify(r.record), r.canonical);
  assert.deepEqual(
    records.map((r) => [r.record.seq, r.record.stream]),
    [
      [1, 'passthrough/syslog'],
      [2, 'passthrough/syslog'],
      [3, 'passthrough/syslog'],
      [4, 'passthrough/syslog'],
    ],
  );
  // An own __proto__ member (JSON.parse makes one) stays a member, which validation refuses, never a prototype.
  const poisoned = JSON.parse(`{${JSON.stringify(events[1]).slice(1, -1)},"__proto__":{"polluted":1}}`) as SecurityEvent;
  assert.throws(() => chainAfter(start(), [poisoned], clock, TQ, 1), invalid(0));
  assert.equal(({} as { polluted?: number }).polluted, undefined);
});
