import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { catalogueEntries, getCatalogueEntry, isSeclogError, validateEvent } from '@seclog/core';
import {
  BUILTIN_RULES_DIR,
  createDetectionEngine,
  formatTestOffset,
  lintRules,
  loadRuleFiles,
  loadRulesDir,
  parseRuleTestFile,
  type RuleTestReport,
  readRulesDir,
  runRuleTests,
} from '../src/index.js';
import { TestEventFactory } from '../src/testing/test-event.js';
import { parseTestDuration, parseTestOffset } from '../src/testing/test-time.js';

const BRUTE = `title: Failed login
name: failed
id: 11111111-1111-4111-8111-111111111111
level: informational
logsource: {product: seclog}
detection:
  sel:
    name: authn_login_fail
    actor.ip|exists: true
  condition: sel
---
title: Brute force
name: brute
id: 22222222-2222-4222-8222-222222222222
correlation:
  type: event_count
  rules: [failed]
  group-by: [actor.ip]
  timespan: 60s
  condition: {gt: 10}
level: high
`;

const OTHER = `title: Any login failure
name: any_failure
id: 33333333-3333-4333-8333-333333333333
logsource: {product: seclog}
detection:
  sel:
    name: authn_login_fail
  condition: sel
level: low
`;

const SILENT = `title: Silent device
name: silent
id: 44444444-4444-4444-8444-444444444444
logsource: {product: seclog}
detection:
  any:
    device.id|exists: true
  condition: any
x-absence:
  by: [device.id]
  for: 10m
level: medium
`;

/** Run one test file against the given rule files; the test file sits beside the first one. */
function run(tests: string, rules: Record<string, string> = { 'r/brute.yml': BRUTE }): RuleTestReport {
  const ruleFiles = Object.entries(rules).map(([source, text]) => ({ source, text }));
  const testSource = ruleFiles[0]!.source.replace(/\.yml$/, '.test.yml');
  return runRuleTests({ rules: ruleFiles, tests: [{ source: testSource, text: tests }] });
}

function onlyCase(report: RuleTestReport) {
  assert.equal(report.files.length, 1);
  assert.equal(report.files[0]!.error, undefined, report.files[0]!.error);
  assert.equal(report.files[0]!.cases.length, 1);
  return report.files[0]!.cases[0]!;
}

describe('test times', () => {
  const good: [unknown, boolean, number][] = [
    ['0s', false, 0],
    ['65s', false, 65_000_000],
    ['1m30s', false, 90_000_000],
    ['59.999999s', false, 59_999_999],
    ['500ms', false, 500_000],
    ['250us', false, 250],
    ['2h', false, 7_200_000_000],
    ['+5s', true, 5_000_000],
    [' +1m ', true, 60_000_000],
    [5, false, 5_000_000],
    [0.5, false, 500_000],
  ];
  for (const [text, relative, us] of good)
    test(`${JSON.stringify(text)} is ${relative ? '+' : ''}${us} µs`, () => assert.deepEqual(parseTestOffset(text), { relative, us }));
  for (const bad of ['5', 'abc', '5x', '', '-5s', '+', '1m 30s', '5s5', null, true, -1, '400d'])
    test(`${JSON.stringify(bad)} is refused with a reason`, () => assert.ok('problem' in parseTestOffset(bad)));
  test('durations take no sign', () => assert.ok('problem' in parseTestDuration('+5s')));
  test('offsets print compactly', () => {
    assert.equal(formatTestOffset(0), '+0s');
    assert.equal(formatTestOffset(70_000_000), '+1m10s');
    assert.equal(formatTestOffset(59_999_999), '+59.999999s');
    assert.equal(formatTestOffset(3_600_000_000 + 500_000), '+1h0.5s');
  });
});

describe('events built from partial fields', () => {
  test('every catalogue event, given only its name, passes validateEvent as a device-stream record', () => {
    const f = new TestEventFactory(Date.UTC(2026, 0, 1) * 1000);
    for (const e of catalogueEntries()) {
      const ev = f.build({ name: e.name }, Date.UTC(2026, 0, 1) * 1000 + 1, 1, undefined);
      assert.deepEqual(validateEvent(ev, { chained: true }), [], e.name);
    }
  });

  test('given fields win, {i} counts from 1, numbers become text where the catalogue says string, null removes', () => {
    const f = new TestEventFactory(0);
    const ev = f.build(
      {
        name: 'config_change',
        actor: { user: 'u{i}', ip: null },
        target: { setting: 'fw.{i}' },
        attrs: { category: 'firewall', new_value: 0 },
        device: { id: 'cam-{i}' },
      },
      5_000_000,
      3,
      undefined,
    );
    assert.equal(ev.actor?.user, 'u3');
    assert.equal(ev.actor?.ip, undefined);
    assert.equal(ev.target?.setting, 'fw.3');
    assert.equal(ev.attrs.new_value, '0');
    assert.equal(ev.device.id, 'cam-3');
    assert.equal(ev.severity, getCatalogueEntry('config_change')!.defaultSeverity, 'the catalogue default');
    assert.equal(ev.seq, 1);
    assert.equal(ev.time, '1970-01-01T00:00:05.000000Z');
    assert.deepEqual(validateEvent(ev, { chained: true }), []);
  });

  test('ids are UUIDv7, repeatable, and equal for equal labels', () => {
    const make = () => {
      const f = new TestEventFactory(0);
      return [
        f.build({ name: 'authn_logout' }, 1000, 1, undefined),
        f.build({ name: 'authn_logout' }, 1000, 1, 'dup'),
        f.build({ name: 'authn_logout' }, 2000, 1, 'dup'),
      ].map((e) => e.id);
    };
    const [a, b, c] = make();
    assert.notEqual(a, b);
    assert.equal(b, c);
    assert.deepEqual(make(), [a, b, c]);
  });
});

describe('running cases', () => {
  test('a case that meets its expectation passes; the runner reports which rules fire and which stay silent', () => {
    const c = onlyCase(
      run(`cases:
  - name: fires
    events:
      - { at: 0s, repeat: 11, every: 5s, name: authn_login_fail, actor.ip: 203.0.113.9, actor.user: admin }
    expect:
      - { rule: brute, count: 11, group: { source.ip: 203.0.113.9 }, severity: high }
`),
    );
    assert.equal(c.status, 'pass', c.diff.join('\n'));
    assert.deepEqual(c.diff, []);
    assert.equal(c.alerts.length, 1);
    assert.equal(c.alerts[0]!.windowStartUs, 0);
    assert.equal(c.alerts[0]!.windowEndUs, 50_000_000);
    assert.deepEqual(c.expectsFiring, ['22222222-2222-4222-8222-222222222222']);
    assert.deepEqual(c.expectsSilent, []);
    assert.equal(c.line, 2);
  });

  test('a wrong count FAILS with a diff naming what was expected and what was raised', () => {
    const report = run(`cases:
  - name: wrong count
    events:
      - { at: 0s, repeat: 11, every: 5s, name: authn_login_fail, actor.ip: 203.0.113.9 }
    expect:
      - { rule: brute, count: 12 }
`);
    const c = onlyCase(report);
    assert.equal(c.status, 'fail');
    assert.equal(report.ok, false);
    assert.equal(report.failed, 1);
    assert.deepEqual(c.diff, [
      '- expected brute count=12 (line 6): not raised',
      '+ raised   brute count=11 group={actor.ip=203.0.113.9} suppressed=0 severity=high window +0s..+50s',
    ]);
  });

  test('an alert where none is expected FAILS, and so does a missing one', () => {
    const unexpected = onlyCase(
      run(`cases:
  - name: should be silent
    events:
      - { repeat: 11, every: 1s, name: authn_login_fail, actor.ip: 203.0.113.9 }
    expect: []
`),
    );
    assert.equal(unexpected.status, 'fail');
    assert.equal(unexpected.diff.length, 1);
    assert.match(unexpected.diff[0]!, /^\+ raised {3}brute count=11/);
    assert.deepEqual(unexpected.expectsSilent, ['22222222-2222-4222-8222-222222222222']);

    const missing = onlyCase(
      run(`cases:
  - name: should fire twice
    events:
      - { repeat: 11, every: 1s, name: authn_login_fail, actor.ip: 203.0.113.9 }
    expect:
      - { rule: Brute force, times: 2 }
`),
    );
    assert.equal(missing.status, 'fail');
    assert.deepEqual(missing.diff, ['- expected brute ×2 (line 6): raised 1, 1 missing']);
  });

  test('a wrong group or severity FAILS', () => {
    for (const expect of [
      '{ rule: brute, group: { actor.ip: 198.51.100.1 } }',
      '{ rule: brute, severity: low }',
      '{ rule: brute, suppressed: 1 }',
    ]) {
      const c = onlyCase(
        run(`cases:
  - name: wrong
    events:
      - { repeat: 11, every: 1s, name: authn_login_fail, actor.ip: 203.0.113.9 }
    expect:
      - ${expect}
`),
      );
      assert.equal(c.status, 'fail', expect);
    }
  });

  test('only the rules of the companion file (and rules the expectations name) are compared', () => {
    const rules = { 'r/brute.yml': BRUTE, 'r/other.yml': OTHER };
    const text = (expect: string) => `cases:
  - name: c
    events:
      - { name: authn_login_fail, actor.ip: 203.0.113.9 }
    expect: ${expect}
`;
    assert.equal(onlyCase(run(text('[]'), rules)).status, 'pass', 'any_failure fires but is not under test');
    assert.equal(onlyCase(run(text('[ any_failure ]'), rules)).status, 'pass');
    assert.equal(onlyCase(run(text('[ { rule: any_failure, times: 0 } ]'), rules)).status, 'fail', 'times: 0 puts it under test');
    // rules: names the rules under test explicitly.
    const explicit = runRuleTests({
      rules: Object.entries(rules).map(([source, t]) => ({ source, text: t })),
      tests: [{ source: 'elsewhere/x.test.yml', text: `rules: [any_failure]\n${text('[]')}` }],
    });
    assert.equal(explicit.files[0]!.cases[0]!.status, 'fail');
    const orphan = runRuleTests({
      rules: [{ source: 'r/brute.yml', text: BRUTE }],
      tests: [{ source: 'r/nothing.test.yml', text: text('[]') }],
    });
    assert.match(orphan.files[0]!.error!, /r\/nothing\.test\.yml: there is no rule file r\/nothing\.yml beside it/);
    assert.equal(orphan.errors, 1);
    assert.equal(orphan.ok, false);
  });

  test('sweep steps drive absence rules', () => {
    const tests = (sweep: string) => `cases:
  - name: silence
    events:
      - { at: 0s, device: cam-1, name: log_seal }
      - sweep: ${sweep}
    expect: [ { rule: silent, group: { device.id: cam-1 }, count: 0 } ]
`;
    assert.equal(onlyCase(run(tests('10m'), { 'r/silent.yml': SILENT })).status, 'pass');
    assert.equal(onlyCase(run(tests('+9m59s'), { 'r/silent.yml': SILENT })).status, 'fail');
  });

  test('equal id labels are one event delivered twice: the engine counts it once', () => {
    const text = (label: string) => `cases:
  - name: dup
    events:
      - { repeat: 9, every: 1s, name: authn_login_fail, actor.ip: 203.0.113.9 }
      - { id: x, name: authn_login_fail, actor.ip: 203.0.113.9 }
      - { id: ${label}, name: authn_login_fail, actor.ip: 203.0.113.9 }
    expect: [ brute ]
`;
    assert.equal(onlyCase(run(text('y'))).status, 'pass');
    assert.equal(onlyCase(run(text('x'))).status, 'fail');
  });

  test('defaults apply to every event, and null removes a default', () => {
    const c = onlyCase(
      run(`defaults: { actor.ip: 203.0.113.9 }
cases:
  - name: no address, no brute force
    defaults: { actor.user: admin }
    events:
      - { repeat: 11, every: 1s, name: authn_login_fail, actor.ip: null }
    expect: []
`),
    );
    assert.equal(c.status, 'pass', c.diff.join('\n'));
  });

  test('allowed-lateness reaches the engine: late events stay out of correlations', () => {
    const text = (lateness: string) => `cases:
  - name: late
    allowed-lateness: ${lateness}
    events:
      - { at: 300s, name: authn_login_fail, actor.ip: 198.51.100.1 }
      - { at: 0s, repeat: 11, every: 1s, name: authn_login_fail, actor.ip: 203.0.113.9 }
    expect: [ { rule: brute, group: { actor.ip: 203.0.113.9 } } ]
`;
    assert.equal(onlyCase(run(text('10m'))).status, 'pass');
    assert.equal(onlyCase(run(text('1m'))).status, 'fail');
  });

  test('the runner drives the production engine: the same events pushed directly give the same alert keys', () => {
    const report = run(`start: 2026-03-01T00:00:00Z
cases:
  - name: c
    events:
      - { at: 30s, repeat: 11, every: 2s, name: authn_login_fail, actor.ip: 203.0.113.9 }
    expect: [ brute ]
`);
    const c = onlyCase(report);
    const startUs = Date.UTC(2026, 2, 1) * 1000;
    const engine = createDetectionEngine(loadRuleFiles([{ source: 'r/brute.yml', text: BRUTE }]).ruleSet);
    const f = new TestEventFactory(startUs);
    const keys: string[] = [];
    for (let k = 0; k < 11; k++) {
      const t = startUs + 30_000_000 + k * 2_000_000;
      const ev = f.build({ name: 'authn_login_fail', actor: { ip: '203.0.113.9' } }, t, k + 1, undefined);
      for (const o of engine.push(ev, k, t)) if (o.kind === 'alert' && o.alert.ruleId.startsWith('2222')) keys.push(o.alert.key);
    }
    assert.deepEqual(
      c.alerts.map((a) => a.key),
      keys,
    );
    assert.equal(keys.length, 1);
  });
});

describe('errors in test files name the file, line and case', () => {
  const cases: [string, string, RegExp][] = [
    ['not YAML', 'cases: [\n', /^t\.test\.yml:2:1: /],
    ['an unknown top-level key', 'case: []\n', /^t\.test\.yml:1:1: case: unknown key "case"/],
    [
      'an unknown case key',
      'cases:\n  - name: one\n    event: []\n    expect: []\n',
      /^t\.test\.yml:3:5: case "one": cases\[0\]\.event: unknown key "event"/,
    ],
    ['a missing expect', 'cases:\n  - name: one\n    events: []\n', /^t\.test\.yml:2:5: case "one": .*expect: \[\]/],
    [
      'a bad time',
      'cases:\n  - name: one\n    events:\n      - { at: soon, name: authn_logout }\n    expect: []\n',
      /^t\.test\.yml:4:15: case "one": cases\[0\]\.events\[0\]\.at: "soon" is not a duration/,
    ],
    [
      'an event without a name',
      'cases:\n  - name: one\n    events:\n      - { at: 0s }\n    expect: []\n',
      /^t\.test\.yml:4:9: case "one": .*an event needs a name/,
    ],
    [
      'a field a record does not have',
      'cases:\n  - name: one\n    events:\n      - { name: authn_logout, actor.email: x }\n    expect: []\n',
      /^t\.test\.yml:4:31: case "one": .*actor\.email is not a field/,
    ],
    [
      'a wrongly typed value inside a case',
      'cases:\n  - name: one\n    events:\n      - { name: authn_logout, repeat: many }\n    expect: []\n',
      /^t\.test\.yml:4:39: case "one": .*repeat is a whole number/,
    ],
    [
      'a map where a value belongs',
      'cases:\n  - name: one\n    events:\n      - { name: { a: 1 } }\n    expect: []\n',
      /^t\.test\.yml:4:17: case "one": cases\[0\]\.events\[0\]\.name: .*single value/,
    ],
    [
      'two cases with one name',
      'cases:\n  - { name: a, events: [], expect: [] }\n  - { name: a, events: [], expect: [] }\n',
      /^t\.test\.yml:3:5: case "a": cases\[1\]: two cases/,
    ],
  ];
  for (const [what, text, re] of cases)
    test(what, () => {
      assert.throws(
        () => parseRuleTestFile(text, { source: 't.test.yml' }),
        (err: unknown) => isSeclogError(err, 'RULE_TEST_INVALID') && re.test(err.message),
      );
    });

  test('an invalid event is a case error with the step line, and other cases still run', () => {
    const report = run(`cases:
  - name: bad address
    events:
      - { at: 0s, name: authn_login_fail }
      - { at: 1s, repeat: 2, every: 1s, name: authn_login_fail, actor.ip: 'not-an-ip-{i}' }
    expect: []
  - name: fine
    events: []
    expect: []
`);
    const [bad, fine] = report.files[0]!.cases;
    assert.equal(bad!.status, 'error');
    assert.match(
      bad!.error!,
      /^r\/brute\.test\.yml:5: case "bad address": the event \(event 1 of 2\) is not a valid record: .*actor\.ip: ip/,
    );
    assert.equal(fine!.status, 'pass');
    assert.equal(report.errors, 1);
    assert.equal(report.ok, false);
  });

  test('an expectation naming no rule is a case error with its line', () => {
    const c = onlyCase(
      run(`cases:
  - name: typo
    events: []
    expect:
      - brute-forse
`),
    );
    assert.equal(c.status, 'error');
    assert.match(c.error!, /^r\/brute\.test\.yml:5: case "typo": "brute-forse" is no rule of the rule set/);
  });
});

describe('rule folders', () => {
  test('rule files are *.yml, tests *.test.yml; others are listed as ignored, hidden entries skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seclog-rules-'));
    try {
      mkdirSync(join(dir, 'b'));
      mkdirSync(join(dir, '.git'));
      writeFileSync(join(dir, 'b', 'brute.yml'), BRUTE);
      writeFileSync(join(dir, 'b', 'brute.test.yml'), 'cases: []\n');
      writeFileSync(join(dir, 'a-other.yml'), OTHER);
      writeFileSync(join(dir, 'old.yaml'), OTHER);
      writeFileSync(join(dir, 'README.md'), '#');
      writeFileSync(join(dir, '.git', 'x.yml'), 'not: a rule');
      const c = readRulesDir(dir, fs);
      assert.deepEqual(
        c.rules.map((r) => r.source),
        [join(dir, 'a-other.yml'), join(dir, 'b', 'brute.yml')],
      );
      assert.deepEqual(
        c.tests.map((r) => r.source),
        [join(dir, 'b', 'brute.test.yml')],
      );
      assert.deepEqual(c.ignored, [join(dir, 'README.md'), join(dir, 'old.yaml')]);
      const loaded = loadRulesDir(dir, fs);
      assert.equal(loaded.files.length, 2);
      assert.deepEqual([...loaded.ruleSet.alerting].sort(), [
        '22222222-2222-4222-8222-222222222222',
        '33333333-3333-4333-8333-333333333333',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('BUILTIN_RULES_DIR is the repository rules/ folder', () => {
    assert.ok(BUILTIN_RULES_DIR.endsWith(`${join('rules')}/`) || BUILTIN_RULES_DIR.endsWith('rules\\'));
    assert.ok(fs.statSync(BUILTIN_RULES_DIR).isDirectory());
    assert.ok(fs.existsSync(join(BUILTIN_RULES_DIR, 'authentication', 'brute-force.yml')));
  });

  test('lint reports each broken file, links only when all parse, and checks test files', () => {
    const r = lintRules(
      [
        { source: 'a.yml', text: BRUTE },
        { source: 'b.yml', text: 'title: t\nid: b\ndetection:\n  s:\n    message|base64offset: x\n  condition: s\n' },
        { source: 'c.yml', text: 'title: [\n' },
      ],
      [{ source: 'a.test.yml', text: 'cases:\n  - name: x\n' }],
    );
    assert.deepEqual(
      r.errors.map((e) => `${e.source}:${e.line} ${e.code}${e.construct ? ` ${e.construct}` : ''}`),
      ['b.yml:5 RULE_UNSUPPORTED |base64offset', 'c.yml:2 RULE_YAML_INVALID', 'a.test.yml:2 RULE_TEST_INVALID'],
    );
    assert.equal(r.ruleSet, undefined);
    const linked = lintRules(
      [
        {
          source: 'x.yml',
          text: `${OTHER}---\ntitle: c\nid: c\ncorrelation: {type: event_count, rules: [nope], timespan: 1m, condition: {gte: 2}}\n`,
        },
      ],
      [],
    );
    assert.deepEqual(
      linked.errors.map((e) => e.code),
      ['RULE_REFERENCE_UNKNOWN'],
    );
    const warn = lintRules([{ source: 'w.yml', text: OTHER.replace('name: authn_login_fail', 'src.ip: 192.0.2.1') }], []);
    assert.deepEqual(warn.errors, []);
    assert.deepEqual(
      warn.warnings.map((w) => `${w.line} ${w.code}`),
      ['7 field-unknown'],
    );
    const strict = lintRules([{ source: 'w.yml', text: OTHER.replace('name: authn_login_fail', 'src.ip: 192.0.2.1') }], [], {
      strictFields: true,
    });
    assert.deepEqual(
      strict.errors.map((e) => e.code),
      ['RULE_FIELD_UNKNOWN'],
    );
  });
});
