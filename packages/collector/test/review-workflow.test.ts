// A periodic review end to end on a running collector (issue G item 6): started with its evidence
// collected from seeded events and alerts (real counts), findings added, signed by the log key and
// appended as review_signed, approved by a second person, verified; then every kind of tampering
// with the stored review is caught by verify.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import Database from 'better-sqlite3';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import type { ReviewEvidence } from '../src/review/evidence.js';
import type { ReviewService } from '../src/review/review-service.js';
import { DB_FILE } from '../src/server/data-store.js';
import { type Seeded, seededCollector } from './review-fixtures.js';

const hasCode = (code: string) => (err: unknown) => (err as { code?: unknown }).code === code;
const ALICE = { id: 'user/alice', ip: '198.51.100.7' };
const BOB = { id: 'user/bob' };

let s: Seeded;
let reviews: ReviewService;
let id: string;

before(async () => {
  s = await seededCollector();
  reviews = s.t.c.reviews;
});
after(async () => {
  await s?.t.cleanup();
});

function ownRecords(name: string): SecurityEvent[] {
  const store = s.t.c.data.store;
  return store
    .readEvents(0, store.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent)
    .filter((r) => r.name === name);
}

describe('a review of a period', () => {
  test('starting it collects the evidence of the period from the live state', () => {
    const { review, created } = reviews.start({ periodStartUs: s.startUs, periodEndUs: s.endUs }, ALICE);
    assert.equal(created, true);
    assert.match(review.id, /^rev-\d{8}-[0-9a-f]{8}$/);
    assert.equal(review.status, 'open');
    assert.equal(review.schedule, null);
    id = review.id;
    const ev = JSON.parse(review.evidence) as ReviewEvidence;
    const logins = ev.events.byNameOutcome.find((r) => r.name === 'authn_login_fail' && r.outcome === 'failure');
    assert.equal(logins?.count, 9, 'five failed logins of cam-1, four of cam-3');
    assert.equal(ev.events.devices, 2);
    assert.ok(
      ev.events.byNameOutcome.some((r) => r.name === 'device_enrolled' && r.count === 3),
      JSON.stringify(ev.events.byNameOutcome),
    );
    assert.deepEqual(ev.devices.silent, ['cam-2']);
    assert.deepEqual(ev.devices.unsynced, [{ device: 'cam-3', syncedShare: 0, records: 4 }]);
    assert.equal(ev.devices.enrolled, 3);
    // Alerts: two raised in the period (one closed since), one raised ten days ago and still open.
    assert.equal(ev.alerts.opened, 2);
    assert.equal(ev.alerts.closed, 1);
    assert.equal(ev.alerts.stillOpen, 2);
    assert.equal(ev.alerts.overdue, 1);
    assert.deepEqual(ev.alerts.stillOpenList.map((a) => a.id).sort(), [s.alerts.open, s.alerts.old].sort());
    assert.equal(ev.integrity.failures, 0);
    assert.deepEqual(ev.integrity.openGaps, []);
    const v = ev.integrity.verification;
    assert.equal(v.ok, true, v.problems.join('; '));
    assert.ok(v.leaves.rows >= 9, `re-hashed ${v.leaves.rows} rows`);
    assert.ok(v.checkpoint !== null && v.checkpoint.size >= v.leaves.to);
    // The collector's capacity monitor and the device horizons (retention/) feed the storage section.
    assert.equal(ev.storage.available, true);
    assert.match(ev.storage.facts.join('\n'), /device overwrite horizons \(now\): \d+ of 3 device\(s\) measurable/);
    assert.equal(ev.storage.deviceWarnings, 0);
    assert.deepEqual(ev.rules.changes, []);
  });

  test('a period that has not ended, is empty or too long is refused', () => {
    const now = Date.now() * 1000;
    for (const [from, to] of [
      [now - 1000, now + 60_000_000],
      [now - 1000, now - 1000],
      [now - 400 * 86_400_000_000, now - 1000],
    ] as const) {
      assert.throws(() => reviews.start({ periodStartUs: from, periodEndUs: to }, ALICE), hasCode('REVIEW_PERIOD_INVALID'));
    }
    assert.throws(() => reviews.start({ schedule: 'nope' }, ALICE), hasCode('REVIEW_SCHEDULE_UNKNOWN'));
  });

  test('findings name stored alerts only; the evidence can be collected again while open', () => {
    assert.throws(
      () => reviews.addFinding(id, { text: 'x', severity: 'low', alertIds: ['alr-00000000000000000000000000000999'] }, ALICE),
      hasCode('REVIEW_FINDING_INVALID'),
    );
    assert.throws(() => reviews.addFinding(id, { text: '  ', severity: 'low' }, ALICE), hasCode('REVIEW_FINDING_INVALID'));
    reviews.addFinding(id, { text: 'alert on cam-1 open ten days: triage backlog', severity: 'medium', alertIds: [s.alerts.old] }, ALICE);
    reviews.addFinding(id, { text: 'cam-3 clock not synchronised', severity: 'low' }, BOB);
    const before = reviews.get(id).review;
    const again = reviews.collect(id);
    assert.ok(again.evidenceUs >= before.evidenceUs);
    assert.equal(again.revision, before.revision + 1);
    assert.equal(reviews.get(id).findings.length, 2);
  });

  test('signing stores the signed record and appends review_signed naming the checkpoint', async () => {
    const signed = await reviews.sign(id, ALICE);
    assert.equal(signed.status, 'signed');
    const sig = signed.signature;
    assert.ok(sig !== null);
    assert.match(sig.note, /^seclog\/review\/v1\n\{.*\}\n\n— /s);
    const recs = ownRecords('review_signed');
    assert.equal(recs.length, 1);
    const rec = recs[0] as SecurityEvent;
    assert.equal(rec.actor?.user, 'user/alice');
    assert.equal(rec.actor?.ip, ALICE.ip);
    assert.equal(rec.attrs.review_id, id);
    assert.equal(rec.attrs.findings, 2);
    assert.equal(rec.attrs.checkpoint_size, sig.checkpointSize);
    assert.equal(rec.attrs.checkpoint_root, sig.checkpointRoot);
    assert.equal(typeof signed.logPos, 'number');
    const v = reviews.verify(id);
    assert.deepEqual(v.problems, []);
    assert.equal(v.ok, true);
    assert.equal(v.signature, 'valid');
    assert.equal(v.record, 'matches');
    assert.equal(v.checkpoint?.consistent, true);
  });

  test('a signed review is frozen; signing twice is refused', async () => {
    assert.throws(() => reviews.addFinding(id, { text: 'late', severity: 'low' }, BOB), hasCode('REVIEW_SIGNED'));
    assert.throws(() => reviews.collect(id), hasCode('REVIEW_SIGNED'));
    await assert.rejects(reviews.sign(id, BOB), hasCode('REVIEW_SIGNED'));
  });

  test('approval needs a second person; it is stored signed and appended as review_approved', async () => {
    await assert.rejects(reviews.approve(id, ALICE), (e: Error & { code?: string; details?: { reason?: string } }) => {
      return e.code === 'REVIEW_APPROVAL_REFUSED' && e.details?.reason === 'same_person';
    });
    const approved = await reviews.approve(id, BOB);
    assert.equal(approved.status, 'approved');
    const recs = ownRecords('review_approved');
    assert.equal(recs.length, 1);
    assert.equal(recs[0]?.actor?.user, 'user/bob');
    assert.equal(recs[0]?.attrs.signed_by, 'user/alice');
    await assert.rejects(reviews.approve(id, { id: 'user/carol' }), hasCode('REVIEW_APPROVAL_REFUSED'));
    const v = reviews.verify(id);
    assert.equal(v.ok, true, v.problems.join('; '));
    assert.equal(v.approval, 'valid');
  });

  test('the checkpoint the review names stays consistent as the log grows', async () => {
    await s.t.c.ingest.own.append({
      name: 'log_access',
      input: { actor: { user: 'user/x' }, attrs: { action: 'query', role: 'admin', filter: '{}' } },
    });
    await s.t.c.committer.drain();
    s.t.c.integrator.integrate();
    const cp = s.t.c.integrator.checkpoint();
    const v = reviews.verify(id);
    assert.equal(v.ok, true, v.problems.join('; '));
    assert.equal(v.checkpoint?.against?.size, cp.treeSize);
    assert.ok((v.checkpoint?.size ?? 0) < cp.treeSize);
  });
});

describe('tampering with a stored review is detected by verify', () => {
  const db = () => new Database(join(s.t.c.data.path, DB_FILE));
  /** Runs `sql` on the review's row(s), verifies, and restores the row. */
  function tampered(table: 'reviews' | 'review_findings', column: string, change: (v: string) => string) {
    const raw = db();
    try {
      const key = table === 'reviews' ? 'id' : 'review_id';
      const rows = raw.prepare(`SELECT rowid AS r, ${column} AS v FROM ${table} WHERE ${key} = ? ORDER BY rowid`).all(id) as {
        r: number;
        v: string;
      }[];
      const first = rows[0] as { r: number; v: string };
      raw.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`).run(change(first.v), first.r);
      try {
        return reviews.verify(id);
      } finally {
        raw.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`).run(first.v, first.r);
      }
    } finally {
      raw.close();
    }
  }

  const cases: { name: string; table: 'reviews' | 'review_findings'; column: string; change: (v: string) => string; want: RegExp }[] = [
    { name: 'a finding reworded', table: 'review_findings', column: 'text', change: () => 'all fine', want: /findingsDigest/ },
    { name: 'a finding’s severity lowered', table: 'review_findings', column: 'severity', change: () => 'info', want: /findingsDigest/ },
    {
      name: 'the evidence edited',
      table: 'reviews',
      column: 'evidence',
      change: (v) => v.replace('"total":', '"total":1'),
      want: /evidenceDigest/,
    },
    { name: 'the reviewer swapped', table: 'reviews', column: 'signed_by', change: () => 'user/mallory', want: /reviewer/ },
    { name: 'the checkpoint root swapped', table: 'reviews', column: 'checkpoint_root', change: () => 'ff'.repeat(32), want: /checkpoint/ },
    {
      name: 'the signed note bit-flipped',
      table: 'reviews',
      column: 'signed_note',
      change: (v) => v.replace('"findings":2', '"findings":1'),
      want: /signature does not verify/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const v = tampered(c.table, c.column, c.change);
      assert.equal(v.ok, false);
      assert.match(v.problems.join('\n'), c.want);
    });
  }

  test('the approval pointed at another signer is caught', () => {
    const v = tampered('reviews', 'approved_by', () => 'user/carol');
    assert.equal(v.ok, false);
    assert.equal(v.approval, 'invalid');
  });

  test('untouched, it verifies again', () => {
    assert.equal(reviews.verify(id).ok, true);
  });
});
