/**
 * value_count with a lower-bound condition (`gte: 5` distinct users), on
 * sliding windows.
 *
 * Per group, each distinct value keeps only its latest occurrence: a value
 * is in the window (newest − timespan, newest] exactly when its latest
 * occurrence is. That bounds memory by the number of distinct values rather
 * than events (a brute force on one user is one entry). An event that
 * arrives out of order counts in the group's current window when it lies
 * inside it; windows that ended before it arrived are not re-evaluated (see
 * docs/detection.md). Events without the counted field add no value.
 */
import type { CountCondition } from '../../rule/types.js';
import { satisfies } from '../count-condition.js';
import { GroupMap } from '../group-map.js';
import type { GroupValue } from '../types.js';
import {
  type CorrelationWindow,
  expectArray,
  expectGroup,
  expectNumber,
  expectString,
  type Fired,
  type Match,
  type WindowLimits,
} from './window.js';

interface Latest {
  t: number;
  id: string;
}

interface ValueGroup {
  readonly group: readonly GroupValue[];
  readonly values: Map<string, Latest>;
  newest: number;
}

export class SlidingValueWindow implements CorrelationWindow {
  private readonly groups: GroupMap<ValueGroup>;

  constructor(
    private readonly spanUs: number,
    private readonly condition: CountCondition,
    private readonly limits: WindowLimits,
  ) {
    this.groups = new GroupMap(limits.maxGroups, () => limits.onCapacity('groups'));
  }

  accept(_source: number, m: Match, group: readonly GroupValue[], groupJson: string, value: string | undefined, fired: Fired[]): void {
    if (value === undefined) return;
    const g = this.groups.use(groupJson, () => ({ group, values: new Map(), newest: Number.NEGATIVE_INFINITY }));
    const t = m.timeUs;
    const e = g.values.get(value);
    if (e === undefined) {
      if (g.values.size >= this.limits.maxEntries) {
        this.limits.onCapacity('entries');
        return;
      }
      g.values.set(value, { t, id: m.id });
    } else if (t > e.t) {
      e.t = t;
      e.id = m.id;
    }
    if (t > g.newest) g.newest = t;
    const from = g.newest - this.spanUs;
    if (t <= from) return;
    let count = 0;
    for (const v of g.values.values()) if (v.t > from) count++;
    if (!satisfies(this.condition, count)) return;
    const inWindow = [...g.values.values()].filter((v) => v.t > from).sort((a, b) => a.t - b.t);
    fired.push({
      group: g.group,
      groupJson,
      count,
      startUs: inWindow[0]!.t,
      endUs: g.newest,
      evidence: inWindow.slice(0, this.limits.maxEvidence).map((v) => v.id),
      evidenceTotal: count,
      firstId: inWindow[0]!.id,
      trigger: m,
    });
    this.groups.delete(groupJson);
  }

  prune(cutoffUs: number): void {
    for (const [key, g] of this.groups.entries()) {
      for (const [v, e] of g.values) if (e.t <= cutoffUs) g.values.delete(v);
      if (g.values.size === 0) this.groups.delete(key);
    }
  }

  closeDue(): void {}

  nextDueUs(): number {
    return Number.POSITIVE_INFINITY;
  }

  exportState(): unknown {
    return [...this.groups.entries()].map(([key, g]) => [key, g.group, g.newest, [...g.values].map(([v, e]) => [v, e.t, e.id])]);
  }

  importState(state: unknown): void {
    for (const row of expectArray(state, 'value_count groups')) {
      const [key, group, newest, values] = expectArray(row, 'value_count group');
      const map = new Map<string, Latest>();
      for (const entry of expectArray(values, 'values')) {
        const [v, t, id] = expectArray(entry, 'value');
        map.set(expectString(v, 'value'), { t: expectNumber(t, 'time'), id: expectString(id, 'id') });
      }
      this.groups.restore(expectString(key, 'group key'), {
        group: expectGroup(group, 'group'),
        values: map,
        newest: expectNumber(newest, 'newest'),
      });
    }
  }
}
