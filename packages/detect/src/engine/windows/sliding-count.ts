/**
 * event_count with a lower-bound condition (`gt: 10`), on sliding windows.
 *
 * A window is the half-open span (end − timespan, end]: events at most
 * timespan − 1 µs apart share one. Each group keeps its events' times sorted;
 * when an event arrives, every window that contains it is checked (those
 * ending at it or at a later event less than a timespan after it, which only
 * exist when it arrived out of order). The first window that meets the
 * condition fires, and its events (and any earlier ones) are consumed, so
 * the next alert needs a fresh set of events. In order, the check is one
 * binary search.
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
  StateShapeError,
  type WindowLimits,
} from './window.js';

interface CountGroup {
  readonly group: readonly GroupValue[];
  times: number[];
  ids: string[];
  /** Index of the first live entry (entries before it are consumed or expired). */
  head: number;
}

export class SlidingCountWindow implements CorrelationWindow {
  private readonly groups: GroupMap<CountGroup>;

  constructor(
    private readonly spanUs: number,
    private readonly condition: CountCondition,
    private readonly limits: WindowLimits,
  ) {
    this.groups = new GroupMap(limits.maxGroups, () => limits.onCapacity('groups'));
  }

  accept(_source: number, m: Match, group: readonly GroupValue[], groupJson: string, _value: string | undefined, fired: Fired[]): void {
    const g = this.groups.use(groupJson, () => ({ group, times: [], ids: [], head: 0 }));
    const t = m.timeUs;
    if (g.times.length - g.head >= this.limits.maxEntries) {
      g.head++;
      this.limits.onCapacity('entries');
    }
    let pos = g.times.length;
    while (pos > g.head && g.times[pos - 1]! > t) pos--;
    if (pos === g.times.length) {
      g.times.push(t);
      g.ids.push(m.id);
    } else {
      g.times.splice(pos, 0, t);
      g.ids.splice(pos, 0, m.id);
    }
    const times = g.times;
    for (let j = pos; j < times.length && times[j]! - t < this.spanUs; j++) {
      const lo = firstAfter(times, g.head, j, times[j]! - this.spanUs);
      const count = j - lo + 1;
      if (!satisfies(this.condition, count)) continue;
      const evidence = g.ids.slice(lo, Math.min(j + 1, lo + this.limits.maxEvidence));
      fired.push({
        group: g.group,
        groupJson,
        count,
        startUs: times[lo]!,
        endUs: times[j]!,
        evidence,
        evidenceTotal: count,
        firstId: g.ids[lo]!,
        trigger: m,
      });
      g.head = j + 1;
      this.compact(groupJson, g);
      return;
    }
  }

  prune(cutoffUs: number): void {
    for (const [key, g] of this.groups.entries()) {
      while (g.head < g.times.length && g.times[g.head]! <= cutoffUs) g.head++;
      this.compact(key, g);
    }
  }

  private compact(key: string, g: CountGroup): void {
    if (g.head >= g.times.length) {
      this.groups.delete(key);
      return;
    }
    if (g.head > 32 && g.head * 2 > g.times.length) {
      g.times = g.times.slice(g.head);
      g.ids = g.ids.slice(g.head);
      g.head = 0;
    }
  }

  closeDue(): void {}

  nextDueUs(): number {
    return Number.POSITIVE_INFINITY;
  }

  exportState(): unknown {
    return [...this.groups.entries()].map(([key, g]) => [key, g.group, g.times.slice(g.head), g.ids.slice(g.head)]);
  }

  importState(state: unknown): void {
    for (const row of expectArray(state, 'event_count groups')) {
      const [key, group, times, ids] = expectArray(row, 'event_count group');
      const t = expectArray(times, 'times').map((x) => expectNumber(x, 'time'));
      const i = expectArray(ids, 'ids').map((x) => expectString(x, 'id'));
      if (t.length !== i.length) throw new StateShapeError('times and ids differ in length');
      this.groups.restore(expectString(key, 'group key'), { group: expectGroup(group, 'group'), times: t, ids: i, head: 0 });
    }
  }
}

/** First index in [from, to] whose time is greater than `after` (to + 1 when none). */
function firstAfter(times: readonly number[], from: number, to: number, after: number): number {
  let lo = from;
  let hi = to + 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! > after) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
