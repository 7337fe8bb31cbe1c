/**
 * The ReviewStore contract (src/store/review-types.ts), run by review-store.test.ts against SQLite and
 * PostgreSQL: one review per scheduled period, open → signed → approved in one direction only, the
 * revision that makes a signature over stale findings fail, the four-eyes rule kept by the store,
 * findings frozen once signed, the unlogged list, and the evidence queries (outcome counts, the
 * checkpoints around a time).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Hash } from '@seclog/core';
import type { NewReview, ReviewSignature } from '../src/store/review-types.js';
import type { Store } from '../src/store/types.js';
import { StreamWriter } from './store-conformance.js';

export interface ReviewStoreFixture {
  store: Store;
  reopen?: () => Store;
  dispose(): void;
}

const T0 = Date.UTC(2026, 10, 1) * 1000;
const DAY = 86_400_000_000;
const hasCode = (code: string) => (err: unknown) => (err as { code?: unknown }).code === code;

const review = (over: Partial<NewReview> = {}): NewReview => ({
  id: 'rev-weekly-20261102',
  schedule: 'weekly',
  periodStartUs: T0,
  periodEndUs: T0 + 7 * DAY,
  dueUs: T0 + 14 * DAY,
  createdUs: T0 + 8 * DAY,
  createdBy: 'user/alice',
  evidence: '{"v":1}',
  evidenceUs: T0 + 8 * DAY,
  ...over,
});

const signature = (by = 'user/alice'): ReviewSignature => ({
  signedUs: T0 + 9 * DAY,
  signedBy: by,
  note: 'seclog/review/v1\n{}\n\n— origin sig\n',
  checkpointSize: 12,
  checkpointRoot: 'ab'.repeat(32),
});

export function describeReviewStoreConformance(name: string, factory: () => ReviewStoreFixture): void {
  const withStore = (fn: (f: ReviewStoreFixture) => void) => () => {
    const f = factory();
    try {
      fn(f);
    } finally {
      f.dispose();
    }
  };

  describe(`${name}: periodic reviews`, () => {
    test(
      'a review is stored once per id and per scheduled period; reviews of hand-picked periods may share a start',
      withStore(({ store }) => {
        const reviews = store.reviews();
        reviews.createReview(review());
        const got = reviews.getReview('rev-weekly-20261102');
        assert.equal(got?.status, 'open');
        assert.equal(got?.revision, 0);
        assert.deepEqual(
          { ...got, seq: 0 },
          { ...review(), seq: 0, status: 'open', revision: 0, signature: null, approval: null, logPos: null, approvalLogPos: null },
        );
        assert.throws(() => reviews.createReview(review()), hasCode('STORE_REVIEW_EXISTS'));
        assert.throws(() => reviews.createReview(review({ id: 'rev-other' })), hasCode('STORE_REVIEW_EXISTS'), 'same schedule and period');
        reviews.createReview(review({ id: 'rev-a', schedule: null, dueUs: null }));
        reviews.createReview(review({ id: 'rev-b', schedule: null, dueUs: null }));
        assert.equal(reviews.findScheduledReview('weekly', T0)?.id, 'rev-weekly-20261102');
        assert.equal(reviews.findScheduledReview('weekly', T0 + 1), undefined);
        assert.equal(reviews.getReview('rev-missing'), undefined);
      }),
    );

    test(
      'findings are added in order while open; each change bumps the revision; a signature needs the revision it read',
      withStore(({ store }) => {
        const reviews = store.reviews();
        reviews.createReview(review());
        const f1 = reviews.addFinding({
          reviewId: 'rev-weekly-20261102',
          text: 'brute force on gw-1 handled late',
          severity: 'medium',
          alertIds: ['alr-1'],
          createdUs: T0 + 8 * DAY + 1,
          createdBy: 'user/alice',
        });
        assert.deepEqual(f1?.alertIds, ['alr-1']);
        assert.equal(reviews.setEvidence('rev-weekly-20261102', '{"v":1,"x":2}', T0 + 8 * DAY + 2), true);
        const f2 = reviews.addFinding({
          reviewId: 'rev-weekly-20261102',
          text: 'ok',
          severity: 'info',
          alertIds: [],
          createdUs: T0 + 8 * DAY + 3,
          createdBy: 'user/bob',
        });
        assert.ok(f1 !== undefined && f2 !== undefined && f1.seq < f2.seq);
        assert.deepEqual(
          reviews.listFindings('rev-weekly-20261102').map((f) => f.text),
          ['brute force on gw-1 handled late', 'ok'],
        );
        const r = reviews.getReview('rev-weekly-20261102');
        assert.equal(r?.revision, 3);
        assert.equal(r?.evidence, '{"v":1,"x":2}');
        assert.equal(reviews.signReview('rev-weekly-20261102', 2, signature()), false, 'a stale revision signs nothing');
        assert.equal(reviews.getReview('rev-weekly-20261102')?.status, 'open');
        assert.equal(reviews.signReview('rev-weekly-20261102', 3, signature()), true);
        const signed = reviews.getReview('rev-weekly-20261102');
        assert.equal(signed?.status, 'signed');
        assert.deepEqual(signed?.signature, signature());
        // Frozen from now on.
        assert.equal(reviews.signReview('rev-weekly-20261102', 3, signature('user/bob')), false);
        assert.equal(reviews.setEvidence('rev-weekly-20261102', '{}', 1), false);
        assert.equal(
          reviews.addFinding({
            reviewId: 'rev-weekly-20261102',
            text: 'late',
            severity: 'low',
            alertIds: [],
            createdUs: 1,
            createdBy: 'x',
          }),
          undefined,
        );
        assert.equal(reviews.listFindings('rev-weekly-20261102').length, 2);
        assert.equal(
          reviews.addFinding({ reviewId: 'rev-missing', text: 'x', severity: 'low', alertIds: [], createdUs: 1, createdBy: 'x' }),
          undefined,
        );
      }),
    );

    test(
      'approval needs a signature and another person, happens once; the log position is set once',
      withStore(({ store }) => {
        const reviews = store.reviews();
        reviews.createReview(review());
        const approval = { approvedUs: T0 + 10 * DAY, approvedBy: 'user/bob', note: 'approval note' };
        assert.equal(reviews.approveReview('rev-weekly-20261102', approval), false, 'not signed yet');
        assert.equal(reviews.signReview('rev-weekly-20261102', 0, signature()), true);
        assert.deepEqual(
          reviews.listUnloggedReviews(10).map((r) => r.id),
          ['rev-weekly-20261102'],
        );
        assert.equal(reviews.approveReview('rev-weekly-20261102', { ...approval, approvedBy: 'user/alice' }), false, 'the signer');
        assert.equal(reviews.approveReview('rev-weekly-20261102', approval), true);
        assert.equal(reviews.approveReview('rev-weekly-20261102', { ...approval, approvedBy: 'user/carol' }), false, 'once');
        const r = reviews.getReview('rev-weekly-20261102');
        assert.equal(r?.status, 'approved');
        assert.deepEqual(r?.approval, approval);
        assert.equal(reviews.setReviewLogPos('rev-weekly-20261102', 41), true);
        assert.equal(reviews.setReviewLogPos('rev-weekly-20261102', 42), false);
        assert.equal(reviews.getReview('rev-weekly-20261102')?.logPos, 41);
        assert.deepEqual(reviews.listUnloggedReviews(10), []);
      }),
    );

    test(
      'an approval whose record is not in the log is listed once the signature’s is; its position is set once',
      withStore(({ store }) => {
        const reviews = store.reviews();
        reviews.createReview(review());
        assert.equal(reviews.setApprovalLogPos('rev-weekly-20261102', 7), false, 'not approved');
        assert.equal(reviews.signReview('rev-weekly-20261102', 0, signature()), true);
        assert.equal(reviews.approveReview('rev-weekly-20261102', { approvedUs: T0 + 10 * DAY, approvedBy: 'user/bob', note: 'n' }), true);
        assert.equal(reviews.getReview('rev-weekly-20261102')?.approvalLogPos, null);
        assert.deepEqual(reviews.listUnloggedApprovals(10), [], 'the signature’s record goes first');
        reviews.setReviewLogPos('rev-weekly-20261102', 41);
        assert.deepEqual(
          reviews.listUnloggedApprovals(10).map((r) => r.id),
          ['rev-weekly-20261102'],
        );
        assert.equal(reviews.setApprovalLogPos('rev-weekly-20261102', 43), true);
        assert.equal(reviews.setApprovalLogPos('rev-weekly-20261102', 44), false);
        assert.equal(reviews.getReview('rev-weekly-20261102')?.approvalLogPos, 43);
        assert.deepEqual(reviews.listUnloggedApprovals(10), []);
      }),
    );

    test(
      'the list is newest first, filtered by status and schedule, in pages',
      withStore(({ store }) => {
        const reviews = store.reviews();
        for (let i = 0; i < 5; i++) {
          reviews.createReview(review({ id: `rev-w-${i}`, periodStartUs: T0 + i * 7 * DAY, periodEndUs: T0 + (i + 1) * 7 * DAY }));
        }
        reviews.createReview(review({ id: 'rev-hand', schedule: null, dueUs: null }));
        assert.equal(reviews.signReview('rev-w-1', 0, signature()), true);
        const p1 = reviews.listReviews({ limit: 4 });
        assert.deepEqual(
          p1.reviews.map((r) => r.id),
          ['rev-hand', 'rev-w-4', 'rev-w-3', 'rev-w-2'],
        );
        const p2 = reviews.listReviews({ limit: 4, beforeSeq: p1.nextBeforeSeq as number });
        assert.deepEqual(
          p2.reviews.map((r) => r.id),
          ['rev-w-1', 'rev-w-0'],
        );
        assert.equal(p2.nextBeforeSeq, undefined);
        assert.deepEqual(
          reviews.listReviews({ limit: 10, status: 'signed' }).reviews.map((r) => r.id),
          ['rev-w-1'],
        );
        assert.equal(reviews.listReviews({ limit: 10, status: 'open', schedule: 'weekly' }).reviews.length, 4);
        assert.equal(reviews.listReviews({ limit: 10, status: 'approved' }).reviews.length, 0);
      }),
    );

    test(
      'eventOutcomes counts the records of a half-open window of record time by name and outcome',
      withStore(({ store }) => {
        const w = new StreamWriter();
        const a = w.batch('dev-1', 's1', 4);
        const b = w.batch('dev-2', 's2', 3, { outcome: 'success' });
        store.transaction(() => store.commitBatches([a, b]));
        const all = store.reviews().eventOutcomes(0, Number.MAX_SAFE_INTEGER);
        // dev-1: seqs 1..4 (odd config_change, even authn_login_fail), failure; dev-2: seqs 1..3, success.
        assert.deepEqual(all, [
          { name: 'authn_login_fail', outcome: 'failure', count: 2 },
          { name: 'authn_login_fail', outcome: 'success', count: 1 },
          { name: 'config_change', outcome: 'failure', count: 2 },
          { name: 'config_change', outcome: 'success', count: 2 },
        ]);
        const times = store.readEvents(0, 7).map((e) => Date.parse((JSON.parse(e.canonical) as { time: string }).time) * 1000);
        const first = Math.min(...times);
        assert.equal(
          store
            .reviews()
            .eventOutcomes(0, first + 1000)
            .reduce((n, r) => n + r.count, 0),
          1,
        );
        assert.throws(() => store.reviews().eventOutcomes(5, 4), hasCode('STORE_QUERY_INVALID'));
      }),
    );

    test(
      'checkpoints are found around a time: the last signed before it, the first signed at or after it',
      withStore(({ store }) => {
        const cp = (size: number, createdUs: number) => ({
          treeSize: size,
          root: new Uint8Array(32).fill(size) as Hash,
          note: `note ${size}`,
          createdUs,
        });
        assert.equal(store.reviews().checkpointSignedFrom(0), undefined);
        for (const [size, at] of [
          [3, 100],
          [7, 200],
          [9, 300],
        ] as const)
          store.putCheckpoint(cp(size, at));
        const r = store.reviews();
        assert.equal(r.checkpointSignedFrom(150)?.treeSize, 7);
        assert.equal(r.checkpointSignedFrom(200)?.treeSize, 7);
        assert.equal(r.checkpointSignedFrom(50)?.treeSize, 3);
        assert.equal(r.checkpointSignedFrom(301), undefined);
        assert.equal(r.checkpointSignedBefore(200)?.treeSize, 3);
        assert.equal(r.checkpointSignedBefore(100), undefined);
        assert.equal(r.checkpointSignedBefore(1000)?.note, 'note 9');
        assert.deepEqual([...(r.checkpointSignedFrom(250)?.root ?? [])], [...new Uint8Array(32).fill(9)]);
      }),
    );

    test(
      'reviews survive a reopen',
      withStore((f) => {
        if (f.reopen === undefined) return;
        f.store.reviews().createReview(review());
        f.store.reviews().signReview('rev-weekly-20261102', 0, signature());
        const again = f.reopen();
        assert.equal(again.reviews().getReview('rev-weekly-20261102')?.status, 'signed');
      }),
    );
  });
}
