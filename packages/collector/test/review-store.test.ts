// The review store conformance suite (review-store-conformance.ts) against SQLite (a file and
// :memory:) and, when initdb is installed, PostgreSQL in a throwaway cluster this file starts; then
// the whole workflow on a collector whose store is that PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ReviewEvidence } from '../src/review/evidence.js';
import { PgBridge, preparePgWorker } from '../src/store/pg/pg-bridge.js';
import { openPgStore } from '../src/store/pg/pg-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import type { Store } from '../src/store/types.js';
import { seededCollector } from './review-fixtures.js';
import { describeReviewStoreConformance, type ReviewStoreFixture } from './review-store-conformance.js';
import { REQUIRE_ALL } from './support/peers.js';
import { PG_BIN, PG_MISSING, type PgCluster, startPgCluster } from './support/pg-cluster.js';

describeReviewStoreConformance('SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-rev-'));
  const path = join(dir, 'seclog.db');
  let store: Store = openSqliteStore(path);
  return {
    get store() {
      return store;
    },
    reopen() {
      store.close();
      store = openSqliteStore(path);
      return store;
    },
    dispose() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  } satisfies ReviewStoreFixture;
});

describeReviewStoreConformance('SQLite :memory:', () => {
  const store = openSqliteStore(':memory:');
  return { store, dispose: () => store.close() };
});

if (!PG_BIN && REQUIRE_ALL) test('PostgreSQL is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(PG_MISSING));
if (!PG_BIN) test('PostgreSQL review store', { skip: PG_MISSING }, () => {});

let cluster: PgCluster | undefined;
let admin: PgBridge | undefined;
if (PG_BIN) {
  cluster = await startPgCluster();
  await preparePgWorker();
  admin = PgBridge.open(cluster.url());
  admin.query('CREATE DATABASE review_template');
  openPgStore(cluster.url('review_template')).close();
}
after(async () => {
  admin?.close();
  await cluster?.dispose();
});

let databases = 0;
if (PG_BIN) {
  describeReviewStoreConformance('PostgreSQL', () => {
    const name = `r_${databases++}`;
    (admin as PgBridge).query(`CREATE DATABASE ${name} TEMPLATE review_template STRATEGY FILE_COPY`);
    const url = (cluster as PgCluster).url(name);
    let store: Store = openPgStore(url);
    return {
      get store() {
        return store;
      },
      reopen() {
        store.close();
        store = openPgStore(url);
        return store;
      },
      dispose() {
        store.close();
        (admin as PgBridge).query(`DROP DATABASE ${name} WITH (FORCE)`);
      },
    };
  });
}

test('on PostgreSQL, a collector runs a review end to end: started, signed, approved, verified', {
  skip: PG_BIN ? false : PG_MISSING,
}, async () => {
  const name = `r_${databases++}`;
  (admin as PgBridge).query(`CREATE DATABASE ${name}`);
  const s = await seededCollector({ db: (cluster as PgCluster).url(name) });
  try {
    const reviews = s.t.c.reviews;
    const { review } = reviews.start({ periodStartUs: s.startUs, periodEndUs: s.endUs }, { id: 'user/alice' });
    const ev = JSON.parse(review.evidence) as ReviewEvidence;
    assert.equal(ev.events.byNameOutcome.find((r) => r.name === 'authn_login_fail')?.count, 9);
    assert.equal(ev.alerts.opened, 2);
    assert.equal(ev.integrity.verification.ok, true, ev.integrity.verification.problems.join('; '));
    reviews.addFinding(review.id, { text: 'checked on PostgreSQL', severity: 'info', alertIds: [s.alerts.open] }, { id: 'user/alice' });
    await reviews.sign(review.id, { id: 'user/alice' });
    await reviews.approve(review.id, { id: 'user/bob' });
    const v = reviews.verify(review.id);
    assert.equal(v.ok, true, v.problems.join('; '));
    assert.equal(v.approval, 'valid');
  } finally {
    await s.t.cleanup();
    (admin as PgBridge).query(`DROP DATABASE ${name} WITH (FORCE)`);
  }
});
