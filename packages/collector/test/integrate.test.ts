import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createMerkleTree,
  createNoteVerifier,
  encodeLeaf,
  equalHashes,
  openCheckpoint,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from '@seclog/core';
import { storedLeafData, storedLeafHash } from '../src/integrate/leaf-hash.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

let t: TestCollector;
before(async () => {
  t = await startTestCollector({ log: { checkpointIntervalMs: 10 } });
});
after(() => t.cleanup());

async function ingest(token: string, device: string, recs: ReturnType<typeof deviceChain>) {
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: { device, stream: recs[0]!.stream, records: recs },
  });
  assert.equal(res.statusCode, 200, res.body);
}

test('every stored record maps to core’s leaf of its fields', async () => {
  const d = t.enrol('leaf-1');
  await ingest(d.token, 'leaf-1', deviceChain('leaf-1', 3));
  const s = t.c.data.store;
  for (const e of s.readEvents(0, s.eventCount())) {
    const want = encodeLeaf({
      deviceId: e.device,
      stream: e.stream!,
      seq: e.seq!,
      chainHash: e.chainHash,
      receivedUs: e.receivedUs,
      recordDigest: e.digest,
    });
    assert.deepEqual(storedLeafData(e), want);
  }
});

test('tree root equals a fresh tree over the stored leaves; inclusion proofs verify', async () => {
  const d = t.enrol('int-1');
  await ingest(d.token, 'int-1', deviceChain('int-1', 20));
  const { integrator } = t.c;
  integrator.integrate(); // enrolment through the CLI path commits outside the group committer
  const s = t.c.data.store;
  assert.equal(integrator.size, s.eventCount());
  const fresh = createMerkleTree();
  const events = s.readEvents(0, s.eventCount());
  fresh.appendLeaves(events.map(storedLeafData));
  assert.ok(equalHashes(fresh.root(), integrator.tree.root()));
  const i = events.length - 3;
  const proof = integrator.tree.inclusionProof(i, events.length);
  assert.ok(equalHashes(rootFromInclusionProof(i, events.length, storedLeafHash(events[i]!), proof), fresh.root()));
  assert.doesNotThrow(() => verifyInclusion(i, events.length, storedLeafHash(events[i]!), proof, fresh.root()));
});

test('checkpoints verify with openCheckpoint and successive ones are consistent', async () => {
  const { integrator, data } = t.c;
  const cp1 = integrator.checkpoint();
  const d = t.enrol('int-2');
  await ingest(d.token, 'int-2', deviceChain('int-2', 7));
  await new Promise((r) => setTimeout(r, 50)); // the ≤ interval timer signs without being asked
  const cp2 = data.store.latestCheckpoint()!;
  assert.ok(cp2.treeSize > cp1.treeSize);
  const verifier = createNoteVerifier(data.key.verifierKey);
  const o1 = openCheckpoint(cp1.note, { origin: data.key.origin, verifiers: [verifier] }).checkpoint;
  const o2 = openCheckpoint(cp2.note, { origin: data.key.origin, verifiers: [verifier] }).checkpoint;
  const proof = integrator.tree.consistencyProof(o1.size, o2.size);
  assert.doesNotThrow(() => verifyConsistency(o1.size, o2.size, proof, o1.root, o2.root));
});

test('restart catches up from the tree size to the event count', async () => {
  const { data, integrator } = t.c;
  const before = integrator.size;
  // A commit the integrator was not told about (as after a crash between commit and integration).
  data.enrol.record([{ name: 'log_access', input: { actor: { user: 'admin' }, attrs: { action: 'query', results: 0, role: 'admin' } } }]);
  assert.equal(integrator.lag(), 1);
  assert.equal(integrator.start().treeSize, before + 1);
  assert.equal(integrator.lag(), 0);
});

test('close() leaves no checkpoint timer to fire on the closed store', async () => {
  const errors: unknown[] = [];
  const onError = (err: unknown) => errors.push(err);
  process.on('uncaughtException', onError);
  try {
    const t2 = await startTestCollector({ log: { checkpointIntervalMs: 20 } });
    // Committed outside the group committer, so stop() is what integrates them (and used to re-arm the timer).
    t2.enrol('late-1');
    const before = t2.c.integrator.size;
    await t2.cleanup();
    await new Promise((r) => setTimeout(r, 120));
    assert.ok(t2.c.integrator.size > before, 'stop() integrated the pending records');
    assert.deepEqual(errors, []);
  } finally {
    process.off('uncaughtException', onError);
  }
});

test('leaves of batches the group committer wrote come from memory, not read back, and equal a fresh tree', async () => {
  const d = t.enrol('mem-1');
  t.c.integrator.integrate(); // the enrolment's own-stream records, committed outside the group committer
  const s = t.c.data.store;
  const read = s.readEvents.bind(s);
  let rowsRead = 0;
  s.readEvents = (from, to) => {
    const rows = read(from, to);
    rowsRead += rows.length;
    return rows;
  };
  try {
    const recs = deviceChain('mem-1', 60);
    await ingest(d.token, 'mem-1', recs.slice(0, 30));
    await ingest(d.token, 'mem-1', recs.slice(30));
    await new Promise((r) => setImmediate(r));
  } finally {
    s.readEvents = read;
  }
  assert.equal(rowsRead, 0);
  assert.equal(t.c.integrator.size, s.eventCount());
  const fresh = createMerkleTree();
  fresh.appendLeaves(s.readEvents(0, s.eventCount()).map(storedLeafData));
  assert.ok(equalHashes(fresh.root(), t.c.integrator.tree.root()));
});
