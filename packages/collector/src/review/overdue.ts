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
 * Only periods that end after the schedule was first seen count (the store's
 * meta `review.schedule.<name>.since`): adding a weekly schedule does not
 * raise alerts for every week of last year. At most LOOK_BACK periods per
 * schedule are examined per tick.
 */
import { alertEventOf, alertIdOf } from '../detect/alert-record.js';
import type { OwnEvent } from '../ingest/own-stream.js';
import type { NewAlert, StoredAlert } from '../store/alert-types.js';
import type { StoredReview } from '../store/review-types.js';
import type { Store } from '../store/types.js';
import { rfc3339 } from './review-record.js';
import type { Period, Schedule } from './schedule.js';

export const OVERDUE_RULE_ID = 'seclog.review_overdue';
const LOOK_BACK = 12;

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

/** Stores the alerts of overdue periods not alerted yet; returns the ones stored by this call. */
export async function overdueAlerts(input: OverdueInput): Promise<StoredAlert[]> {
  const { store, nowUs } = input;
  const reviews = store.reviews();
  const candidates: NewAlert[] = [];
  for (const s of input.schedules) {
    const since = scheduleSince(store, s.name, nowUs);
    let p = s.lastEnded(nowUs);
    for (let k = 0; k < LOOK_BACK && p.endUs > since; k++, p = s.previous(p)) {
      if (p.dueUs > nowUs) continue;
      const r = reviews.findScheduledReview(s.name, p.startUs);
      if (r === undefined || !input.isDone(r)) candidates.push(overdueAlertOf(s, p, nowUs));
    }
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
