/**
 * Overdue reviews raise alerts: one per schedule period whose review is not
 * done (signed; approved too when approval is required) by its due time.
 *
 * The alert's key is `review-overdue:<schedule>:<period start>`, and alerts
 * are idempotent by key (AlertStore.insertAlerts), so every tick may ask
 * again and still one alert exists per overdue period, across restarts and
 * collectors sharing a database. It goes the way the detector's alerts go:
 * stored, handed to the notifier, then its `alert` record appended to the
 * collector's own stream (detect/alert-record.ts).
 *
 * When the period's review is done after all, the next tick closes its
 * alert (closeDoneOverdue): resolution true_positive, the collector as the
 * actor (`collector/reviews`), recorded as alert_transition like an
 * analyst's.
 *
 * Only periods that end after the schedule was first seen count (the store's
 * meta `review.schedule.<name>.since`): adding a weekly schedule does not
 * raise alerts for every week of last year. At most LOOK_BACK periods per
 * schedule are examined per tick.
 */
import { alertEventOf, alertIdOf } from '../detect/alert-record.js';
import { planTransition } from '../detect/lifecycle.js';
import type { OwnEvent } from '../ingest/own-stream.js';
import type { NewAlert, StoredAlert } from '../store/alert-types.js';
import type { StoredReview } from '../store/review-types.js';
import type { Store } from '../store/types.js';
import { rfc3339 } from './review-record.js';
import type { Period, Schedule } from './schedule.js';

export const OVERDUE_RULE_ID = 'seclog.review_overdue';
const LOOK_BACK = 12;

/** What closeDoneOverdue needs: overdueAlerts' input without the notifier. */
export type CloseDoneInput = Omit<OverdueInput, 'onAlertStored'>;

export interface OverdueInput {
  store: Store;
  schedules: readonly Schedule[];
  isDone: (r: StoredReview) => boolean;
  nowUs: number;
  append: (events: OwnEvent[]) => Promise<number[]>;
  onAlertStored?: (alert: StoredAlert) => void;
}

/** When the schedule was first seen by a collector on this store (set now on first sight). */
export function scheduleSince(store: Store, name: string, nowUs: number): number {
  const key = `review.schedule.${name}.since`;
  const stored = store.getMeta(key);
  if (stored !== undefined && Number.isSafeInteger(Number(stored))) return Number(stored);
  store.setMeta(key, String(nowUs));
  return nowUs;
}

export function overdueAlertOf(s: Schedule, p: Period, nowUs: number): NewAlert {
  const start = rfc3339(p.startUs);
  const key = `review-overdue:${s.name}:${start}`;
  return {
    id: alertIdOf(key),
    key,
    ruleId: OVERDUE_RULE_ID,
    ruleVersion: '1',
    ruleTitle: `Periodic log review overdue (schedule ${s.name})`,
    ruleType: 'review_overdue',
    severity: 'medium',
    tags: ['seclog.review'],
    group: { schedule: s.name, period_start: start },
    groupKey: `schedule=${s.name}, period=${start}`,
    device: null,
    count: 1,
    windowStartUs: p.startUs,
    windowEndUs: p.endUs,
    evidence: [],
    evidenceTotal: 0,
    triggerEventId: null,
    triggerLeaf: null,
    createdUs: nowUs,
  };
}

/**
 * The periods past their due time that can have an overdue alert, with their review if one was
 * started: each schedule's last LOOK_BACK periods that end after the schedule was first seen.
 */
function* duePeriods(input: CloseDoneInput): Generator<{ s: Schedule; p: Period; review: StoredReview | undefined }> {
  const { store, nowUs } = input;
  const reviews = store.reviews();
  for (const s of input.schedules) {
    const since = scheduleSince(store, s.name, nowUs);
    let p = s.lastEnded(nowUs);
    for (let k = 0; k < LOOK_BACK && p.endUs > since; k++, p = s.previous(p)) {
      if (p.dueUs <= nowUs) yield { s, p, review: reviews.findScheduledReview(s.name, p.startUs) };
    }
  }
}

/** Stores the alerts of overdue periods not alerted yet; returns the ones stored by this call. */
export async function overdueAlerts(input: OverdueInput): Promise<StoredAlert[]> {
  const { store, nowUs } = input;
  const candidates: NewAlert[] = [];
  for (const { s, p, review } of duePeriods(input)) {
    if (review === undefined || !input.isDone(review)) candidates.push(overdueAlertOf(s, p, nowUs));
  }
  if (candidates.length === 0) return [];
  const alerts = store.alerts();
  const inserted = alerts.insertAlerts(candidates).map((id) => alerts.getAlert(id) as StoredAlert);
  if (inserted.length === 0) return [];
  const notified: string[] = [];
  for (const a of inserted) {
    try {
      input.onAlertStored?.(a);
      notified.push(a.id);
    } catch {
      // Left unnotified: the detection service hands such alerts over again (listUnnotifiedAlerts).
    }
  }
  alerts.markAlertsNotified(notified);
  // A failed append leaves the alerts without a log position; the detection service appends those
  // (listUnloggedAlerts) when detection runs, and the failure reaches the caller here.
  const positions = await input.append(inserted.map(alertEventOf));
  store.transaction(() => {
    inserted.forEach((a, i) => {
      alerts.setAlertLogPos(a.id, positions[i] as number);
    });
  });
  return inserted.map((a) => alerts.getAlert(a.id) as StoredAlert);
}

/** The actor of the transitions the collector makes itself, in the alert's history and its alert_transition record. */
export const REVIEW_CLOSER = 'collector/reviews';

/**
 * Closes the open overdue alerts of periods whose review is done now, looking as far back as
 * overdueAlerts does. Like an analyst's transition (detect/alert-triage.ts), the alert_transition
 * record is committed first and the alert changes after it; an alert someone moved in between is
 * left as they left it. Returns the ids of the alerts it closed.
 */
export async function closeDoneOverdue(input: CloseDoneInput): Promise<string[]> {
  const { store, nowUs } = input;
  const alerts = store.alerts();
  const closed: string[] = [];
  for (const { s, p, review: r } of duePeriods(input)) {
    if (r === undefined || !input.isDone(r)) continue;
    const alert = alerts.getAlert(overdueAlertOf(s, p, nowUs).id);
    if (alert === undefined || alert.status === 'closed') continue;
    const done =
      r.approval === null
        ? `signed by ${r.signature?.signedBy}`
        : `signed by ${r.signature?.signedBy}, approved by ${r.approval.approvedBy}`;
    const comment = `review ${r.id} of this period is done (${done})`;
    const plan = planTransition(alert, { to: 'closed', resolution: 'true_positive', comment }, { role: 'admin', name: REVIEW_CLOSER });
    const [logPos] = await input.append([
      {
        name: 'alert_transition',
        input: {
          actor: { user: REVIEW_CLOSER },
          attrs: { alert_id: alert.id, from_state: plan.from, to_state: plan.to, resolution: 'true_positive', reason: comment },
          message: `the collector closed alert ${alert.id} "${alert.ruleTitle}" from ${plan.from} (true_positive): ${comment}`,
        },
      },
    ]);
    const ok = alerts.transitionAlert({
      alertId: alert.id,
      from: plan.from,
      to: plan.to,
      assignee: plan.assignee,
      resolution: plan.resolution,
      comment: plan.comment,
      actor: REVIEW_CLOSER,
      atUs: nowUs,
      logPos: logPos as number,
    });
    if (ok) closed.push(alert.id);
  }
  return closed;
}
