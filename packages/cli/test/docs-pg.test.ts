// `seclog docs --db postgres://…`: the section is generated from a PostgreSQL store (keys in the data
// directory), its generation record lives in the database, and `seclog check --db` then passes the
// documentation item. Against a throwaway cluster; skipped with what to install when PostgreSQL is
// missing, failed under SECLOG_TEST_REQUIRE_ALL=1.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REQUIRE_ALL } from '../../collector/test/support/peers.js';
import { PG_BIN, PG_MISSING, type PgCluster, startPgCluster } from '../../collector/test/support/pg-cluster.js';
import { runCli } from './support/run-cli.js';

if (!PG_BIN && REQUIRE_ALL) test('PostgreSQL is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(PG_MISSING));

const root = mkdtempSync(join(tmpdir(), 'seclog-docs-pg-'));
let cluster: PgCluster | undefined;
after(async () => {
  await cluster?.dispose();
  rmSync(root, { recursive: true, force: true });
});

test('docs and check on PostgreSQL', { skip: PG_BIN ? false : PG_MISSING }, async () => {
  cluster = await startPgCluster();
  const db = cluster.url();
  const dir = join(root, 'keys');
  assert.equal(runCli(['device', 'add', 'gw-1', '--data', dir, '--db', db, '--out', join(root, 'gw-1.json')]).code, 0);
  const before = runCli(['check', '--data', dir, '--db', db]);
  assert.match(before.stdout, /FAIL {2}Documentation\n {6}why: the logging section of the technical file was not generated yet/);

  const out = join(root, 'section.md');
  const r = runCli(['docs', '--data', dir, '--db', db, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const md = readFileSync(out, 'utf8');
  assert.match(md, /Store: PostgreSQL\./);
  assert.match(md, /Free space of the store: not visible from here/);
  assert.match(md, /Active devices: gw-1\n/);

  const later = runCli(['check', '--data', dir, '--db', db]);
  assert.match(later.stdout, /PASS {2}Documentation\n {6}- last generated /);
});
