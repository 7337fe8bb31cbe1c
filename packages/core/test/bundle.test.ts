/**
 * Export bundles of a fixed log: every kind of export verifies intact, and
 * every named tamper is reported with its kind at its line.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VerifyBundleOptions } from '../src/bundle/bundle-result.js';
import type { BundleFilter } from '../src/bundle/format.js';
import { createBundleVerifier, verifyBundle } from '../src/bundle/verify-bundle.js';
import { createNoteSigner } from '../src/checkpoint/note-key.js';
import { buildLog, checkpointAt, exportLines, fixedKey, joinLines, ORIGIN, selectEntries } from './bundle-fixtures.test.js';
import {
  badSealTag,
  bitFlipInRecord,
  deleteLine,
  duplicateLine,
  editField,
  editLeafIndex,
  eventCount,
  FIELD_EDITS,
  forgeSignature,
  located,
  resignCheckpoint,
  swapLines,
  type Tampered,
  trailingGarbage,
  truncateAt,
} from './bundle-tampers.test.js';

const LOG = buildLog(11, 3, 150);
const SIZE = LOG.entries.length;
const OPTS: VerifyBundleOptions = { verifierKeys: [LOG.vkey], origin: ORIGIN, sealKeys: LOG.sealKeys };

const names = [...new Set(LOG.entries.map((e) => e.record.name))].sort();

const EXPORTS: { name: string; size: number; filter?: BundleFilter; gaps?: number }[] = [
  { name: 'the whole log, no filter', size: SIZE },
  { name: 'a leaf range', size: SIZE, filter: { leaves: [100, 300] } },
  { name: 'one device', size: SIZE, filter: { devices: ['cam-18'] } },
  { name: 'the device that lost records (its gap is logged)', size: SIZE, filter: { devices: [LOG.lost.deviceId] }, gaps: 1 },
  { name: 'one stream in a leaf range', size: SIZE, filter: { streams: ['cam-19.s1'], leaves: [50, 400] } },
  { name: 'two event names (gaps everywhere, by the filter)', size: SIZE, filter: { names: names.slice(0, 2) } },
  {
    name: 'a receive-time window',
    size: SIZE,
    filter: { receivedUs: [LOG.entries[40]?.receivedUs ?? 0, LOG.entries[90]?.receivedUs ?? 0] },
  },
  { name: "the collector's own stream", size: SIZE, filter: { streams: ['collector/events'] } },
  { name: 'passthrough records of one source', size: SIZE, filter: { devices: ['gw-0042'] } },
  { name: 'nothing selected', size: SIZE, filter: { devices: ['nobody'] } },
  { name: 'a tree of one leaf', size: 1 },
  { name: 'a prefix of the log', size: 333, filter: { devices: ['cam-17', 'cam-19'] } },
];

describe('intact bundles verify', () => {
  for (const c of EXPORTS) {
    test(c.name, () => {
      const lines = exportLines(LOG, { size: c.size, ...(c.filter ? { filter: c.filter } : {}) });
      const r = verifyBundle(joinLines(lines), OPTS);
      assert.ok(r.ok, JSON.stringify(r));
      const selected = selectEntries(LOG, c.size, c.filter);
      assert.equal(r.events, selected.length);
      assert.equal(r.treeSize, c.size);
      assert.equal(r.root, Buffer.from(LOG.tree.root(c.size)).toString('base64'));
      if (c.gaps !== undefined) assert.equal(r.gaps, c.gaps);
      if (selected.some((e) => e.record.name === 'log_seal')) assert.deepEqual(r.sealed?.uncheckedDevices, []);
      // The same bundle through the other two inputs.
      assert.deepEqual(verifyBundle(lines, OPTS), r);
      const v = createBundleVerifier(OPTS);
      for (const l of lines) v.push(l);
      assert.deepEqual(v.end(), r);
    });
  }

  test('against a trusted checkpoint the auditor holds', () => {
    const lines = exportLines(LOG, { size: SIZE, filter: { devices: ['cam-17'] }, consistencyFrom: 200 });
    const r = verifyBundle(joinLines(lines), { ...OPTS, trustedCheckpoint: checkpointAt(LOG, 200) });
    assert.ok(r.ok && r.consistentWith === 200, JSON.stringify(r));
    const same = verifyBundle(joinLines(exportLines(LOG, { size: SIZE })), { ...OPTS, trustedCheckpoint: checkpointAt(LOG, SIZE) });
    assert.ok(same.ok && same.consistentWith === SIZE);
  });

  test('without seal keys the seals are checked structurally, and the result says so', () => {
    const r = verifyBundle(joinLines(exportLines(LOG, { size: SIZE })), { verifierKeys: [LOG.vkey], origin: ORIGIN });
    assert.ok(r.ok && r.sealed !== undefined && r.sealed.tagsChecked === 0, JSON.stringify(r));
    assert.deepEqual(r.sealed.uncheckedDevices, ['cam-17', 'cam-18', 'cam-19']);
  });

  test('a leaf range reaching past the tree owes only the leaves the tree holds; one missing inside it is still deleted', () => {
    const past = exportLines(LOG, { size: 300, filter: { leaves: [250, 900] } });
    const r = verifyBundle(joinLines(past), OPTS);
    assert.ok(r.ok && r.events === 50, JSON.stringify(r));
    const t = deleteLine(past, 49);
    assert.ok(t !== null);
    assert.deepEqual(located(verifyBundle(t.text, OPTS)), t.want, t.label);
  });
});

const RANGE = exportLines(LOG, { size: SIZE, filter: { leaves: [20, 260] } });
const BY_NAME = exportLines(LOG, { size: SIZE, filter: { names: names.slice(0, 4) } });
const n = eventCount(RANGE);
const seal = RANGE.findIndex((l) => l.includes('"name":"log_seal"')) - 1;
const other = createNoteSigner(fixedKey(ORIGIN, 999).signerKey);

const TAMPERS: [string, () => Tampered | null][] = [
  ['bit flip in a record (first event)', () => bitFlipInRecord(RANGE, 0, 17, 3)],
  ['bit flip in a record (last event)', () => bitFlipInRecord(RANGE, n - 1, 101, 1)],
  ['bit flip that turns a character into a line break', () => bitFlipInRecord(RANGE, 7, 40, 6)],
  ...Object.keys(FIELD_EDITS).map((e): [string, () => Tampered] => [e, () => editField(RANGE, 33, e)]),
  ['leaf index edited (name-filtered export)', () => editLeafIndex(BY_NAME, 3, 5)],
  ['deleted line (range export)', () => deleteLine(RANGE, 57)],
  ['deleted line (name-filtered export)', () => deleteLine(BY_NAME, 4)],
  ['deleted last event line', () => deleteLine(BY_NAME, eventCount(BY_NAME) - 1)],
  ['duplicated line, right after itself', () => duplicateLine(RANGE, 10, 11)],
  ['duplicated line, right before itself', () => duplicateLine(RANGE, 10, 10)],
  ['duplicated line, far later', () => duplicateLine(RANGE, 10, 90)],
  ['duplicated line, far earlier', () => duplicateLine(RANGE, 90, 3)],
  ['swapped adjacent lines', () => swapLines(RANGE, 44, 45)],
  ['swapped distant lines', () => swapLines(BY_NAME, 1, eventCount(BY_NAME) - 2)],
  ['truncated file, mid-line', () => truncateAt(RANGE, 50_000)],
  ['truncated file, at a line end', () => truncateAt(RANGE, joinLines(RANGE.slice(0, 30)).length)],
  ['truncated file, trailer gone', () => truncateAt(RANGE, joinLines(RANGE.slice(0, -1)).length)],
  ['truncated file, inside the header', () => truncateAt(RANGE, 30)],
  ['trailing garbage', () => trailingGarbage(RANGE, 'garbage')],
  ['trailing garbage, a second trailer', () => trailingGarbage(RANGE, `${RANGE.at(-1)}\n`)],
  ['forged checkpoint signature', () => forgeSignature(RANGE, 77)],
  ['checkpoint from an unknown key', () => resignCheckpoint(RANGE, other, fixedKey(ORIGIN, 999).verifierKey)],
  ['bad seal tag (line rewritten to match)', () => badSealTag(RANGE, seal)],
];

describe('every named tamper is detected and located', () => {
  for (const [name, make] of TAMPERS) {
    test(name, () => {
      const t = make();
      assert.ok(t !== null, 'the tamper applies');
      assert.deepEqual(located(verifyBundle(t.text, OPTS)), t.want, t.label);
    });
  }

  test('wrong origin: the pinned log is another one', () => {
    assert.deepEqual(located(verifyBundle(joinLines(RANGE), { ...OPTS, origin: 'other.example.com/log' })), {
      kind: 'unknown_key',
      line: 1,
    });
  });

  test('a header edit the trailer digest catches', () => {
    const lines = [...RANGE];
    lines[0] = (lines[0] as string).replace(/"created":"[^"]+"/, '"created":"2030-01-01T00:00:00.000000Z"');
    assert.deepEqual(located(verifyBundle(joinLines(lines), OPTS)), { kind: 'modified', line: RANGE.length });
  });

  test('a deleted proof line', () => {
    const lines = RANGE.filter((l) => !l.startsWith('{"proof":'));
    assert.deepEqual(located(verifyBundle(joinLines(lines), OPTS)), { kind: 'deleted', line: n + 2 });
  });
});
