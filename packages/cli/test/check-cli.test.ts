// `seclog check` on a data directory (issue G item 7): exit 1 when an item fails, each failing item
// says why, --json gives the same report as the API, bad options exit 2.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-check-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'data');

test('a fresh install fails honestly: every failing item says why', () => {
  const r = runCli(['check', '--data', data]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.split('\n');
  assert.deepEqual(
    lines.filter((l) => /^(PASS|FAIL) {2}/.test(l)).map((l) => l.replace(/ {2}.*/, '')),
    ['FAIL', 'PASS', 'FAIL', 'PASS', 'PASS', 'FAIL'],
    r.stdout,
  );
  assert.match(r.stdout, /FAIL {2}Critical events logged\n {6}why: no device is enrolled/);
  assert.match(r.stdout, /FAIL {2}Accurate timestamps\n {6}why: no device records in the window/);
  assert.match(r.stdout, /PASS {2}Log analysis process\n {6}- automated detection is on with \d+ alerting rule\(s\)/);
  assert.match(r.stdout, /3 of 6 items fail/);
});

test('--json prints the report; --days sets the window; bad values exit 2', () => {
  const r = runCli(['check', '--data', data, '--json', '--days', '30']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { pass: boolean; window: { days: number }; items: { id: string; pass: boolean }[] };
  assert.equal(report.pass, false);
  assert.equal(report.window.days, 30);
  assert.equal(report.items.length, 6);
  for (const days of ['0', '400', 'week']) {
    const bad = runCli(['check', '--data', data, '--days', days]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--days must be a whole number of days from 1 to 366/);
  }
});
