/**
 * Alert transitions: decided by lifecycle.ts, recorded as `alert_transition`
 * in the collector's own stream (audit.ts), then applied to the row and its
 * history in one transaction. One transition per alert at a time (an
 * in-process lock: SQLite has one writer process), so two analysts racing
 * get one success and one ALERT_TRANSITION_INVALID.
 */
import { SeclogError } from '@seclog/core';
import { principalLabel } from '../auth/principal.js';
import { KeyedLock } from '../ingest/keyed-lock.js';
import type { OwnEvent, OwnStream } from '../ingest/own-stream.js';
import type { StoredAlert } from '../store/alert-types.js';
import type { Store } from '../store/types.js';
import { type Actor, actorField, actorUser, appendAudit } from './audit.js';
import { type PlannedTransition, planTransition, type TransitionRequest } from './lifecycle.js';

function transitionEvent(alert: StoredAlert, t: PlannedTransition, who: Actor): OwnEvent {
  const attrs: Record<string, string> = { alert_id: alert.id, from_state: t.from, to_state: t.to };
  if (t.resolution !== null) attrs.resolution = t.resolution;
  if (t.assignee !== null) attrs.assignee = t.assignee;
  if (t.comment !== null) attrs.reason = t.comment;
  const verb = t.reopen ? 'reopened' : t.from === t.to ? 'reassigned' : 'moved';
  const detail = t.from === t.to ? ` to ${t.assignee}` : ` from ${t.from} to ${t.to}${t.resolution === null ? '' : ` (${t.resolution})`}`;
  return {
    name: 'alert_transition',
    input: {
      actor: actorField(who),
      attrs,
      message: `${principalLabel(who.principal)} ${verb} alert ${alert.id} "${alert.ruleTitle}"${detail}`,
    },
  };
}

export class AlertTriage {
  readonly #store: Store;
  readonly #own: OwnStream;
  readonly #lock = new KeyedLock();
  readonly #now: () => number;

  constructor(store: Store, own: OwnStream, now: () => number = Date.now) {
    this.#store = store;
    this.#own = own;
    this.#now = now;
  }

  get(id: string): StoredAlert {
    const a = this.#store.alerts().getAlert(id);
    if (a === undefined) throw new SeclogError('ALERT_NOT_FOUND', `no alert has id ${id}`, { id });
    return a;
  }

  /** Makes the transition and returns the alert as it is after it. */
  transition(id: string, req: TransitionRequest, who: Actor): Promise<StoredAlert> {
    return this.#lock.run(id, async () => {
      const alert = this.get(id);
      const plan = planTransition(alert, req, { role: who.principal.role, name: who.principal.name });
      const logPos = await appendAudit(this.#own, transitionEvent(alert, plan, who), `the transition of alert ${id}`);
      const ok = this.#store.alerts().transitionAlert({
        alertId: id,
        from: plan.from,
        to: plan.to,
        assignee: plan.assignee,
        resolution: plan.resolution,
        comment: plan.comment,
        actor: actorUser(who),
        atUs: this.#now() * 1000,
        logPos,
      });
      if (!ok) {
        // Only another writer of the same database gets here (the lock serialises this process).
        throw new SeclogError('ALERT_TRANSITION_INVALID', `alert ${id} changed while the transition was being recorded; read it again`, {
          from: plan.from,
          to: plan.to,
        });
      }
      return this.get(id);
    });
  }
}
