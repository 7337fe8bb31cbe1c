/**
 * The AlertStore contract (src/store/alert-types.ts), run by store-conformance.ts against every Store
 * implementation: idempotent inserts by key, suppressed counts that never go down, the two hand-over marks,
 * conditional transitions with their history, keyset pages against a naive reference, the detector's state
 * row and the rule settings, and that all of it survives a reopen.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { AlertQuery, NewAlert, StoredAlert } from '../src/store/alert-types.js';
import type { Store } from '../src/store/types.js';

export interface AlertStoreFixture {
  store: Store;
  reopen?: () => Store;
  dispose(): void;
}

const T0 = Date.UTC(2026, 10, 27, 13) * 1000;

function newAlert(n: number, over: Partial<NewAlert> = {}): NewAlert {
  const key = n.toString(16).padStart(32, '0');
  return {
    id: `alr-${key}`,
    key,
    ruleId: n % 3 === 0 ? 'brute-force' : 'config-change',
    ruleVersion: 'abc123',
    ruleTitle: n % 3 === 0 ? 'Brute force' : 'Configuration changed',
    ruleType: n % 3 === 0 ? 'event_count' : 'detection',
    severity: n % 2 === 0 ? 'high' : 'medium',
    tags: ['attack.t1110'],
    group: n % 3 === 0 ? { 'source.ip': `203.0.113.${n}` } : {},
    groupKey: n % 3 === 0 ? `source.ip=203.0.113.${n}` : '',
    device: n % 4 === 0 ? null : `gw-${n % 4}`,
    count: 11,
    windowStartUs: T0 + n,
    windowEndUs: T0 + n + 60_000_000,
    evidence: [`019ac5e2-7b10-7c3a-9d41-${n.toString(16).padStart(12, '0')}`],
    evidenceTotal: 1,
    triggerEventId: null,
    triggerLeaf: n,
    createdUs: T0 + n * 1_000_000,
    ...over,
  };
}

export function describeAlertStoreConformance(name: string, factory: () => AlertStoreFixture): void {
  const withStore = (fn: (f: AlertStoreFixture) => void) => () => {
    const f = factory();
    try {
      fn(f);
    } finally {
      f.dispose();
    }
  };

  describe(`Store conformance (alerts and detection state): ${name}`, () => {
    test(
      'insertAlerts keeps the first alert of each key and reports which it inserted; rows read back as written',
      withStore(({ store }) => {
        const a = store.alerts();
        const first = newAlert(1);
        assert.deepEqual(a.insertAlerts([first, newAlert(2)]), [first.id, newAlert(2).id]);
        // A replay: same keys, other content; nothing changes.
        assert.deepEqual(a.insertAlerts([{ ...first, count: 99 }, newAlert(3)]), [newAlert(3).id]);
        const got = a.getAlert(first.id)!;
        const { seq, suppressed, status, assignee, resolution, updatedUs, logPos, notified, ...rest } = got;
        assert.deepEqual(rest, first);
        assert.deepEqual(
          { suppressed, status, assignee, resolution, updatedUs, logPos, notified },
          { suppressed: 0, status: 'new', assignee: null, resolution: null, updatedUs: first.createdUs, logPos: null, notified: false },
        );
        assert.ok(Number.isSafeInteger(seq));
        assert.equal(a.getAlert('alr-missing'), undefined);
        assert.deepEqual(a.insertAlerts([]), []);
      }),
    );

    test(
      'addSuppressed raises the count to the total and never lowers it (replays repeat smaller totals)',
      withStore(({ store }) => {
        const a = store.alerts();
        a.insertAlerts([newAlert(1), newAlert(2)]);
        a.addSuppressed([{ key: newAlert(1).key, total: 3, atUs: T0 + 5 }]);
        a.addSuppressed([
          { key: newAlert(1).key, total: 2, atUs: T0 + 6 },
          { key: 'no-such-key', total: 7, atUs: T0 + 6 },
        ]);
        assert.equal(a.getAlert(newAlert(1).id)!.suppressed, 3);
        assert.equal(a.getAlert(newAlert(1).id)!.updatedUs, T0 + 5);
        assert.equal(a.getAlert(newAlert(2).id)!.suppressed, 0);
      }),
    );

    test(
      'log positions and notified marks: set once, and the lists of what is still owed shrink accordingly',
      withStore(({ store }) => {
        const a = store.alerts();
        a.insertAlerts([1, 2, 3].map((n) => newAlert(n)));
        assert.deepEqual(
          a.listUnloggedAlerts(10).map((x) => x.id),
          [1, 2, 3].map((n) => newAlert(n).id),
        );
        assert.equal(a.setAlertLogPos(newAlert(2).id, 40), true);
        assert.equal(a.setAlertLogPos(newAlert(2).id, 41), false, 'a second position does not overwrite the first');
        assert.equal(a.getAlert(newAlert(2).id)!.logPos, 40);
        assert.equal(a.setAlertLogPos('alr-missing', 1), false);
        assert.deepEqual(
          a.listUnloggedAlerts(1).map((x) => x.id),
          [newAlert(1).id],
        );
        a.markAlertsNotified([newAlert(1).id, newAlert(3).id, 'alr-missing']);
        assert.deepEqual(
          a.listUnnotifiedAlerts(10).map((x) => x.id),
          [newAlert(2).id],
        );
        assert.equal(a.getAlert(newAlert(3).id)!.notified, true);
      }),
    );

    test(
      'transitionAlert moves only from the stated state and keeps the history in order',
      withStore(({ store }) => {
        const a = store.alerts();
        const id = newAlert(1).id;
        a.insertAlerts([newAlert(1)]);
        const step = { alertId: id, actor: 'api-token/t1', comment: null, resolution: null, logPos: null } as const;
        assert.equal(a.transitionAlert({ ...step, from: 'new', to: 'acknowledged', assignee: 'ann', atUs: T0 + 10 }), true);
        assert.equal(a.transitionAlert({ ...step, from: 'new', to: 'closed', assignee: null, atUs: T0 + 11 }), false, 'no longer new');
        assert.equal(
          a.transitionAlert({ ...step, alertId: 'alr-missing', from: 'new', to: 'acknowledged', assignee: null, atUs: T0 }),
          false,
        );
        assert.equal(
          a.transitionAlert({
            ...step,
            from: 'acknowledged',
            to: 'closed',
            assignee: 'ann',
            resolution: 'true_positive',
            comment: 'blocked',
            atUs: T0 + 12,
            logPos: 77,
          }),
          true,
        );
        const got = a.getAlert(id)!;
        assert.deepEqual([got.status, got.assignee, got.resolution, got.updatedUs], ['closed', 'ann', 'true_positive', T0 + 12]);
        const history = a.listAlertTransitions(id);
        assert.deepEqual(
          history.map((h) => [h.from, h.to, h.assignee, h.resolution, h.comment, h.actor, h.atUs, h.logPos]),
          [
            ['new', 'acknowledged', 'ann', null, null, 'api-token/t1', T0 + 10, null],
            ['acknowledged', 'closed', 'ann', 'true_positive', 'blocked', 'api-token/t1', T0 + 12, 77],
          ],
        );
        assert.ok(history[0]!.seq < history[1]!.seq);
        assert.deepEqual(a.listAlertTransitions('alr-missing'), []);
      }),
    );

    test(
      'queryAlerts pages newest first and matches a naive filter for any combination (property)',
      withStore(({ store }) => {
        const a = store.alerts();
        const all: NewAlert[] = Array.from({ length: 40 }, (_, i) => newAlert(i + 1));
        a.insertAlerts(all);
        a.transitionAlert({
          alertId: newAlert(5).id,
          from: 'new',
          to: 'acknowledged',
          assignee: 'ann',
          resolution: null,
          comment: null,
          actor: 'x',
          atUs: T0,
          logPos: null,
        });
        const stored = all.map((x) => a.getAlert(x.id)!);
        const reference = (q: Omit<AlertQuery, 'limit' | 'beforeSeq'>): string[] =>
          stored
            .filter(
              (x: StoredAlert) =>
                (q.status === undefined || x.status === q.status) &&
                (q.severity === undefined || x.severity === q.severity) &&
                (q.ruleId === undefined || x.ruleId === q.ruleId) &&
                (q.device === undefined || x.device === q.device) &&
                (q.group === undefined || x.groupKey.includes(q.group)) &&
                (q.fromUs === undefined || x.createdUs >= q.fromUs) &&
                (q.toUs === undefined || x.createdUs < q.toUs),
            )
            .sort((x, y) => y.seq - x.seq)
            .map((x) => x.id);
        fc.assert(
          fc.property(
            fc.record(
              {
                status: fc.constantFrom('new' as const, 'acknowledged' as const, 'closed' as const),
                severity: fc.constantFrom('high' as const, 'medium' as const, 'low' as const),
                ruleId: fc.constantFrom('brute-force', 'config-change', 'other'),
                device: fc.constantFrom('gw-1', 'gw-2', 'gw-3'),
                group: fc.constantFrom('203.0.113.1', 'source.ip=', '203.0.113.3'),
                fromUs: fc.integer({ min: T0, max: T0 + 41_000_000 }),
                toUs: fc.integer({ min: T0, max: T0 + 41_000_000 }),
              },
              { requiredKeys: [] },
            ),
            fc.integer({ min: 1, max: 7 }),
            (q, limit) => {
              const got: string[] = [];
              let beforeSeq: number | undefined;
              for (let i = 0; i < 100; i++) {
                const page = a.queryAlerts({ ...q, limit, ...(beforeSeq === undefined ? {} : { beforeSeq }) });
                assert.ok(page.alerts.length <= limit);
                got.push(...page.alerts.map((x) => x.id));
                beforeSeq = page.nextBeforeSeq;
                if (beforeSeq === undefined) break;
              }
              assert.deepEqual(got, reference(q));
            },
          ),
          { numRuns: 150 },
        );
        assert.throws(() => a.queryAlerts({ limit: 0 }), { code: 'STORE_QUERY_INVALID' });
      }),
    );

    test(
      'the detector state row, rule flags and custom rule files; putCustomRule replaces in one step',
      withStore(({ store }) => {
        const a = store.alerts();
        assert.equal(a.getDetectState(), undefined);
        a.putDetectState({ nextLeaf: 5, state: '{"a":1}', savedUs: T0 });
        a.putDetectState({ nextLeaf: 9, state: '{"a":2}', savedUs: T0 + 1 });
        assert.deepEqual(a.getDetectState(), { nextLeaf: 9, state: '{"a":2}', savedUs: T0 + 1 });

        assert.deepEqual(a.listRuleFlags(), []);
        a.putRuleFlag({ ruleId: 'b', enabled: false, updatedUs: T0, updatedBy: 'api-token/1' });
        a.putRuleFlag({ ruleId: 'a', enabled: false, updatedUs: T0, updatedBy: 'api-token/1' });
        a.putRuleFlag({ ruleId: 'a', enabled: true, updatedUs: T0 + 1, updatedBy: 'api-token/2' });
        assert.deepEqual(a.listRuleFlags(), [
          { ruleId: 'a', enabled: true, updatedUs: T0 + 1, updatedBy: 'api-token/2' },
          { ruleId: 'b', enabled: false, updatedUs: T0, updatedBy: 'api-token/1' },
        ]);

        const row = { fileId: 'r1', text: 'title: x', sha256: 'aa', ruleIds: ['r1', 'r2'], updatedUs: T0, updatedBy: 'api-token/1' };
        a.putCustomRule(row);
        a.putCustomRule({ ...row, fileId: 'r3', ruleIds: ['r3'] });
        a.putCustomRule({ ...row, text: 'title: y', sha256: 'bb' });
        a.putCustomRule({ ...row, fileId: 'r4', ruleIds: ['r4', 'r3'] }, 'r3');
        assert.deepEqual(
          a.listCustomRules().map((r) => [r.fileId, r.sha256, r.ruleIds]),
          [
            ['r1', 'bb', ['r1', 'r2']],
            ['r4', 'aa', ['r4', 'r3']],
          ],
        );
      }),
    );

    test('alerts, history, state and rule settings survive a reopen', (t) => {
      const f = factory();
      try {
        if (f.reopen === undefined) {
          t.skip(`${name} cannot reopen (not durable)`);
          return;
        }
        const a = f.store.alerts();
        a.insertAlerts([newAlert(1)]);
        a.transitionAlert({
          alertId: newAlert(1).id,
          from: 'new',
          to: 'acknowledged',
          assignee: 'ann',
          resolution: null,
          comment: null,
          actor: 'x',
          atUs: T0,
          logPos: 3,
        });
        a.putDetectState({ nextLeaf: 5, state: '{}', savedUs: T0 });
        a.putRuleFlag({ ruleId: 'a', enabled: false, updatedUs: T0, updatedBy: 'x' });
        a.putCustomRule({ fileId: 'r1', text: 't', sha256: 's', ruleIds: ['r1'], updatedUs: T0, updatedBy: 'x' });
        const b = f.reopen().alerts();
        assert.equal(b.getAlert(newAlert(1).id)!.status, 'acknowledged');
        assert.equal(b.listAlertTransitions(newAlert(1).id).length, 1);
        assert.equal(b.getDetectState()!.nextLeaf, 5);
        assert.equal(b.listRuleFlags().length, 1);
        assert.equal(b.listCustomRules().length, 1);
        assert.deepEqual(b.insertAlerts([newAlert(1)]), [], 'the key is still taken');
      } finally {
        f.dispose();
      }
    });
  });
}
