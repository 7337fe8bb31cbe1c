// `seclog docs` on a data directory (issue G item 7): on a fresh install `seclog check` fails the
// documentation item and says why; `seclog docs -o` writes the section from the live state and the
// item then passes, until the configuration changes; pdf needs Chromium (exit 2 naming the package
// when absent); bad options exit 2 and write nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findChromium } from '@seclog/collector';
import { runCli } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-docs-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'data');

const docsLine = (stdout: string): string => /^(PASS|FAIL) {2}Documentation\n(.*)$/m.exec(stdout)?.[0] ?? '';

test('fresh install: check fails honestly, documentation included; after `seclog docs` that item passes', () => {
  const enrol = runCli(['device', 'add', 'cam-17', '--data', data, '--out', join(root, 'cam-17.json')]);
  assert.equal(enrol.code, 0, enrol.stderr);
  const before = runCli(['check', '--data', data]);
  assert.equal(before.code, 1, before.stderr);
  // Every failing item says why.
  const blocks = before.stdout.split(/\n(?=PASS|FAIL)/).filter((b) => /^(PASS|FAIL) {2}/.test(b));
  assert.equal(blocks.length, 6, before.stdout);
  for (const b of blocks.filter((x) => x.startsWith('FAIL'))) assert.match(b, /\n {6}why: \S/, b);
  assert.match(docsLine(before.stdout), /^FAIL {2}Documentation\n {6}why: the logging section of the technical file was not generated yet/);

  const out = join(root, 'section.md');
  const r = runCli(['docs', '--data', data, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*section\.md \(md, \d+ bytes\); markdown SHA-256 [0-9a-f]{64}\n/);
  const md = readFileSync(out, 'utf8');
  assert.match(md, /^# Security logging and monitoring: technical file section\n/);
  assert.match(md, /Enrolled devices: 1 active \(1 low profile\), 0 revoked/);
  assert.match(md, /Active devices: cam-17\n/);
  assert.match(md, /\| Critical events logged \| FAIL \| 1 enrolled device\(s\) sent nothing in the last 7 days: cam-17 \|/);
  assert.deepEqual(
    readdirSync(root).filter((f) => f.includes('.tmp-')),
    [],
    'no temporary file left',
  );

  const afterDocs = runCli(['check', '--data', data]);
  assert.equal(afterDocs.code, 1, 'other items still fail');
  assert.match(docsLine(afterDocs.stdout), /^PASS {2}Documentation\n {6}- last generated .* \(md; markdown SHA-256 [0-9a-f]{16}…\)/);
});

test('a configuration change makes the documentation stale; generating again with it passes', () => {
  const config = join(root, 'seclog.yaml');
  writeFileSync(config, 'detect:\n  builtinRules: false\n');
  const stale = runCli(['check', '--data', data, '--config', config]);
  assert.match(
    docsLine(stale.stdout),
    /^FAIL {2}Documentation\n {6}why: the configuration or the rules in force changed since the documentation was generated/,
  );
  const html = join(root, 'section.html');
  const r = runCli(['docs', '--data', data, '--config', config, '-o', html]);
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /<h1>Security logging and monitoring: technical file section<\/h1>/);
  assert.match(docsLine(runCli(['check', '--data', data, '--config', config]).stdout), /^PASS {2}Documentation/);
});

test('md to standard output; bad options exit 2 and write nothing', () => {
  const r = runCli(['docs', '--data', data, '--format', 'md']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# Security logging/);
  for (const [args, msg] of [
    [['--format', 'docx'], /--format must be one of md, html, pdf/],
    [['-o', join(root, 'x.txt')], /--format must be one of md, html, pdf/],
    [['--days', '0'], /--days must be a whole number of days from 1 to 366/],
  ] as const) {
    const bad = runCli(['docs', '--data', data, ...args]);
    assert.equal(bad.code, 2, bad.stdout);
    assert.match(bad.stderr, msg);
  }
  assert.equal(existsSync(join(root, 'x.txt')), false);
});

test('pdf without Chromium: exit 2 naming apt-get install chromium, no file', () => {
  const saved = process.env.SECLOG_CHROMIUM;
  process.env.SECLOG_CHROMIUM = join(root, 'no-chromium');
  try {
    const out = join(root, 'none.pdf');
    const r = runCli(['docs', '--data', data, '-o', out]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /apt-get install chromium/);
    assert.equal(existsSync(out), false);
  } finally {
    if (saved === undefined) delete process.env.SECLOG_CHROMIUM;
    else process.env.SECLOG_CHROMIUM = saved;
  }
});

test('pdf with Chromium: starts with %PDF and carries the title', (ctx) => {
  if (findChromium() === undefined) {
    if (process.env.SECLOG_TEST_REQUIRE_ALL === '1')
      assert.fail('Chromium is required (SECLOG_TEST_REQUIRE_ALL=1): apt-get install chromium');
    ctx.skip('Chromium not installed: apt-get install chromium');
    return;
  }
  const out = join(root, 'section.pdf');
  const r = runCli(['docs', '--data', data, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const pdf = readFileSync(out);
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(pdf.toString('latin1').includes('/Title (Security logging and monitoring: technical file section)'));
});
