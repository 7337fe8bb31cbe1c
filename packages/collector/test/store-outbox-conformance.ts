/**
 * The notification outbox (Store.enqueueOutbox … countOutbox) as part of the
 * Store conformance suite (store-conformance.ts calls
 * describeOutboxConformance): idempotent enqueue by (alert, channel), claims
 * that count the attempt and lease the row, settles guarded by the attempt,
 * dead rows and their reporting, and a model check against a plain in-memory
 * outbox. Every backend must behave alike (issue I runs it on PostgreSQL).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { OutboxInsert, OutboxOutcome, OutboxRow, OutboxState, Store } from '../src/store/types.js';

export interface OutboxFixture {
  store: Store;
  reopen?: () => Store;
  dispose(): void;
}

const row = (alertId: string, channel: string, createdUs = 1_000, nextAttemptUs = createdUs): OutboxInsert => ({
  alertId,
  channel,
  payload: JSON.stringify({ alertId, channel }),
  createdUs,
  nextAttemptUs,
});

const brief = (r: OutboxRow | undefined) =>
  r && {
    alert: r.alertId,
    channel: r.channel,
    state: r.state,
    attempts: r.attempts,
    next: r.nextAttemptUs,
    last: r.lastAttemptUs,
    error: r.lastError,
    done: r.doneUs,
    reported: r.reported,
  };

export function describeOutboxConformance(name: string, factory: () => OutboxFixture): void {
  const withStore = (fn: (f: OutboxFixture) => void) => () => {
    const f = factory();
    try {
      fn(f);
    } finally {
      f.dispose();
    }
  };

  describe(`${name}: notification outbox`, () => {
    test(
      'enqueue stores one row per (alert, channel) and ignores a second hand-over, keeping the first payload',
      withStore(({ store }) => {
        assert.equal(store.enqueueOutbox([row('a1', 'hook'), row('a1', 'mail'), row('a2', 'hook')]), 3);
        assert.equal(store.enqueueOutbox([{ ...row('a1', 'hook', 5_000), payload: '{"second":true}' }, row('a3', 'hook')]), 1);
        assert.equal(store.enqueueOutbox([]), 0);
        const r = store.getOutboxRow('a1', 'hook');
        assert.deepEqual(brief(r), {
          alert: 'a1',
          channel: 'hook',
          state: 'pending',
          attempts: 0,
          next: 1_000,
          last: null,
          error: null,
          done: null,
          reported: false,
        });
        assert.equal(r?.payload, JSON.stringify({ alertId: 'a1', channel: 'hook' }));
        assert.equal(r?.createdUs, 1_000);
        assert.equal(store.getOutboxRow('a1', 'nope'), undefined);
        assert.deepEqual(store.countOutbox(), { pending: 4, dead: 0 });
      }),
    );

    test(
      'an enqueue inside a transaction that throws leaves nothing',
      withStore(({ store }) => {
        assert.throws(() =>
          store.transaction(() => {
            store.enqueueOutbox([row('a1', 'hook')]);
            throw new Error('the alert was not stored');
          }),
        );
        assert.equal(store.getOutboxRow('a1', 'hook'), undefined);
        assert.equal(store.nextOutboxDueUs(), undefined);
      }),
    );

    test(
      'claim takes due pending rows soonest first up to the limit, counts the attempt and leases them',
      withStore(({ store }) => {
        // Enqueue order differs from due order both ways: neither id order passes for soonest first.
        store.enqueueOutbox([
          row('b', 'c', 100, 2_000),
          row('late', 'c', 100, 3_000),
          row('a', 'c', 100, 1_000),
          row('future', 'c', 100, 9_000),
        ]);
        assert.deepEqual(store.claimOutbox(500, 10_000, 10), []);
        const got = store.claimOutbox(3_000, 20_000, 2);
        assert.deepEqual(got.map((r) => [r.alertId, r.attempts, r.nextAttemptUs, r.lastAttemptUs]).sort(), [
          ['a', 1, 20_000, 3_000],
          ['b', 1, 20_000, 3_000],
        ]);
        assert.deepEqual(
          got.map((r) => r.id),
          [...got.map((r) => r.id)].sort((x, y) => x - y),
        );
        // Leased rows are not claimed again; the third due row is.
        assert.deepEqual(
          store.claimOutbox(3_000, 20_000, 10).map((r) => r.alertId),
          ['late'],
        );
        assert.equal(store.nextOutboxDueUs(), 9_000);
        assert.deepEqual(store.claimOutbox(3_000, 20_000, 0), []);
        // A lease that ran out (the process died mid-send) makes the row due again, as attempt 2.
        // Returned by id, that is in enqueue order.
        assert.deepEqual(
          store.claimOutbox(20_000, 40_000, 10).map((r) => [r.alertId, r.attempts]),
          [
            ['b', 2],
            ['late', 2],
            ['a', 2],
            ['future', 1],
          ],
        );
      }),
    );

    test(
      'settle is guarded by the attempt: delivered once, a stale or repeated settle changes nothing',
      withStore(({ store }) => {
        store.enqueueOutbox([row('a', 'c')]);
        const [r] = store.claimOutbox(1_000, 5_000, 1);
        assert.ok(r);
        assert.equal(store.settleOutbox(r.id, r.attempts + 1, { state: 'delivered', atUs: 1_500 }), false);
        assert.equal(store.settleOutbox(r.id, r.attempts, { state: 'pending', nextAttemptUs: 2_000, error: 'HTTP 503' }), true);
        assert.deepEqual(brief(store.getOutboxRow('a', 'c')), {
          alert: 'a',
          channel: 'c',
          state: 'pending',
          attempts: 1,
          next: 2_000,
          last: 1_000,
          error: 'HTTP 503',
          done: null,
          reported: false,
        });
        const [r2] = store.claimOutbox(2_000, 6_000, 1);
        assert.equal(r2?.attempts, 2);
        // The first attempt's dispatcher comes back late: refused.
        assert.equal(store.settleOutbox(r.id, 1, { state: 'dead', atUs: 2_100, error: 'late' }), false);
        assert.equal(store.settleOutbox(r.id, 2, { state: 'delivered', atUs: 2_200 }), true);
        assert.equal(store.settleOutbox(r.id, 2, { state: 'dead', atUs: 2_300, error: 'again' }), false);
        const done = store.getOutboxRow('a', 'c');
        assert.deepEqual([done?.state, done?.doneUs, done?.lastError, done?.attempts], ['delivered', 2_200, null, 2]);
        assert.deepEqual(store.claimOutbox(99_000, 100_000, 10), []);
        assert.equal(store.nextOutboxDueUs(), undefined);
        // Delivered rows still block a second hand-over.
        assert.equal(store.enqueueOutbox([row('a', 'c', 50_000)]), 0);
      }),
    );

    test(
      'dead rows are counted, listed until reported, and never claimed',
      withStore(({ store }) => {
        store.enqueueOutbox([row('a', 'c'), row('b', 'c'), row('c', 'c')]);
        const claimed = store.claimOutbox(1_000, 5_000, 3);
        for (const r of claimed.slice(0, 2)) {
          assert.equal(store.settleOutbox(r.id, 1, { state: 'dead', atUs: 1_200, error: `rejected: HTTP 404 ${r.alertId}` }), true);
        }
        assert.deepEqual(store.countOutbox(), { pending: 1, dead: 2 });
        const dead = store.unreportedDeadOutbox(10);
        assert.deepEqual(
          dead.map((r) => [r.alertId, r.state, r.lastError, r.doneUs, r.reported]),
          [
            ['a', 'dead', 'rejected: HTTP 404 a', 1_200, false],
            ['b', 'dead', 'rejected: HTTP 404 b', 1_200, false],
          ],
        );
        assert.deepEqual(
          store.unreportedDeadOutbox(1).map((r) => r.alertId),
          ['a'],
        );
        // The pending row's id is ignored: only dead rows can be reported.
        store.markOutboxReported([dead[0]?.id ?? -1, claimed[2]?.id ?? -1]);
        assert.deepEqual(
          store.unreportedDeadOutbox(10).map((r) => r.alertId),
          ['b'],
        );
        assert.equal(store.getOutboxRow('a', 'c')?.reported, true);
        assert.equal(store.getOutboxRow('c', 'c')?.reported, false);
        assert.deepEqual(
          store.claimOutbox(99_000, 100_000, 10).map((r) => r.alertId),
          ['c'],
        );
      }),
    );

    test('pending rows and their attempts survive a reopen', (t) => {
      const f = factory();
      try {
        if (f.reopen === undefined) {
          t.skip(`${name} cannot reopen (not durable)`);
          return;
        }
        f.store.enqueueOutbox([row('a', 'c'), row('b', 'c')]);
        const [a] = f.store.claimOutbox(1_000, 4_000, 1);
        assert.ok(a);
        f.store.settleOutbox(a.id, 1, { state: 'pending', nextAttemptUs: 3_000, error: 'timeout' });
        const s2 = f.reopen();
        assert.deepEqual(s2.countOutbox(), { pending: 2, dead: 0 });
        assert.deepEqual(
          s2.claimOutbox(3_000, 9_000, 10).map((r) => [r.alertId, r.attempts, r.lastError]),
          [
            ['a', 2, 'timeout'],
            ['b', 1, null],
          ],
        );
      } finally {
        f.dispose();
      }
    });

    test('model check: random enqueues, claims and settles against an in-memory outbox', () => {
      type M = { alertId: string; channel: string; state: OutboxState; attempts: number; next: number; error: string | null };
      const op = fc.oneof(
        fc.record({ kind: fc.constant('enqueue' as const), alert: fc.integer({ min: 0, max: 5 }), channel: fc.constantFrom('x', 'y') }),
        fc.record({ kind: fc.constant('claim' as const), limit: fc.integer({ min: 0, max: 4 }) }),
        fc.record({
          kind: fc.constant('settle' as const),
          pick: fc.nat(),
          outcome: fc.constantFrom('delivered', 'dead', 'retry'),
          stale: fc.boolean(),
        }),
        fc.record({ kind: fc.constant('tick' as const), us: fc.integer({ min: 1, max: 5_000 }) }),
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
          const f = factory();
          try {
            const { store } = f;
            const model = new Map<string, M>();
            let now = 10_000;
            let claimed: OutboxRow[] = [];
            for (const o of ops) {
              if (o.kind === 'enqueue') {
                const k = `${o.alert}\0${o.channel}`;
                const fresh = !model.has(k);
                if (fresh)
                  model.set(k, { alertId: `al-${o.alert}`, channel: o.channel, state: 'pending', attempts: 0, next: now, error: null });
                assert.equal(store.enqueueOutbox([row(`al-${o.alert}`, o.channel, now)]), fresh ? 1 : 0);
              } else if (o.kind === 'claim') {
                const lease = now + 2_000;
                const due = [...model.values()].filter((m) => m.state === 'pending' && m.next <= now);
                const got = store.claimOutbox(now, lease, o.limit);
                assert.equal(got.length, Math.min(o.limit, due.length));
                // Soonest first: no due row left behind was due before a claimed one.
                const key = (r: { alertId: string; channel: string }) => `${r.alertId.slice(3)}\0${r.channel}`;
                const taken = new Set(got.map(key));
                const claimedNext = Math.max(...got.map((g) => (model.get(key(g)) as M).next));
                for (const d of due) if (!taken.has(key(d))) assert.ok(d.next >= claimedNext, 'a sooner row was left behind');
                for (const g of got) {
                  const m = model.get(`${g.alertId.slice(3)}\0${g.channel}`);
                  assert.ok(m && m.state === 'pending' && m.next <= now, 'claimed a row that was not due');
                  m.attempts++;
                  m.next = lease;
                  assert.equal(g.attempts, m.attempts);
                }
                claimed = got;
              } else if (o.kind === 'settle' && claimed.length > 0) {
                const g = claimed[o.pick % claimed.length] as OutboxRow;
                const m = model.get(`${g.alertId.slice(3)}\0${g.channel}`) as M;
                const attempts = o.stale ? g.attempts - 1 : g.attempts;
                const outcome: OutboxOutcome =
                  o.outcome === 'delivered'
                    ? { state: 'delivered', atUs: now }
                    : o.outcome === 'dead'
                      ? { state: 'dead', atUs: now, error: 'no' }
                      : { state: 'pending', nextAttemptUs: now + 1_000, error: 'later' };
                const ok = m.state === 'pending' && m.attempts === attempts;
                assert.equal(store.settleOutbox(g.id, attempts, outcome), ok);
                if (ok) {
                  m.state = outcome.state;
                  if (outcome.state === 'pending') m.next = outcome.nextAttemptUs;
                  m.error = outcome.state === 'delivered' ? null : outcome.error;
                }
              } else if (o.kind === 'tick') {
                now += o.us;
              }
            }
            for (const m of model.values()) {
              const r = store.getOutboxRow(m.alertId, m.channel);
              assert.deepEqual([r?.state, r?.attempts, r?.lastError], [m.state, m.attempts, m.error]);
              if (m.state === 'pending') assert.equal(r?.nextAttemptUs, m.next);
            }
            const pending = [...model.values()].filter((m) => m.state === 'pending');
            assert.deepEqual(store.countOutbox(), {
              pending: pending.length,
              dead: [...model.values()].filter((m) => m.state === 'dead').length,
            });
            assert.equal(store.nextOutboxDueUs(), pending.length === 0 ? undefined : Math.min(...pending.map((m) => m.next)));
          } finally {
            f.dispose();
          }
        }),
        { numRuns: 30 },
      );
    });
  });
}
