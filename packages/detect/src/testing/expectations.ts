/**
 * Comparing the alerts a case raised with the ones it expects. The rules
 * under test must raise exactly the expected alerts: each expectation claims
 * `times` matching alerts (the most specific expectations choose first), and
 * whatever no expectation claims is unexpected.
 */
import type { GroupValue } from '../engine/types.js';
import { resolveFieldPath } from '../field-aliases.js';
import { formatTestOffset } from './test-time.js';
import type { AlertExpectation, RaisedAlert } from './test-types.js';

export interface ResolvedExpectation extends AlertExpectation {
  /** The rule key (id, else name) the expectation's `rule` refers to. */
  readonly ruleKey: string;
}

function sameValue(a: GroupValue | undefined, b: GroupValue): boolean {
  if (a === undefined) return false;
  if (a === null || b === null) return a === b;
  return String(a) === String(b);
}

function groupMatches(actual: Readonly<Record<string, GroupValue>>, want: Readonly<Record<string, GroupValue>>): boolean {
  for (const [field, value] of Object.entries(want)) {
    const path = resolveFieldPath(field);
    const key = Object.keys(actual).find((k) => k === field || resolveFieldPath(k) === path);
    if (key === undefined || !sameValue(actual[key], value)) return false;
  }
  return true;
}

function matches(e: ResolvedExpectation, a: RaisedAlert): boolean {
  return (
    a.ruleId === e.ruleKey &&
    (e.count === undefined || a.count === e.count) &&
    (e.suppressed === undefined || a.suppressed === e.suppressed) &&
    (e.severity === undefined || a.severity === e.severity) &&
    (e.group === undefined || groupMatches(a.group, e.group))
  );
}

function specificity(e: ResolvedExpectation): number {
  return (
    (e.count !== undefined ? 1 : 0) +
    (e.suppressed !== undefined ? 1 : 0) +
    (e.severity !== undefined ? 1 : 0) +
    Object.keys(e.group ?? {}).length
  );
}

function groupText(g: Readonly<Record<string, GroupValue>>): string {
  return `{${Object.entries(g)
    .map(([k, v]) => `${k}=${v === null ? '∅' : String(v)}`)
    .join(', ')}}`;
}

/** How a rule is shown in diffs: its name when it has one (ids are UUIDs), else its key. */
export type RuleLabel = (ruleKey: string) => string;

export function describeExpectation(e: ResolvedExpectation, label: RuleLabel = (k) => k): string {
  const parts = [label(e.ruleKey)];
  if (e.count !== undefined) parts.push(`count=${e.count}`);
  if (e.group !== undefined) parts.push(`group=${groupText(e.group)}`);
  if (e.suppressed !== undefined) parts.push(`suppressed=${e.suppressed}`);
  if (e.severity !== undefined) parts.push(`severity=${e.severity}`);
  return parts.join(' ');
}

export function describeAlert(a: RaisedAlert, label: RuleLabel = (k) => k): string {
  const group = Object.keys(a.group).length > 0 ? ` group=${groupText(a.group)}` : '';
  const window =
    a.windowStartUs === a.windowEndUs
      ? `at ${formatTestOffset(a.windowStartUs)}`
      : `window ${formatTestOffset(a.windowStartUs)}..${formatTestOffset(a.windowEndUs)}`;
  return `${label(a.ruleId)} count=${a.count}${group} suppressed=${a.suppressed} severity=${a.severity} ${window}`;
}

/** The differences, one line each: `- expected …` for what is missing, `+ raised …` for what nobody expected. */
export function compareAlerts(
  expect: readonly ResolvedExpectation[],
  raised: readonly RaisedAlert[],
  label: RuleLabel = (k) => k,
): string[] {
  const diff: string[] = [];
  const claimed = new Set<number>();
  const order = expect.map((e, i) => ({ e, i })).sort((x, y) => specificity(y.e) - specificity(x.e) || x.i - y.i);
  for (const { e } of order) {
    let found = 0;
    for (let i = 0; i < raised.length && found < e.times; i++) {
      if (claimed.has(i) || !matches(e, raised[i]!)) continue;
      claimed.add(i);
      found++;
    }
    if (found < e.times) {
      const missing = e.times - found;
      diff.push(
        `- expected ${describeExpectation(e, label)}${e.times > 1 ? ` ×${e.times}` : ''} (line ${e.line}): ${found === 0 ? 'not raised' : `raised ${found}, ${missing} missing`}`,
      );
    }
  }
  for (let i = 0; i < raised.length; i++) if (!claimed.has(i)) diff.push(`+ raised   ${describeAlert(raised[i]!, label)}`);
  return diff;
}
