import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BundleFailure, type ChainedEvent, decodeEventSyslog, fromEcs, fromOcsf, parseRfc5424 } from '@seclog/core';
import { exportEvents } from '../src/export/export-events.js';
import { openDataDir } from '../src/server/data-store.js';
import { verifyBundleFile } from '../src/verify/verify-bundle-file.js';
import { verifyDataDir } from '../src/verify/verify-store.js';
import { type Fixture, makeFixture, sealedRecords, withCollector } from './verify-fixtures.js';

let fx: Fixture;
before(async () => {
  fx = await makeFixture(3, 30, 10);
});
after(() => fx.cleanup());

async function exportTo(name: string, opts: Partial<Parameters<typeof exportEvents>[1]> = {}) {
  const dd = await openDataDir(fx.dataDir);
  try {
    const out = join(fx.root, name);
    const summary = await exportEvents(
      { store: dd.store, verifierKey: dd.key.verifierKey, record: dd.enrol.record },
      { selection: {}, out, actor: 'tester', ...opts },
    );
    return { out, summary, vkey: dd.key.verifierKey };
  } finally {
    dd.close();
  }
}

test('export of everything verifies, with and without workers; the export is logged', async () => {
  const { out, summary, vkey } = await exportTo('all.bundle');
  assert.equal(summary.format, 'bundle');
  assert.ok(summary.events > 90);
  for (const workers of [0, 2]) {
    const v = await verifyBundleFile(out, { workers, verifierKeys: [vkey] });
    assert.equal(v.result.ok, true, JSON.stringify(v.result));
    assert.equal(v.trust, 'pinned');
    if (v.result.ok) assert.equal(v.result.events, summary.events);
  }
  const tofu = await verifyBundleFile(out, { workers: 0 });
  assert.equal(tofu.trust, 'header');
  const dd = await openDataDir(fx.dataDir);
  try {
    const last = dd.store.getEvent(dd.store.eventCount() - 1)!;
    const rec = JSON.parse(last.canonical) as ChainedEvent;
    assert.equal(rec.name, 'log_access');
    assert.equal(rec.actor?.user, 'tester');
    assert.equal(rec.attrs.action, 'export');
    assert.equal(rec.attrs.results, summary.events);
  } finally {
    dd.close();
  }
});

test('a device filter takes that device and the log_gap records that may explain its gaps', async () => {
  const { out, summary, vkey } = await exportTo('cam1.bundle', { selection: { devices: ['cam-1'] } });
  assert.equal(summary.events, 30);
  const v = await verifyBundleFile(out, { workers: 0, verifierKeys: [vkey] });
  assert.equal(v.result.ok, true, JSON.stringify(v.result));
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
  const devices = new Set(lines.slice(1, -2).map((l) => (JSON.parse(l) as { record: ChainedEvent }).record.device.id));
  assert.deepEqual([...devices], ['cam-1']);
});

describe('a tampered bundle fails at the line', () => {
  let text: string[];
  let vkey: string;
  before(async () => {
    const r = await exportTo('tamper.bundle', { selection: { devices: ['cam-0', 'cam-2'] } });
    text = readFileSync(r.out, 'utf8').split('\n');
    vkey = r.vkey;
  });
  async function check(lines: string[], name: string, workers = 2): Promise<BundleFailure> {
    const path = join(fx.root, name);
    writeFileSync(path, lines.join('\n'));
    const v = await verifyBundleFile(path, { workers, verifierKeys: [vkey] });
    assert.equal(v.result.ok, false, JSON.stringify(v.result));
    return v.result as BundleFailure;
  }
  test('edit, delete, insert, reorder, truncate', async () => {
    const edited = text.slice();
    edited[5] = edited[5]!.replace('bad_password', 'bad_passw0rd');
    const e = await check(edited, 'edited');
    assert.deepEqual([e.kind, e.line], ['modified', 6]);
    const deleted = text.slice();
    deleted.splice(9, 1);
    const d = await check(deleted, 'deleted');
    assert.deepEqual([d.kind, d.line], ['deleted', 10]);
    const inserted = text.slice();
    inserted.splice(12, 0, text[4]!);
    const i = await check(inserted, 'inserted');
    assert.deepEqual([i.kind, i.line], ['inserted', 13]);
    const reordered = text.slice();
    [reordered[14], reordered[15]] = [reordered[15]!, reordered[14]!];
    const r = await check(reordered, 'reordered');
    assert.equal(r.kind, 'reordered');
    assert.ok(r.line === 15 || r.line === 16);
    const cut = text.slice(0, 20).join('\n');
    const path = join(fx.root, 'cut');
    writeFileSync(path, `${cut}\n`);
    const t = await verifyBundleFile(path, { workers: 2, verifierKeys: [vkey] });
    assert.deepEqual([t.result.ok, (t.result as BundleFailure).kind], [false, 'truncated']);
  });
});

test('each --format reads back through core’s decoders', async () => {
  const sent = [...fx.sent.get('cam-2')!];
  for (const format of ['ocsf', 'ecs', 'cef', 'syslog'] as const) {
    const { out, summary } = await exportTo(`cam2.${format}`, { format, selection: { devices: ['cam-2'] } });
    assert.equal(summary.events, sent.length, format);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, sent.length);
    lines.forEach((line, k) => {
      const want = sent[k]!;
      if (format === 'cef') {
        assert.match(line, /^CEF:0\|/);
        assert.ok(line.includes(want.id));
        return;
      }
      const ev =
        format === 'ocsf'
          ? fromOcsf(JSON.parse(line))
          : format === 'ecs'
            ? fromEcs(JSON.parse(line))
            : decodeEventSyslog(parseRfc5424(line));
      assert.equal(ev.id, want.id);
      assert.equal(ev.name, want.name);
      assert.equal(ev.device.id, want.device.id);
      assert.equal(ev.time, want.time);
    });
  }
});

test('name and receive-time selections make bundles that verify and hold exactly the selection', async () => {
  const seals = await exportTo('seals.bundle', { selection: { names: ['log_seal'] } });
  const sealCount = [...fx.sent.values()].flat().filter((r) => r.name === 'log_seal').length;
  assert.equal(seals.summary.events, sealCount);
  const v1 = await verifyBundleFile(seals.out, { workers: 0, verifierKeys: [seals.vkey] });
  assert.equal(v1.result.ok, true, JSON.stringify(v1.result));

  const dd = await openDataDir(fx.dataDir);
  let fromUs: number;
  let toUs: number;
  let inWindow: number;
  try {
    const rows = dd.store.readEvents(0, dd.store.latestCheckpoint()!.treeSize);
    fromUs = rows[Math.floor(rows.length / 3)]!.receivedUs;
    toUs = rows[Math.floor((2 * rows.length) / 3)]!.receivedUs;
    inWindow = rows.filter((r) => r.receivedUs >= fromUs && r.receivedUs < toUs).length;
  } finally {
    dd.close();
  }
  const window = await exportTo('window.bundle', { selection: { fromUs, toUs } });
  assert.ok(window.summary.events >= inWindow && window.summary.events > 0);
  const v2 = await verifyBundleFile(window.out, { workers: 0, verifierKeys: [window.vkey] });
  assert.equal(v2.result.ok, true, JSON.stringify(v2.result));
  const got = readFileSync(window.out, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1, -2)
    .map((l) => JSON.parse(l) as { receivedUs: number; record: ChainedEvent });
  // Everything in the window, and outside it only log_gap explanations.
  assert.equal(got.filter((e) => e.receivedUs >= fromUs && e.receivedUs < toUs).length, inWindow);
  assert.ok(got.every((e) => (e.receivedUs >= fromUs && e.receivedUs < toUs) || e.record.name === 'log_gap'));
});

test('a gap filled late (the fill’s leaves come after the records beyond the gap) exports and verifies', async () => {
  const base = await withCollector(async (c) => {
    const file = c.enrol('late-fill', 'high');
    const recs = sealedRecords(file, 30);
    for (const [from, to] of [
      [0, 10],
      [20, 30],
      [10, 15],
      [15, 20],
    ] as const) {
      const res = await c.send(file, recs.slice(from, to));
      assert.equal(res.status, 200, res.body);
    }
  });
  try {
    const dd = await openDataDir(base.dataDir);
    const out = join(base.root, 'late.bundle');
    try {
      await exportEvents({ store: dd.store, verifierKey: dd.key.verifierKey, record: dd.enrol.record }, { selection: {}, out, actor: 't' });
    } finally {
      dd.close();
    }
    for (const workers of [0, 2]) {
      const v = await verifyBundleFile(out, { workers });
      assert.equal(v.result.ok, true, JSON.stringify(v.result));
      const store = await verifyDataDir(base.dataDir, { workers });
      assert.equal(store.ok, true, JSON.stringify(store));
    }
    // A fill that does not chain is still caught: swap two filled records' positions in the file.
    const lines = readFileSync(out, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"seq":12,'));
    assert.ok(at > 0);
    [lines[at], lines[at + 1]] = [lines[at + 1]!, lines[at]!];
    writeFileSync(out, lines.join('\n'));
    const bad = await verifyBundleFile(out, { workers: 0 });
    assert.equal(bad.result.ok, false);
  } finally {
    base.cleanup();
  }
});
