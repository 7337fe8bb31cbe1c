/**
 * The alert lifecycle, as a pure decision: given the alert, the requested
 * transition and who asks, the transition to make or the error to answer.
 *
 *   new ──► acknowledged ──► in_progress ──► closed
 *    │           │  ▲ (reassign)  │  ▲ (reassign)  │
 *    └───────────┴────────────────┴──► closed      └──► new | acknowledged | in_progress   (reopen: admin)
 *
 * Closing needs a resolution and a comment (from any open state: a false
 * positive need not be worked on first). Reopening is the admin's and needs
 * a comment. Moving backwards between open states is not a transition:
 * reopen rules apply to closed alerts only.
 */
import { SeclogError } from '@seclog/core';
import type { AlertResolution, AlertStatus } from '../store/alert-types.js';
import type { Role } from '../store/types.js';

export interface TransitionRequest {
  to: AlertStatus;
  assignee?: string;
  resolution?: AlertResolution;
  comment?: string;
}

export interface PlannedTransition {
  from: AlertStatus;
  to: AlertStatus;
  assignee: string | null;
  resolution: AlertResolution | null;
  comment: string | null;
  reopen: boolean;
}

/** Open-state moves; closing and reopening are handled apart. */
const FORWARD: Readonly<Record<Exclude<AlertStatus, 'closed'>, readonly AlertStatus[]>> = {
  new: ['acknowledged', 'closed'],
  acknowledged: ['acknowledged', 'in_progress', 'closed'],
  in_progress: ['in_progress', 'closed'],
};
const REOPEN_TO: readonly AlertStatus[] = ['new', 'acknowledged', 'in_progress'];

function incomplete(field: string, message: string): SeclogError {
  return new SeclogError('ALERT_TRANSITION_INCOMPLETE', `${field}: ${message}`, { field });
}

export function planTransition(
  alert: { readonly status: AlertStatus; readonly assignee: string | null },
  req: TransitionRequest,
  actor: { readonly role: Role; readonly name: string },
): PlannedTransition {
  const from = alert.status;
  const { to } = req;
  const allowed = from === 'closed' ? REOPEN_TO : FORWARD[from];
  if (!allowed.includes(to)) {
    throw new SeclogError(
      'ALERT_TRANSITION_INVALID',
      from === to ? `the alert is already ${from}` : `an alert cannot move from ${from} to ${to} (allowed: ${allowed.join(', ')})`,
      { from, to, allowed },
    );
  }
  const reopen = from === 'closed';
  if (reopen && actor.role !== 'admin') {
    throw new SeclogError('AUTH_ROLE_FORBIDDEN', `reopening a closed alert needs the admin role (this token is ${actor.role})`, {
      role: actor.role,
      required: ['admin'],
    });
  }
  if (req.resolution !== undefined && to !== 'closed') throw incomplete('resolution', 'is given only when closing');
  if (to === 'closed') {
    if (req.resolution === undefined) throw incomplete('resolution', 'closing needs a resolution');
    if (req.comment === undefined) throw incomplete('comment', 'closing needs a comment');
  }
  if (reopen && req.comment === undefined) throw incomplete('comment', 'reopening needs a comment');
  if (from === to && (req.assignee === undefined || req.assignee === alert.assignee)) {
    throw incomplete('assignee', `staying ${from} is a reassignment and needs a new assignee`);
  }
  let assignee: string | null;
  if (to === 'new') {
    if (req.assignee !== undefined) throw incomplete('assignee', 'a new alert has no assignee; reopen it as acknowledged to assign it');
    assignee = null;
  } else if (to === 'acknowledged') assignee = req.assignee ?? alert.assignee ?? actor.name;
  else assignee = req.assignee ?? alert.assignee;
  return { from, to, assignee, resolution: req.resolution ?? null, comment: req.comment ?? null, reopen };
}
