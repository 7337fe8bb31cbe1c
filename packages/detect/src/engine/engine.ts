/**
 * The streaming detection engine. Pure: it is fed events in the collector's
 * integrated order (with their leaf index), keeps windows on event time, and
 * returns what happened; time only moves through event times and `sweep`.
 *
 * Per event:
 *   1. a leaf index at or below the last one is a replay and is skipped;
 *   2. the watermark (highest event time seen) advances; an event more than
 *      the allowed lateness behind it is late;
 *   3. the rules that could match (indexed by event name) are evaluated;
 *   4. a matching event whose id was seen before is a duplicate and skipped;
 *   5. single-event rules alert (through x-suppress), absence rules note a
 *      sign of life, and correlations get the match, unless it is late;
 *      a correlation that fires alerts and feeds the correlations built on it;
 *   6. anchored windows that the clock has passed are evaluated, and state
 *      no future window can use is dropped.
 *
 * Restart: `exportState()` captures everything (windows, open suppressions,
 * absence groups, seen ids, watermark, last leaf); an engine created with it
 * continues exactly, and skips replayed leaves. Alert keys are deterministic,
 * so alerts re-raised while replaying past the last export are recognisable.
 */
import { SeclogError, type SecurityEvent } from '@seclog/core';
import { EventView, FieldSlots } from '../match/event-view.js';
import type { RuleSet } from '../rule/rule-set.js';
import { alertKey } from './alert-key.js';
import { DedupSet } from './dedup.js';
import { eventTimeUs } from './event-time.js';
import { buildRuntimes, type CorrelationRuntime, type DetectionRuntime, type Feed, type SuppressRuntime } from './runtime.js';
import type { AlertCandidate, CapacityKind, EngineOptions, EngineOutput, EngineState, EngineStats, GroupValue } from './types.js';
import { type Fired, type Match, StateShapeError } from './windows/window.js';

export interface DetectionEngine {
  /** Evaluate one event; returns what it caused (a shared empty list when nothing). */
  push(event: SecurityEvent, leafIndex: number, receiveTimeUs?: number): readonly EngineOutput[];
  /** Advance the sweep clock (event-time scale, e.g. the collector's now): absence alerts and complete anchored windows. */
  sweep(nowUs: number): readonly EngineOutput[];
  exportState(): EngineState;
  readonly stats: Readonly<EngineStats>;
  readonly watermarkUs: number | undefined;
  readonly lastLeafIndex: number | undefined;
  /** Rule keys whose imported state was not used because the rule changed or is gone. */
  readonly droppedState: readonly string[];
}

const NONE: readonly EngineOutput[] = Object.freeze([]);
const NO_GROUP: Readonly<Record<string, GroupValue>> = Object.freeze({});
const US_PER_MINUTE = 60_000_000;
/** State is pruned when the clock has moved this far since the last prune. */
const PRUNE_STEP_US = 1_000_000;

export const ENGINE_DEFAULTS = Object.freeze({
  allowedLatenessUs: 5 * US_PER_MINUTE,
  maxFutureUs: 5 * US_PER_MINUTE,
  maxGroupsPerRule: 10_000,
  maxEntriesPerGroup: 10_000,
  maxEvidence: 100,
  maxDedupIds: 200_000,
});

export function createDetectionEngine(rules: RuleSet, options: EngineOptions = {}): DetectionEngine {
  return new Engine(rules, options);
}

function zeroStats(): EngineStats {
  return {
    events: 0,
    replayed: 0,
    duplicates: 0,
    late: 0,
    future: 0,
    matches: 0,
    alerts: 0,
    suppressed: 0,
    groupsEvicted: 0,
    entriesDropped: 0,
    dedupEvicted: 0,
  };
}

class Engine implements DetectionEngine {
  readonly stats: EngineStats = zeroStats();
  readonly droppedState: string[] = [];
  private readonly lateness: number;
  private readonly maxFuture: number;
  private readonly maxEvidence: number;
  private readonly maxSpan: number;
  private readonly limits: Readonly<Record<CapacityKind, number>>;
  private readonly view: EventView;
  private readonly nameSlot: number;
  private readonly detections: DetectionRuntime[];
  private readonly correlations: CorrelationRuntime[];
  private readonly anchored: CorrelationRuntime[];
  private readonly byName = new Map<string, DetectionRuntime[]>();
  private readonly unindexed: DetectionRuntime[];
  private readonly matched: DetectionRuntime[] = [];
  private readonly dedup: DedupSet;
  private readonly capacityReported = new Set<string>();
  private pending: EngineOutput[] = [];
  private watermark = Number.NEGATIVE_INFINITY;
  private sweepClock = Number.NEGATIVE_INFINITY;
  private lastLeaf = -1;
  private nextDue = Number.POSITIVE_INFINITY;
  private nextPrune = Number.NEGATIVE_INFINITY;

  constructor(rules: RuleSet, options: EngineOptions) {
    this.lateness = options.allowedLatenessUs ?? ENGINE_DEFAULTS.allowedLatenessUs;
    this.maxFuture = options.maxFutureUs ?? ENGINE_DEFAULTS.maxFutureUs;
    this.maxEvidence = options.maxEvidence ?? ENGINE_DEFAULTS.maxEvidence;
    this.maxSpan = rules.maxTimespanUs;
    this.limits = {
      groups: options.maxGroupsPerRule ?? ENGINE_DEFAULTS.maxGroupsPerRule,
      entries: options.maxEntriesPerGroup ?? ENGINE_DEFAULTS.maxEntriesPerGroup,
      dedup: options.maxDedupIds ?? ENGINE_DEFAULTS.maxDedupIds,
    };
    const slots = new FieldSlots();
    this.nameSlot = slots.slot('name');
    const built = buildRuntimes(
      rules,
      slots,
      { maxGroups: this.limits.groups, maxEntries: this.limits.entries, maxEvidence: this.maxEvidence },
      (key, kind) => this.capacity(key, kind),
    );
    this.detections = built.detections;
    this.correlations = built.correlations;
    this.anchored = this.correlations.filter((c) => c.anchored);
    this.view = new EventView(slots);
    this.dedup = new DedupSet(this.limits.dedup, () => this.capacity('*', 'dedup'));

    // Index: each event name gets the rules that require it plus the unconstrained ones, in rule order.
    this.unindexed = this.detections.filter((d) => d.names === undefined);
    for (const d of this.detections) for (const n of d.names ?? []) if (!this.byName.has(n)) this.byName.set(n, []);
    for (const [n, list] of this.byName) {
      for (const d of this.detections) if (d.names === undefined || d.names.has(n)) list.push(d);
    }
    if (options.state !== undefined) this.importState(options.state);
    this.pending = [];
  }

  get watermarkUs(): number | undefined {
    return Number.isFinite(this.watermark) ? this.watermark : undefined;
  }

  get lastLeafIndex(): number | undefined {
    return this.lastLeaf >= 0 ? this.lastLeaf : undefined;
  }

  push(event: SecurityEvent, leafIndex: number, receiveTimeUs?: number): readonly EngineOutput[] {
    if (!Number.isSafeInteger(leafIndex) || leafIndex < 0)
      throw new SeclogError('DETECT_INPUT_INVALID', `leaf index ${leafIndex} is not a non-negative safe integer`, { leafIndex });
    if (leafIndex <= this.lastLeaf) {
      this.stats.replayed++;
      return NONE;
    }
    const t = eventTimeUs(event.time);
    this.lastLeaf = leafIndex;
    this.stats.events++;
    const late = t < this.watermark - this.lateness;
    if (late) this.stats.late++;
    let advance = t;
    if (receiveTimeUs !== undefined && t > receiveTimeUs + this.maxFuture) {
      // A clock far ahead must not push every other device's events out as late.
      this.stats.future++;
      advance = receiveTimeUs + this.maxFuture;
    }
    if (advance > this.watermark) this.watermark = advance;

    const view = this.view;
    view.reset(event);
    const name = view.folded(this.nameSlot);
    const candidates = (name === undefined ? undefined : this.byName.get(name)) ?? this.unindexed;
    const matched = this.matched;
    matched.length = 0;
    for (let i = 0; i < candidates.length; i++) if (candidates[i]!.predicate(view)) matched.push(candidates[i]!);

    let out: EngineOutput[] | undefined;
    if (matched.length > 0) {
      if (this.dedup.seen(event.id, t)) {
        this.stats.duplicates++;
        matched.length = 0;
      } else {
        out = [];
        this.onMatches(event, t, leafIndex, late, out);
      }
    }
    if (this.closingClock() >= this.nextDue || this.watermark - this.lateness >= this.nextPrune) {
      out ??= [];
      this.maintain(out);
    }
    return this.flush(out);
  }

  sweep(nowUs: number): readonly EngineOutput[] {
    if (nowUs > this.sweepClock) this.sweepClock = nowUs;
    const out: EngineOutput[] = [];
    for (const d of this.detections) {
      const a = d.absence;
      if (a === undefined) continue;
      a.tracker.sweep(this.sweepClock, (groupJson, seen) => {
        const group = seen.group;
        const alert: AlertCandidate = {
          key: alertKey('absence', d.key, groupJson, seen.lastUs, seen.lastId),
          ruleId: d.key,
          ruleVersion: d.version,
          ruleTitle: d.title,
          ruleType: 'absence',
          severity: d.severity,
          tags: d.tags,
          group: groupRecord(a.by, group),
          groupKey: groupText(a.by, group),
          count: 0,
          windowStartUs: seen.lastUs,
          windowEndUs: seen.lastUs + a.tracker.allowedUs(seen),
          evidence: [seen.lastId],
          evidenceTotal: 1,
          triggerEventId: undefined,
          triggerLeafIndex: undefined,
        };
        this.stats.alerts++;
        out.push({ kind: 'alert', alert });
      });
    }
    this.maintain(out);
    return this.flush(out);
  }

  /** When anchored windows count as complete: the later of watermark and sweep clock, less the allowed lateness. */
  private closingClock(): number {
    return Math.max(this.watermark, this.sweepClock) - this.lateness;
  }

  private flush(out: EngineOutput[] | undefined): readonly EngineOutput[] {
    if (this.pending.length > 0) {
      out ??= [];
      out.push(...this.pending);
      this.pending = [];
    }
    return out === undefined || out.length === 0 ? NONE : out;
  }

  private onMatches(event: SecurityEvent, t: number, leafIndex: number, late: boolean, out: EngineOutput[]): void {
    const lateRules: string[] = [];
    let match: Match | undefined;
    for (const d of this.matched) {
      this.stats.matches++;
      if (d.absence !== undefined) {
        const a = d.absence;
        const m: Match = { timeUs: t, id: event.id, leafIndex, event, group: undefined, evidence: [event.id] };
        const group = a.extract.map((x) => x(m));
        a.tracker.touch(JSON.stringify(group), group, t, event.id, a.periodOf(event));
      } else if (d.alerting) {
        this.alertSingle(d, event, t, leafIndex, out);
      }
      for (const feed of d.feeds) {
        if (late) {
          lateRules.push(feed.corr.key);
          continue;
        }
        match ??= { timeUs: t, id: event.id, leafIndex, event, group: undefined, evidence: [event.id] };
        this.feed(feed, match, out);
      }
    }
    if (lateRules.length > 0)
      out.push({ kind: 'late', eventId: event.id, leafIndex, timeUs: t, watermarkUs: this.watermark, ruleIds: [...new Set(lateRules)] });
  }

  private alertSingle(d: DetectionRuntime, event: SecurityEvent, t: number, leafIndex: number, out: EngineOutput[]): void {
    let group = NO_GROUP;
    let groupKey = '';
    let skey = '';
    const s = d.suppress;
    if (s !== undefined && s.by.length > 0) {
      const m: Match = { timeUs: t, id: event.id, leafIndex, event, group: undefined, evidence: [] };
      const values = s.values(m, []);
      group = groupRecord(s.by, values);
      groupKey = groupText(s.by, values);
      skey = JSON.stringify(values);
    }
    const alert: AlertCandidate = {
      key: alertKey('match', d.key, '', t, event.id),
      ruleId: d.key,
      ruleVersion: d.version,
      ruleTitle: d.title,
      ruleType: 'detection',
      severity: d.severity,
      tags: d.tags,
      group,
      groupKey,
      count: 1,
      windowStartUs: t,
      windowEndUs: t,
      evidence: [event.id],
      evidenceTotal: 1,
      triggerEventId: event.id,
      triggerLeafIndex: leafIndex,
    };
    this.emit(alert, s, skey, t, event.id, out);
  }

  private emit(
    alert: AlertCandidate,
    s: SuppressRuntime | undefined,
    skey: string,
    t: number,
    eventId: string | undefined,
    out: EngineOutput[],
  ): void {
    if (s !== undefined) {
      const open = s.suppressor.check(skey, t, alert.key);
      if (open !== undefined) {
        this.stats.suppressed++;
        out.push({ kind: 'suppressed', alertKey: open.alertKey, ruleId: alert.ruleId, suppressed: open.suppressed, eventId, timeUs: t });
        return;
      }
    }
    this.stats.alerts++;
    out.push({ kind: 'alert', alert });
  }

  private feed(feed: Feed, m: Match, out: EngineOutput[]): void {
    const c = feed.corr;
    const extract = c.groupOf[feed.source]!;
    const group: GroupValue[] = new Array(extract.length);
    for (let i = 0; i < extract.length; i++) group[i] = extract[i]!(m);
    const groupJson = JSON.stringify(group);
    let value: string | undefined;
    if (c.rule.type === 'value_count') {
      const vals = c.valueOf[feed.source]!.map((x) => x(m));
      value = vals.includes(null) ? undefined : JSON.stringify(vals);
    }
    const fired: Fired[] = [];
    c.window.accept(feed.source, m, group, groupJson, value, fired);
    if (c.anchored) this.nextDue = Math.min(this.nextDue, c.window.nextDueUs());
    for (const f of fired) this.onFired(c, f, out);
  }

  private onFired(c: CorrelationRuntime, f: Fired, out: EngineOutput[]): void {
    const key = alertKey(c.rule.type, c.key, f.groupJson, f.startUs, f.firstId);
    if (c.alerting) {
      const alert: AlertCandidate = {
        key,
        ruleId: c.key,
        ruleVersion: c.version,
        ruleTitle: c.title,
        ruleType: c.rule.type,
        severity: c.severity,
        tags: c.tags,
        group: groupRecord(c.rule.groupBy, f.group),
        groupKey: groupText(c.rule.groupBy, f.group),
        count: f.count,
        windowStartUs: f.startUs,
        windowEndUs: f.endUs,
        evidence: f.evidence,
        evidenceTotal: f.evidenceTotal,
        triggerEventId: f.trigger?.event?.id ?? f.trigger?.id,
        triggerLeafIndex: f.trigger?.leafIndex,
      };
      const s = c.suppress;
      const skey = s === undefined ? '' : JSON.stringify(s.values(f.trigger, f.group));
      this.emit(alert, s, skey, f.endUs, alert.triggerEventId, out);
    }
    if (c.feeds.length === 0) return;
    const m: Match = {
      timeUs: f.endUs,
      id: key,
      leafIndex: f.trigger?.leafIndex ?? Math.max(this.lastLeaf, 0),
      event: undefined,
      group: f.group,
      evidence: f.evidence,
    };
    for (const feed of c.feeds) this.feed(feed, m, out);
  }

  private maintain(out: EngineOutput[]): void {
    const clock = this.closingClock();
    if (clock >= this.nextDue) {
      let next = Number.POSITIVE_INFINITY;
      for (const c of this.anchored) {
        const fired: Fired[] = [];
        c.window.closeDue(clock, fired);
        for (const f of fired) this.onFired(c, f, out);
      }
      for (const c of this.anchored) next = Math.min(next, c.window.nextDueUs());
      this.nextDue = next;
    }
    // Pruning follows the watermark only: whatever it drops, no event that is not late can need. The sweep clock
    // (wall time) may run ahead of lagging devices, so it never decides what is forgotten.
    const horizon = this.watermark - this.lateness;
    if (horizon >= this.nextPrune) {
      for (const c of this.correlations) c.window.prune(horizon - c.rule.timespanUs);
      for (const r of [...this.detections, ...this.correlations]) r.suppress?.suppressor.prune(horizon);
      this.dedup.prune(horizon - this.maxSpan);
      this.nextPrune = horizon + PRUNE_STEP_US;
    }
  }

  private capacity(ruleKey: string, kind: CapacityKind): void {
    if (kind === 'groups') this.stats.groupsEvicted++;
    else if (kind === 'entries') this.stats.entriesDropped++;
    else this.stats.dedupEvicted++;
    const id = `${ruleKey}\u0000${kind}`;
    if (this.capacityReported.has(id)) return;
    this.capacityReported.add(id);
    this.pending.push({ kind: 'capacity', ruleId: ruleKey, what: kind, limit: this.limits[kind] });
  }

  exportState(): EngineState {
    const rules: Record<string, { version: string; parts: Record<string, unknown> }> = {};
    for (const d of this.detections) {
      const parts: Record<string, unknown> = {};
      if (d.suppress !== undefined) parts.suppress = d.suppress.suppressor.exportState();
      if (d.absence !== undefined) parts.absence = d.absence.tracker.exportState();
      if (Object.keys(parts).length > 0) rules[d.key] = { version: d.version, parts };
    }
    for (const c of this.correlations) {
      const parts: Record<string, unknown> = { window: c.window.exportState() };
      if (c.suppress !== undefined) parts.suppress = c.suppress.suppressor.exportState();
      rules[c.key] = { version: c.version, parts };
    }
    return {
      format: 'seclog-detect-state',
      version: 1,
      lastLeafIndex: this.lastLeaf >= 0 ? this.lastLeaf : null,
      watermarkUs: Number.isFinite(this.watermark) ? this.watermark : null,
      sweepUs: Number.isFinite(this.sweepClock) ? this.sweepClock : null,
      pruneAtUs: Number.isFinite(this.nextPrune) ? this.nextPrune : null,
      stats: { ...this.stats },
      dedup: this.dedup.exportState(),
      rules,
      capacityReported: [...this.capacityReported],
    };
  }

  private importState(state: EngineState): void {
    if (typeof state !== 'object' || state === null || state.format !== 'seclog-detect-state' || state.version !== 1)
      throw new SeclogError('DETECT_STATE_INVALID', 'not a seclog detection state of format version 1', {});
    try {
      this.lastLeaf = state.lastLeafIndex ?? -1;
      this.watermark = state.watermarkUs ?? Number.NEGATIVE_INFINITY;
      this.sweepClock = state.sweepUs ?? Number.NEGATIVE_INFINITY;
      // When the next prune happens is state too: late events may meet what a prune would have dropped.
      this.nextPrune = state.pruneAtUs ?? Number.NEGATIVE_INFINITY;
      Object.assign(this.stats, state.stats);
      this.dedup.importState(state.dedup);
      for (const c of state.capacityReported) this.capacityReported.add(c);
      const byKey = new Map<string, DetectionRuntime | CorrelationRuntime>();
      for (const r of [...this.detections, ...this.correlations]) byKey.set(r.key, r);
      for (const [key, saved] of Object.entries(state.rules)) {
        const r = byKey.get(key);
        if (r === undefined || r.version !== saved.version) {
          this.droppedState.push(key);
          continue;
        }
        const p = saved.parts;
        if (p.suppress !== undefined) r.suppress?.suppressor.importState(p.suppress);
        if (r.kind === 'detection' && p.absence !== undefined) r.absence?.tracker.importState(p.absence);
        if (r.kind === 'correlation' && p.window !== undefined) r.window.importState(p.window);
      }
    } catch (err) {
      if (err instanceof StateShapeError || err instanceof TypeError)
        throw new SeclogError('DETECT_STATE_INVALID', `detection state is malformed: ${err.message}`, {}, { cause: err });
      throw err;
    }
    for (const c of this.anchored) this.nextDue = Math.min(this.nextDue, c.window.nextDueUs());
  }
}

function groupRecord(fields: readonly string[], values: readonly GroupValue[]): Readonly<Record<string, GroupValue>> {
  if (fields.length === 0) return NO_GROUP;
  return Object.fromEntries(fields.map((f, i) => [f, values[i] ?? null]));
}

function groupText(fields: readonly string[], values: readonly GroupValue[]): string {
  return fields.map((f, i) => `${f}=${values[i] === null || values[i] === undefined ? '∅' : String(values[i])}`).join(', ');
}
