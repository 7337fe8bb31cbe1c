/**
 * The dashboard's in-browser proof checks (app/src/verify) against core's
 * node:crypto implementation: the same trees, proofs, leaves and signed
 * checkpoints must verify in both, and every tampered input must fail.
 * Node's WebCrypto stands in for the browser's (both have Ed25519).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalize as coreCanonicalize,
  createMerkleTree,
  createNoteSigner,
  generateNoteKey,
  recordLeafHash,
  signCheckpoint,
} from '@seclog/core';
import fc from 'fast-check';
import { canonicalize } from '../app/src/verify/jcs.js';
import { recordLeafHash as browserLeafHash, parseReceivedUs } from '../app/src/verify/leaf.js';
import { verifyConsistency, verifyInclusion } from '../app/src/verify/merkle.js';
import { openCheckpoint, parseVerifierKey } from '../app/src/verify/note.js';

const leafData = (i: number) => new TextEncoder().encode(`leaf ${i}`);

function flip(h: Uint8Array, bit = 0): Uint8Array {
  const c = new Uint8Array(h);
  c[bit >> 3] = (c[bit >> 3] as number) ^ (1 << (bit & 7));
  return c;
}

test('inclusion proofs from core verify in the browser code; a flipped bit fails', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.nat(), async (size, i, bit) => {
      const tree = createMerkleTree();
      for (let k = 0; k < size; k++) tree.appendLeaf(leafData(k));
      const index = i % size;
      const proof = tree.inclusionProof(index, size);
      const root = tree.root(size);
      assert.deepEqual(await verifyInclusion(index, size, tree.leafHash(index), proof, root), { ok: true });
      assert.equal((await verifyInclusion(index, size, flip(tree.leafHash(index), bit % 256), proof, root)).ok, false);
      assert.equal((await verifyInclusion(index, size, tree.leafHash(index), proof, flip(root, bit % 256))).ok, false);
      if (proof.length > 0) {
        const bad = proof.map((p, k) => (k === bit % proof.length ? flip(p, bit % 256) : p));
        assert.equal((await verifyInclusion(index, size, tree.leafHash(index), bad, root)).ok, false);
        assert.equal((await verifyInclusion(index, size, tree.leafHash(index), proof.slice(1), root)).ok, false, 'truncated');
      }
      assert.equal((await verifyInclusion(index, size, tree.leafHash(index), [...proof, root], root)).ok, false, 'trailing garbage');
    }),
    { numRuns: 60 },
  );
});

test('consistency proofs from core verify in the browser code; a flipped bit fails', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.nat(), async (second, f, bit) => {
      const tree = createMerkleTree();
      for (let k = 0; k < second; k++) tree.appendLeaf(leafData(k));
      const first = 1 + (f % second);
      const proof = tree.consistencyProof(first, second);
      const r1 = tree.root(first);
      const r2 = tree.root(second);
      assert.deepEqual(await verifyConsistency(first, second, r1, r2, proof), { ok: true });
      assert.equal((await verifyConsistency(first, second, flip(r1, bit % 256), r2, proof)).ok, false);
      assert.equal((await verifyConsistency(first, second, r1, flip(r2, bit % 256), proof)).ok, false);
      if (proof.length > 0) {
        const bad = proof.map((p, k) => (k === bit % proof.length ? flip(p, bit % 256) : p));
        assert.equal((await verifyConsistency(first, second, r1, r2, bad)).ok, false);
      }
    }),
    { numRuns: 60 },
  );
});

test('JCS in the browser code matches core on JSON values', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const value = JSON.parse(JSON.stringify(v)) as unknown;
      assert.equal(canonicalize(value), coreCanonicalize(value as object));
    }),
    { numRuns: 300 },
  );
});

test('the leaf hash computed from a record and its receive time equals core’s', async () => {
  const record = {
    v: 1,
    id: '01930000-0000-7000-8000-000000000001',
    name: 'authn_login_fail',
    time: '2026-11-28T03:00:00.123456Z',
    severity: 'medium',
    outcome: 'failure',
    device: { id: 'cam-7', fw: '1.2.3' },
    actor: { user: 'root', ip: '203.0.113.9' },
    attrs: { reason: 'bad_password', ü: 'é' },
    stream: 's1',
    seq: 42,
    boot: 'b1',
    mono_ms: 1000,
    prev: 'ab'.repeat(32),
  };
  const received = '2026-11-28T03:00:01.000007Z';
  const us = parseReceivedUs(received);
  assert.equal(us, Date.parse('2026-11-28T03:00:01Z') * 1000 + 7);
  const want = recordLeafHash(record as never, us as number);
  assert.deepEqual(await browserLeafHash(record, received), new Uint8Array(want));
  assert.notDeepEqual(await browserLeafHash({ ...record, seq: 43 }, received), new Uint8Array(want));
  assert.equal(await browserLeafHash({ ...record, prev: undefined }, received), undefined);
});

test('a checkpoint core signs opens with WebCrypto Ed25519; a tampered one does not', async () => {
  // Keys whose base64 holds a '+' (about 1 in 2) once broke the key parser: try until one does.
  let keys = generateNoteKey('seclog.test/log');
  while (keys.verifierKey.split('+').length < 4) keys = generateNoteKey('seclog.test/log');
  const { signerKey, verifierKey } = keys;
  const tree = createMerkleTree();
  for (let k = 0; k < 5; k++) tree.appendLeaf(leafData(k));
  const note = signCheckpoint({ origin: 'seclog.test/log', size: 5, root: tree.root(), extensions: [] }, [createNoteSigner(signerKey)]);
  const key = await parseVerifierKey(verifierKey);
  assert.ok(typeof key !== 'string', String(key));
  const opened = await openCheckpoint(note, key);
  assert.ok(opened.ok, opened.ok ? '' : opened.reason);
  assert.equal(opened.checkpoint.size, 5);
  assert.deepEqual(opened.checkpoint.root, new Uint8Array(tree.root()));
  const tampered = note.replace('\n5\n', '\n6\n');
  const r = await openCheckpoint(tampered, key);
  assert.equal(r.ok, false);
  assert.equal(typeof (await parseVerifierKey(verifierKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))), 'string');
});
