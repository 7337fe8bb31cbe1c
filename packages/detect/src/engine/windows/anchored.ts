/**
 * Correlations whose condition has an upper bound (`lt`, `lte`, `eq`, or a
 * range such as `gt: 100, lte: 200`) on anchored windows.
 *
 * On sliding windows such a condition is either met at once by the first
 * event (`lt: 5`) or trivially passed through on the way up (a range), so
 * the count is taken over a complete window instead: a window opens at the
 * first match of a group, spans [start, start + timespan), and is evaluated
 * once the watermark (or the sweep clock) minus the allowed lateness has
 * passed its end. A group with no match opens no window: "fewer than N
 * heartbeats" for a silent device is an x-absence rule's job.
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
  pushEvidence,
  type WindowLimits,
} from './window.js';

export type AnchoredCount = 'events' | 'values' | 'sources';

interface AnchoredGroup {
  readonly group: readonly GroupValue[];
  readonly startUs: number;
  readonly endUs: number;
  readonly firstId: string;
  events: number;
  readonly values: Set<string>;
  readonly evidence: string[];
  evidenceTotal: number;
}

export class AnchoredWindow implements CorrelationWindow {
  private readonly groups: GroupMap<AnchoredGroup>;
  private due = Number.POSITIVE_INFINITY;

  constructor(
    private readonly counts: AnchoredCount,
    private readonly spanUs: number,
    private readonly condition: CountCondition,
    private readonly limits: WindowLimits,
  ) {
    this.groups = new GroupMap(limits.maxGroups, () => limits.onCapacity('groups'));
  }

  accept(source: number, m: Match, group: readonly GroupValue[], groupJson: string, value: string | undefined, fired: Fired[]): void {
    const t = m.timeUs;
    const open = this.groups.get(groupJson);
    if (open !== undefined && t >= open.endUs) {
      this.close(groupJson, open, fired);
    }
    if (this.counts === 'values' && value === undefined && this.groups.get(groupJson) === undefined) return;
    const g = this.groups.use(groupJson, () => {
      const endUs = t + this.spanUs;
      if (endUs < this.due) this.due = endUs;
      return { group, startUs: t, endUs, firstId: m.id, events: 0, values: new Set(), evidence: [], evidenceTotal: 0 };
    });
    g.events++;
    if (this.counts === 'values' && value !== undefined) {
      if (g.values.size < this.limits.maxEntries) g.values.add(value);
      else this.limits.onCapacity('entries');
    }
    if (this.counts === 'sources') g.values.add(String(source));
    pushEvidence(g.evidence, m.evidence, this.limits.maxEvidence);
    g.evidenceTotal += m.evidence.length;
  }

  private close(key: string, g: AnchoredGroup, fired: Fired[]): void {
    this.groups.delete(key);
    const n = this.counts === 'events' ? g.events : g.values.size;
    if (!satisfies(this.condition, n)) return;
    fired.push({
      group: g.group,
      groupJson: key,
      count: n,
      startUs: g.startUs,
      endUs: g.endUs,
      evidence: g.evidence,
      evidenceTotal: g.evidenceTotal,
      firstId: g.firstId,
      trigger: undefined,
    });
  }

  closeDue(clockUs: number, fired: Fired[]): void {
    if (clockUs < this.due) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, g] of [...this.groups.entries()]) {
      if (g.endUs <= clockUs) this.close(key, g, fired);
      else if (g.endUs < next) next = g.endUs;
    }
    this.due = next;
  }

  nextDueUs(): number {
    return this.due;
  }

  /** Anchored windows leave only by closing. */
  prune(): void {}

  exportState(): unknown {
    return [...this.groups.entries()].map(([key, g]) => [
      key,
      g.group,
      g.startUs,
      g.firstId,
      g.events,
      [...g.values],
      g.evidence,
      g.evidenceTotal,
    ]);
  }

  importState(state: unknown): void {
    for (const row of expectArray(state, 'anchored groups')) {
      const [key, group, start, firstId, events, values, evidence, total] = expectArray(row, 'anchored group');
      const startUs = expectNumber(start, 'start');
      const g: AnchoredGroup = {
        group: expectGroup(group, 'group'),
        startUs,
        endUs: startUs + this.spanUs,
        firstId: expectString(firstId, 'id'),
        events: expectNumber(events, 'events'),
        values: new Set(expectArray(values, 'values').map((v) => expectString(v, 'value'))),
        evidence: expectArray(evidence, 'evidence').map((v) => expectString(v, 'id')),
        evidenceTotal: expectNumber(total, 'total'),
      };
      this.groups.restore(expectString(key, 'group key'), g);
      if (g.endUs < this.due) this.due = g.endUs;
    }
  }
}
