// The rule library: built-in texts and custom files together, files that do not load left out and listed,
// which rules alert when some are disabled, custom files that may not shadow built-in rules, and the pack
// folder's reader (rule files only, never their *.test.yml).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { createDetectionEngine } from '@seclog/detect';
import { builtinRulesDir, readRuleFiles } from '../src/detect/builtin-rules.js';
import { RuleLibrary } from '../src/detect/rule-library.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite-store.js';
import { BRUTE_FORCE_RULES } from './detect-fixtures.js';

const stores: SqliteStore[] = [];
const dirs: string[] = [];
after(() => {
  for (const s of stores) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function store(): SqliteStore {
  const s = openSqliteStore(':memory:');
  stores.push(s);
  return s;
}

const LOCKOUT = `title: Lockout
id: b-lockout
level: medium
detection:
  sel:
    name: authn_login_lock
  condition: sel
`;
const SCANNER_FILTER = `title: Not the scanner
id: b-scanner
filter:
  rules: [b-lockout]
  scanner:
    source.ip: 192.0.2.7
  condition: not scanner
`;

test('built-in and custom files load together; a broken file is left out and listed, the others run', () => {
  const s = store();
  s.alerts().putCustomRule({ fileId: 'c1', text: BRUTE_FORCE_RULES, sha256: 'x', ruleIds: [], updatedUs: 0, updatedBy: 'x' });
  s.alerts().putCustomRule({
    fileId: 'c2',
    text: 'title: dup\nid: b-lockout\nlevel: low\ndetection:\n  s:\n    name: x\n  condition: s\n',
    sha256: 'x',
    ruleIds: [],
    updatedUs: 0,
    updatedBy: 'x',
  });
  const lib = RuleLibrary.load(s.alerts(), [
    { source: 'auth/lockout.yml', text: LOCKOUT },
    { source: 'auth/broken.yml', text: 'title: broken\nid: b-broken\ndetection:\n  sel: [\n' },
    { source: 'auth/filter.yml', text: SCANNER_FILTER },
  ]);
  assert.deepEqual(
    lib.list().map((r) => [r.id, r.source, r.file, r.kind]),
    [
      ['b-lockout', 'builtin', 'auth/lockout.yml', 'detection'],
      ['b-scanner', 'builtin', 'auth/filter.yml', 'filter'],
      ['t-failed-login', 'custom', 'custom/c1', 'detection'],
      ['t-brute-force', 'custom', 'custom/c1', 'correlation'],
    ],
  );
  assert.deepEqual(
    lib.problems.map((p) => [p.source, p.code]),
    [
      ['auth/broken.yml', 'RULE_YAML_INVALID'],
      ['custom/c2', 'RULE_DUPLICATE'],
    ],
  );
  assert.deepEqual([...lib.ruleSet().alerting].sort(), ['b-lockout', 't-brute-force']);
});

test('disabling: a rule stops alerting; one a correlation uses is still evaluated; disabling the correlation does not make its rules alert', () => {
  const s = store();
  const lib = RuleLibrary.load(s.alerts(), [{ source: 'bf.yml', text: BRUTE_FORCE_RULES }]);
  lib.setEnabled('t-failed-login', false);
  let set = lib.ruleSet();
  assert.deepEqual([...set.alerting], ['t-brute-force']);
  assert.equal(set.detections.length, 1, 'the disabled rule is kept for the correlation');
  lib.setEnabled('t-brute-force', false);
  set = lib.ruleSet();
  assert.deepEqual([...set.alerting], []);
  assert.equal(set.detections.length + set.correlations.length, 0, 'nothing left to evaluate');
  lib.setEnabled('t-failed-login', true);
  set = lib.ruleSet();
  assert.deepEqual([...set.alerting], [], 'the base rule of a correlation does not alert on its own');
  assert.equal(lib.find('t-brute-force')?.enabled, false);
  // The engine accepts the reduced set.
  createDetectionEngine(set);
});

test('custom files may not shadow built-in rules nor span two stored files; a new file never takes another file’s id', () => {
  const s = store();
  const lib = RuleLibrary.load(s.alerts(), [{ source: 'lockout.yml', text: LOCKOUT }]);
  assert.throws(
    () => lib.stageCustom(LOCKOUT.replace('level: medium', 'level: high')),
    (e) => isSeclogError(e, 'DETECT_RULE_CONFLICT') && /built-in/.test(e.message),
  );
  const a = lib.stageCustom(BRUTE_FORCE_RULES);
  assert.equal(a.file.fileId, 't-failed-login');
  lib.applyCustom(a);
  // A replacement keeps the file id even when its first rule changes.
  const b = lib.stageCustom(
    BRUTE_FORCE_RULES.replace(/^title: Failed login\nid: t-failed-login/, 'title: Failed login\nid: t-failed-login-2').replace(
      '[t-failed-login]',
      '[t-failed-login-2]',
    ),
  );
  assert.equal(b.replaces?.fileId, 't-failed-login');
  assert.equal(b.file.fileId, 't-failed-login');
  lib.applyCustom(b);
  // t-failed-login is free again; a new file with it gets another file id.
  const c = lib.stageCustom('title: again\nid: t-failed-login\nlevel: low\ndetection:\n  s:\n    name: x\n  condition: s\n');
  assert.equal(c.replaces, undefined);
  assert.equal(c.file.fileId, 't-failed-login~2');
  lib.applyCustom(c);
  const d = `${BRUTE_FORCE_RULES.replace(/t-failed-login/g, 't-failed-login-2')}---\ntitle: again\nid: t-failed-login\nlevel: low\ndetection:\n  s:\n    name: x\n  condition: s\n`;
  assert.throws(
    () => lib.stageCustom(d),
    (e) => isSeclogError(e, 'DETECT_RULE_CONFLICT'),
  );
  assert.throws(
    () => lib.stageCustom('title: only a filter\nfilter:\n  rules: [t-failed-login]\n  s:\n    source.ip: 192.0.2.1\n  condition: not s\n'),
    (e) => isSeclogError(e, 'RULE_INVALID'),
  );
});

test('the pack reader takes *.yml recursively, sorted, and never *.test.yml; the pack folder is the repository’s rules/', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-rules-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'auth'));
  writeFileSync(join(dir, 'auth', 'b.yml'), 'b');
  writeFileSync(join(dir, 'auth', 'b.test.yml'), 'test');
  writeFileSync(join(dir, 'a.yml'), 'a');
  writeFileSync(join(dir, 'notes.md'), 'x');
  assert.deepEqual(readRuleFiles(dir), [
    { source: 'a.yml', text: 'a' },
    { source: 'auth/b.yml', text: 'b' },
  ]);
  assert.deepEqual(readRuleFiles(join(dir, 'missing')), []);
  assert.equal(builtinRulesDir().replace(/\/$/, ''), join(new URL('../../../rules/', import.meta.url).pathname).replace(/\/$/, ''));
});
