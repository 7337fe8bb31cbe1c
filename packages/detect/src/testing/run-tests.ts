/**
 * Running rule tests on the production code path: each case gets a fresh
 * engine from `createDetectionEngine` over the whole rule set (filters and
 * correlations of other files apply as they do in the collector), its events
 * are validated as device-stream records and pushed in order with increasing
 * leaf indexes, and its sweep steps call `sweep`. Only the alerts of the
 * rules under test (and of rules an expectation names) are compared.
 */
import { formatIssues, isSeclogError, SeclogError, validateEvent } from '@seclog/core';
import { createDetectionEngine } from '../engine/engine.js';
import type { EngineOptions, EngineOutput } from '../engine/types.js';
import { type RuleSet, ruleKey } from '../rule/rule-set.js';
import type { ParsedRuleFile } from '../rule/types.js';
import { compareAlerts, type ResolvedExpectation } from './expectations.js';
import { companionRuleFile, type LoadedRules, loadRuleFiles, type RuleFileText } from './rule-files.js';
import { TestEventFactory } from './test-event.js';
import { parseRuleTestFile } from './test-file.js';
import type { RaisedAlert, RuleTestCase, RuleTestCaseResult, RuleTestFile, RuleTestFileResult, RuleTestReport } from './test-types.js';

/** Rule references (id, name, title) → rule keys, for expectations and `rules:` lists. */
export class RuleIndex {
  private readonly byRef = new Map<string, string>();
  private readonly byTitle = new Map<string, string[]>();
  private readonly names = new Map<string, string>();

  constructor(readonly ruleSet: RuleSet) {
    for (const r of [...ruleSet.detections, ...ruleSet.correlations.map((c) => c.rule)]) {
      const key = ruleKey(r);
      this.byRef.set(key, key);
      if (r.id !== undefined) this.byRef.set(r.id, key);
      if (r.name !== undefined) {
        this.byRef.set(r.name, key);
        this.names.set(key, r.name);
      }
      this.byTitle.set(r.title, [...(this.byTitle.get(r.title) ?? []), key]);
    }
  }

  /** A rule's name where it has one (ids are UUIDs, names say what the rule is), else its key. */
  readonly label = (key: string): string => this.names.get(key) ?? key;

  /** The key for a reference, or why there is none. */
  resolve(ref: string): { key: string } | { problem: string } {
    const key = this.byRef.get(ref);
    if (key !== undefined) return { key };
    const titled = this.byTitle.get(ref) ?? [];
    if (titled.length === 1) return { key: titled[0]! };
    if (titled.length > 1)
      return { problem: `${JSON.stringify(ref)} is the title of several rules (${titled.join(', ')}); name one by id` };
    return { problem: `${JSON.stringify(ref)} is no rule of the rule set (give an id, name or title)` };
  }
}

export interface RunRuleTestsInput {
  /** The rule files of the rule set (a rule file next to a test is what it tests). */
  readonly rules: readonly RuleFileText[];
  readonly tests: readonly RuleFileText[];
  /** The same rules already loaded (saves parsing them again). */
  readonly loaded?: LoadedRules;
}

/** Run every test file; a rule set that does not load throws (lint it first), a bad test file is reported. */
export function runRuleTests(input: RunRuleTestsInput): RuleTestReport {
  const loaded = input.loaded ?? loadRuleFiles(input.rules);
  const index = new RuleIndex(loaded.ruleSet);
  const bySource = new Map<string, ParsedRuleFile>(loaded.files.map((f) => [f.source, f]));
  const files: RuleTestFileResult[] = [];
  for (const t of input.tests) {
    let parsed: RuleTestFile;
    try {
      parsed = parseRuleTestFile(t.text, { source: t.source });
    } catch (err) {
      files.push({ source: t.source, error: (err as Error).message, cases: [] });
      continue;
    }
    const subject = subjectOf(parsed, bySource, index);
    if ('problem' in subject) {
      files.push({ source: t.source, error: `${t.source}: ${subject.problem}`, cases: [] });
      continue;
    }
    files.push(runRuleTestFile(parsed, loaded.ruleSet, subject.keys, index));
  }
  return summarise(files);
}

function subjectOf(
  file: RuleTestFile,
  bySource: ReadonlyMap<string, ParsedRuleFile>,
  index: RuleIndex,
): { keys: string[] } | { problem: string } {
  if (file.rules !== undefined) {
    const keys: string[] = [];
    for (const ref of file.rules) {
      const r = index.resolve(ref);
      if ('problem' in r) return { problem: `rules: ${r.problem}` };
      keys.push(r.key);
    }
    return { keys };
  }
  const companion = companionRuleFile(file.source);
  const rules = bySource.get(companion);
  if (rules === undefined)
    return { problem: `there is no rule file ${companion} beside it; name the rules under test with rules: [id, …]` };
  return { keys: rules.documents.flatMap((d) => (d.kind === 'filter' ? [] : [ruleKey(d)])) };
}

export function summarise(files: readonly RuleTestFileResult[]): RuleTestReport {
  let passed = 0;
  let failed = 0;
  let errors = 0;
  for (const f of files) {
    if (f.error !== undefined) errors++;
    for (const c of f.cases) {
      if (c.status === 'pass') passed++;
      else if (c.status === 'fail') failed++;
      else errors++;
    }
  }
  return { files, passed, failed, errors, ok: failed === 0 && errors === 0 };
}

/** Run one parsed test file; `subject` are the keys of the rules under test. */
export function runRuleTestFile(
  file: RuleTestFile,
  ruleSet: RuleSet,
  subject: readonly string[],
  index: RuleIndex = new RuleIndex(ruleSet),
): RuleTestFileResult {
  return { source: file.source, error: undefined, cases: file.cases.map((c) => runRuleTestCase(c, file.source, ruleSet, subject, index)) };
}

export function runRuleTestCase(
  tc: RuleTestCase,
  source: string,
  ruleSet: RuleSet,
  subject: readonly string[],
  index: RuleIndex = new RuleIndex(ruleSet),
): RuleTestCaseResult {
  const base = { name: tc.name, source, line: tc.line };
  let expect: ResolvedExpectation[];
  try {
    expect = tc.expect.map((e) => {
      const r = index.resolve(e.rule);
      if ('problem' in r)
        throw new SeclogError('RULE_TEST_INVALID', `${source}:${e.line}: case ${JSON.stringify(tc.name)}: ${r.problem}`, {});
      return { ...e, ruleKey: r.key };
    });
  } catch (err) {
    return errorResult(base, err);
  }
  const firing = [...new Set(expect.filter((e) => e.times > 0).map((e) => e.ruleKey))];
  const silent = [...new Set([...subject, ...expect.filter((e) => e.times === 0).map((e) => e.ruleKey)])].filter(
    (k) => ruleSet.alerting.has(k) && !firing.includes(k),
  );
  const compared = new Set([...subject, ...expect.map((e) => e.ruleKey)]);
  let outputs: EngineOutput[];
  try {
    outputs = feedCase(tc, source, ruleSet);
  } catch (err) {
    return errorResult(base, err);
  }
  const alerts = raisedAlerts(outputs, tc.startUs, compared);
  const diff = compareAlerts(expect, alerts, index.label);
  return {
    ...base,
    status: diff.length === 0 ? 'pass' : 'fail',
    diff,
    alerts,
    error: undefined,
    expectsFiring: firing,
    expectsSilent: silent,
  };
}

function errorResult(base: { name: string; source: string; line: number }, err: unknown): RuleTestCaseResult {
  if (!isSeclogError(err)) throw err;
  return { ...base, status: 'error', diff: [], alerts: [], error: err.message, expectsFiring: [], expectsSilent: [] };
}

/** Exactly what the collector does with a stream: push with increasing leaf indexes, sweep with its clock. */
function feedCase(tc: RuleTestCase, source: string, ruleSet: RuleSet): EngineOutput[] {
  const options: EngineOptions = tc.allowedLatenessUs !== undefined ? { allowedLatenessUs: tc.allowedLatenessUs } : {};
  const engine = createDetectionEngine(ruleSet, options);
  const factory = new TestEventFactory(tc.startUs);
  const outputs: EngineOutput[] = [];
  let leaf = 0;
  for (const step of tc.steps) {
    if (step.kind === 'sweep') {
      outputs.push(...engine.sweep(tc.startUs + step.atUs));
      continue;
    }
    for (let k = 0; k < step.repeat; k++) {
      const shift = k * step.everyUs;
      const timeUs = tc.startUs + step.atUs + shift;
      const event = factory.build(step.patch, timeUs, k + 1, step.idLabel);
      const issues = validateEvent(event, { chained: true });
      if (issues.length > 0) {
        const which = step.repeat > 1 ? ` (event ${k + 1} of ${step.repeat})` : '';
        throw new SeclogError(
          'RULE_TEST_INVALID',
          `${source}:${step.line}: case ${JSON.stringify(tc.name)}: the event${which} is not a valid record: ${formatIssues(issues)}`,
          { source, line: step.line, case: tc.name, errors: issues },
        );
      }
      const receivedUs = step.receivedUs === undefined ? timeUs : tc.startUs + step.receivedUs + shift;
      outputs.push(...engine.push(event, leaf++, receivedUs));
    }
  }
  return outputs;
}

function raisedAlerts(outputs: readonly EngineOutput[], startUs: number, compared: ReadonlySet<string>): RaisedAlert[] {
  const suppressed = new Map<string, number>();
  for (const o of outputs) if (o.kind === 'suppressed') suppressed.set(o.alertKey, Math.max(suppressed.get(o.alertKey) ?? 0, o.suppressed));
  const out: RaisedAlert[] = [];
  for (const o of outputs) {
    if (o.kind !== 'alert' || !compared.has(o.alert.ruleId)) continue;
    const a = o.alert;
    out.push({
      ruleId: a.ruleId,
      ruleTitle: a.ruleTitle,
      severity: a.severity,
      count: a.count,
      group: a.group,
      groupKey: a.groupKey,
      windowStartUs: a.windowStartUs - startUs,
      windowEndUs: a.windowEndUs - startUs,
      suppressed: suppressed.get(a.key) ?? 0,
      key: a.key,
    });
  }
  return out;
}
