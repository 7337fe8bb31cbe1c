import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { type DetectionRule, type FieldTest, loadRuleSet, parseRuleFile } from '../src/index.js';

/** A one-selection rule whose selection body is `body` (indented under `selection:`). */
function rule(body: string, extra = ''): string {
  return `title: t\nid: r1\nlogsource: {product: seclog}\ndetection:\n  selection:\n${body}\n  condition: selection\n${extra}`;
}

function onlyTest(yaml: string): FieldTest {
  const doc = parseRuleFile(yaml).documents[0] as DetectionRule;
  const sel = doc.detection.identifiers.get('selection')!;
  return sel.alternatives[0]![0]!.test;
}

const modifierCases: { name: string; body: string; want: FieldTest }[] = [
  {
    name: 'plain value',
    body: '    name: authn_login_fail',
    want: { kind: 'string', match: 'exact', values: ['authn_login_fail'], cased: false, all: false, negate: false },
  },
  {
    name: 'contains',
    body: '    message|contains: root',
    want: { kind: 'string', match: 'contains', values: ['root'], cased: false, all: false, negate: false },
  },
  {
    name: 'startswith with cased',
    body: '    target.resource|startswith|cased: /etc',
    want: { kind: 'string', match: 'startswith', values: ['/etc'], cased: true, all: false, negate: false },
  },
  {
    name: 'endswith list',
    body: '    target.resource|endswith:\n      - .key\n      - .pem',
    want: { kind: 'string', match: 'endswith', values: ['.key', '.pem'], cased: false, all: false, negate: false },
  },
  {
    name: 'contains|all',
    body: '    message|contains|all:\n      - a\n      - b',
    want: { kind: 'string', match: 'contains', values: ['a', 'b'], cased: false, all: true, negate: false },
  },
  {
    name: 'neq',
    body: '    outcome|neq: success',
    want: { kind: 'string', match: 'exact', values: ['success'], cased: false, all: false, negate: true },
  },
  {
    name: 'null and empty string',
    body: "    target.user:\n      - null\n      - ''",
    want: { kind: 'string', match: 'exact', values: [null, ''], cased: false, all: false, negate: false },
  },
  {
    name: 're with sub-modifiers',
    body: "    message|re|i|s: '^a.b$'",
    want: { kind: 're', patterns: [{ source: '^a.b$', flags: 'is' }], all: false, negate: false },
  },
  {
    name: 're with a leading (?i) group',
    body: "    message|re: '(?i)^admin'",
    want: { kind: 're', patterns: [{ source: '^admin', flags: 'i' }], all: false, negate: false },
  },
  {
    name: 'cidr v4 and v6',
    body: '    actor.ip|cidr:\n      - 10.0.0.0/8\n      - 2001:db8::/32',
    want: { kind: 'cidr', cidrs: ['10.0.0.0/8', '2001:db8::/32'], all: false, negate: false },
  },
  { name: 'exists', body: '    target.user|exists: true', want: { kind: 'exists', exists: true } },
  { name: 'gt', body: '    attrs.count|gt: 5', want: { kind: 'compare', op: 'gt', values: [5], all: false } },
  { name: 'gte', body: '    attrs.count|gte: 5', want: { kind: 'compare', op: 'gte', values: [5], all: false } },
  { name: 'lt', body: '    attrs.count|lt: 1.5', want: { kind: 'compare', op: 'lt', values: [1.5], all: false } },
  { name: 'lte with numeric text', body: "    attrs.count|lte: '7'", want: { kind: 'compare', op: 'lte', values: [7], all: false } },
];
for (const c of modifierCases) {
  test(`modifier: ${c.name}`, () => {
    assert.deepEqual(onlyTest(rule(c.body)), c.want);
  });
}

test('keywords: a list of plain values, and a |all map key', () => {
  const yaml = `title: t\nid: k\ndetection:\n  keywords:\n    - 'event::clear'\n    - 'event::drop'\n  both:\n    '|all':\n      - one\n      - two\n  condition: keywords or both\n`;
  const doc = parseRuleFile(yaml).documents[0] as DetectionRule;
  const kw = doc.detection.identifiers.get('keywords')!.alternatives[0]![0]!;
  assert.equal(kw.field, undefined);
  assert.deepEqual(kw.test, {
    kind: 'string',
    match: 'contains',
    values: ['event::clear', 'event::drop'],
    cased: false,
    all: false,
    negate: false,
  });
  const both = doc.detection.identifiers.get('both')!.alternatives[0]![0]!;
  assert.deepEqual(both.test, { kind: 'string', match: 'contains', values: ['one', 'two'], cased: false, all: true, negate: false });
});

test('a list of maps is an OR of ANDs; field aliases resolve to seclog paths', () => {
  const yaml = rule('    - source.ip: 1.2.3.4\n      user.name: root\n    - event.outcome: failure');
  const alts = (parseRuleFile(yaml).documents[0] as DetectionRule).detection.identifiers.get('selection')!.alternatives;
  assert.deepEqual(
    alts.map((a) => a.map((i) => [i.field, i.path])),
    [
      [
        ['source.ip', 'actor.ip'],
        ['user.name', 'actor.user'],
      ],
      [['event.outcome', 'outcome']],
    ],
  );
});

/** Assert a SeclogError with code, line and (optionally) construct. */
function assertRuleError(fn: () => unknown, code: string, line: number, construct?: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isSeclogError(err), String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(err.details.line, line, err.message);
    if (construct !== undefined) assert.equal(err.details.construct, construct, err.message);
    if (message !== undefined) assert.match(err.message, message);
    assert.match(err.message, new RegExp(`:${line}:`), 'the message names the line');
    return true;
  });
}

const errorCases: { name: string; yaml: string; code: string; line: number; construct?: string; message?: RegExp }[] = [
  { name: 'unknown modifier', yaml: rule('    name|fuzzy: x'), code: 'RULE_UNSUPPORTED', line: 6, construct: '|fuzzy' },
  {
    name: '|base64offset',
    yaml: rule('    message|base64offset|contains: x'),
    code: 'RULE_UNSUPPORTED',
    line: 6,
    construct: '|base64offset',
  },
  { name: '|windash', yaml: rule('    message|windash|contains: -x'), code: 'RULE_UNSUPPORTED', line: 6, construct: '|windash' },
  { name: '|expand', yaml: rule('    actor.user|expand: "%Admins%"'), code: 'RULE_UNSUPPORTED', line: 6, construct: '|expand' },
  {
    name: 'Sigma 1 aggregation in the condition',
    yaml: 'title: t\nid: a\ndetection:\n  sel:\n    name: x\n  condition: sel | count() by actor.ip > 5\n',
    code: 'RULE_UNSUPPORTED',
    line: 6,
    construct: 'aggregation',
  },
  {
    name: 'near',
    yaml: 'title: t\nid: a\ndetection:\n  a:\n    name: x\n  b:\n    name: y\n  condition: a and near b\n',
    code: 'RULE_UNSUPPORTED',
    line: 8,
    construct: 'near',
  },
  {
    name: 'timeframe',
    yaml: 'title: t\nid: a\ndetection:\n  sel:\n    name: x\n  timeframe: 5m\n  condition: sel\n',
    code: 'RULE_UNSUPPORTED',
    line: 6,
    construct: 'timeframe',
  },
  {
    name: 'Sigma 1 action: global',
    yaml: 'action: global\ntitle: t\ndetection:\n  sel:\n    name: x\n  condition: sel\n',
    code: 'RULE_UNSUPPORTED',
    line: 1,
    construct: 'action',
  },
  {
    name: 'value_sum correlation',
    yaml: 'title: c\nid: c\ncorrelation:\n  type: value_sum\n  rules: [r]\n  timespan: 1m\n',
    code: 'RULE_UNSUPPORTED',
    line: 4,
    construct: 'value_sum',
  },
  { name: 'regex back-reference', yaml: rule("    message|re: '(a)\\1'"), code: 'RULE_UNSUPPORTED', line: 6, message: /back-reference/ },
  { name: 'regex look-ahead', yaml: rule("    message|re: 'a(?=b)'"), code: 'RULE_UNSUPPORTED', line: 6, message: /look-ahead/ },
  {
    name: 'regex nested repetition',
    yaml: rule("    message|re: '(a+)+$'"),
    code: 'RULE_UNSUPPORTED',
    line: 6,
    message: /nested repetition/,
  },
  {
    name: 'regex inline flag mid-pattern',
    yaml: rule("    message|re: 'a(?i)b'"),
    code: 'RULE_UNSUPPORTED',
    line: 6,
    message: /inline flags/,
  },
  { name: 'invalid regex', yaml: rule("    message|re: 'a['"), code: 'RULE_INVALID', line: 6, message: /not a valid regular expression/ },
  { name: 'bad cidr', yaml: rule('    actor.ip|cidr: 10.0.0.0/33'), code: 'RULE_INVALID', line: 6, message: /prefix length/ },
  { name: 'not a cidr', yaml: rule('    actor.ip|cidr: host.example'), code: 'RULE_INVALID', line: 6, message: /not an IPv4 or IPv6/ },
  { name: 'gt needs a number', yaml: rule('    attrs.n|gt: many'), code: 'RULE_INVALID', line: 6, message: /needs a number/ },
  { name: 'exists needs a boolean', yaml: rule('    attrs.n|exists: maybe'), code: 'RULE_INVALID', line: 6, message: /true or false/ },
  {
    name: 'two placement modifiers',
    yaml: rule('    message|contains|startswith: x'),
    code: 'RULE_INVALID',
    line: 6,
    message: /only one of/,
  },
  { name: 'i without re', yaml: rule('    message|i: x'), code: 'RULE_INVALID', line: 6, message: /sub-modifier of \|re/ },
  { name: 're with cased', yaml: rule('    message|re|cased: x'), code: 'RULE_INVALID', line: 6, message: /cased does not apply/ },
  {
    name: 'contains with cidr',
    yaml: rule('    actor.ip|contains|cidr: 10.0.0.0/8'),
    code: 'RULE_INVALID',
    line: 6,
    message: /cannot be combined/,
  },
  {
    name: 'null with contains',
    yaml: rule('    target.user|contains: null'),
    code: 'RULE_INVALID',
    line: 6,
    message: /null cannot be combined/,
  },
  {
    name: 'all with neq',
    yaml: rule('    name|all|neq:\n      - a\n      - b'),
    code: 'RULE_INVALID',
    line: 6,
    message: /\|all cannot be combined with \|neq/,
  },
  { name: 'empty value list', yaml: rule('    name: []'), code: 'RULE_INVALID', line: 6, message: /empty list/ },
  { name: 'a map as a value', yaml: rule('    name:\n      a: b'), code: 'RULE_INVALID', line: 7, message: /single value or a list/ },
  { name: 'YAML syntax', yaml: 'title: t\nid: a\ndetection:\n  sel: [a\n  condition: sel\n', code: 'RULE_YAML_INVALID', line: 5 },
  {
    name: 'duplicate key',
    yaml: 'title: t\nid: a\ndetection:\n  sel:\n    name: x\n    name: y\n  condition: sel\n',
    code: 'RULE_YAML_INVALID',
    line: 6,
  },
  {
    name: 'missing title',
    yaml: 'id: a\ndetection:\n  sel:\n    name: x\n  condition: sel\n',
    code: 'RULE_INVALID',
    line: 1,
    message: /title is missing/,
  },
  {
    name: 'missing condition',
    yaml: 'title: t\nid: a\ndetection:\n  sel:\n    name: x\n',
    code: 'RULE_INVALID',
    line: 4,
    message: /no condition/,
  },
  {
    name: 'unknown identifier in condition',
    yaml: 'title: t\nid: a\ndetection:\n  sel:\n    name: x\n  condition: sel or other\n',
    code: 'RULE_CONDITION_INVALID',
    line: 6,
  },
  {
    name: 'neither id nor name',
    yaml: 'title: t\ndetection:\n  sel:\n    name: x\n  condition: sel\n',
    code: 'RULE_INVALID',
    line: 1,
    message: /id or a name/,
  },
  { name: 'bad level', yaml: rule('    name: x', 'level: severe\n'), code: 'RULE_INVALID', line: 8, message: /level must be one of/ },
  {
    name: 'bad timespan',
    yaml: 'title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [r]\n  timespan: 1w\n  condition: {gt: 1}\n',
    code: 'RULE_INVALID',
    line: 6,
    message: /not a timespan/,
  },
  {
    name: 'event_count without condition',
    yaml: 'title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [r]\n  timespan: 1m\n',
    code: 'RULE_INVALID',
    line: 4,
    message: /needs a condition/,
  },
  {
    name: 'value_count without field',
    yaml: 'title: c\nid: c\ncorrelation:\n  type: value_count\n  rules: [r]\n  timespan: 1m\n  condition:\n    gte: 5\n',
    code: 'RULE_INVALID',
    line: 8,
    message: /condition.field/,
  },
  {
    name: 'misspelled correlation key',
    yaml: 'title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [r]\n  groupby: [actor.ip]\n  timespan: 1m\n  condition: {gt: 1}\n',
    code: 'RULE_INVALID',
    line: 6,
    message: /unknown correlation key "groupby"/,
  },
  {
    name: 'unsatisfiable range',
    yaml: 'title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [r]\n  timespan: 1m\n  condition: {gt: 10, lt: 5}\n',
    code: 'RULE_INVALID',
    line: 7,
    message: /exclude every count/,
  },
  {
    name: 'temporal_ordered with a partial condition',
    yaml: 'title: c\nid: c\ncorrelation:\n  type: temporal_ordered\n  rules: [a, b, c2]\n  timespan: 1m\n  condition: a and b\n',
    code: 'RULE_UNSUPPORTED',
    line: 7,
  },
  {
    name: 'x-suppress without for',
    yaml: rule('    name: x', 'x-suppress:\n  by: [actor.ip]\n'),
    code: 'RULE_INVALID',
    line: 9,
    message: /needs a duration/,
  },
  {
    name: 'x-suppress unknown key',
    yaml: rule('    name: x', 'x-suppress:\n  for: 5m\n  per: [actor.ip]\n'),
    code: 'RULE_INVALID',
    line: 10,
    message: /unknown key "per"/,
  },
  {
    name: 'x-absence unknown key',
    yaml: rule('    name: x', 'x-absence:\n  for: 10m\n  every: 1h\n'),
    code: 'RULE_INVALID',
    line: 10,
    message: /unknown key "every" in x-absence \(expected by, for, period\)/,
  },
  {
    name: 'x-absence.period times out of range',
    yaml: rule('    name: x', 'x-absence:\n  for: 10m\n  period: {from: attrs.a, to: attrs.b, times: 0}\n'),
    code: 'RULE_INVALID',
    line: 10,
    message: /times must be a whole number from 1 to 1000/,
  },
  {
    name: 'x-absence.period times not a number',
    yaml: rule('    name: x', 'x-absence:\n  for: 10m\n  period: {from: attrs.a, to: attrs.b, times: three}\n'),
    code: 'RULE_INVALID',
    line: 10,
    message: /times must be a whole number/,
  },
  {
    name: 'x-absence.period unknown key',
    yaml: rule('    name: x', 'x-absence:\n  for: 10m\n  period: {from: attrs.a, until: attrs.b, times: 3}\n'),
    code: 'RULE_INVALID',
    line: 10,
    message: /unknown key "until" in x-absence.period \(expected from, to, times\)/,
  },
  {
    name: 'x-absence.period incomplete',
    yaml: rule('    name: x', 'x-absence:\n  for: 10m\n  period: {from: attrs.a, times: 3}\n'),
    code: 'RULE_INVALID',
    line: 10,
    message: /x-absence.period needs from, to and times/,
  },
  {
    name: 'x-absence bad duration',
    yaml: rule('    name: x', 'x-absence:\n  for: ten minutes\n'),
    code: 'RULE_INVALID',
    line: 9,
    message: /not a timespan/,
  },
];
for (const c of errorCases) {
  test(`parse error: ${c.name}`, () => {
    assertRuleError(() => parseRuleFile(c.yaml, { source: 'case.yml' }), c.code, c.line, c.construct, c.message);
  });
}

test('errors name the source file', () => {
  assert.throws(
    () => parseRuleFile(rule('    name|fuzzy: x'), { source: 'rules/auth.yml' }),
    /^SeclogError: rules\/auth\.yml:6:5: detection\.selection\.name\|fuzzy/,
  );
  try {
    parseRuleFile(rule('    name|fuzzy: x'), { source: 'rules/auth.yml' });
  } catch (err) {
    assert.ok(isSeclogError(err));
    assert.equal(err.details.source, 'rules/auth.yml');
    assert.equal(err.details.path, 'detection.selection.name|fuzzy');
  }
});

const MULTI = `title: Many failed logins then success
id: bf-then-success
correlation:
  type: temporal_ordered
  rules: [brute, ok_login]
  group-by: [actor.ip]
  timespan: 10m
level: high
---
title: Brute
name: brute
correlation:
  type: event_count
  rules: [failed]
  group-by: [source.ip]
  timespan: 1m
  condition:
    gt: 10
---
title: Failed login
name: failed
detection:
  sel:
    name: authn_login_fail
  condition: sel
---
title: Successful login
name: ok_login
detection:
  sel:
    name: authn_login_success
  condition: sel
---
title: Ignore the scanner
filter:
  rules: [failed]
  scanner:
    actor.ip: 192.0.2.7
  condition: not scanner
`;

test('one file holds rules, correlations and filters; versions follow the text', () => {
  const file = parseRuleFile(MULTI, { source: 'multi.yml' });
  assert.deepEqual(
    file.documents.map((d) => [d.kind, d.id ?? d.name]),
    [
      ['correlation', 'bf-then-success'],
      ['correlation', 'brute'],
      ['detection', 'failed'],
      ['detection', 'ok_login'],
      ['filter', undefined],
    ],
  );
  const again = parseRuleFile(MULTI.replace('gt: 10', 'gt: 11'));
  assert.equal(again.documents[0]!.version, file.documents[0]!.version, 'an unchanged document keeps its version');
  assert.notEqual(again.documents[1]!.version, file.documents[1]!.version, 'an edited document gets a new one');
  const set = loadRuleSet([{ text: MULTI }]);
  assert.deepEqual(
    set.correlations.map((c) => c.rule.name ?? c.rule.id),
    ['brute', 'bf-then-success'],
    'inner correlations come first',
  );
  // Referenced rules do not alert on their own (no generate: true); the outermost does.
  assert.deepEqual([...set.alerting].sort(), ['bf-then-success']);
  assert.equal(set.filtersFor.get('failed')?.length, 1);
  // The outer groups by actor.ip; the inner by source.ip, its alias: resolved to the inner group's first field.
  assert.deepEqual(
    set.correlations[1]!.sources.map((s) => s.groupFields),
    [[0], ['actor.ip']],
  );
});

test('generate: true keeps the rules a correlation names alerting (one level)', () => {
  const inner = loadRuleSet([{ text: MULTI.replace('    gt: 10\n', '    gt: 10\n  generate: true\n') }]);
  assert.deepEqual([...inner.alerting].sort(), ['bf-then-success', 'failed']);
  const outer = loadRuleSet([{ text: MULTI.replace('  timespan: 10m\n', '  timespan: 10m\n  generate: true\n') }]);
  assert.deepEqual([...outer.alerting].sort(), ['bf-then-success', 'brute', 'ok_login']);
});

const setErrors: { name: string; texts: string[]; code: string; message: RegExp }[] = [
  {
    name: 'duplicate id',
    texts: [rule('    name: x'), rule('    name: y')],
    code: 'RULE_DUPLICATE',
    message: /"r1" is already the id or name/,
  },
  {
    name: 'unknown rule reference',
    texts: ['title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [nope]\n  timespan: 1m\n  condition: {gt: 1}\n'],
    code: 'RULE_REFERENCE_UNKNOWN',
    message: /names "nope"/,
  },
  {
    name: 'correlation cycle',
    texts: [
      'title: a\nid: a\ncorrelation:\n  type: event_count\n  rules: [b]\n  timespan: 1m\n  condition: {gt: 1}\n---\ntitle: b\nid: b\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n  condition: {gt: 1}\n',
    ],
    code: 'RULE_REFERENCE_CYCLE',
    message: /cycle: a → b → a|cycle: b → a → b/,
  },
  {
    name: 'outer group-by the inner correlation cannot supply',
    texts: [MULTI.replace('  group-by: [actor.ip]\n  timespan: 10m', '  group-by: [actor.user]\n  timespan: 10m')],
    code: 'RULE_REFERENCE_UNKNOWN',
    message: /"actor.user" cannot come from correlation "brute"/,
  },
  {
    name: 'alias missing a rule',
    texts: [
      `${rule('    name: x')}---\ntitle: b\nid: r2\ndetection:\n  s:\n    name: y\n  condition: s\n---\ntitle: c\nid: c\ncorrelation:\n  type: temporal\n  rules: [r1, r2]\n  group-by: [ip]\n  timespan: 1m\n  aliases:\n    ip:\n      r1: actor.ip\n`,
    ],
    code: 'RULE_REFERENCE_UNKNOWN',
    message: /alias "ip" has no field for rule "r2"/,
  },
  {
    name: 'suppression key outside the group-by of a correlation',
    texts: [
      `${rule('    name: x')}---\ntitle: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [r1]\n  group-by: [actor.ip]\n  timespan: 1m\n  condition: {gt: 1}\nx-suppress: {by: [actor.user], for: 5m}\n`,
    ],
    code: 'RULE_INVALID',
    message: /must be one of its group-by fields/,
  },
];
for (const c of setErrors) {
  test(`rule set error: ${c.name}`, () => {
    assert.throws(
      () => loadRuleSet(c.texts.map((text, i) => ({ text, source: `f${i}.yml` }))),
      (err: unknown) => {
        assert.ok(isSeclogError(err), String(err));
        assert.equal(err.code, c.code, err.message);
        assert.match(err.message, c.message);
        assert.equal(typeof err.details.line, 'number');
        return true;
      },
    );
  });
}

test('unknown fields are warnings, or errors with strictFields', () => {
  const text = rule('    EventID: 4625');
  const set = loadRuleSet([{ text, source: 'w.yml' }]);
  const w = set.warnings.find((x) => x.code === 'field-unknown');
  assert.ok(w, 'a warning');
  assert.equal(w.pos.line, 6);
  assert.match(w.message, /"EventID" is not a seclog field/);
  assert.throws(
    () => loadRuleSet([{ text }], { strictFields: true }),
    (err: unknown) => isSeclogError(err, 'RULE_FIELD_UNKNOWN'),
  );
  const period = rule('    name: x', 'x-absence:\n  for: 10m\n  period: {from: epochStart, to: attrs.epoch_end, times: 3}\n');
  assert.match(
    loadRuleSet([{ text: period }]).warnings.find((x) => x.code === 'field-unknown')?.message ?? '',
    /x-absence.period field "epochStart"/,
  );
  assert.throws(
    () => loadRuleSet([{ text: period }], { strictFields: true }),
    (err: unknown) => isSeclogError(err, 'RULE_FIELD_UNKNOWN'),
  );
  // attrs keys and aliases are known
  assert.equal(loadRuleSet([{ text: rule('    attrs.anything: 1\n    source.ip: 1.2.3.4') }], { strictFields: true }).warnings.length, 0);
});

test('lint warnings: unused identifier, filter without not, unknown filter target, unknown key, informational rule', () => {
  const text = `title: t\nid: a\nlevel: informational\nlogsource: {product: x}\nlevle: high\ndetection:\n  sel:\n    name: x\n  spare:\n    name: y\n  condition: sel\n---\ntitle: f\nfilter:\n  rules: [a, ghost]\n  sel:\n    actor.user: svc\n  condition: sel\n`;
  const set = loadRuleSet([{ text }]);
  const codes = set.warnings.map((w) => w.code).sort();
  assert.deepEqual(codes, ['filter-unknown-rule', 'filter-without-not', 'identifier-unused', 'informational', 'unknown-key']);
  assert.equal(set.alerting.size, 0, 'informational rules raise no alert');
});

test('x-suppress and x-absence parse into the model', () => {
  const d = parseRuleFile(rule('    name: x', 'x-suppress:\n  by: [actor.ip, user.name]\n  for: 15m\n')).documents[0] as DetectionRule;
  assert.deepEqual([d.suppress?.by, d.suppress?.forUs], [['actor.ip', 'user.name'], 15 * 60 * 1e6]);
  const a = parseRuleFile(rule('    name: x', 'x-absence: {by: [device.id], for: 10m}\n')).documents[0] as DetectionRule;
  assert.deepEqual([a.absence?.by, a.absence?.forUs, a.absence?.period], [['device.id'], 600 * 1e6, undefined]);
  const p = parseRuleFile(
    rule('    name: x', 'x-absence:\n  by: [device.id]\n  for: 10m\n  period: {from: attrs.epoch_start, to: attrs.epoch_end, times: 3}\n'),
  ).documents[0] as DetectionRule;
  assert.deepEqual(p.absence?.period, { from: 'attrs.epoch_start', to: 'attrs.epoch_end', times: 3 });
  assert.throws(
    () => parseRuleFile(rule('    name: x', 'x-absence: {for: 10m}\nx-suppress: {for: 10m}\n')),
    (err: unknown) => isSeclogError(err, 'RULE_INVALID'),
  );
});
