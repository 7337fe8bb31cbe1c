/**
 * Detection tables on PostgreSQL (PG migration 3): alerts, their triage
 * history, the engine's saved state and the rule settings, as in
 * sqlite-alerts.ts (which explains the columns and the idempotency key).
 * Each AlertStore write is a single statement, so it is atomic without an
 * explicit transaction: a transition is one UPDATE … RETURNING feeding the
 * INSERT of its history row. tags, group and evidence stay JSON text (jsonb
 * would reorder the group's keys).
 */
import { SeclogError } from '@seclog/core';
import type {
  AlertPage,
  AlertQuery,
  AlertStore,
  AlertSuppression,
  AlertTransitionWrite,
  CustomRuleRow,
  DetectStateRow,
  NewAlert,
  RuleFlagRow,
  StoredAlert,
  StoredAlertTransition,
} from '../alert-types.js';
import type { PgBridge } from './pg-bridge.js';

export const PG_ALERTS_SCHEMA = `
CREATE TABLE alerts (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  key text NOT NULL UNIQUE,
  rule_id text NOT NULL,
  rule_version text NOT NULL,
  rule_title text NOT NULL,
  rule_type text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
  tags text NOT NULL,
  group_json text NOT NULL,
  group_key text NOT NULL,
  device text,
  count bigint NOT NULL CHECK (count >= 0),
  window_start_us bigint NOT NULL,
  window_end_us bigint NOT NULL,
  evidence text NOT NULL,
  evidence_total bigint NOT NULL CHECK (evidence_total >= 0),
  trigger_event_id text,
  trigger_leaf bigint,
  suppressed bigint NOT NULL DEFAULT 0 CHECK (suppressed >= 0),
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged', 'in_progress', 'closed')),
  assignee text,
  resolution text CHECK (resolution IN ('true_positive', 'false_positive', 'benign', 'duplicate', 'indeterminate')),
  created_us bigint NOT NULL,
  updated_us bigint NOT NULL,
  log_pos bigint,
  notified boolean NOT NULL DEFAULT false
);
CREATE INDEX alerts_status ON alerts (status, seq);
CREATE INDEX alerts_rule ON alerts (rule_id, seq);
CREATE INDEX alerts_device ON alerts (device, seq) WHERE device IS NOT NULL;
CREATE INDEX alerts_unlogged ON alerts (seq) WHERE log_pos IS NULL;
CREATE INDEX alerts_unnotified ON alerts (seq) WHERE NOT notified;

CREATE TABLE alert_transitions (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id text NOT NULL REFERENCES alerts (id),
  from_status text NOT NULL,
  to_status text NOT NULL,
  assignee text,
  resolution text,
  comment text,
  actor text NOT NULL,
  at_us bigint NOT NULL,
  log_pos bigint
);
CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id, seq);

CREATE TABLE detect_state (
  id smallint PRIMARY KEY CHECK (id = 0),
  next_leaf bigint NOT NULL CHECK (next_leaf >= 0),
  state text NOT NULL,
  saved_us bigint NOT NULL
);

CREATE TABLE detect_rule_flags (
  rule_id text PRIMARY KEY,
  enabled boolean NOT NULL,
  updated_us bigint NOT NULL,
  updated_by text NOT NULL
);

CREATE TABLE detect_custom_rules (
  file_id text PRIMARY KEY,
  text text NOT NULL,
  sha256 text NOT NULL,
  rule_ids text NOT NULL,
  updated_us bigint NOT NULL,
  updated_by text NOT NULL
);
`;

const ALERT_COLUMNS = `seq, id, key, rule_id AS "ruleId", rule_version AS "ruleVersion", rule_title AS "ruleTitle", rule_type AS "ruleType",
  severity, tags, group_json AS "group", group_key AS "groupKey", device, count, window_start_us AS "windowStartUs",
  window_end_us AS "windowEndUs", evidence, evidence_total AS "evidenceTotal", trigger_event_id AS "triggerEventId",
  trigger_leaf AS "triggerLeaf", suppressed, status, assignee, resolution, created_us AS "createdUs", updated_us AS "updatedUs",
  log_pos AS "logPos", notified`;
const TRANSITION_COLUMNS = `seq, alert_id AS "alertId", from_status AS "from", to_status AS "to", assignee, resolution, comment, actor,
  at_us AS "atUs", log_pos AS "logPos"`;

interface AlertRow extends Omit<StoredAlert, 'tags' | 'group' | 'evidence'> {
  tags: string;
  group: string;
  evidence: string;
}

const fromRow = (r: AlertRow): StoredAlert => ({
  ...r,
  tags: JSON.parse(r.tags) as string[],
  group: JSON.parse(r.group) as StoredAlert['group'],
  evidence: JSON.parse(r.evidence) as string[],
});

const safeInt = (v: number | undefined): boolean => v === undefined || Number.isSafeInteger(v);

function invalid(field: string, message: string): SeclogError {
  return new SeclogError('STORE_QUERY_INVALID', `${field}: ${message}`, { field });
}

const INSERT_ALERTS = `
INSERT INTO alerts (id, key, rule_id, rule_version, rule_title, rule_type, severity, tags, group_json, group_key, device, count,
  window_start_us, window_end_us, evidence, evidence_total, trigger_event_id, trigger_leaf, created_us, updated_us)
SELECT u.id, u.key, u.rule_id, u.rule_version, u.rule_title, u.rule_type, u.severity, u.tags, u.group_json, u.group_key, u.device, u.count,
  u.ws, u.we, u.evidence, u.et, u.trig_id, u.trig_leaf, u.created, u.created
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
            $11::text[], $12::bigint[], $13::bigint[], $14::bigint[], $15::text[], $16::bigint[], $17::text[], $18::bigint[], $19::bigint[])
  WITH ORDINALITY AS u(id, key, rule_id, rule_version, rule_title, rule_type, severity, tags, group_json, group_key, device, count, ws, we,
                       evidence, et, trig_id, trig_leaf, created, ord)
ORDER BY u.ord
ON CONFLICT DO NOTHING
RETURNING id`;

export class PgAlerts implements AlertStore {
  readonly #db: PgBridge;

  constructor(db: PgBridge) {
    this.#db = db;
  }

  insertAlerts(alerts: readonly NewAlert[]): string[] {
    if (alerts.length === 0) return [];
    const col = <T>(f: (a: NewAlert) => T): T[] => alerts.map(f);
    const rows = this.#db.query<{ id: string }>(INSERT_ALERTS, [
      col((a) => a.id),
      col((a) => a.key),
      col((a) => a.ruleId),
      col((a) => a.ruleVersion),
      col((a) => a.ruleTitle),
      col((a) => a.ruleType),
      col((a) => a.severity),
      col((a) => JSON.stringify(a.tags)),
      col((a) => JSON.stringify(a.group)),
      col((a) => a.groupKey),
      col((a) => a.device),
      col((a) => a.count),
      col((a) => a.windowStartUs),
      col((a) => a.windowEndUs),
      col((a) => JSON.stringify(a.evidence)),
      col((a) => a.evidenceTotal),
      col((a) => a.triggerEventId),
      col((a) => a.triggerLeaf),
      col((a) => a.createdUs),
    ]).rows;
    const inserted = new Set(rows.map((r) => r.id));
    // In input order, each id once (a repeated alert is inserted by its first occurrence only).
    return [...new Set(alerts.map((a) => a.id))].filter((id) => inserted.has(id));
  }

  addSuppressed(updates: readonly AlertSuppression[]): void {
    if (updates.length === 0) return;
    // Per key, the update that SQLite's one-by-one `suppressed < total` leaves standing: the first with the largest total.
    const best = new Map<string, AlertSuppression>();
    for (const u of updates) {
      const b = best.get(u.key);
      if (b === undefined || u.total > b.total) best.set(u.key, u);
    }
    const list = [...best.values()];
    this.#db.query(
      `UPDATE alerts AS a SET suppressed = u.total, updated_us = u.at
       FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(key, total, at)
       WHERE a.key = u.key AND a.suppressed < u.total`,
      [list.map((u) => u.key), list.map((u) => u.total), list.map((u) => u.atUs)],
    );
  }

  getAlert(id: string): StoredAlert | undefined {
    const r = this.#db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id]).rows[0];
    return r === undefined ? undefined : fromRow(r);
  }

  queryAlerts(q: AlertQuery): AlertPage {
    if (!Number.isSafeInteger(q.limit) || q.limit < 1) throw invalid('limit', 'must be a positive integer');
    for (const f of ['fromUs', 'toUs', 'beforeSeq'] as const) if (!safeInt(q[f])) throw invalid(f, 'must be a safe integer');
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: (p: string) => string, v: string | number | undefined) => {
      if (v === undefined) return;
      args.push(v);
      where.push(sql(`$${args.length}`));
    };
    add((p) => `status = ${p}`, q.status);
    add((p) => `severity = ${p}`, q.severity);
    add((p) => `rule_id = ${p}`, q.ruleId);
    add((p) => `device = ${p}`, q.device);
    add((p) => `strpos(group_key, ${p}) > 0`, q.group);
    add((p) => `created_us >= ${p}`, q.fromUs);
    add((p) => `created_us < ${p}`, q.toUs);
    add((p) => `seq < ${p}`, q.beforeSeq);
    args.push(q.limit + 1);
    const sql = `SELECT ${ALERT_COLUMNS} FROM alerts${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${args.length}`;
    const rows = this.#db.query<AlertRow>(sql, args).rows;
    const more = rows.length > q.limit;
    const alerts = rows.slice(0, q.limit).map(fromRow);
    return { alerts, nextBeforeSeq: more ? (alerts.at(-1) as StoredAlert).seq : undefined };
  }

  setAlertLogPos(id: string, pos: number): boolean {
    return this.#db.query('UPDATE alerts SET log_pos = $1 WHERE id = $2 AND log_pos IS NULL', [pos, id]).rowCount === 1;
  }

  listUnloggedAlerts(limit: number): StoredAlert[] {
    return this.#db
      .query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE log_pos IS NULL ORDER BY seq LIMIT $1`, [limit])
      .rows.map(fromRow);
  }

  markAlertsNotified(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.#db.query('UPDATE alerts SET notified = true WHERE id = ANY($1::text[])', [[...ids]]);
  }

  listUnnotifiedAlerts(limit: number): StoredAlert[] {
    return this.#db
      .query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE NOT notified ORDER BY seq LIMIT $1`, [limit])
      .rows.map(fromRow);
  }

  transitionAlert(t: AlertTransitionWrite): boolean {
    const r = this.#db.query(
      `WITH moved AS (
         UPDATE alerts SET status = $3, assignee = $4, resolution = $5, updated_us = $8 WHERE id = $1 AND status = $2 RETURNING id
       )
       INSERT INTO alert_transitions (alert_id, from_status, to_status, assignee, resolution, comment, actor, at_us, log_pos)
       SELECT moved.id, $2, $3, $4, $5, $6, $7, $8, $9 FROM moved`,
      [t.alertId, t.from, t.to, t.assignee, t.resolution, t.comment, t.actor, t.atUs, t.logPos],
    );
    return r.rowCount === 1;
  }

  listAlertTransitions(alertId: string): StoredAlertTransition[] {
    return this.#db.query<StoredAlertTransition>(`SELECT ${TRANSITION_COLUMNS} FROM alert_transitions WHERE alert_id = $1 ORDER BY seq`, [
      alertId,
    ]).rows;
  }

  getDetectState(): DetectStateRow | undefined {
    return this.#db.query<DetectStateRow>('SELECT next_leaf AS "nextLeaf", state, saved_us AS "savedUs" FROM detect_state WHERE id = 0')
      .rows[0];
  }

  putDetectState(row: DetectStateRow): void {
    this.#db.query(
      `INSERT INTO detect_state (id, next_leaf, state, saved_us) VALUES (0, $1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET next_leaf = excluded.next_leaf, state = excluded.state, saved_us = excluded.saved_us`,
      [row.nextLeaf, row.state, row.savedUs],
    );
  }

  listRuleFlags(): RuleFlagRow[] {
    return this.#db.query<RuleFlagRow>(
      'SELECT rule_id AS "ruleId", enabled, updated_us AS "updatedUs", updated_by AS "updatedBy" FROM detect_rule_flags ORDER BY rule_id COLLATE "C"',
    ).rows;
  }

  putRuleFlag(row: RuleFlagRow): void {
    this.#db.query(
      `INSERT INTO detect_rule_flags (rule_id, enabled, updated_us, updated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (rule_id) DO UPDATE SET enabled = excluded.enabled, updated_us = excluded.updated_us, updated_by = excluded.updated_by`,
      [row.ruleId, row.enabled, row.updatedUs, row.updatedBy],
    );
  }

  listCustomRules(): CustomRuleRow[] {
    return this.#db
      .query<Omit<CustomRuleRow, 'ruleIds'> & { ruleIds: string }>(
        `SELECT file_id AS "fileId", text, sha256, rule_ids AS "ruleIds", updated_us AS "updatedUs", updated_by AS "updatedBy"
         FROM detect_custom_rules ORDER BY file_id COLLATE "C"`,
      )
      .rows.map((r) => ({ ...r, ruleIds: JSON.parse(r.ruleIds) as string[] }));
  }

  putCustomRule(row: CustomRuleRow, replaces?: string): void {
    // One statement: the file it replaces goes in the same commit as the new row.
    this.#db.query(
      `WITH gone AS (DELETE FROM detect_custom_rules WHERE $7::text IS NOT NULL AND file_id = $7 AND file_id <> $1)
       INSERT INTO detect_custom_rules (file_id, text, sha256, rule_ids, updated_us, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (file_id) DO UPDATE SET text = excluded.text, sha256 = excluded.sha256, rule_ids = excluded.rule_ids,
         updated_us = excluded.updated_us, updated_by = excluded.updated_by`,
      [row.fileId, row.text, row.sha256, JSON.stringify(row.ruleIds), row.updatedUs, row.updatedBy, replaces ?? null],
    );
  }
}
