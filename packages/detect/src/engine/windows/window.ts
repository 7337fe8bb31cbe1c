/**
 * The window state machines behind correlation rules share one shape: they
 * accept matches per group, fire when their condition holds, drop what no
 * future window can use, and export/import their state as JSON.
 */
import type { SecurityEvent } from '@seclog/core';
import type { CapacityKind, GroupValue } from '../types.js';

/** A match a correlation consumes: an event of a detection rule, or an inner correlation that fired. */
export interface Match {
  readonly timeUs: number;
  /** The event id, or the inner alert's key. */
  readonly id: string;
  /** Leaf index of the event (or of the event that made the inner correlation fire). */
  readonly leafIndex: number;
  readonly event: SecurityEvent | undefined;
  /** Inner correlation's group values (for group-by through chaining). */
  readonly group: readonly GroupValue[] | undefined;
  /** Event ids the match stands for. */
  readonly evidence: readonly string[];
}

export interface Fired {
  readonly group: readonly GroupValue[];
  readonly groupJson: string;
  readonly count: number;
  readonly startUs: number;
  readonly endUs: number;
  readonly evidence: readonly string[];
  readonly evidenceTotal: number;
  readonly firstId: string;
  /** The match that completed the window; undefined when a window closed by time. */
  readonly trigger: Match | undefined;
}

export interface WindowLimits {
  readonly maxGroups: number;
  readonly maxEntries: number;
  readonly maxEvidence: number;
  /** Called when a bound is hit (counts it, reports it once). */
  readonly onCapacity: (kind: CapacityKind) => void;
}

export interface CorrelationWindow {
  /**
   * Feed one match of source rule `source` for the group; `value` is the
   * value_count value key (undefined when the field is missing).
   */
  accept(source: number, m: Match, group: readonly GroupValue[], groupJson: string, value: string | undefined, fired: Fired[]): void;
  /** Forget what ends at or before `cutoffUs` (watermark − lateness − timespan). */
  prune(cutoffUs: number): void;
  /** Evaluate windows complete at `clockUs` (anchored windows only). */
  closeDue(clockUs: number, fired: Fired[]): void;
  /** Earliest time a window becomes complete (Infinity when none). */
  nextDueUs(): number;
  exportState(): unknown;
  importState(state: unknown): void;
}

/** Append up to `max` ids (keeps the first ones, as the alert catalogue entry says). */
export function pushEvidence(into: string[], ids: readonly string[], max: number): void {
  for (let i = 0; i < ids.length && into.length < max; i++) into.push(ids[i]!);
}

/** A thrown error for malformed imported state; the engine wraps it. */
export class StateShapeError extends Error {}

export function expectArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new StateShapeError(`${what} is not a list`);
  return v;
}

export function expectNumber(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StateShapeError(`${what} is not a number`);
  return v;
}

export function expectString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new StateShapeError(`${what} is not a string`);
  return v;
}

/** Group values as exported: a JSON list of scalars. */
export function expectGroup(v: unknown, what: string): GroupValue[] {
  return expectArray(v, what).map((x) => {
    if (x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return x;
    throw new StateShapeError(`${what} holds a non-scalar`);
  });
}
