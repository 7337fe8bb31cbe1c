import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BUILTIN_RULES_DIR } from '@seclog/detect';
import { runCli } from './support/run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'seclog-rules-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('seclog rules lint', () => {
  test('the built-in pack lints clean (exit 0)', () => {
    const r = runCli(['rules', 'lint', '--strict', BUILTIN_RULES_DIR]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\d+ rule files \(\d+ documents\), \d+ test files: 0 errors, 0 warnings/);
  });

  test('errors name file:line and the construct, warnings are printed, exit 1', () => {
    const dir = join(work, 'lint');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'bad.yml'),
      'title: Bad\nid: bad\nlogsource: {product: seclog}\ndetection:\n  sel:\n    message|base64offset: abc\n  condition: sel\n',
    );
    writeFileSync(
      join(dir, 'ok.yml'),
      'title: Ok\nid: ok\nlogsource: {product: seclog}\ndetection:\n  sel:\n    src.ip: 192.0.2.1\n  condition: sel\n',
    );
    writeFileSync(join(dir, 'old.yaml'), 'title: not loaded\n');
    const r = runCli(['rules', 'lint', '--json', dir]);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as {
      errors: { source: string; line: number; code: string; construct: string }[];
      warnings: { code: string }[];
    };
    assert.deepEqual(
      out.errors.map((e) => [e.source, e.line, e.code, e.construct]),
      [[join(dir, 'bad.yml'), 6, 'RULE_UNSUPPORTED', '|base64offset']],
    );
    assert.deepEqual(
      out.warnings.map((w) => w.code),
      ['not-loaded'],
      'linking is skipped while a file does not parse; the .yaml file is reported',
    );
    // Without the broken file the rules link; the unknown field is a warning, with --strict an error.
    rmSync(join(dir, 'bad.yml'));
    const strict = runCli(['rules', 'lint', '--strict', join(dir, 'ok.yml')]);
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stdout, /error .*ok\.yml:6:5: field "src\.ip" is not a seclog field.*did you mean actor\.ip.*RULE_FIELD_UNKNOWN/);
    assert.match(strict.stdout, /1 rule files \(1 documents\), 0 test files: 1 errors, 0 warnings/);
  });

  test('a path that does not exist is an I/O error (exit 2)', () => {
    const r = runCli(['rules', 'lint', join(work, 'missing')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read/);
  });
});

describe('seclog rules test', () => {
  test('the built-in pack passes (exit 0)', () => {
    const r = runCli(['rules', 'test', BUILTIN_RULES_DIR]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /[1-9]\d* passed, 0 failed, 0 errors \(\d+ test files\)/);
    assert.match(r.stdout, /brute-force\.test\.yml:\d+ +│ eleven failures within 60 s fire once +│ pass/);
  });

  test('a failing case is detected: exit 1, with a diff; --json says which', () => {
    const dir = join(work, 'failing');
    mkdirSync(dir);
    cpSync(join(BUILTIN_RULES_DIR, 'authentication', 'brute-force.yml'), join(dir, 'brute-force.yml'));
    const tests = readFileSync(join(BUILTIN_RULES_DIR, 'authentication', 'brute-force.test.yml'), 'utf8');
    // The first case expects count 11: make it expect 12.
    const wrong = tests.replace('count: 11\n', 'count: 12\n');
    assert.notEqual(wrong, tests);
    writeFileSync(join(dir, 'brute-force.test.yml'), wrong);
    const r = runCli(['rules', 'test', dir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL .*brute-force\.test\.yml:5 eleven failures within 60 s fire once/);
    assert.match(r.stdout, /- expected seclog_brute_force count=12 .*: not raised/);
    assert.match(r.stdout, /\+ raised {3}seclog_brute_force count=11 group=\{actor\.ip=203\.0\.113\.9\}/);
    assert.match(r.stdout, /\d+ passed, 1 failed, 0 errors/);
    // One test file alone runs against the rules of its folder.
    const json = runCli(['rules', 'test', '--json', join(dir, 'brute-force.test.yml')]);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as { ok: boolean; failed: number; files: { cases: { name: string; status: string }[] }[] };
    assert.equal(report.ok, false);
    assert.equal(report.failed, 1);
    assert.deepEqual(
      report.files[0]!.cases.filter((c) => c.status !== 'pass').map((c) => c.name),
      ['eleven failures within 60 s fire once'],
    );
  });

  test('rules that do not load fail the run (exit 1)', () => {
    const dir = join(work, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'r.yml'), 'title: x\n');
    writeFileSync(join(dir, 'r.test.yml'), 'cases:\n  - { name: a, events: [], expect: [] }\n');
    const broken = runCli(['rules', 'test', dir]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /the rules do not load .*r\.yml:1:1/);
  });
});
