// The alert lifecycle as a table: every (state, requested state) pair for an analyst, the fields each move
// needs, and what only an admin may do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { planTransition, type TransitionRequest } from '../src/detect/lifecycle.js';
import { ALERT_STATUSES, type AlertStatus } from '../src/store/alert-types.js';

const analyst = { role: 'analyst' as const, name: 'soc' };
const admin = { role: 'admin' as const, name: 'root' };

/** What a complete request for the move looks like (closing: resolution + comment; reopen: comment; reassign: assignee). */
function complete(from: AlertStatus, to: AlertStatus): TransitionRequest {
  if (to === 'closed') return { to, resolution: 'benign', comment: 'why' };
  if (from === 'closed') return { to, comment: 'why' };
  if (from === to) return { to, assignee: 'someone-else' };
  return { to };
}

const ANALYST_ALLOWED = new Set([
  'new>acknowledged',
  'new>closed',
  'acknowledged>acknowledged',
  'acknowledged>in_progress',
  'acknowledged>closed',
  'in_progress>in_progress',
  'in_progress>closed',
]);
const ADMIN_ONLY = new Set(['closed>new', 'closed>acknowledged', 'closed>in_progress']);

for (const from of ALERT_STATUSES) {
  for (const to of ALERT_STATUSES) {
    const move = `${from}>${to}`;
    test(`${move}: ${ANALYST_ALLOWED.has(move) ? 'allowed' : ADMIN_ONLY.has(move) ? 'admin only' : 'refused (409)'}`, () => {
      const alert = { status: from, assignee: from === 'new' ? null : 'ann' };
      const run = (who: typeof analyst | typeof admin) => planTransition(alert, complete(from, to), who);
      if (ANALYST_ALLOWED.has(move)) {
        const p = run(analyst);
        assert.deepEqual([p.from, p.to, p.reopen], [from, to, false]);
      } else if (ADMIN_ONLY.has(move)) {
        assert.throws(
          () => run(analyst),
          (e) => isSeclogError(e, 'AUTH_ROLE_FORBIDDEN'),
        );
        const p = run(admin);
        assert.equal(p.reopen, true);
        assert.equal(p.resolution, null);
      } else {
        assert.throws(
          () => run(admin),
          (e) => isSeclogError(e, 'ALERT_TRANSITION_INVALID'),
        );
      }
    });
  }
}

test('incomplete requests name the missing field (422)', () => {
  const cases: [AlertStatus, TransitionRequest, string][] = [
    ['in_progress', { to: 'closed', comment: 'x' }, 'resolution'],
    ['in_progress', { to: 'closed', resolution: 'duplicate' }, 'comment'],
    ['new', { to: 'acknowledged', resolution: 'benign' }, 'resolution'],
    ['acknowledged', { to: 'acknowledged' }, 'assignee'],
    ['acknowledged', { to: 'acknowledged', assignee: 'ann' }, 'assignee'],
    ['closed', { to: 'in_progress' }, 'comment'],
    ['closed', { to: 'new', comment: 'x', assignee: 'ann' }, 'assignee'],
  ];
  for (const [from, req, field] of cases) {
    assert.throws(
      () => planTransition({ status: from, assignee: 'ann' }, req, admin),
      (e) => isSeclogError(e, 'ALERT_TRANSITION_INCOMPLETE') && e.details.field === field,
      `${from} → ${JSON.stringify(req)}`,
    );
  }
});

test('assignees: acknowledging defaults to the actor, later moves keep the assignee unless given, new has none', () => {
  assert.equal(planTransition({ status: 'new', assignee: null }, { to: 'acknowledged' }, analyst).assignee, 'soc');
  assert.equal(planTransition({ status: 'new', assignee: null }, { to: 'acknowledged', assignee: 'bob' }, analyst).assignee, 'bob');
  assert.equal(planTransition({ status: 'acknowledged', assignee: 'bob' }, { to: 'in_progress' }, analyst).assignee, 'bob');
  assert.equal(
    planTransition({ status: 'new', assignee: null }, { to: 'closed', resolution: 'benign', comment: 'x' }, analyst).assignee,
    null,
  );
  assert.equal(planTransition({ status: 'closed', assignee: 'bob' }, { to: 'new', comment: 'x' }, admin).assignee, null);
  assert.equal(planTransition({ status: 'closed', assignee: 'bob' }, { to: 'acknowledged', comment: 'x' }, admin).assignee, 'bob');
});
