// The review_approved record is never lost: an approval whose append fails is stored, reported
// (REVIEW_AUDIT_FAILED), and appended by the next tick exactly once; a tick while the approval's own
// append is still in flight leaves it alone. A store migrated to the approval log position finds the
// records of earlier approvals in the log, and appends only the missing ones.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import Database from 'better-sqlite3';
import type { OwnEvent } from '../src/ingest/own-stream.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import type { ReviewsConfig } from '../src/review/config-schema.js';
import type { ReviewService } from '../src/review/review-service.js';
import { runMigrations } from '../src/store/migrations.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite-schema.js';
import { startTestCollector, type TestCollector } from './ingest-fixtures.js';
import { reviewServiceOf } from './review-fixtures.js';

let t: TestCollector;
before(async () => {
  t = await startTestCollector({ detect: { builtinRules: false } });
});
after(async () => {
  await t?.cleanup();
});

const CONFIG: ReviewsConfig = {
  approval: 'optional',
  checkIntervalMs: 60_000,
  alertOverdueDays: 7,
  verifyMaxLeaves: 50_000,
  schedules: [],
};
const ALICE = { id: 'user/alice' };
const BOB = { id: 'user/bob' };

/** A service whose appends of review_approved fail while `failApprovals` is set, or wait for `hold` when given. */
function service(ctl: { failApprovals: boolean; hold?: Promise<void> }): ReviewService {
  return reviewServiceOf(t, CONFIG, {
    append: async (events: OwnEvent[]) => {
      if (events.some((e) => e.name === 'review_approved')) {
        if (ctl.failApprovals) throw new Error('disk full (test)');
        if (ctl.hold !== undefined) await ctl.hold;
      }
      return t.c.ingest.own.append(...events);
    },
  });
}

function approvedRecords(reviewId: string): SecurityEvent[] {
  const store = t.c.data.store;
  return store
    .readEvents(0, store.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent)
    .filter((r) => r.name === 'review_approved' && r.attrs.review_id === reviewId);
}

async function signedReview(s: ReviewService, daysAgo: number): Promise<string> {
  const end = Date.now() * 1000 - daysAgo * 86_400_000_000;
  const { review } = s.start({ periodStartUs: end - 86_400_000_000, periodEndUs: end }, ALICE);
  await s.sign(review.id, ALICE);
  return review.id;
}

test('an approval whose record failed to append is appended by the next tick, once', async () => {
  const ctl = { failApprovals: true };
  const s = service(ctl);
  const id = await signedReview(s, 2);
  await assert.rejects(
    s.approve(id, BOB),
    (e: Error & { code?: string }) => e.code === 'REVIEW_AUDIT_FAILED' && /appends it later/.test(e.message),
  );
  const stored = s.get(id).review;
  assert.equal(stored.status, 'approved', 'the approval is stored');
  assert.equal(stored.approvalLogPos, null);
  assert.deepEqual(approvedRecords(id), []);
  // Still failing: the tick reports it and leaves the approval listed.
  await assert.rejects(s.tick(), /disk full/);
  ctl.failApprovals = false;
  assert.equal((await s.tick()).appended, 1);
  const recs = approvedRecords(id);
  assert.equal(recs.length, 1);
  assert.equal(recs[0]?.actor?.user, 'user/bob');
  assert.notEqual(s.get(id).review.approvalLogPos, null);
  assert.equal((await s.tick()).appended, 0, 'nothing left to append');
  assert.equal(approvedRecords(id).length, 1);
  const v = s.verify(id);
  assert.equal(v.ok, true, v.problems.join('; '));
});

test('a tick while the approval’s own append is in flight does not append it a second time', async () => {
  let release!: () => void;
  const ctl = { failApprovals: false, hold: new Promise<void>((r) => (release = r)) };
  const s = service(ctl);
  const id = await signedReview(s, 3);
  const approving = s.approve(id, BOB);
  // The approval is stored before its append; the append waits on `hold`.
  for (let i = 0; i < 100 && s.get(id).review.status !== 'approved'; i++) await new Promise((r) => setImmediate(r));
  assert.equal(s.get(id).review.status, 'approved');
  assert.equal((await s.tick()).appended, 0);
  release();
  const approved = await approving;
  assert.notEqual(approved.approvalLogPos, null);
  assert.equal(approvedRecords(id).length, 1);
});

test('migration 10 finds the review_approved records already in the log; the tick appends only the missing one', async () => {
  const s = service({ failApprovals: false });
  const logged = await signedReview(s, 4);
  await s.approve(logged, BOB);
  const missing = await signedReview(s, 5);
  const failing = service({ failApprovals: true });
  await assert.rejects(failing.approve(missing, BOB), (e: Error & { code?: string }) => e.code === 'REVIEW_AUDIT_FAILED');
  // Back to the schema before migration 10, then migrate again, as an upgrade does.
  const db = new Database(join(t.c.data.path, 'seclog.db'));
  try {
    db.exec('DROP INDEX reviews_approval_unlogged; ALTER TABLE reviews DROP COLUMN approval_log_pos');
    db.prepare('DELETE FROM schema_migrations WHERE id = 10').run();
    runMigrations(db, SQLITE_MIGRATIONS);
    const rows = db.prepare('SELECT id, approval_log_pos AS p FROM reviews WHERE id IN (?, ?)').all(logged, missing) as {
      id: string;
      p: number | null;
    }[];
    const pos = Object.fromEntries(rows.map((r) => [r.id, r.p]));
    assert.equal(typeof pos[logged], 'number', 'the record in the log is found');
    assert.equal(pos[missing], null, 'the one the log lacks stays to be appended');
  } finally {
    db.close();
  }
  assert.equal((await s.tick()).appended, 1);
  assert.equal(approvedRecords(logged).length, 1, 'not appended again');
  assert.equal(approvedRecords(missing).length, 1);
});
