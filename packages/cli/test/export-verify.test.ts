import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateNoteKey } from '@seclog/core';
import Database from 'better-sqlite3';
import { type Fixture, makeFixture } from '../../collector/test/verify-fixtures.js';
import { runCli } from './support/run-cli.js';

let fx: Fixture;
let vkeyFile: string;
before(async () => {
  fx = await makeFixture(2, 25, 10);
  vkeyFile = join(fx.dataDir, 'log.vkey');
});
after(() => fx.cleanup());

test('export a bundle, verify it (pinned and not), then a tampered copy', () => {
  const out = join(fx.root, 'all.bundle');
  const exp = runCli(['export', '--data', fx.dataDir, '-o', out, '--device', 'cam-0,cam-1']);
  assert.equal(exp.code, 0, exp.stderr);
  assert.match(exp.stderr, /^exported \d+ events \(bundle\) against the checkpoint of tree size \d+ to /m);

  const ok = runCli(['verify', out, '--key-file', vkeyFile, '--workers', '1']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^intact: /);
  assert.match(ok.stdout, /50 events, 2 devices, 2 streams/);
  assert.match(ok.stdout, /signed by the pinned key/);
  const tofu = runCli(['verify', out, '--workers', '0', '--json']);
  assert.equal(tofu.code, 0);
  const j = JSON.parse(tofu.stdout);
  assert.deepEqual([j.ok, j.trust, j.events], [true, 'header', 50]);

  const lines = readFileSync(out, 'utf8').split('\n');
  lines[7] = lines[7]!.replace('"severity":"medium"', '"severity":"high"');
  const bad = join(fx.root, 'bad.bundle');
  writeFileSync(bad, lines.join('\n'));
  const failed = runCli(['verify', bad, '--key-file', vkeyFile, '--workers', '0']);
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  assert.match(failed.stdout, /^FAILED: modified at line 8, leaf \d+, device cam-\d stream \S+ seq \d+: /);
  const other = runCli(['verify', out, '--key', generateNoteKey('other.example/log').verifierKey, '--workers', '0']);
  assert.equal(other.code, 1, other.stdout + other.stderr);
  assert.match(other.stdout, /FAILED: unknown_key at line 1/);
});

test('other formats write one line per event', () => {
  const out = join(fx.root, 'cam1.ocsf');
  const exp = runCli(['export', '--data', fx.dataDir, '-o', out, '--format', 'ocsf', '--device', 'cam-1', '--json']);
  assert.equal(exp.code, 0, exp.stderr);
  assert.equal(JSON.parse(exp.stdout).events, 25);
  assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 25);
});

test('verify --data: intact, then a changed row named with its kind', () => {
  const ok = runCli(['verify', '--data', fx.dataDir, '--workers', '1']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^intact: /);
  const db = new Database(join(fx.dataDir, 'seclog.db'));
  let pos: number;
  try {
    pos = db.prepare("SELECT pos FROM events WHERE device = 'cam-1' AND seq = 4").pluck().get() as number;
    db.prepare("UPDATE events SET canonical = replace(canonical, 'bad_password', 'bad_passw0rd') WHERE pos = ?").run(pos);
  } finally {
    db.close();
  }
  const bad = runCli(['verify', '--data', fx.dataDir, '--workers', '0', '--json']);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  const f = JSON.parse(bad.stdout);
  assert.deepEqual([f.ok, f.kind, f.target, f.pos, f.device, f.seq], [false, 'modified', 'event', pos, 'cam-1', 4]);
  const text = runCli(['verify', '--data', fx.dataDir, '--workers', '0']);
  assert.match(text.stdout, new RegExp(`^FAILED: modified: row at position ${pos}, device cam-1 stream \\S+ seq 4: `));
});

test('usage and I/O errors exit 2', () => {
  assert.equal(runCli(['verify']).code, 2);
  assert.equal(runCli(['verify', '--data', join(fx.root, 'nowhere')]).code, 2);
  writeFileSync(join(fx.root, 'not-a-bundle'), '{"hello":1}\n');
  assert.equal(runCli(['verify', join(fx.root, 'not-a-bundle')]).code, 2);
  assert.equal(runCli(['export', '--data', fx.dataDir, '-o', join(fx.root, 'x'), '--format', 'xml']).code, 2);
});
