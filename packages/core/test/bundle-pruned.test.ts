/**
 * Pruned leaves in a bundle (docs/retention.md): a leaf whose record retention
 * removed travels as its leaf inputs; the verifier proves it as a leaf,
 * checks the chain link out of it, counts it and reports when it was pruned;
 * an edited pruned slot fails at its line.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { type BundleEvent, buildBundle } from '../src/bundle/build-bundle.js';
import type { VerifyBundleOptions } from '../src/bundle/bundle-result.js';
import { verifyBundle } from '../src/bundle/verify-bundle.js';
import { canonicalize } from '../src/canon/jcs.js';
import { recordChainHash } from '../src/chain/chain-hash.js';
import type { Hash } from '../src/merkle/hash.js';
import { buildLog, checkpointAt, joinLines, ORIGIN, T0_MS } from './bundle-fixtures.test.js';

const LOG = buildLog(5, 2, 60);
const OPTS: VerifyBundleOptions = { verifierKeys: [LOG.vkey], origin: ORIGIN, sealKeys: LOG.sealKeys };
const AT = '2027-01-02T03:04:05.000000Z';

/** The whole log, with the records `prune` picks as pruned slots. */
function lines(prune: (e: (typeof LOG.entries)[number]) => boolean): string[] {
  const events: BundleEvent[] = LOG.entries.map((e) =>
    prune(e)
      ? {
          leafIndex: e.leafIndex,
          receivedUs: e.receivedUs,
          pruned: {
            at: AT,
            deviceId: e.record.device.id,
            stream: e.record.stream,
            seq: e.record.seq,
            chainHash: recordChainHash(e.record),
            recordDigest: createHash('sha256').update(canonicalize(e.record)).digest(),
          },
        }
      : e,
  );
  const out = buildBundle({
    checkpoint: checkpointAt(LOG, LOG.entries.length),
    vkey: LOG.vkey,
    events,
    nodeHash: (level, index) => LOG.store.getNode(level, index) as Hash,
    createdUs: T0_MS * 1000 + 86_400_000_000,
  });
  return [...out].map((l) => l.slice(0, -1));
}

// Every record of cam-17 but its seals and its stream_start (as retention keeps those), a few dozen.
const isPruned = (e: (typeof LOG.entries)[number]) =>
  e.record.device.id === 'cam-17' && e.record.name !== 'log_seal' && e.record.name !== 'stream_start';

test('a bundle with pruned leaves verifies and reports them, with the first and when', () => {
  const count = LOG.entries.filter(isPruned).length;
  assert.ok(count > 10);
  const l = lines(isPruned);
  const r = verifyBundle(joinLines(l), OPTS);
  assert.equal(r.ok, true, JSON.stringify(r));
  if (!r.ok) return;
  assert.equal(r.events, LOG.entries.length);
  assert.equal(r.pruned?.count, count);
  assert.equal(r.pruned?.first.index, LOG.entries.find(isPruned)?.leafIndex);
  assert.equal(r.pruned?.first.at, AT);
  assert.equal(l.filter((x) => x.includes('"pruned":{')).length, count);
});

test('a bundle without pruned leaves reports none', () => {
  const r = verifyBundle(joinLines(lines(() => false)), OPTS);
  assert.equal(r.ok, true);
  if (r.ok) assert.equal(r.pruned, undefined);
});

test('an edited pruned slot fails at its line: seq, chain hash, digest, device', () => {
  const l = lines(isPruned);
  const at = l.findIndex((x) => x.includes('"pruned":{'));
  const line = l[at] as string;
  const edits = [
    line.replace(/"seq":(\d+)/, (_, n) => `"seq":${Number(n) + 1}`),
    line.replace(/"chainHash":"(.)/, (_, c) => `"chainHash":"${c === 'A' ? 'B' : 'A'}`),
    line.replace(/"digest":"(.)/, (_, c) => `"digest":"${c === 'A' ? 'B' : 'A'}`),
    line.replace('"device":"cam-17"', '"device":"cam-18"'),
    line.replace('"at":', '"when":'),
  ];
  for (const edited of edits) {
    assert.notEqual(edited, line);
    const copy = [...l];
    copy[at] = edited;
    const r = verifyBundle(joinLines(copy), OPTS);
    assert.equal(r.ok, false, edited);
    if (!r.ok) assert.equal(r.line, at + 1, `${r.kind}: ${r.detail}`);
  }
});
