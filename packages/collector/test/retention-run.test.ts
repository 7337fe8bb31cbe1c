/**
 * A retention run on a data directory a real collector wrote (verify-fixtures.ts):
 * the pruned events' payloads go, their leaves stay, so the store still
 * verifies, an old checkpoint is still consistent with the newest, an exported
 * bundle verifies and says which leaves were pruned and when, and event reads
 * answer "pruned by retention at …". The run is recorded in the store and in
 * the collector's own stream; a dry run changes nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ChainedEvent } from '@seclog/core';
import { exportEvents } from '../src/export/export-events.js';
import { eventJson } from '../src/query/event-view.js';
import { policyOf } from '../src/retention/policy.js';
import { META_FLOOR, runRetention } from '../src/retention/retention-run.js';
import { openDataDir } from '../src/server/data-store.js';
import { verifyBundleFile } from '../src/verify/verify-bundle-file.js';
import { verifyDataDir } from '../src/verify/verify-store.js';
import { type Fixture, makeFixture } from './verify-fixtures.js';

const DAY_US = 86_400_000_000;
let fx: Fixture;
before(async () => {
  fx = await makeFixture(3, 30, 10);
});
after(() => fx.cleanup());

// Authentication events one day, everything else ten years; "now" two days after the fixture was written.
const policy = policyOf({ defaultDays: 3650, groups: { authentication: 1 }, maxPayloadBytes: 0 });
const later = () => Date.now() * 1000 + 2 * DAY_US;

test('a dry run reports what would go and changes nothing', async () => {
  const dd = await openDataDir(fx.dataDir);
  try {
    const count = dd.store.eventCount();
    const before = dd.store.readEvents(0, count).map((e) => e.canonical);
    const r = await runRetention(dd.store, policy, { trigger: 'manual', dryRun: true, nowUs: later(), record: dd.enrol.record });
    assert.equal(r.dryRun, true);
    assert.ok(r.deleted > 50, `authentication events would go: ${r.deleted}`);
    assert.deepEqual(r.groups, { authentication: r.deleted });
    assert.equal(dd.store.eventCount(), count, 'no record of a dry run');
    assert.deepEqual(
      dd.store.readEvents(0, count).map((e) => e.canonical),
      before,
    );
    assert.deepEqual(dd.store.retention().listRuns(5), []);
  } finally {
    dd.close();
  }
});

test('after a run: store verifies, old checkpoint consistent, bundle verifies with pruned leaves, reads say pruned', async () => {
  const dd = await openDataDir(fx.dataDir);
  let oldNote: string;
  let vkey: string;
  let pruned: number;
  let firstPruned: number;
  try {
    vkey = dd.key.verifierKey;
    const cps = dd.store.listCheckpoints();
    assert.ok(cps.length >= 3);
    oldNote = (cps[1] as { note: string }).note;
    const count = dd.store.eventCount();
    const r = await runRetention(dd.store, policy, { trigger: 'manual', nowUs: later(), record: dd.enrol.record });
    pruned = r.deleted;
    assert.ok(pruned > 50);
    assert.ok(r.bytes > pruned * 100, 'bytes of the removed records are counted');
    assert.equal(r.overCap, 0);
    // Only authentication events went; seals and the collector's own events stay.
    const rows = dd.store.readEvents(0, count);
    const gone = rows.filter((e) => e.canonical === '');
    assert.equal(gone.length, pruned);
    for (const e of rows) if (e.canonical !== '') assert.notEqual((JSON.parse(e.canonical) as ChainedEvent).name, 'authn_login_fail');
    firstPruned = (gone[0] as { pos: number }).pos;
    // The run: in the store, and as the newest event of the collector's own stream.
    const runs = dd.store.retention().listRuns(5);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]?.deleted, pruned);
    const own = JSON.parse(dd.store.getEvent(dd.store.eventCount() - 1)?.canonical ?? '{}') as ChainedEvent;
    assert.equal(own.name, 'log_retention_run');
    assert.equal(own.attrs.deleted, pruned);
    assert.equal(own.attrs.run_id, runs[0]?.id);
    assert.match(String(own.attrs.policy), /authentication 1d/);
    assert.notEqual(dd.store.getMeta(META_FLOOR), undefined, 'the floor of the next run is kept');
    // A read of a pruned slot.
    const view = JSON.parse(eventJson(gone[0] as (typeof gone)[number], (p) => dd.store.retention().prunedAt(p))) as {
      record: unknown;
      pruned: { message: string; at: string; seq: number };
    };
    assert.equal(view.record, null);
    assert.match(view.pruned.message, /^pruned by retention at \d{4}-\d\d-\d\dT/);
    assert.equal(view.pruned.seq, gone[0]?.seq);
    // A second run finds nothing more.
    const again = await runRetention(dd.store, policy, { trigger: 'manual', nowUs: later(), record: dd.enrol.record });
    assert.equal(again.deleted, 0);
  } finally {
    dd.close();
  }

  const store = await verifyDataDir(fx.dataDir, { workers: 0 });
  assert.equal(store.ok, true, JSON.stringify(store));
  if (store.ok) assert.equal(store.pruned, pruned);

  const dd2 = await openDataDir(fx.dataDir);
  const out = join(fx.root, 'after-retention.bundle');
  try {
    // The bundle is proved against the newest checkpoint, with a consistency proof from an old one.
    const oldSize = Number(oldNote.split('\n')[1]);
    await exportEvents(
      { store: dd2.store, verifierKey: dd2.key.verifierKey, record: dd2.enrol.record },
      { selection: {}, out, actor: 'tester', consistencyFrom: oldSize },
    );
  } finally {
    dd2.close();
  }
  for (const workers of [0, 2]) {
    const v = await verifyBundleFile(out, { workers, verifierKeys: [vkey], trustedCheckpoint: oldNote });
    assert.equal(v.result.ok, true, JSON.stringify(v.result));
    if (v.result.ok) {
      assert.ok(v.result.consistentWith !== undefined, 'the old checkpoint is consistent with the bundle’s');
      assert.equal(v.result.pruned?.count, pruned);
      assert.equal(v.result.pruned?.first.index, firstPruned);
      assert.match(v.result.pruned?.first.at ?? '', /^\d{4}-\d\d-\d\dT/);
    }
  }
  const line = readFileSync(out, 'utf8')
    .split('\n')
    .find((l) => l.includes('"pruned":'));
  assert.ok(line?.startsWith(`{"leafIndex":${firstPruned},`));
});

test('a tampered pruned slot fails verification', async () => {
  const dd = await openDataDir(fx.dataDir);
  const out = join(fx.root, 'pruned-tamper.bundle');
  let vkey: string;
  try {
    vkey = dd.key.verifierKey;
    await exportEvents({ store: dd.store, verifierKey: vkey, record: dd.enrol.record }, { selection: {}, out, actor: 'tester' });
  } finally {
    dd.close();
  }
  const lines = readFileSync(out, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes('"pruned":'));
  lines[i] = (lines[i] as string).replace(/"seq":(\d+)/, (_, n) => `"seq":${Number(n) + 1}`);
  const bad = join(fx.root, 'pruned-tamper-2.bundle');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(bad, lines.join('\n'));
  const v = await verifyBundleFile(bad, { workers: 0, verifierKeys: [vkey] });
  assert.equal(v.result.ok, false);
  if (!v.result.ok) assert.equal(v.result.line, i + 1);
});
