/**
 * The worked example of docs/protocol.md, built from fixed keys, ids and
 * times, so every byte is reproducible; the test keeps the page and the code
 * in step (run this file with SECLOG_PRINT_EXAMPLE=1 to print the values).
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildBundle } from '../src/bundle/build-bundle.js';
import { verifyBundle } from '../src/bundle/verify-bundle.js';
import { canonicalize } from '../src/canon/jcs.js';
import { recordDigest } from '../src/chain/chain-hash.js';
import { advanceHead, genesisHead, nextChainFields } from '../src/chain/chain-head.js';
import { signCheckpoint } from '../src/checkpoint/checkpoint.js';
import { createNoteSigner, ed25519KeyId, formatKeyId, verifierKeyFromPublicKey } from '../src/checkpoint/note-key.js';
import { prepareEvent } from '../src/event/prepare.js';
import type { ChainedEvent, SecurityEvent } from '../src/event/types.js';
import { encodeLeaf } from '../src/log/leaf.js';
import { recordLeaf } from '../src/log/record-leaf.js';
import type { Hash } from '../src/merkle/hash.js';
import { hashLeaf } from '../src/merkle/hash.js';
import { MemoryNodeStore } from '../src/merkle/node-store.js';
import { createMerkleTree } from '../src/merkle/tree.js';
import { sealKey } from '../src/seal/key-schedule.js';
import { sealBody } from '../src/seal/seal-body.js';
import { createSealerState, Sealer } from '../src/seal/sealer.js';

const ORIGIN = 'log.example.com/seclog';
const T0_MS = Date.UTC(2026, 10, 27, 13, 0, 0);

/** The log key from a fixed Ed25519 seed (never use a fixed seed outside an example). */
function exampleKey(): { signerKey: string; verifierKey: string } {
  const seed = Buffer.alloc(32, 0x5e);
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const pub = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }))
    .export({ format: 'der', type: 'spki' })
    .subarray(12);
  const id = formatKeyId(ed25519KeyId(ORIGIN, pub));
  const signerKey = `PRIVATE+KEY+${ORIGIN}+${id}+${Buffer.concat([Buffer.of(1), seed]).toString('base64')}`;
  return { signerKey, verifierKey: verifierKeyFromPublicKey(ORIGIN, pub) };
}

export function protocolExample() {
  const ids = ['019ac5e2-7b10-7c3a-9d41-000000000001', '019ac5e2-7b10-7c3a-9d41-000000000002', '019ac5e2-7b10-7c3a-9d41-000000000003'];
  let now = T0_MS + 1000;
  const ctx = {
    device: { id: 'cam-17', fw: '2.4.1' },
    redaction: { salt: new Uint8Array(32) },
    now: () => now,
    newId: () => ids.shift() as string,
    tq: { synced: true, source: 'ntp' as const, accuracy_ms: 4 },
  };
  const k0 = Buffer.alloc(32, 0x07);
  const sealer = new Sealer(
    createSealerState({ t0Ms: T0_MS, epochMs: 60_000, maxRecords: 12, deviceId: 'cam-17', stream: 'cam-17.s1', k0 }),
  );
  let head = genesisHead('cam-17.s1');
  const device: ChainedEvent[] = [];
  const append = (ev: SecurityEvent) => {
    const rec = { ...ev, ...nextChainFields(head, { boot: 'b7e1c2', monoMs: now - T0_MS }) } as ChainedEvent;
    head = advanceHead(head, rec);
    device.push(rec);
  };
  append(prepareEvent('stream_start', { attrs: { reason: 'first_start' } }, ctx).event);
  now = T0_MS + 5250;
  append(
    prepareEvent(
      'authn_login_fail',
      { actor: { user: 'admin', ip: '203.0.113.7', port: 51022 }, attrs: { method: 'password', reason: 'bad_password', interface: 'ssh' } },
      ctx,
    ).event,
  );
  now = T0_MS + 60_000;
  const sealAttrs = sealer.seal({ lastSeq: head.seq, chainHead: head.hash, oldestRetainedSeq: 1, nowMs: now });
  append(prepareEvent('log_seal', { attrs: sealAttrs }, ctx).event);
  const collector = prepareEvent(
    'log_access',
    { actor: { user: 'auditor', ip: '198.51.100.9' }, attrs: { action: 'export', records: 3 } },
    { ...ctx, device: { id: 'seclog-collector' }, newId: () => '019ac5e2-8000-7c3a-9d41-000000000001', now: () => T0_MS + 30_000 },
  ).event;
  const own = { ...collector, ...nextChainFields(genesisHead('collector/events'), { boot: 'c0ffee', monoMs: 30_000 }) } as ChainedEvent;
  const us = (ms: number) => ms * 1000 + 300_000;
  const entries = [
    { leafIndex: 0, receivedUs: us(T0_MS + 1000), record: device[0] as ChainedEvent },
    { leafIndex: 1, receivedUs: us(T0_MS + 5250), record: device[1] as ChainedEvent },
    { leafIndex: 2, receivedUs: us(T0_MS + 30_000), record: own },
    { leafIndex: 3, receivedUs: us(T0_MS + 60_000), record: device[2] as ChainedEvent },
  ];
  const store = new MemoryNodeStore();
  const tree = createMerkleTree(store);
  for (const e of entries) tree.appendLeaf(encodeLeaf(recordLeaf(e.record, e.receivedUs)));
  const key = exampleKey();
  const checkpoint = signCheckpoint({ origin: ORIGIN, size: 4, root: tree.root(), extensions: [] }, [createNoteSigner(key.signerKey)]);
  const lines = [
    ...buildBundle({
      checkpoint,
      vkey: key.verifierKey,
      events: entries.filter((e) => e.record.device.id === 'cam-17'),
      nodeHash: (level, index) => store.getNode(level, index) as Hash,
      createdUs: Date.UTC(2026, 10, 28, 9, 0, 0) * 1000,
      filter: { devices: ['cam-17'] },
      consistencyFrom: 2,
    }),
  ];
  const r2 = device[1] as ChainedEvent;
  const leaf2 = recordLeaf(r2, entries[1]?.receivedUs as number);
  const chainInput = Buffer.concat([
    Buffer.from('seclog/chain/v1\0', 'latin1'),
    Buffer.from('0000000000000002', 'hex'),
    Buffer.from(r2.prev, 'hex'),
    recordDigest(r2),
  ]);
  return {
    verifierKey: key.verifierKey,
    k0Hex: k0.toString('hex'),
    sk0Hex: sealKey(k0).toString('hex'),
    record2: canonicalize(r2),
    digest2: recordDigest(r2).toString('hex'),
    chainInput2: chainInput.toString('hex'),
    chainHash2: Buffer.from(leaf2.chainHash).toString('hex'),
    sealBody: canonicalize(sealBody(sealAttrs, 'cam-17', 'cam-17.s1')),
    sealTag: sealAttrs.tag,
    leaf2: encodeLeaf(leaf2).toString('hex'),
    leafHash2: Buffer.from(hashLeaf(encodeLeaf(leaf2))).toString('hex'),
    root: Buffer.from(tree.root()).toString('base64'),
    checkpoint,
    lines: lines.map((l) => l.slice(0, -1)),
    trailerDigest: hash('sha256', lines.slice(0, -1).join(''), 'hex'),
  };
}

const example = protocolExample();
if (process.env.SECLOG_PRINT_EXAMPLE === '1') process.stdout.write(`${JSON.stringify(example, null, 2)}\n`);

test('the worked example verifies', () => {
  const r = verifyBundle(example.lines, {
    verifierKeys: [example.verifierKey],
    origin: ORIGIN,
    sealKeys: new Map([['cam-17', Buffer.alloc(32, 0x07)]]),
  });
  assert.ok(r.ok && r.events === 3 && r.sealed?.tagsChecked === 1, JSON.stringify(r));
});

test('docs/protocol.md shows the worked example byte for byte', () => {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const values = [example.verifierKey, example.record2, example.digest2, example.chainHash2, example.sealBody, example.sealTag];
  for (const v of [...values, example.leafHash2, example.root, ...example.lines])
    assert.ok(doc.includes(v), `docs/protocol.md lacks ${v.slice(0, 60)}…`);
  // Long hex is wrapped in the page at 64 digits.
  for (const hex of [example.chainInput2, example.leaf2])
    assert.ok(doc.replace(/\s+/g, '').includes(hex), `docs/protocol.md lacks ${hex.slice(0, 40)}…`);
});
