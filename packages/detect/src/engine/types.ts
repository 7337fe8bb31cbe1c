/**
 * What the streaming engine takes and gives. Times are microseconds since
 * the Unix epoch on the EVENT clock (the record's `time`), never the
 * collector's wall clock, except `sweep(now)` which the caller drives.
 */
import type { Severity } from '@seclog/core';
import type { CorrelationType } from '../rule/types.js';

export type GroupValue = string | number | boolean | null;

export type AlertRuleType = 'detection' | CorrelationType | 'absence';

/** An alert the engine raised; the collector stores it and appends an `alert` event. */
export interface AlertCandidate {
  /**
   * Deterministic identity: the same rule, group, window start and first
   * event give the same key, on any run. Consumers treat it as an
   * idempotency key, so a replay after a restart never stores an alert twice.
   */
  readonly key: string;
  readonly ruleId: string;
  readonly ruleVersion: string;
  readonly ruleTitle: string;
  readonly ruleType: AlertRuleType;
  readonly severity: Severity;
  readonly tags: readonly string[];
  /** group-by field → value (empty for single-event rules and ungrouped correlations). */
  readonly group: Readonly<Record<string, GroupValue>>;
  /** `field=value, …` for people; '' when not grouped. */
  readonly groupKey: string;
  /** Matching events (event_count, detection), distinct values (value_count), rules seen (temporal), 0 (absence). */
  readonly count: number;
  readonly windowStartUs: number;
  readonly windowEndUs: number;
  /** Ids of the events behind the alert, oldest first, at most `maxEvidence`. */
  readonly evidence: readonly string[];
  /** How many evidence ids there were before the cap. */
  readonly evidenceTotal: number;
  /** The event that completed the alert (undefined when a sweep raised it). */
  readonly triggerEventId: string | undefined;
  readonly triggerLeafIndex: number | undefined;
}

export type EngineOutput =
  | { readonly kind: 'alert'; readonly alert: AlertCandidate }
  | {
      /** A repeat within an open `x-suppress` window: counted on the open alert, not raised again. */
      readonly kind: 'suppressed';
      readonly alertKey: string;
      readonly ruleId: string;
      /** Total suppressed on that alert so far. */
      readonly suppressed: number;
      readonly eventId: string | undefined;
      readonly timeUs: number;
    }
  | {
      /** An event older than watermark − allowed lateness that a correlation or absence rule would have used. */
      readonly kind: 'late';
      readonly eventId: string;
      readonly leafIndex: number;
      readonly timeUs: number;
      readonly watermarkUs: number;
      readonly ruleIds: readonly string[];
    }
  | {
      /** A bound was hit for the first time for this rule; later hits only count in stats. */
      readonly kind: 'capacity';
      readonly ruleId: string;
      readonly what: CapacityKind;
      readonly limit: number;
    };

export type CapacityKind = 'groups' | 'entries' | 'dedup';

export interface EngineOptions {
  /** How far behind the watermark an event may be and still count in windows. Default 5 min. */
  readonly allowedLatenessUs?: number;
  /** With a receive time, how far an event's time may lead it before it stops advancing the watermark. Default 5 min. */
  readonly maxFutureUs?: number;
  /** Groups kept per correlation, suppression or absence rule; the least recently used is evicted beyond. Default 10,000. */
  readonly maxGroupsPerRule?: number;
  /** Events kept per event_count group (beyond, the oldest is dropped). Default 10,000. */
  readonly maxEntriesPerGroup?: number;
  /** Evidence ids per alert. Default 100. */
  readonly maxEvidence?: number;
  /** Event ids remembered for de-duplication. Default 200,000. */
  readonly maxDedupIds?: number;
  /** State exported by `exportState()` of an engine over the same (or an edited) rule set. */
  readonly state?: EngineState;
}

export interface EngineStats {
  events: number;
  /** Events at or below the last leaf index seen (a replay), skipped. */
  replayed: number;
  /** Matching events whose id was already seen, skipped. */
  duplicates: number;
  late: number;
  /** Events whose time led their receive time by more than maxFutureUs. */
  future: number;
  matches: number;
  alerts: number;
  suppressed: number;
  groupsEvicted: number;
  entriesDropped: number;
  dedupEvicted: number;
}

/** Everything needed to continue exactly where an engine stopped (JSON-serialisable). */
export interface EngineState {
  readonly format: 'seclog-detect-state';
  readonly version: 1;
  readonly lastLeafIndex: number | null;
  readonly watermarkUs: number | null;
  readonly sweepUs: number | null;
  readonly pruneAtUs: number | null;
  readonly stats: EngineStats;
  readonly dedup: readonly (readonly [string, number])[];
  /** Per rule key: the rule version the state belongs to and its parts. */
  readonly rules: Readonly<Record<string, { readonly version: string; readonly parts: Readonly<Record<string, unknown>> }>>;
  readonly capacityReported: readonly string[];
}
