/**
 * Detection tables on SQLite (migration 5): alerts, their triage history,
 * the engine's saved state and the rule settings. None is on the ingest
 * path: the detector writes one transaction per integrated chunk that raised
 * something, and the API a few rows per request.
 *
 *   alerts              seq │ id key(UNIQUE) │ rule … │ group device │ window count evidence │ status assignee resolution │ log_pos notified
 *   alert_transitions   seq │ alert_id │ from to assignee resolution comment actor at_us log_pos
 *   detect_state        one row: next_leaf, state (JSON), saved_us
 *   detect_rule_flags   rule_id → enabled
 *   detect_custom_rules file_id → text, sha256, rule_ids (JSON)
 *
 * `key` is UNIQUE: it is the idempotency key that makes a replay after a
 * restart store nothing twice. `log_pos` and `notified` mark the two
 * hand-overs that happen after the row is stored (the `alert` record in the
 * Merkle log, the notifier), so a restart finds what is still owed; both
 * have partial indexes that hold only the rows still owed.
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
} from './alert-types.js';
import type { SqliteDb } from './migrations.js';

export const ALERTS_SCHEMA = `
CREATE TABLE alerts (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  key TEXT NOT NULL UNIQUE,
  rule_id TEXT NOT NULL,
  rule_version TEXT NOT NULL,
  rule_title TEXT NOT NULL,
  rule_type TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
  tags TEXT NOT NULL,
  group_json TEXT NOT NULL,
  group_key TEXT NOT NULL,
  device TEXT,
  count INTEGER NOT NULL CHECK (count >= 0),
  window_start_us INTEGER NOT NULL,
  window_end_us INTEGER NOT NULL,
  evidence TEXT NOT NULL,
  evidence_total INTEGER NOT NULL CHECK (evidence_total >= 0),
  trigger_event_id TEXT,
  trigger_leaf INTEGER,
  suppressed INTEGER NOT NULL DEFAULT 0 CHECK (suppressed >= 0),
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged', 'in_progress', 'closed')),
  assignee TEXT,
  resolution TEXT CHECK (resolution IN ('true_positive', 'false_positive', 'benign', 'duplicate', 'indeterminate')),
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  log_pos INTEGER,
  notified INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1))
) STRICT;
CREATE INDEX alerts_status ON alerts (status, seq);
CREATE INDEX alerts_rule ON alerts (rule_id, seq);
CREATE INDEX alerts_device ON alerts (device, seq) WHERE device IS NOT NULL;
CREATE INDEX alerts_unlogged ON alerts (seq) WHERE log_pos IS NULL;
CREATE INDEX alerts_unnotified ON alerts (seq) WHERE notified = 0;

CREATE TABLE alert_transitions (
  seq INTEGER PRIMARY KEY,
  alert_id TEXT NOT NULL REFERENCES alerts (id),
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  assignee TEXT,
  resolution TEXT,
  comment TEXT,
  actor TEXT NOT NULL,
  at_us INTEGER NOT NULL,
  log_pos INTEGER
) STRICT;
CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id, seq);

CREATE TABLE detect_state (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  next_leaf INTEGER NOT NULL CHECK (next_leaf >= 0),
  state TEXT NOT NULL,
  saved_us INTEGER NOT NULL
) STRICT;

CREATE TABLE detect_rule_flags (
  rule_id TEXT PRIMARY KEY,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  updated_us INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE detect_custom_rules (
  file_id TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  rule_ids TEXT NOT NULL,
  updated_us INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`;

const ALERT_COLUMNS = `seq, id, key, rule_id AS ruleId, rule_version AS ruleVersion, rule_title AS ruleTitle, rule_type AS ruleType,
  severity, tags, group_json AS "group", group_key AS groupKey, device, count, window_start_us AS windowStartUs,
  window_end_us AS windowEndUs, evidence, evidence_total AS evidenceTotal, trigger_event_id AS triggerEventId,
  trigger_leaf AS triggerLeaf, suppressed, status, assignee, resolution, created_us AS createdUs, updated_us AS updatedUs,
  log_pos AS logPos, notified`;
const TRANSITION_COLUMNS = `seq, alert_id AS alertId, from_status AS "from", to_status AS "to", assignee, resolution, comment, actor,
  at_us AS atUs, log_pos AS logPos`;

interface AlertRow extends Omit<StoredAlert, 'tags' | 'group' | 'evidence' | 'notified'> {
  tags: string;
  group: string;
  evidence: string;
  notified: number;
}

const fromRow = (r: AlertRow): StoredAlert => ({
  ...r,
  tags: JSON.parse(r.tags) as string[],
  group: JSON.parse(r.group) as StoredAlert['group'],
  evidence: JSON.parse(r.evidence) as string[],
  notified: r.notified === 1,
});

const safeInt = (v: number | undefined): boolean => v === undefined || Number.isSafeInteger(v);

export class SqliteAlerts implements AlertStore {
  readonly #db: SqliteDb;
  readonly #insert;
  readonly #suppress;
  readonly #get;
  readonly #setLogPos;
  readonly #unlogged;
  readonly #notified;
  readonly #unnotified;
  readonly #transition;
  readonly #addTransition;
  readonly #transitions;
  readonly #getState;
  readonly #putState;
  readonly #flags;
  readonly #putFlag;
  readonly #customs;
  readonly #putCustom;
  readonly #deleteCustom;
  /** Query statements per combination of filters (at most 2^7 shapes). */
  readonly #queries = new Map<string, ReturnType<SqliteDb['prepare']>>();

  constructor(db: SqliteDb) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO alerts (id, key, rule_id, rule_version, rule_title, rule_type, severity, tags, group_json, group_key, device, count,
         window_start_us, window_end_us, evidence, evidence_total, trigger_event_id, trigger_leaf, created_us, updated_us)
       VALUES (@id, @key, @ruleId, @ruleVersion, @ruleTitle, @ruleType, @severity, @tags, @group, @groupKey, @device, @count,
         @windowStartUs, @windowEndUs, @evidence, @evidenceTotal, @triggerEventId, @triggerLeaf, @createdUs, @createdUs)
       ON CONFLICT DO NOTHING`,
    );
    this.#suppress = db.prepare('UPDATE alerts SET suppressed = ?, updated_us = ? WHERE key = ? AND suppressed < ?');
    this.#get = db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`);
    this.#setLogPos = db.prepare('UPDATE alerts SET log_pos = ? WHERE id = ? AND log_pos IS NULL');
    this.#unlogged = db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE log_pos IS NULL ORDER BY seq LIMIT ?`);
    this.#notified = db.prepare('UPDATE alerts SET notified = 1 WHERE id = ?');
    this.#unnotified = db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE notified = 0 ORDER BY seq LIMIT ?`);
    this.#transition = db.prepare(
      'UPDATE alerts SET status = @to, assignee = @assignee, resolution = @resolution, updated_us = @atUs WHERE id = @alertId AND status = @from',
    );
    this.#addTransition = db.prepare(
      `INSERT INTO alert_transitions (alert_id, from_status, to_status, assignee, resolution, comment, actor, at_us, log_pos)
       VALUES (@alertId, @from, @to, @assignee, @resolution, @comment, @actor, @atUs, @logPos)`,
    );
    this.#transitions = db.prepare(`SELECT ${TRANSITION_COLUMNS} FROM alert_transitions WHERE alert_id = ? ORDER BY seq`);
    this.#getState = db.prepare('SELECT next_leaf AS nextLeaf, state, saved_us AS savedUs FROM detect_state WHERE id = 0');
    this.#putState = db.prepare(
      `INSERT INTO detect_state (id, next_leaf, state, saved_us) VALUES (0, @nextLeaf, @state, @savedUs)
       ON CONFLICT (id) DO UPDATE SET next_leaf = excluded.next_leaf, state = excluded.state, saved_us = excluded.saved_us`,
    );
    this.#flags = db.prepare(
      'SELECT rule_id AS ruleId, enabled, updated_us AS updatedUs, updated_by AS updatedBy FROM detect_rule_flags ORDER BY rule_id',
    );
    this.#putFlag = db.prepare(
      `INSERT INTO detect_rule_flags (rule_id, enabled, updated_us, updated_by) VALUES (?, ?, ?, ?)
       ON CONFLICT (rule_id) DO UPDATE SET enabled = excluded.enabled, updated_us = excluded.updated_us, updated_by = excluded.updated_by`,
    );
    this.#customs = db.prepare(
      `SELECT file_id AS fileId, text, sha256, rule_ids AS ruleIds, updated_us AS updatedUs, updated_by AS updatedBy
       FROM detect_custom_rules ORDER BY file_id`,
    );
    this.#putCustom = db.prepare(
      `INSERT INTO detect_custom_rules (file_id, text, sha256, rule_ids, updated_us, updated_by) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (file_id) DO UPDATE SET text = excluded.text, sha256 = excluded.sha256, rule_ids = excluded.rule_ids,
         updated_us = excluded.updated_us, updated_by = excluded.updated_by`,
    );
    this.#deleteCustom = db.prepare('DELETE FROM detect_custom_rules WHERE file_id = ?');
  }

  insertAlerts(alerts: readonly NewAlert[]): string[] {
    return this.#db
      .transaction(() => {
        const inserted: string[] = [];
        for (const a of alerts) {
          const row = {
            ...a,
            tags: JSON.stringify(a.tags),
            group: JSON.stringify(a.group),
            evidence: JSON.stringify(a.evidence),
          };
          if (this.#insert.run(row).changes === 1) inserted.push(a.id);
        }
        return inserted;
      })
      .immediate();
  }

  addSuppressed(updates: readonly AlertSuppression[]): void {
    if (updates.length === 0) return;
    this.#db
      .transaction(() => {
        for (const u of updates) this.#suppress.run(u.total, u.atUs, u.key, u.total);
      })
      .immediate();
  }

  getAlert(id: string): StoredAlert | undefined {
    const r = this.#get.get(id) as AlertRow | undefined;
    return r === undefined ? undefined : fromRow(r);
  }

  queryAlerts(q: AlertQuery): AlertPage {
    if (!Number.isSafeInteger(q.limit) || q.limit < 1) throw invalid('limit', 'must be a positive integer');
    for (const f of ['fromUs', 'toUs', 'beforeSeq'] as const) if (!safeInt(q[f])) throw invalid(f, 'must be a safe integer');
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, v: string | number | undefined) => {
      if (v === undefined) return;
      where.push(sql);
      args.push(v);
    };
    add('status = ?', q.status);
    add('severity = ?', q.severity);
    add('rule_id = ?', q.ruleId);
    add('device = ?', q.device);
    add('instr(group_key, ?) > 0', q.group);
    add('created_us >= ?', q.fromUs);
    add('created_us < ?', q.toUs);
    add('seq < ?', q.beforeSeq);
    const sql = `SELECT ${ALERT_COLUMNS} FROM alerts${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    let stmt = this.#queries.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql);
      this.#queries.set(sql, stmt);
    }
    const rows = stmt.all([...args, q.limit + 1]) as AlertRow[];
    const more = rows.length > q.limit;
    const alerts = rows.slice(0, q.limit).map(fromRow);
    return { alerts, nextBeforeSeq: more ? alerts.at(-1)!.seq : undefined };
  }

  setAlertLogPos(id: string, pos: number): boolean {
    return this.#setLogPos.run(pos, id).changes === 1;
  }

  listUnloggedAlerts(limit: number): StoredAlert[] {
    return (this.#unlogged.all(limit) as AlertRow[]).map(fromRow);
  }

  markAlertsNotified(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.#db
      .transaction(() => {
        for (const id of ids) this.#notified.run(id);
      })
      .immediate();
  }

  listUnnotifiedAlerts(limit: number): StoredAlert[] {
    return (this.#unnotified.all(limit) as AlertRow[]).map(fromRow);
  }

  transitionAlert(t: AlertTransitionWrite): boolean {
    return this.#db
      .transaction(() => {
        if (this.#transition.run(t).changes !== 1) return false;
        this.#addTransition.run(t);
        return true;
      })
      .immediate();
  }

  listAlertTransitions(alertId: string): StoredAlertTransition[] {
    return this.#transitions.all(alertId) as StoredAlertTransition[];
  }

  getDetectState(): DetectStateRow | undefined {
    return this.#getState.get() as DetectStateRow | undefined;
  }

  putDetectState(row: DetectStateRow): void {
    this.#putState.run(row);
  }

  listRuleFlags(): RuleFlagRow[] {
    return (this.#flags.all() as (Omit<RuleFlagRow, 'enabled'> & { enabled: number })[]).map((r) => ({ ...r, enabled: r.enabled === 1 }));
  }

  putRuleFlag(row: RuleFlagRow): void {
    this.#putFlag.run(row.ruleId, row.enabled ? 1 : 0, row.updatedUs, row.updatedBy);
  }

  listCustomRules(): CustomRuleRow[] {
    return (this.#customs.all() as (Omit<CustomRuleRow, 'ruleIds'> & { ruleIds: string })[]).map((r) => ({
      ...r,
      ruleIds: JSON.parse(r.ruleIds) as string[],
    }));
  }

  putCustomRule(row: CustomRuleRow, replaces?: string): void {
    this.#db
      .transaction(() => {
        if (replaces !== undefined && replaces !== row.fileId) this.#deleteCustom.run(replaces);
        this.#putCustom.run(row.fileId, row.text, row.sha256, JSON.stringify(row.ruleIds), row.updatedUs, row.updatedBy);
      })
      .immediate();
  }
}

function invalid(field: string, message: string): SeclogError {
  return new SeclogError('STORE_QUERY_INVALID', `${field}: ${message}`, { field });
}
