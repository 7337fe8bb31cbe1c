/**
 * temporal and temporal_ordered correlations on sliding windows.
 *
 * temporal: per group, the latest match of each referenced rule. The window
 * (newest − timespan, newest] fires when the rules present in it satisfy
 * the condition: by default all of them, or a count condition on how many,
 * or a boolean expression over rule names.
 *
 * temporal_ordered: rules must match in the listed order, on event time,
 * all within one timespan. Per group and step k, the best partial sequence
 * through step k is kept: the one that started latest (it leaves the most
 * room for the rest). A step extends the partial sequence of the step before
 * only when that one ended strictly earlier (equal times are ordered by leaf
 * index, so one event never fills two steps).
 */
import type { ConditionNode, CountCondition } from '../../rule/types.js';
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

interface TemporalGroup {
  readonly group: readonly GroupValue[];
  /** Latest match time per source (NaN: none). */
  readonly last: number[];
  readonly evidence: (readonly string[])[];
  readonly firstIds: string[];
  newest: number;
}

export class TemporalWindow implements CorrelationWindow {
  private readonly groups: GroupMap<TemporalGroup>;

  constructor(
    private readonly sources: readonly string[],
    private readonly spanUs: number,
    private readonly condition: CountCondition | undefined,
    /** A boolean expression over source positions, when the rule gives one. */
    private readonly expression: ((present: (source: number) => boolean) => boolean) | undefined,
    private readonly limits: WindowLimits,
  ) {
    this.groups = new GroupMap(limits.maxGroups, () => limits.onCapacity('groups'));
  }

  accept(source: number, m: Match, group: readonly GroupValue[], groupJson: string, _value: string | undefined, fired: Fired[]): void {
    const n = this.sources.length;
    const g = this.groups.use(groupJson, () => ({
      group,
      last: new Array<number>(n).fill(Number.NaN),
      evidence: new Array<readonly string[]>(n).fill([]),
      firstIds: new Array<string>(n).fill(''),
      newest: Number.NEGATIVE_INFINITY,
    }));
    const t = m.timeUs;
    if (!(g.last[source]! >= t)) {
      g.last[source] = t;
      g.evidence[source] = m.evidence;
      g.firstIds[source] = m.id;
    }
    if (t > g.newest) g.newest = t;
    const from = g.newest - this.spanUs;
    if (t <= from) return;
    const present = (i: number): boolean => g.last[i]! > from;
    let count = 0;
    for (let i = 0; i < n; i++) if (present(i)) count++;
    const ok = this.expression !== undefined ? this.expression(present) : satisfies(this.condition ?? { gte: n }, count);
    if (!ok || count === 0) return;
    const order = [...Array(n).keys()].filter(present).sort((a, b) => g.last[a]! - g.last[b]!);
    const evidence: string[] = [];
    let total = 0;
    for (const i of order) {
      pushEvidence(evidence, g.evidence[i]!, this.limits.maxEvidence);
      total += g.evidence[i]!.length;
    }
    fired.push({
      group: g.group,
      groupJson,
      count,
      startUs: g.last[order[0]!]!,
      endUs: g.newest,
      evidence,
      evidenceTotal: total,
      firstId: g.firstIds[order[0]!]!,
      trigger: m,
    });
    this.groups.delete(groupJson);
  }

  prune(cutoffUs: number): void {
    for (const [key, g] of this.groups.entries()) {
      let live = 0;
      for (let i = 0; i < g.last.length; i++) {
        if (g.last[i]! <= cutoffUs) g.last[i] = Number.NaN;
        else if (!Number.isNaN(g.last[i]!)) live++;
      }
      if (live === 0) this.groups.delete(key);
    }
  }

  closeDue(): void {}

  nextDueUs(): number {
    return Number.POSITIVE_INFINITY;
  }

  exportState(): unknown {
    return [...this.groups.entries()].map(([key, g]) => [
      key,
      g.group,
      g.newest,
      g.last.map((t, i) => (Number.isNaN(t) ? null : [t, g.firstIds[i], g.evidence[i]])),
    ]);
  }

  importState(state: unknown): void {
    for (const row of expectArray(state, 'temporal groups')) {
      const [key, group, newest, slots] = expectArray(row, 'temporal group');
      const s = expectArray(slots, 'sources');
      if (s.length !== this.sources.length) continue; // the rule's sources changed; its version would have too
      const g: TemporalGroup = {
        group: expectGroup(group, 'group'),
        last: [],
        evidence: [],
        firstIds: [],
        newest: expectNumber(newest, 'newest'),
      };
      for (const slot of s) {
        if (slot === null) {
          g.last.push(Number.NaN);
          g.evidence.push([]);
          g.firstIds.push('');
          continue;
        }
        const [t, first, ev] = expectArray(slot, 'source');
        g.last.push(expectNumber(t, 'time'));
        g.firstIds.push(expectString(first, 'id'));
        g.evidence.push(expectArray(ev, 'evidence').map((x) => expectString(x, 'id')));
      }
      this.groups.restore(expectString(key, 'group key'), g);
    }
  }
}

interface Partial {
  start: number;
  end: number;
  endLeaf: number;
  firstId: string;
  evidence: string[];
  evidenceTotal: number;
}

interface OrderedGroup {
  readonly group: readonly GroupValue[];
  /** Best partial sequence through step k (undefined: none). */
  readonly steps: (Partial | undefined)[];
}

export class TemporalOrderedWindow implements CorrelationWindow {
  private readonly groups: GroupMap<OrderedGroup>;

  constructor(
    private readonly steps: number,
    private readonly spanUs: number,
    private readonly limits: WindowLimits,
  ) {
    this.groups = new GroupMap(limits.maxGroups, () => limits.onCapacity('groups'));
  }

  accept(source: number, m: Match, group: readonly GroupValue[], groupJson: string, _value: string | undefined, fired: Fired[]): void {
    const t = m.timeUs;
    let candidate: Partial;
    if (source === 0) {
      const evidence: string[] = [];
      pushEvidence(evidence, m.evidence, this.limits.maxEvidence);
      candidate = { start: t, end: t, endLeaf: m.leafIndex, firstId: m.id, evidence, evidenceTotal: m.evidence.length };
    } else {
      const g = this.groups.get(groupJson);
      const prev = g?.steps[source - 1];
      if (prev === undefined) return;
      const ordered = prev.end < t || (prev.end === t && prev.endLeaf < m.leafIndex);
      if (!ordered || t - prev.start >= this.spanUs) return;
      const evidence = prev.evidence.slice();
      pushEvidence(evidence, m.evidence, this.limits.maxEvidence);
      candidate = {
        start: prev.start,
        end: t,
        endLeaf: m.leafIndex,
        firstId: prev.firstId,
        evidence,
        evidenceTotal: prev.evidenceTotal + m.evidence.length,
      };
    }
    if (source === this.steps - 1) {
      fired.push({
        group,
        groupJson,
        count: this.steps,
        startUs: candidate.start,
        endUs: candidate.end,
        evidence: candidate.evidence,
        evidenceTotal: candidate.evidenceTotal,
        firstId: candidate.firstId,
        trigger: m,
      });
      this.groups.delete(groupJson);
      return;
    }
    const g = this.groups.use(groupJson, () => ({ group, steps: new Array<Partial | undefined>(this.steps).fill(undefined) }));
    const cur = g.steps[source];
    if (cur === undefined || candidate.start > cur.start) g.steps[source] = candidate;
  }

  prune(cutoffUs: number): void {
    for (const [key, g] of this.groups.entries()) {
      let live = 0;
      for (let i = 0; i < g.steps.length; i++) {
        const p = g.steps[i];
        if (p === undefined) continue;
        // A partial sequence that started a timespan before any non-late event can never complete.
        if (p.start <= cutoffUs) g.steps[i] = undefined;
        else live++;
      }
      if (live === 0) this.groups.delete(key);
    }
  }

  closeDue(): void {}

  nextDueUs(): number {
    return Number.POSITIVE_INFINITY;
  }

  exportState(): unknown {
    return [...this.groups.entries()].map(([key, g]) => [
      key,
      g.group,
      g.steps.map((p) => (p === undefined ? null : [p.start, p.end, p.endLeaf, p.firstId, p.evidence, p.evidenceTotal])),
    ]);
  }

  importState(state: unknown): void {
    for (const row of expectArray(state, 'temporal_ordered groups')) {
      const [key, group, steps] = expectArray(row, 'temporal_ordered group');
      const s = expectArray(steps, 'steps');
      if (s.length !== this.steps) continue;
      const parts = s.map((p): Partial | undefined => {
        if (p === null) return undefined;
        const [start, end, endLeaf, firstId, evidence, total] = expectArray(p, 'step');
        return {
          start: expectNumber(start, 'start'),
          end: expectNumber(end, 'end'),
          endLeaf: expectNumber(endLeaf, 'leaf'),
          firstId: expectString(firstId, 'id'),
          evidence: expectArray(evidence, 'evidence').map((x) => expectString(x, 'id')),
          evidenceTotal: expectNumber(total, 'total'),
        };
      });
      this.groups.restore(expectString(key, 'group key'), { group: expectGroup(group, 'group'), steps: parts });
    }
  }
}

/** Compile a temporal rule's boolean expression over source names into one over source positions. */
export function sourceExpression(node: ConditionNode, sources: readonly string[]): (present: (i: number) => boolean) => boolean {
  const index = (name: string): number => sources.indexOf(name);
  const build = (n: ConditionNode): ((present: (i: number) => boolean) => boolean) => {
    switch (n.op) {
      case 'id': {
        const i = index(n.name);
        return (p) => p(i);
      }
      case 'not': {
        const a = build(n.arg);
        return (p) => !a(p);
      }
      case 'and': {
        const parts = n.args.map(build);
        return (p) => parts.every((f) => f(p));
      }
      case 'or': {
        const parts = n.args.map(build);
        return (p) => parts.some((f) => f(p));
      }
      case 'of': {
        const idx = n.names.map(index);
        return n.quantifier === 'one' ? (p) => idx.some(p) : (p) => idx.every(p);
      }
    }
  };
  return build(node);
}
