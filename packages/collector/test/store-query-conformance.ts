/**
 * Store.queryEvents and getEventById, as part of the Store conformance suite
 * (store-conformance.ts calls describeQueryConformance): every backend must
 * return, page after page, exactly what a naive filter over all stored
 * records returns, newest first by position, whatever the limit and the scan
 * limit, and pages must not move while new records are committed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Hash, SecurityEvent } from '@seclog/core';
import { canonicalize, chainHash, hashLeaf, parseDateTime, toHash } from '@seclog/core';
import fc from 'fast-check';
import type { BatchWrite, EventQuery, IncomingRecord, Store, StoredEvent } from '../src/store/types.js';

export interface QueryFixture {
  store: Store;
  dispose(): void;
}

const ZERO = new Uint8Array(32) as Hash;
const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2026, 10, 27, 8, 0, 0);

const DEVICES = ['cam-1', 'cam-2', 'gw-9'];
const NAMES = ['authn_login_fail', 'config_change', 'session_start'];
const OUTCOMES = ['success', 'failure', 'unknown'] as const;
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
const IPS = ['192.0.2.1', '192.0.2.2', '2001:db8::7'];
const USERS = ['admin', 'Operator', 'svc.backup'];
const TEXTS = ['C:\\temp\\50%_done', 'Grüße "quoted"', 'DISK full', 'nothing'];

function recordTime(ms: number, us: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String((ms % 1000) * 1000 + us).padStart(6, '0')}Z`;
}

/** Chained batches of records with varied query fields; record `k` overall is shaped by `k`. */
class Corpus {
  readonly #heads = new Map<string, { seq: number; head: Hash }>();
  #k = 0;

  batch(device: string, n: number, timeOf: (k: number) => number): BatchWrite {
    const stream = `${device}.s`;
    let { seq, head } = this.#heads.get(device) ?? { seq: 0, head: ZERO };
    const records: IncomingRecord[] = [];
    for (let i = 0; i < n; i++) {
      const k = this.#k++;
      seq++;
      const record: SecurityEvent = {
        v: 1,
        id: `019ac5e2-7b10-7c3a-9d41-${k.toString(16).padStart(12, '0')}`,
        name: NAMES[k % 3] as string,
        time: recordTime(timeOf(k), k % 1000),
        severity: SEVERITIES[k % 5] as (typeof SEVERITIES)[number],
        outcome: OUTCOMES[(k >> 1) % 3] as (typeof OUTCOMES)[number],
        device: { id: device },
        ...(k % 4 === 0 ? {} : { actor: { ...(k % 4 === 3 ? {} : { ip: IPS[k % 3] as string }), user: USERS[(k >> 2) % 3] as string } }),
        attrs: { note: TEXTS[k % 4] as string, n: k },
        ...(k % 5 === 0 ? { message: `event number ${k}` } : {}),
        stream,
        seq,
        boot: 'b1',
        mono_ms: seq,
        prev: Buffer.from(head).toString('hex'),
      };
      const canonical = canonicalize(record);
      const digest = hashLeaf(Buffer.from(canonical));
      head = toHash(chainHash(seq, head, digest), 'chain hash');
      records.push({ record, canonical, digest, chainHash: head, receivedUs: (T0 + k) * 1000 });
    }
    this.#heads.set(device, { seq, head });
    return { device, stream, records, cursor: { device, stream, ackedSeq: seq, head } };
  }
}

/** ~240 records over six hours, with a late backlog batch, a 1970 clock and a 2099 clock. */
function fill(store: Store): Corpus {
  const c = new Corpus();
  for (let round = 0; round < 6; round++) {
    store.commitBatches(DEVICES.map((d) => c.batch(d, 12, (k) => T0 + round * HOUR_MS + k * 1000)));
  }
  store.commitBatches([c.batch('gw-9', 10, () => 0)]); // a device without a clock
  store.commitBatches([c.batch('cam-2', 10, (k) => Date.UTC(2099, 0, 1) + k)]);
  store.commitBatches([c.batch('cam-1', 20, (k) => T0 + 2 * HOUR_MS + k)]); // backlog, committed last
  store.commitBatches(DEVICES.map((d) => c.batch(d, 5, (k) => T0 + 6 * HOUR_MS + k * 1000)));
  return c;
}

// The naive reference: parse every stored record and test each filter.

function timeUs(time: string): number {
  const t = parseDateTime(time);
  return t.ms * 1000 + t.us;
}

function strings(v: unknown, out: string[]): string[] {
  if (typeof v === 'string') out.push(v);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

const lowerAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

type Filter = Omit<EventQuery, 'limit' | 'scanLimit' | 'beforePos' | 'fromPos'>;

function reference(all: StoredEvent[], f: Filter): number[] {
  const out: number[] = [];
  for (const e of all) {
    const r = JSON.parse(e.canonical) as SecurityEvent;
    const t = timeUs(r.time);
    if (f.fromUs !== undefined && t < f.fromUs) continue;
    if (f.toUs !== undefined && t >= f.toUs) continue;
    if (f.device !== undefined && e.device !== f.device) continue;
    if (f.name !== undefined && r.name !== f.name) continue;
    if (f.outcome !== undefined && r.outcome !== f.outcome) continue;
    if (f.severity !== undefined && r.severity !== f.severity) continue;
    if (f.ip !== undefined && r.actor?.ip !== f.ip) continue;
    if (f.user !== undefined && r.actor?.user !== f.user) continue;
    const text = f.text;
    if (text !== undefined && !strings(r, []).some((s) => lowerAscii(s).includes(lowerAscii(text)))) continue;
    out.push(e.pos);
  }
  return out.reverse();
}

/** Follows pages to the end; checks order, page size and progress on the way. */
function drain(store: Store, f: Filter, limit: number, scanLimit?: number, beforePos?: number): number[] {
  const got: number[] = [];
  let before = beforePos;
  for (let calls = 0; ; calls++) {
    assert.ok(calls < 100_000, 'pagination does not end');
    const page = store.queryEvents({
      ...f,
      limit,
      ...(scanLimit === undefined ? {} : { scanLimit }),
      ...(before === undefined ? {} : { beforePos: before }),
    });
    assert.ok(page.events.length <= limit, 'a page holds at most limit events');
    for (const e of page.events) {
      assert.ok(before === undefined || e.pos < before, 'a page stays below its cursor');
      assert.ok(got.length === 0 || e.pos < (got.at(-1) as number), 'newest first, no repeats');
      got.push(e.pos);
    }
    if (page.nextBeforePos === undefined) return got;
    assert.ok(before === undefined || page.nextBeforePos < before, 'every page makes progress');
    before = page.nextBeforePos;
  }
}

const hour = (h: number) => (T0 + h * HOUR_MS) * 1000;

const CASES: { name: string; f: Filter }[] = [
  { name: 'no filter', f: {} },
  { name: 'device', f: { device: 'cam-1' } },
  { name: 'device + time window', f: { device: 'cam-1', fromUs: hour(2), toUs: hour(3) } },
  { name: 'ip', f: { ip: '192.0.2.2' } },
  { name: 'ip (IPv6)', f: { ip: '2001:db8::7' } },
  { name: 'user', f: { user: 'Operator' } },
  { name: 'name', f: { name: 'config_change' } },
  { name: 'name + time', f: { name: 'session_start', fromUs: hour(1), toUs: hour(4) } },
  { name: 'outcome', f: { outcome: 'unknown' } },
  { name: 'severity', f: { severity: 'critical' } },
  { name: 'time from only', f: { fromUs: hour(5) } },
  { name: 'time to only (the 1970 clock)', f: { toUs: hour(0) } },
  { name: 'time window with the backlog in it', f: { fromUs: hour(2), toUs: hour(2) + 60_000_000 } },
  { name: 'a window with no records', f: { fromUs: hour(30), toUs: hour(31) } },
  { name: 'text, case-insensitive ASCII', f: { text: 'disk FULL' } },
  { name: 'text with LIKE wildcards and a backslash', f: { text: '\\50%_' } },
  { name: 'text with a quote and non-ASCII', f: { text: 'grüße "q' } },
  { name: 'text non-ASCII is exact', f: { text: 'GRÜSSE' } },
  { name: 'text that is only a key name', f: { text: 'outcome' } },
  { name: 'text in the message', f: { text: 'number 15' } },
  { name: 'text in the device id', f: { text: 'GW-9' } },
  {
    name: 'all at once',
    f: { device: 'cam-2', name: 'authn_login_fail', outcome: 'failure', user: 'admin', ip: '192.0.2.2', fromUs: hour(0) },
  },
  { name: 'device + ip + text', f: { device: 'gw-9', ip: '192.0.2.1', text: 'temp' } },
  { name: 'unknown device', f: { device: 'nobody' } },
];

export function describeQueryConformance(name: string, factory: () => QueryFixture): void {
  describe(`Store conformance (queries): ${name}`, () => {
    const withFilled = (fn: (store: Store, all: StoredEvent[], c: Corpus) => void) => () => {
      const f = factory();
      try {
        const c = fill(f.store);
        fn(f.store, f.store.readEvents(0, f.store.eventCount()), c);
      } finally {
        f.dispose();
      }
    };

    test(
      'every filter alone and combined: pages of any size and scan limit give exactly the reference, newest first',
      withFilled((store, all) => {
        for (const c of CASES) {
          const want = reference(all, c.f);
          assert.deepEqual(drain(store, c.f, 1000), want, `${c.name}, one page`);
          assert.deepEqual(drain(store, c.f, 7), want, `${c.name}, limit 7`);
          assert.deepEqual(drain(store, c.f, 5, 9), want, `${c.name}, limit 5, scan limit 9`);
          assert.deepEqual(drain(store, c.f, 1, 1), want, `${c.name}, limit 1, scan limit 1`);
        }
        assert.ok(
          reference(all, { text: 'outcome' }).length === 0 && reference(all, {}).length > 200,
          'the corpus is what the cases assume',
        );
      }),
    );

    test(
      'a window over two hour buckets whose candidates together exceed the scan limit pages on (seed 129617156)',
      withFilled((store, all) => {
        // 36 records per hour; a scan limit of 37 keeps every row of each bucket but not of both.
        const f: Filter = { name: 'authn_login_fail', user: 'admin', text: 'cam', fromUs: hour(0), toUs: hour(2) };
        const want = reference(all, f);
        assert.ok(want.length > 2);
        assert.deepEqual(drain(store, f, 2, 37), want);
        const g: Filter = { fromUs: hour(0), toUs: hour(2), severity: 'info' };
        assert.deepEqual(drain(store, g, 3, 40), reference(all, g));
      }),
    );

    test(
      'model check: random filters, limits and scan limits against the reference',
      withFilled((store, all) => {
        const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
        const filterArb = fc.record({
          device: opt(fc.constantFrom(...DEVICES)),
          name: opt(fc.constantFrom(...NAMES)),
          outcome: opt(fc.constantFrom(...OUTCOMES)),
          severity: opt(fc.constantFrom(...SEVERITIES)),
          ip: opt(fc.constantFrom(...IPS)),
          user: opt(fc.constantFrom(...USERS)),
          text: opt(fc.constantFrom('temp', 'DONE', 'ü', '"', 'event number 1', 'cam')),
          fromH: opt(fc.integer({ min: -1, max: 7 })),
          spanH: opt(fc.integer({ min: 1, max: 4 })),
        });
        fc.assert(
          fc.property(filterArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 60 }), (r, limit, scanLimit) => {
            const f: Filter = {};
            for (const k of ['device', 'name', 'outcome', 'severity', 'ip', 'user', 'text'] as const) if (r[k] !== undefined) f[k] = r[k];
            if (r.fromH !== undefined) f.fromUs = hour(r.fromH);
            if (r.spanH !== undefined) f.toUs = hour((r.fromH ?? 0) + r.spanH);
            assert.deepEqual(drain(store, f, limit, scanLimit), reference(all, f));
          }),
          { numRuns: 60 },
        );
      }),
    );

    test(
      'pagination is stable while new records are committed between pages',
      withFilled((store, all, c) => {
        const f: Filter = { device: 'cam-2' };
        const want = reference(all, f);
        const got: number[] = [];
        let before: number | undefined;
        for (;;) {
          const page = store.queryEvents({ ...f, limit: 4, ...(before === undefined ? {} : { beforePos: before }) });
          got.push(...page.events.map((e) => e.pos));
          store.commitBatches([c.batch('cam-2', 3, (k) => T0 + k), c.batch('cam-1', 2, (k) => T0 + k)]);
          if (page.nextBeforePos === undefined) break;
          before = page.nextBeforePos;
        }
        assert.deepEqual(got, want, 'exactly the matches that existed at the first page, each once, in order');
      }),
    );

    test(
      'position windows: fromPos and beforePos bound the result (the live tail reads forward windows)',
      withFilled((store, all) => {
        const page = store.queryEvents({ fromPos: 10, beforePos: 30, limit: 100 });
        assert.deepEqual(
          page.events.map((e) => e.pos),
          Array.from({ length: 20 }, (_, i) => 29 - i),
        );
        assert.equal(page.nextBeforePos, undefined);
        const dev = store.queryEvents({ device: 'gw-9', fromPos: 10, beforePos: 100, limit: 100 });
        assert.deepEqual(
          dev.events.map((e) => e.pos),
          reference(all, { device: 'gw-9' }).filter((p) => p >= 10 && p < 100),
        );
        assert.deepEqual(store.queryEvents({ fromPos: 50, beforePos: 50, limit: 5 }), { events: [], nextBeforePos: undefined });
        assert.equal(
          store.queryEvents({ beforePos: 10 ** 9, limit: 1 }).events[0]?.pos,
          all.length - 1,
          'a cursor past the end starts at the newest',
        );
      }),
    );

    test(
      'a page that holds the last matches says so (no empty page after it) when the scan limit is not reached',
      withFilled((store, all) => {
        for (const f of [{ device: 'gw-9' }, { user: 'admin' }, { name: 'config_change' }, {}] as Filter[]) {
          const want = reference(all, f);
          const page = store.queryEvents({ ...f, limit: want.length });
          assert.equal(page.events.length, want.length);
          assert.equal(page.nextBeforePos, undefined, JSON.stringify(f));
          const short = store.queryEvents({ ...f, limit: want.length - 1 });
          assert.equal(short.nextBeforePos, want.at(-2), JSON.stringify(f));
          const rest = store.queryEvents({ ...f, limit: 10, beforePos: short.nextBeforePos as number });
          assert.deepEqual(
            rest.events.map((e) => e.pos),
            [want.at(-1)],
          );
        }
      }),
    );

    test(
      'events carry what was stored',
      withFilled((store, all) => {
        const [first] = store.queryEvents({ device: 'gw-9', limit: 1 }).events;
        assert.ok(first);
        const stored = all[first.pos] as StoredEvent;
        assert.deepEqual(
          { ...first, digest: Buffer.from(first.digest).toString('hex'), chainHash: Buffer.from(first.chainHash).toString('hex') },
          { ...stored, digest: Buffer.from(stored.digest).toString('hex'), chainHash: Buffer.from(stored.chainHash).toString('hex') },
        );
      }),
    );

    test(
      'getEventById finds a record by its id in any case; an unknown id is undefined',
      withFilled((store, all) => {
        const e = all[37] as StoredEvent;
        const id = (JSON.parse(e.canonical) as SecurityEvent).id;
        assert.equal(store.getEventById(id)?.pos, 37);
        assert.equal(store.getEventById(id.toUpperCase())?.pos, 37);
        assert.equal(store.getEventById('019ac5e2-7b10-7c3a-9d41-ffffffffffff'), undefined);
      }),
    );

    const invalid: [string, Partial<EventQuery>][] = [
      ['limit 0', { limit: 0 }],
      ['limit not an integer', { limit: 1.5 }],
      ['scanLimit 0', { scanLimit: 0 }],
      ['negative beforePos', { beforePos: -1 }],
      ['fromUs not safe', { fromUs: 2 ** 60 }],
      ['empty device', { device: '' }],
    ];
    for (const [what, q] of invalid) {
      test(
        `a malformed query is STORE_QUERY_INVALID: ${what}`,
        withFilled((store) => {
          assert.throws(
            () => store.queryEvents({ limit: 10, ...q }),
            (err: unknown) => (err as { code?: string }).code === 'STORE_QUERY_INVALID',
          );
        }),
      );
    }

    test('an empty store answers with an empty last page', () => {
      const f = factory();
      try {
        assert.deepEqual(f.store.queryEvents({ limit: 10 }), { events: [], nextBeforePos: undefined });
        assert.deepEqual(f.store.queryEvents({ limit: 10, fromUs: 0, device: 'x', text: 'y' }), { events: [], nextBeforePos: undefined });
        assert.equal(f.store.getEventById('019ac5e2-7b10-7c3a-9d41-000000000001'), undefined);
      } finally {
        f.dispose();
      }
    });
  });
}
