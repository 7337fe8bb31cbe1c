/**
 * What the Store keeps for detection (issue F): alerts and their triage
 * history, the engine's saved state, and the rule settings (enabled flags,
 * custom rule files). Store.alerts() returns an AlertStore; SQLite implements
 * it in sqlite-alerts.ts, PostgreSQL (issue I) runs the same conformance
 * suite (test/store-alerts-conformance.ts).
 *
 * Alerts are idempotent by `key`, the engine's deterministic alert key: a
 * replay after a restart raises the same alerts again and insertAlerts keeps
 * the first copy of each.
 */
import type { Severity } from '@seclog/core';

export const ALERT_STATUSES = ['new', 'acknowledged', 'in_progress', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const ALERT_RESOLUTIONS = ['true_positive', 'false_positive', 'benign', 'duplicate', 'indeterminate'] as const;
export type AlertResolution = (typeof ALERT_RESOLUTIONS)[number];

export type AlertGroupValue = string | number | boolean | null;

/** An alert as the detector raises it. */
export interface NewAlert {
  /** `alr-` + key: stable across replays and transitions. */
  id: string;
  /** The engine's alert key (UNIQUE). */
  key: string;
  ruleId: string;
  ruleVersion: string;
  ruleTitle: string;
  /** detection, event_count, value_count, temporal, temporal_ordered or absence. */
  ruleType: string;
  severity: Severity;
  tags: string[];
  group: Record<string, AlertGroupValue>;
  /** `field=value, …`; '' when not grouped. */
  groupKey: string;
  /** The device the alert is about, when one can be named (docs/alerts.md). */
  device: string | null;
  count: number;
  /** Event time, µs since the epoch. */
  windowStartUs: number;
  windowEndUs: number;
  /** Event ids, oldest first (at most the engine's maxEvidence). */
  evidence: string[];
  evidenceTotal: number;
  triggerEventId: string | null;
  triggerLeaf: number | null;
  /** Collector time the alert was stored, µs. */
  createdUs: number;
}

export interface StoredAlert extends NewAlert {
  /** Storage order (keyset pagination, newest first). */
  seq: number;
  /** Matches counted on the alert by x-suppress instead of raising new ones. */
  suppressed: number;
  status: AlertStatus;
  assignee: string | null;
  resolution: AlertResolution | null;
  updatedUs: number;
  /** Leaf index of the `alert` record in the Merkle log; null until it is committed. */
  logPos: number | null;
  /** Handed over to the notifier (onAlertStored returned). */
  notified: boolean;
}

/** A repeat counted on an open alert: `total` is the running count the engine reported. */
export interface AlertSuppression {
  key: string;
  total: number;
  atUs: number;
}

/** GET /api/v1/alerts filters; present ones are ANDed. */
export interface AlertQuery {
  status?: AlertStatus;
  severity?: Severity;
  ruleId?: string;
  device?: string;
  /** Text the group key contains (`203.0.113.9`, `actor.ip=203.0.113.9`). */
  group?: string;
  /** createdUs in [fromUs, toUs). */
  fromUs?: number;
  toUs?: number;
  /** Only alerts stored before this seq (a page's nextBeforeSeq). */
  beforeSeq?: number;
  limit: number;
}

export interface AlertPage {
  /** Newest first (descending seq). */
  alerts: StoredAlert[];
  nextBeforeSeq: number | undefined;
}

/** One triage step; the row changes only if it is still in `from`. */
export interface AlertTransitionWrite {
  alertId: string;
  from: AlertStatus;
  to: AlertStatus;
  /** The assignee after the transition. */
  assignee: string | null;
  resolution: AlertResolution | null;
  comment: string | null;
  /** Who: `api-token/<id>`. */
  actor: string;
  atUs: number;
  /** Leaf index of the `alert_transition` record, when known. */
  logPos: number | null;
}

export interface StoredAlertTransition extends AlertTransitionWrite {
  seq: number;
}

/** The engine's exported state and the first leaf it has not evaluated. */
export interface DetectStateRow {
  nextLeaf: number;
  /** JSON of the engine's EngineState. */
  state: string;
  savedUs: number;
}

export interface RuleFlagRow {
  ruleId: string;
  enabled: boolean;
  updatedUs: number;
  updatedBy: string;
}

/** A rule file added through the API: one YAML text, one or more documents. */
export interface CustomRuleRow {
  fileId: string;
  text: string;
  /** SHA-256 of `text`, hex. */
  sha256: string;
  /** Keys (id, else name) of the documents in it. */
  ruleIds: string[];
  updatedUs: number;
  updatedBy: string;
}

export interface AlertStore {
  /** Inserts each alert unless one with its key exists (one transaction); returns the ids inserted. */
  insertAlerts(alerts: readonly NewAlert[]): string[];
  /** Raises each alert's suppressed count to `total` (never lowers it: replays repeat smaller totals). */
  addSuppressed(updates: readonly AlertSuppression[]): void;
  getAlert(id: string): StoredAlert | undefined;
  queryAlerts(q: AlertQuery): AlertPage;
  /** Sets the alert's log position unless one is set; true when it changed. */
  setAlertLogPos(id: string, pos: number): boolean;
  /** Alerts whose `alert` record is not in the log yet, oldest first. */
  listUnloggedAlerts(limit: number): StoredAlert[];
  markAlertsNotified(ids: readonly string[]): void;
  /** Alerts not yet handed to the notifier, oldest first. */
  listUnnotifiedAlerts(limit: number): StoredAlert[];
  /**
   * Moves the alert from `from` to `to` (status, assignee, resolution, updatedUs) and appends the step to its
   * history, in one transaction; false (and nothing written) when the alert is missing or not in `from`.
   */
  transitionAlert(t: AlertTransitionWrite): boolean;
  /** The alert's triage history, oldest first. */
  listAlertTransitions(alertId: string): StoredAlertTransition[];

  getDetectState(): DetectStateRow | undefined;
  putDetectState(row: DetectStateRow): void;

  listRuleFlags(): RuleFlagRow[];
  putRuleFlag(row: RuleFlagRow): void;
  listCustomRules(): CustomRuleRow[];
  /** Upserts the file; when `replaces` names another file, that one goes in the same transaction. */
  putCustomRule(row: CustomRuleRow, replaces?: string): void;
}
