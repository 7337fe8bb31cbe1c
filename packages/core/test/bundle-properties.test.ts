/**
 * Property tests of bundle verification over random logs (random prefixes of
 * a realistic log: ~2,800 leaves, or 100,000 under SECLOG_SOAK=1) and random
 * exports of them: intact bundles never fail, and every tamper, at a random
 * place, is detected and located (right kind, right line) every time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { VerifyBundleOptions } from '../src/bundle/bundle-result.js';
import type { BundleFilter } from '../src/bundle/format.js';
import { verifyBundle } from '../src/bundle/verify-bundle.js';
import { createNoteSigner } from '../src/checkpoint/note-key.js';
import { buildLog, checkpointAt, exportLines, fixedKey, forkLog, joinLines, ORIGIN, SOAK, selectEntries } from './bundle-fixtures.test.js';
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

const [DEVICES, PER_DEVICE] = SOAK ? [20, 3800] : [4, 500];
// Soak runs handle bundles of up to 100,000 events (seconds each), so they run 4 times as often, not 25.
const runs = (n: number): number => (SOAK ? n * 4 : n);
const LOG = buildLog(5, DEVICES, PER_DEVICE);
const SIZE = LOG.entries.length;
const OPTS: VerifyBundleOptions = { verifierKeys: [LOG.vkey], origin: ORIGIN, sealKeys: LOG.sealKeys };
const NAMES = [...new Set(LOG.entries.map((e) => e.record.name))].sort();
const STREAMS = [...new Set(LOG.entries.map((e) => e.record.stream))].sort();
const DEVICE_IDS = [...new Set(LOG.entries.map((e) => e.record.device.id))].sort();

interface Export {
  size: number;
  filter?: BundleFilter;
}

/** A random log (a prefix of the pool; short ones often) and a random export of it. */
const exportArb: fc.Arbitrary<Export> = fc
  .record({
    size: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: Math.min(300, SIZE) }) }, fc.integer({ min: 1, max: SIZE })),
    kind: fc.constantFrom('none', 'range', 'device', 'stream', 'names', 'received', 'device+range'),
    a: fc.nat(),
    b: fc.nat(),
  })
  .map(({ size, kind, a, b }) => {
    const lo = a % size;
    const hi = lo + 1 + (b % (size - lo));
    const range: [number, number] = [lo, hi];
    const pick = <T>(list: readonly T[], r: number): T => list[r % list.length] as T;
    const filters: Record<string, BundleFilter | undefined> = {
      none: undefined,
      range: { leaves: range },
      device: { devices: [pick(DEVICE_IDS, a)] },
      stream: { streams: [pick(STREAMS, b)] },
      names: { names: NAMES.filter((_, i) => ((a >> (i % 30)) & 1) === 1) },
      received: { receivedUs: [LOG.entries[lo]?.receivedUs ?? 0, (LOG.entries[hi - 1]?.receivedUs ?? 0) + 1] },
      'device+range': { devices: [pick(DEVICE_IDS, b)], leaves: range },
    };
    const filter = filters[kind];
    const e: Export = filter === undefined ? { size } : { size, filter };
    return Object.assign(e, { [fc.toStringMethod]: () => `size ${size}, filter ${JSON.stringify(filter)}` });
  });

/** The export, widened to the whole prefix (and a longer one) when it selects fewer than `min` events. */
function atLeast(e: Export, min: number): Export {
  return selectEntries(LOG, e.size, e.filter).length >= min ? e : { size: Math.max(e.size, min) };
}

function check(t: Tampered | null, opts: VerifyBundleOptions = OPTS): void {
  fc.pre(t !== null);
  assert.deepEqual(located(verifyBundle((t as Tampered).text, opts)), (t as Tampered).want, (t as Tampered).label);
}

describe(`bundle verification properties (random logs of 1–${SIZE} leaves)`, () => {
  test('intact bundles never fail, and report what they hold', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), (e, r) => {
        const from = r % e.size === 0 ? undefined : 1 + (r % e.size);
        const lines = exportLines(LOG, { ...e, ...(from !== undefined ? { consistencyFrom: from } : {}) });
        const opts = from === undefined ? OPTS : { ...OPTS, trustedCheckpoint: checkpointAt(LOG, from) };
        const res = verifyBundle(joinLines(lines), opts);
        assert.ok(res.ok, JSON.stringify(res));
        assert.equal(res.events, selectEntries(LOG, e.size, e.filter).length);
        assert.equal(res.consistentWith, from);
      }),
      { numRuns: runs(30) },
    );
  });

  const tamper = (name: string, min: number, make: (lines: string[], n: number, r: number, s: number) => Tampered | null, n = 12) =>
    test(name, () => {
      fc.assert(
        fc.property(exportArb, fc.nat(), fc.nat(), (e, r, s) => {
          const lines = exportLines(LOG, atLeast(e, min));
          check(make(lines, eventCount(lines), r, s));
        }),
        { numRuns: runs(n) },
      );
    });

  const edits = Object.keys(FIELD_EDITS);
  tamper('bit flip in a record', 1, (l, n, r, s) => bitFlipInRecord(l, r % n, s, s >> 8));
  tamper('edited field', 1, (l, n, r, s) => editField(l, r % n, edits[s % edits.length] as string), 20);
  tamper('edited leaf index', 1, (l, n, r, s) => editLeafIndex(l, r % n, s));
  tamper('deleted line', 1, (l, n, r) => deleteLine(l, r % n), 20);
  tamper('duplicated line', 1, (l, n, r, s) => duplicateLine(l, r % n, s % (n + 1)), 20);
  tamper('swapped lines', 2, (l, n, r, s) => swapLines(l, r % n, (r + 1 + (s % (n - 1))) % n), 20);
  tamper('truncated file', 0, (l, _n, r) => truncateAt(l, 1 + r));
  tamper('trailing garbage', 0, (l, _n, r) =>
    trailingGarbage(l, ['x', '\n', '{}', ' \n{"trailer":{}}', String.fromCharCode(r % 0x500)][r % 5] as string),
  );
  tamper('forged checkpoint signature', 0, (l, _n, r) => forgeSignature(l, r));

  test('checkpoint from an unknown key', () => {
    const other = createNoteSigner(fixedKey(ORIGIN, 4242).signerKey);
    fc.assert(
      fc.property(exportArb, (e) => check(resignCheckpoint(exportLines(LOG, e), other, fixedKey(ORIGIN, 4242).verifierKey))),
      { numRuns: runs(5) },
    );
  });

  test('wrong origin', () => {
    fc.assert(
      fc.property(exportArb, fc.string({ minLength: 1 }), (e, origin) => {
        fc.pre(origin !== ORIGIN && !/[\u0000-\u001f]/.test(origin));
        const res = verifyBundle(joinLines(exportLines(LOG, e)), { ...OPTS, origin });
        assert.deepEqual(located(res), { kind: 'unknown_key', line: 1 });
      }),
      { numRuns: runs(5) },
    );
  });

  test('bad seal tag', () => {
    fc.assert(
      fc.property(exportArb, fc.nat(), (e, r) => {
        const lines = exportLines(LOG, atLeast(e, 60));
        const seals = lines.flatMap((l, i) => (l.startsWith('{"leafIndex":') && l.includes('"name":"log_seal"') ? [i - 1] : []));
        fc.pre(seals.length > 0);
        check(badSealTag(lines, seals[r % seals.length] as number));
      }),
      { numRuns: runs(10) },
    );
  });

  test('trusted checkpoint from a forked tree', () => {
    const split = Math.floor(SIZE / 3);
    const fork = forkLog(LOG, split);
    fc.assert(
      fc.property(exportArb, fc.nat(), fc.nat(), (e, a, b) => {
        // A fork that the tree at `size` must extend: trusted size t in (split, size].
        const size = split + 1 + (a % (SIZE - split));
        const t = split + 1 + (b % (size - split));
        const lines = exportLines(LOG, { ...e, size, ...(t < size ? { consistencyFrom: t } : {}) });
        const res = verifyBundle(joinLines(lines), { ...OPTS, trustedCheckpoint: checkpointAt(fork, t) });
        assert.deepEqual(located(res), { kind: 'forked', line: t < size ? lines.length - 1 : 1 });
      }),
      { numRuns: runs(10) },
    );
  });
});
