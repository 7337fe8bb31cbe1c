/**
 * `x-absence`: the rule's matches are signs of life (any event of a device, a
 * heartbeat); a group (the values of `by`) that has matched and then stays
 * silent for `for` raises one alert, at the first sweep that sees it. The
 * group's next match re-arms it. Groups become known through their first
 * match; a group never seen is never missed.
 *
 * With `x-absence.period`, each match also says how long its period is (a
 * seal's epoch), and the group is silent only after the longer of `for` and
 * `times` such periods from its latest match: one rule serves devices that
 * sign in every minute and devices that do so once an hour.
 */

import { GroupMap } from './group-map.js';
import type { GroupValue } from './types.js';
import { expectArray, expectGroup, expectNumber, expectString } from './windows/window.js';

export interface Seen {
  readonly group: readonly GroupValue[];
  lastUs: number;
  lastId: string;
  /** The period the latest match named, µs (0: none). */
  periodUs: number;
  /** The lastUs an alert was raised for (null: armed). */
  alertedFor: number | null;
}

export class AbsenceTracker {
  private readonly groups: GroupMap<Seen>;

  /**
   * @param forUs the shortest silence that raises an alert
   * @param periodTimes how many of a match's periods a silence must also last (0: periods are not used)
   */
  constructor(
    readonly forUs: number,
    readonly periodTimes: number,
    maxGroups: number,
    onEvict: () => void,
  ) {
    this.groups = new GroupMap(maxGroups, onEvict);
  }

  touch(groupJson: string, group: readonly GroupValue[], timeUs: number, id: string, periodUs = 0): void {
    const s = this.groups.use(groupJson, () => ({ group, lastUs: timeUs, lastId: id, periodUs, alertedFor: null }));
    if (timeUs > s.lastUs) {
      s.lastUs = timeUs;
      s.lastId = id;
      s.periodUs = periodUs;
    }
    if (s.alertedFor !== null && s.lastUs > s.alertedFor) s.alertedFor = null;
  }

  /** How long `seen` may stay silent before it is missed. */
  allowedUs(seen: Seen): number {
    return Math.max(this.forUs, this.periodTimes * seen.periodUs);
  }

  /** Groups silent for their allowed time at `nowUs` that have not alerted yet; marks them alerted. */
  sweep(nowUs: number, fire: (groupJson: string, seen: Seen) => void): void {
    for (const [key, s] of this.groups.entries()) {
      if (s.alertedFor === null && nowUs - s.lastUs >= this.allowedUs(s)) {
        s.alertedFor = s.lastUs;
        fire(key, s);
      }
    }
  }

  exportState(): unknown {
    return [...this.groups.entries()].map(([key, s]) => [key, s.group, s.lastUs, s.lastId, s.alertedFor, s.periodUs]);
  }

  importState(state: unknown): void {
    for (const row of expectArray(state, 'absence groups')) {
      // State saved before periods existed has five elements: no period.
      const [key, group, last, id, alerted, period] = expectArray(row, 'absence group');
      this.groups.restore(expectString(key, 'key'), {
        group: expectGroup(group, 'group'),
        lastUs: expectNumber(last, 'last'),
        lastId: expectString(id, 'id'),
        periodUs: period === undefined ? 0 : expectNumber(period, 'period'),
        alertedFor: alerted === null ? null : expectNumber(alerted, 'alerted'),
      });
    }
  }
}
