// `--db postgres://…` (issue I item 2, first part): `seclog serve` and the data-directory commands keep
// the keys in the data directory and everything else in PostgreSQL — enrolment, users and the compliance
// check from the CLI, ingest and query through a running collector — against a throwaway cluster
// started here (skipped with what to install when PostgreSQL is missing; failed under
// SECLOG_TEST_REQUIRE_ALL=1).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { deviceChain } from '../../collector/test/ingest-fixtures.js';
import { REQUIRE_ALL } from '../../collector/test/support/peers.js';
import { PG_BIN, PG_MISSING, type PgCluster, startPgCluster } from '../../collector/test/support/pg-cluster.js';
import { runCli, startServe } from './support/run-cli.js';

if (!PG_BIN && REQUIRE_ALL) test('PostgreSQL is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(PG_MISSING));

const root = mkdtempSync(join(tmpdir(), 'seclog-cli-db-'));
let cluster: PgCluster | undefined;
after(async () => {
  await cluster?.dispose();
  rmSync(root, { recursive: true, force: true });
});

test('device, user and check work on PostgreSQL; serve ingests into it; the SQLite file is never made', {
  skip: PG_BIN ? false : PG_MISSING,
}, async () => {
  cluster = await startPgCluster();
  const db = cluster.url();
  const dir = join(root, 'keys');
  const out = join(root, 'cam-1.json');
  const add = runCli(['device', 'add', 'cam-1', '--data', dir, '--db', db, '--out', out]);
  assert.equal(add.code, 0, add.stderr);
  const device = JSON.parse(readFileSync(out, 'utf8')) as { token: string };
  const user = runCli(['user', 'add', 'ana', '--role', 'auditor', '--data', dir, '--db', db]);
  assert.equal(user.code, 0, user.stderr);
  assert.equal(runCli(['device', 'add', 'cam-2', '--data', dir, '--db', 'mysql://x']).code, 2, 'only postgres:// URLs');

  const serve = await startServe(['--data', dir, '--db', db, '--port', '0']);
  try {
    const { url } = serve;
    const admin = /(sla_[A-Za-z0-9_-]{43})/.exec(serve.output())?.[1] as string;
    const records = deviceChain('cam-1', 4);
    const res = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device: 'cam-1', stream: records[0]?.stream, records }),
    });
    assert.equal(res.status, 200, await res.text());
    const q = await fetch(`${url}/api/v1/events?device=cam-1`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(q.status, 200);
    assert.equal(((await q.json()) as { events: unknown[] }).events.length, 4);
    assert.equal(await serve.stop(), 0, serve.output());
  } finally {
    serve.kill();
  }

  const list = runCli(['device', 'list', '--json', '--data', dir, '--db', db]);
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as { id: string; lastSeen: string }[];
  assert.deepEqual(
    rows.map((r) => r.id),
    ['cam-1'],
  );
  assert.notEqual(rows[0]?.lastSeen, '-');
  const check = runCli(['check', '--json', '--data', dir, '--db', db]);
  assert.equal(check.code, 1, check.stderr);
  const report = JSON.parse(check.stdout) as { items: { id: string; pass: boolean; evidence: string[] }[] };
  const critical = report.items.find((i) => i.id === 'critical_events');
  assert.equal(critical?.pass, true, JSON.stringify(critical));
  assert.ok(!existsSync(join(dir, 'seclog.db')), 'nothing was stored in a SQLite file');
  assert.ok(existsSync(join(dir, 'log.key')), 'the log key is in the data directory');
});
