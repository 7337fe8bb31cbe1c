/**
 * `x-absence`: the rule's matches are signs of life (any event of a device, a
 * heartbeat); a group (the values of `by`) that has matched and then stays
 * silent for `for` raises one alert, at the first sweep that sees it. The
 * group's next match re-arms it. Groups become known through their first
 * match; a group never seen is never missed.
 */

import { GroupMap } from './group-map.js';
import type { GroupValue } from './types.js';
import { expectArray, expectGroup, expectNumber, expectString } from './windows/window.js';

export interface Seen {
  readonly group: readonly GroupValue[];
  lastUs: number;
  lastId: string;
  /** The lastUs an alert was raised for (null: armed). */
  alertedFor: number | null;
}

export class AbsenceTracker {
  private readonly groups: GroupMap<Seen>;

  constructor(
    readonly forUs: number,
    maxGroups: number,
    onEvict: () => void,
  ) {
    this.groups = new GroupMap(maxGroups, onEvict);
  }

  touch(groupJson: string, group: readonly GroupValue[], timeUs: number, id: string): void {
    const s = this.groups.use(groupJson, () => ({ group, lastUs: timeUs, lastId: id, alertedFor: null }));
    if (timeUs > s.lastUs) {
      s.lastUs = timeUs;
      s.lastId = id;
    }
    if (s.alertedFor !== null && s.lastUs > s.alertedFor) s.alertedFor = null;
  }

  /** Groups silent for `for` at `nowUs` that have not alerted yet; marks them alerted. */
  sweep(nowUs: number, fire: (groupJson: string, seen: Seen) => void): void {
    for (const [key, s] of this.groups.entries()) {
      if (s.alertedFor === null && nowUs - s.lastUs >= this.forUs) {
        s.alertedFor = s.lastUs;
        fire(key, s);
      }
    }
  }

  exportState(): unknown {
    return [...this.groups.entries()].map(([key, s]) => [key, s.group, s.lastUs, s.lastId, s.alertedFor]);
  }

  importState(state: unknown): void {
    for (const row of expectArray(state, 'absence groups')) {
      const [key, group, last, id, alerted] = expectArray(row, 'absence group');
      this.groups.restore(expectString(key, 'key'), {
        group: expectGroup(group, 'group'),
        lastUs: expectNumber(last, 'last'),
        lastId: expectString(id, 'id'),
        alertedFor: alerted === null ? null : expectNumber(alerted, 'alerted'),
      });
    }
  }
}
