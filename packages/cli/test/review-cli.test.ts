// `seclog review` end to end on a data directory (issue G item 6): accounts made with `seclog user`,
// a checkpoint signed by a collector run, then a review started, a finding added, signed and approved
// by two people through the CLI, listed, shown and verified; a tampered finding fails --verify (exit 1).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig, openCollector } from '@seclog/collector';
import Database from 'better-sqlite3';
import { runCli } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-review-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'data');
const PASSWORD = 'a long enough password 1';
let id: string;

before(async () => {
  for (const [name, role] of [
    ['alice', 'analyst'],
    ['bob', 'admin'],
    ['eve', 'auditor'],
  ]) {
    const r = runCli(['user', 'add', name as string, '--role', role as string, '--password-stdin', '--data', data], `${PASSWORD}\n`);
    assert.equal(r.code, 0, r.stderr);
  }
  // A collector run integrates what the CLI committed and signs a checkpoint on close.
  const c = await openCollector(loadConfig({ env: {}, cwd: root, flags: { dataDir: data, http: { port: 0 } } }));
  await c.close();
});

const from = '2026-01-01T00:00:00Z';
const review = (...args: string[]) => runCli(['review', ...args, '--data', data]);

test('start: the reviewer must be an analyst or admin; the evidence is printed', () => {
  const refused = review('start', '--from', from, '--to', new Date().toISOString(), '--as', 'eve');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--as eve: the role is auditor, reviews need analyst or admin/);
  const nobody = review('start', '--from', from, '--to', new Date().toISOString(), '--as', 'mallory');
  assert.equal(nobody.code, 2);
  assert.match(nobody.stderr, /no such user/);
  const r = review('start', '--from', from, '--to', new Date().toISOString(), '--as', 'alice', '--json');
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as {
    id: string;
    status: string;
    createdBy: string;
    evidence: { events: { byNameOutcome: { name: string }[] } };
  };
  assert.equal(d.status, 'open');
  assert.equal(d.createdBy, 'user/alice');
  assert.ok(
    d.evidence.events.byNameOutcome.some((x) => x.name === 'user_created' || x.name.startsWith('user')),
    JSON.stringify(d.evidence),
  );
  id = d.id;
  const text = review('show', id);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^review ${id}: open`));
  assert.match(text.stdout, /log check +ok/);
});

test('finding, sign, approve by a second person; list and show --verify', () => {
  const f = review('finding', id, 'no device enrolled yet: nothing of the product is logged', '--severity', 'high', '--as', 'alice');
  assert.equal(f.code, 0, f.stderr);
  const signed = review('sign', id, '--as', 'alice');
  assert.equal(signed.code, 0, signed.stderr);
  assert.match(signed.stdout, /signed: review .*: signed/);
  assert.match(signed.stdout, /signed +.* by user\/alice against checkpoint \d+/);
  const same = review('approve', id, '--as', 'alice');
  assert.equal(same.code, 2);
  assert.match(same.stderr, /a second person must approve it/);
  const approved = review('approve', id, '--as', 'bob');
  assert.equal(approved.code, 0, approved.stderr);
  assert.match(approved.stdout, /approved +.* by user\/bob/);
  const list = review('list', '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    (JSON.parse(list.stdout) as { reviews: { id: string; status: string }[] }).reviews.map((r) => [r.id, r.status]),
    [[id, 'approved']],
  );
  const v = review('show', id, '--verify');
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(
    v.stdout,
    /verification: ok\n +signature +valid\n +record +matches\n +checkpoint +\d+ consistent with \d+\n +approval +valid/,
  );
});

test('a finding changed in the database fails show --verify with exit 1', () => {
  const db = new Database(join(data, 'seclog.db'));
  try {
    db.prepare("UPDATE review_findings SET text = 'all fine' WHERE review_id = ?").run(id);
  } finally {
    db.close();
  }
  const v = review('show', id, '--verify');
  assert.equal(v.code, 1, v.stdout + v.stderr);
  assert.match(v.stdout, /verification: FAILED/);
  assert.match(v.stdout, /differs from the signed record in: findingsDigest/);
});
