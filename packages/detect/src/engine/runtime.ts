/**
 * Rule runtimes: each rule of a RuleSet with what the engine needs per event
 * (compiled predicate, field extractors, windows, suppression, absence)
 * built once, and the wiring from rules to the correlations they feed.
 */
import type { SecurityEvent, Severity } from '@seclog/core';
import { compileFieldPath } from '../field-aliases.js';
import { compileDetection, type Predicate } from '../match/compile.js';
import type { FieldSlots } from '../match/event-view.js';
import { requiredNames } from '../match/name-index.js';
import { type LinkedCorrelation, type RuleSet, ruleKey } from '../rule/rule-set.js';
import type { AbsencePeriod, CorrelationRule, DetectionRule, SigmaLevel } from '../rule/types.js';
import { AbsenceTracker } from './absence.js';
import { isLowerBoundOnly } from './count-condition.js';
import { eventTimeUs } from './event-time.js';
import { Suppressor } from './suppression.js';
import type { CapacityKind, GroupValue } from './types.js';
import { AnchoredWindow } from './windows/anchored.js';
import { SlidingCountWindow } from './windows/sliding-count.js';
import { SlidingValueWindow } from './windows/sliding-values.js';
import { sourceExpression, TemporalOrderedWindow, TemporalWindow } from './windows/temporal.js';
import type { CorrelationWindow, Match } from './windows/window.js';

export type Extractor = (m: Match) => GroupValue;

export interface Feed {
  readonly corr: CorrelationRuntime;
  readonly source: number;
}

export interface SuppressRuntime {
  readonly suppressor: Suppressor;
  readonly by: readonly string[];
  /** The `by` values: read from the event (detection rules) or taken from the group (correlations). */
  readonly values: (m: Match | undefined, group: readonly GroupValue[]) => GroupValue[];
}

interface RuntimeCommon {
  readonly key: string;
  readonly version: string;
  readonly title: string;
  readonly severity: Severity;
  readonly tags: readonly string[];
  /** Raises alerts of its own (see RuleSet.alerting). */
  readonly alerting: boolean;
  readonly suppress: SuppressRuntime | undefined;
  readonly feeds: Feed[];
  readonly ordinal: number;
}

export interface DetectionRuntime extends RuntimeCommon {
  readonly kind: 'detection';
  readonly rule: DetectionRule;
  readonly predicate: Predicate;
  readonly names: ReadonlySet<string> | undefined;
  readonly absence: AbsenceRuntime | undefined;
}

export interface AbsenceRuntime {
  readonly tracker: AbsenceTracker;
  readonly extract: readonly Extractor[];
  readonly by: readonly string[];
  /** The period a sign of life names (x-absence.period), µs; 0 when the rule has none or the event's fields do not give one. */
  readonly periodOf: (event: SecurityEvent) => number;
}

export interface CorrelationRuntime extends RuntimeCommon {
  readonly kind: 'correlation';
  readonly rule: CorrelationRule;
  readonly window: CorrelationWindow;
  readonly anchored: boolean;
  /** Per source rule, per group-by field. */
  readonly groupOf: readonly (readonly Extractor[])[];
  /** Per source rule, per value_count field. */
  readonly valueOf: readonly (readonly Extractor[])[];
}

export type RuleRuntime = DetectionRuntime | CorrelationRuntime;

export interface RuntimeLimits {
  readonly maxGroups: number;
  readonly maxEntries: number;
  readonly maxEvidence: number;
}

const SEVERITY_OF: Readonly<Record<SigmaLevel, Severity>> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/** Record values usable as group values: scalars; anything else (absent, objects) is null. */
export function toGroupValue(v: unknown): GroupValue {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
}

function fieldExtractor(field: string): Extractor {
  const get = compileFieldPath(field);
  return (m) => toGroupValue(get(m.event));
}

/**
 * The longest period a match may name, µs (a day). The period comes from the record, so without a
 * ceiling one forged sign of life naming a century would silence its group for good.
 */
export const MAX_ABSENCE_PERIOD_US = 24 * 3600 * 1_000_000;

/** (to − from) of two RFC 3339 times in the event, µs, at most a day; 0 when a field is missing, not a time, or the span is not positive. */
function periodExtractor(period: AbsencePeriod | undefined): (event: SecurityEvent) => number {
  if (period === undefined) return () => 0;
  const from = compileFieldPath(period.from);
  const to = compileFieldPath(period.to);
  const timeUs = (v: unknown): number => {
    if (typeof v !== 'string') return Number.NaN;
    try {
      return eventTimeUs(v);
    } catch {
      // A sign of life with a malformed period still counts; only its period is unknown.
      return Number.NaN;
    }
  };
  return (event) => {
    const span = timeUs(to(event)) - timeUs(from(event));
    return Number.isFinite(span) && span > 0 ? Math.min(span, MAX_ABSENCE_PERIOD_US) : 0;
  };
}

function suppressValuesFromEvent(extract: readonly Extractor[]): SuppressRuntime['values'] {
  return (m) => (m === undefined ? extract.map(() => null) : extract.map((x) => x(m)));
}

function suppressValuesFromGroup(positions: readonly number[]): SuppressRuntime['values'] {
  return (_m, group) => positions.map((i) => group[i] ?? null);
}

function innerExtractor(index: number): Extractor {
  return (m) => m.group?.[index] ?? null;
}

export function buildRuntimes(
  rules: RuleSet,
  slots: FieldSlots,
  limits: RuntimeLimits,
  onCapacity: (ruleKey: string, kind: CapacityKind) => void,
): { detections: DetectionRuntime[]; correlations: CorrelationRuntime[] } {
  let ordinal = 0;
  const common = (rule: DetectionRule | CorrelationRule) => ({
    key: ruleKey(rule),
    version: rule.version,
    title: rule.title,
    severity: SEVERITY_OF[rule.level ?? 'medium'],
    tags: rule.tags,
    alerting: rules.alerting.has(ruleKey(rule)),
    feeds: [] as Feed[],
    ordinal: ordinal++,
  });
  const cap = (key: string, kind: CapacityKind) => () => onCapacity(key, kind);

  const detections: DetectionRuntime[] = rules.detections.map((rule) => {
    const c = common(rule);
    let predicate = compileDetection(rule.detection, slots);
    for (const f of rules.filtersFor.get(c.key) ?? []) {
      const keep = compileDetection(f.detection, slots);
      const base = predicate;
      predicate = (v) => base(v) && keep(v);
    }
    const suppress: SuppressRuntime | undefined =
      rule.suppress === undefined
        ? undefined
        : {
            suppressor: new Suppressor(rule.suppress.forUs, limits.maxGroups, cap(c.key, 'groups')),
            by: rule.suppress.by,
            values: suppressValuesFromEvent(rule.suppress.by.map(fieldExtractor)),
          };
    const absence =
      rule.absence === undefined
        ? undefined
        : {
            tracker: new AbsenceTracker(rule.absence.forUs, rule.absence.period?.times ?? 0, limits.maxGroups, cap(c.key, 'groups')),
            extract: rule.absence.by.map(fieldExtractor),
            by: rule.absence.by,
            periodOf: periodExtractor(rule.absence.period),
          };
    return { kind: 'detection', ...c, rule, predicate, names: requiredNames(rule.detection), suppress, absence };
  });

  const byRule = new Map<object, RuleRuntime>();
  for (const d of detections) byRule.set(d.rule, d);
  const correlations: CorrelationRuntime[] = rules.correlations.map((linked) => {
    const rule = linked.rule;
    const c = common(rule);
    const wl = {
      maxGroups: limits.maxGroups,
      maxEntries: limits.maxEntries,
      maxEvidence: limits.maxEvidence,
      onCapacity: (kind: CapacityKind) => onCapacity(c.key, kind),
    };
    const { window, anchored } = windowFor(linked, wl);
    const extractors = (fields: readonly (string | number)[]) =>
      fields.map((f) => (typeof f === 'number' ? innerExtractor(f) : fieldExtractor(f)));
    const suppress: SuppressRuntime | undefined =
      rule.suppress === undefined
        ? undefined
        : {
            suppressor: new Suppressor(rule.suppress.forUs, limits.maxGroups, cap(c.key, 'groups')),
            by: rule.suppress.by,
            values: suppressValuesFromGroup(rule.suppress.by.map((f) => rule.groupBy.indexOf(f))),
          };
    const rt: CorrelationRuntime = {
      kind: 'correlation',
      ...c,
      rule,
      window,
      anchored,
      groupOf: linked.sources.map((s) => extractors(s.groupFields)),
      valueOf: linked.sources.map((s) => extractors(s.valueFields)),
      suppress,
    };
    byRule.set(rule, rt);
    linked.sources.forEach((s, i) => {
      byRule.get(s.rule)!.feeds.push({ corr: rt, source: i });
    });
    return rt;
  });
  return { detections, correlations };
}

function windowFor(
  linked: LinkedCorrelation,
  limits: ConstructorParameters<typeof SlidingCountWindow>[2],
): { window: CorrelationWindow; anchored: boolean } {
  const r = linked.rule;
  const n = r.rules.length;
  switch (r.type) {
    case 'event_count':
      return isLowerBoundOnly(r.condition!)
        ? { window: new SlidingCountWindow(r.timespanUs, r.condition!, limits), anchored: false }
        : { window: new AnchoredWindow('events', r.timespanUs, r.condition!, limits), anchored: true };
    case 'value_count':
      return isLowerBoundOnly(r.condition!)
        ? { window: new SlidingValueWindow(r.timespanUs, r.condition!, limits), anchored: false }
        : { window: new AnchoredWindow('values', r.timespanUs, r.condition!, limits), anchored: true };
    case 'temporal':
      if (r.condition !== undefined && !isLowerBoundOnly(r.condition))
        return { window: new AnchoredWindow('sources', r.timespanUs, r.condition, limits), anchored: true };
      return {
        window: new TemporalWindow(
          r.rules,
          r.timespanUs,
          r.condition,
          r.ruleCondition === undefined ? undefined : sourceExpression(r.ruleCondition, r.rules),
          limits,
        ),
        anchored: false,
      };
    case 'temporal_ordered':
      return { window: new TemporalOrderedWindow(n, r.timespanUs, limits), anchored: false };
  }
}
