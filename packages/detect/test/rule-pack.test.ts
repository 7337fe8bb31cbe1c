/**
 * The built-in rule pack (rules/): it lints clean, every rule has tests that
 * fire and tests that stay silent, and every test passes through the runner.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import {
  BUILTIN_RULES_DIR,
  companionRuleFile,
  lintRules,
  loadRuleFiles,
  parseRuleFile,
  parseRuleTestFile,
  type RuleTestReport,
  readRulesDir,
  ruleKey,
  runRuleTestFile,
  runRuleTests,
} from '../src/index.js';

const pack = readRulesDir(BUILTIN_RULES_DIR, fs);
const loaded = loadRuleFiles(pack.rules, { strictFields: true });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function failures(report: RuleTestReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    if (f.error !== undefined) lines.push(f.error);
    for (const c of f.cases)
      if (c.status !== 'pass') lines.push(`${c.source}:${c.line} ${c.name}`, ...(c.error ? [c.error] : []), ...c.diff);
  }
  return lines.join('\n');
}

test('the folder holds rule files and their tests, nothing else', () => {
  assert.ok(pack.rules.length >= 20, `${pack.rules.length} rule files`);
  assert.deepEqual(pack.ignored, []);
  const rules = new Set(pack.rules.map((r) => r.source));
  const tested = new Set(pack.tests.map((t) => companionRuleFile(t.source)));
  for (const r of rules) assert.ok(tested.has(r), `${r} has no test file beside it`);
  for (const t of tested) assert.ok(rules.has(t), `a test file has no rule file ${t}`);
});

test('the pack lints clean, with strict field checking: no errors, no warnings', () => {
  const report = lintRules(pack.rules, pack.tests, { strictFields: true });
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.warnings, []);
});

test('each file holds one alerting rule, with a stable UUID, a name, a level, a description and ATT&CK tags', () => {
  const seen = new Set<string>();
  for (const f of pack.rules) {
    const docs = parseRuleFile(f.text, { source: f.source }).documents;
    const alerting = docs.filter((d) => d.kind !== 'filter' && loaded.ruleSet.alerting.has(ruleKey(d)));
    assert.equal(alerting.length, 1, `${f.source}: ${alerting.length} alerting rules`);
    for (const d of docs) {
      assert.ok(d.kind !== 'filter', `${f.source}: filters do not belong in the pack`);
      assert.match(d.id ?? '', UUID, `${f.source}: "${d.title}" needs a UUID id`);
      assert.match(d.name ?? '', /^seclog_[a-z0-9_]+$/, `${f.source}: "${d.title}" needs a seclog_ name`);
      assert.ok(!seen.has(d.id!), `${d.id} is used twice`);
      seen.add(d.id!);
      assert.ok(d.description !== undefined && d.description.length > 20, `${f.source}: "${d.title}" needs a description`);
      assert.equal(d.status, 'stable');
    }
    const a = alerting[0]!;
    assert.ok(a.kind !== 'filter');
    assert.ok(a.level !== undefined && a.level !== 'informational', `${f.source}: the alerting rule needs a level`);
    assert.ok(
      a.tags.some((t) => /^attack\.[a-z-]+$/.test(t)),
      `${f.source}: tags need an ATT&CK tactic`,
    );
    for (const t of a.tags) assert.match(t, /^attack\.([a-z-]+|t\d{4}(\.\d{3})?)$/, `${f.source}: tag ${t}`);
  }
});

test('every test of the pack passes through the runner', () => {
  const report = runRuleTests({ rules: pack.rules, tests: pack.tests, loaded });
  assert.ok(report.ok, failures(report));
  assert.equal(report.errors, 0);
  assert.ok(report.passed >= 60, `${report.passed} cases`);
});

test('every alerting rule of the pack has a case that fires it and a case where it stays silent', () => {
  const report = runRuleTests({ rules: pack.rules, tests: pack.tests, loaded });
  const fires = new Set<string>();
  const silent = new Set<string>();
  for (const f of report.files)
    for (const c of f.cases) {
      for (const k of c.expectsFiring) fires.add(k);
      for (const k of c.expectsSilent) silent.add(k);
    }
  for (const key of loaded.ruleSet.alerting) {
    assert.ok(fires.has(key), `no case fires ${key}`);
    assert.ok(silent.has(key), `no case keeps ${key} silent`);
  }
});

// Issue F, item 3: the brute-force rule must fire on 11 in 60 s, not on 10, and not on 11 that no 60 s window holds.
test('brute force: 11 failures in 60 s fire, 10 do not, 11 spread over 60 s do not', () => {
  const file = parseRuleTestFile(
    `cases:
  - name: eleven within 60 s
    events: [ { repeat: 11, every: 5999ms, name: authn_login_fail, actor.ip: 203.0.113.9 } ]
    expect: [ { rule: seclog_brute_force, count: 11 } ]
  - name: ten
    events: [ { repeat: 10, every: 1s, name: authn_login_fail, actor.ip: 203.0.113.9 } ]
    expect: []
  - name: eleven with the first and last 60 s apart
    events: [ { repeat: 11, every: 6s, name: authn_login_fail, actor.ip: 203.0.113.9 } ]
    expect: []
  - name: eleven straddling a minute boundary
    events: [ { at: 55s, repeat: 11, every: 1s, name: authn_login_fail, actor.ip: 203.0.113.9 } ]
    expect: [ seclog_brute_force ]
`,
    { source: 'issue-7.test.yml' },
  );
  const result = runRuleTestFile(file, loaded.ruleSet, ['00f6c8e7-e5e5-48ce-9bee-b4f5633ee2ee']);
  for (const c of result.cases) assert.equal(c.status, 'pass', `${c.name}\n${c.diff.join('\n')}${c.error ?? ''}`);
});

test('docs/rules.md lists every alerting rule of the pack with its name and id', () => {
  const doc = fs.readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8');
  const all = [...loaded.ruleSet.detections, ...loaded.ruleSet.correlations.map((c) => c.rule)];
  for (const r of all.filter((d) => loaded.ruleSet.alerting.has(ruleKey(d))))
    assert.ok(doc.includes(`\`${r.name}\` \`${r.id}\``), `docs/rules.md does not list ${r.name} (${r.id})`);
});
