import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/run-cli.js';

const good = {
  v: 1,
  id: '019ac5e2-7b10-7c3a-9d41-2f6b8e0a1c55',
  name: 'authn_login_fail',
  time: '2026-11-27T13:33:43.123456Z',
  severity: 'medium',
  outcome: 'failure',
  device: { id: 'cam-17' },
  actor: { user: 'admin', ip: '203.0.113.9' },
  attrs: { method: 'password', reason: 'bad_password' },
};
const bad = { ...good, outcome: 'maybe', attrs: { method: 'password' } };

test('--help lists the commands and exit codes; --version prints the version', () => {
  const help = runCli(['--help']);
  assert.equal(help.code, 0);
  for (const c of ['serve', 'events', 'validate', 'convert', 'Exit codes']) assert.match(help.stdout, new RegExp(c));
  const version = runCli(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('an unknown command is a usage error (exit 2)', () => {
  const r = runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command/);
});

// serve, device and token: test/serve-device.test.ts (issue C).

test('events lists the catalogue', () => {
  const r = runCli(['events', '--json']);
  assert.equal(r.code, 0);
  const names = (JSON.parse(r.stdout) as { name: string }[]).map((e) => e.name);
  assert.ok(names.includes('authn_login_fail') && names.includes('passthrough'));
});

describe('validate', () => {
  test('valid NDJSON: exit 0', () => {
    const r = runCli(['validate'], `${JSON.stringify(good)}\n\n${JSON.stringify(good)}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 records, 2 valid, 0 invalid/);
  });
  test('every violation with its line, path and rule: exit 1', () => {
    const r = runCli(['validate', '--json'], `${JSON.stringify(good)}\n${JSON.stringify(bad)}\nnot json\n`);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { invalid: number; problems: { line: number; path: string; rule: string }[] };
    assert.equal(out.invalid, 2);
    assert.deepEqual(
      out.problems.map((p) => `${p.line}:${p.path}:${p.rule}`),
      ['2:outcome:enum', '2:attrs.reason:required', '3::json'],
    );
  });
  test('a missing file is an I/O error: exit 2', () => {
    const r = runCli(['validate', '/nonexistent/events.ndjson']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read/);
  });
});

describe('convert', () => {
  test('to every format', () => {
    for (const to of ['ocsf', 'ecs', 'cef', 'syslog', 'syslog-framed', 'otlp', 'jcs']) {
      const r = runCli(['convert', '--to', to], JSON.stringify([good]));
      assert.equal(r.code, 0, `${to}: ${r.stderr}`);
      assert.ok(r.stdout.length > 0, to);
    }
    const ocsf = JSON.parse(runCli(['convert', '--to', 'ocsf'], JSON.stringify(good)).stdout) as { class_uid: number };
    assert.equal(ocsf.class_uid, 3002);
    assert.match(runCli(['convert', '--to', 'cef'], JSON.stringify(good)).stdout, /^CEF:0\|seclog\|seclog\|/);
    assert.match(
      runCli(['convert', '--to', 'syslog'], JSON.stringify(good)).stdout,
      /^<\d+>1 2026-11-27T13:33:43.123456Z cam-17 seclog - authn_login_fail \[seclog@32473 /,
    );
  });
  test('invalid records are reported and not encoded', () => {
    const r = runCli(['convert', '--to', 'jcs'], `${JSON.stringify(good)}\n${JSON.stringify(bad)}\n`);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.match(r.stderr, /line 2: invalid event/);
  });
  test('an unknown format is a usage error', () => {
    assert.equal(runCli(['convert', '--to', 'xml'], '').code, 2);
  });
});

test('the installed bin runs from the build', (t) => {
  const bin = fileURLToPath(new URL('../bin/seclog.js', import.meta.url));
  if (!existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)))) {
    t.skip('packages/cli/dist is absent: run `npm run build` (npm install does it)');
    return;
  }
  const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});
