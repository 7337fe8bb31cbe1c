/**
 * After a restart the stream continues from the newest record in the ring
 * (seq, chain hash, seal state); when it cannot, a new stream starts with a
 * `stream_start` naming why and linking the last record of the old one, and
 * what the old stream still had unacknowledged is recorded as dropped.
 * Damage the ring's recovery found becomes `log_store_corrupt`.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import { type ChainedEvent, generateSealKey, recordChainHashHex, verifyChain } from '@seclog/core';
import { type LoggerConfig, RingStore, SecurityLogger } from '../src/index.js';
import { deviceConfig, ringRecords, scratch } from './logger-setup.js';

const dir = scratch('logger-stream');

async function logSome(cfg: LoggerConfig, n: number): Promise<void> {
  const log = await SecurityLogger.open(cfg);
  for (let i = 0; i < n; i++) await log.loginFailed({ user: `u${i}`, method: 'password', reason: 'bad_password' });
  await log.close();
}

test('a restart continues the chain: same stream, next seq, prev = hash of the newest record', async () => {
  const cfg = deviceConfig(dir, { store: { path: `${dir}/a.ring` }, sealOnClose: false });
  await logSome(cfg, 3);
  const before = ringRecords(cfg.store.path);
  const log = await SecurityLogger.open(cfg);
  assert.equal(log.status().stream, before[0]!.stream);
  assert.equal(log.status().lastSeq, 4);
  const r = await log.loggedOut({ user: 'u0' });
  assert.equal(r.seq, 5);
  await log.close();
  const recs = ringRecords(cfg.store.path);
  assert.equal(recs[4]!.prev, recordChainHashHex(before[3]!));
  assert.equal(verifyChain(recs).ok, true);
  assert.equal(recs.filter((x) => x.name === 'stream_start').length, 1);
});

function setState(path: string, blob: Uint8Array): void {
  const ring = RingStore.open({ path, capacityBytes: 4096 });
  ring.setState(blob, { erase: true });
  ring.abandon();
}

const cases: { name: string; spoil: (cfg: LoggerConfig) => LoggerConfig; reason: string; linked: boolean; dropReason: string }[] = [
  {
    name: 'unreadable state',
    spoil: (cfg) => {
      setState(cfg.store.path, Buffer.from('{"v":1,"device":'));
      return cfg;
    },
    reason: 'state_corrupt',
    linked: true,
    dropReason: 'storage_error',
  },
  {
    name: 'state erased',
    spoil: (cfg) => {
      setState(cfg.store.path, new Uint8Array(0));
      return cfg;
    },
    reason: 'state_lost',
    linked: true,
    dropReason: 'storage_error',
  },
  {
    name: 'another seal key (re-enrolled)',
    spoil: (cfg) => ({ ...cfg, sealKey: generateSealKey().toString('hex') }),
    reason: 'reenrolled',
    linked: true,
    dropReason: 'other',
  },
  {
    name: 'another device id',
    spoil: (cfg) => ({ ...cfg, device: 'cam-18' }),
    reason: 'reenrolled',
    linked: false,
    dropReason: 'other',
  },
];

for (const c of cases) {
  test(`a new stream when the old one cannot go on: ${c.name}`, async () => {
    const cfg = deviceConfig(dir, { store: { path: `${dir}/${c.reason}-${c.linked}.ring` }, sealOnClose: false });
    await logSome(cfg, 4);
    const old = ringRecords(cfg.store.path);
    const last = old.at(-1)!;
    const next = c.spoil(cfg);
    const log = await SecurityLogger.open(next);
    await log.close();
    const recs = ringRecords(cfg.store.path);
    const start = recs[0]!;
    assert.equal(start.name, 'stream_start');
    assert.equal(start.seq, 1);
    assert.notEqual(start.stream, last.stream);
    const link = c.linked ? { prev_stream: last.stream, prev_seq: last.seq, prev_hash: recordChainHashHex(last) } : {};
    const { ring_capacity: capacity, ...startAttrs } = start.attrs;
    assert.deepEqual(startAttrs, { reason: c.reason, ...link });
    assert.ok(typeof capacity === 'number' && capacity > 0, 'the stream_start reports the ring capacity');
    const dropped = recs.find((r) => r.name === 'log_dropped')!;
    assert.deepEqual(dropped.attrs, { from_seq: 1, to_seq: 5, count: 5, reason: c.dropReason, stream: last.stream });
    assert.equal(verifyChain(recs).ok, true);
  });
}

test('a damaged record in the middle of the ring is skipped and recorded as log_store_corrupt', async () => {
  const cfg = deviceConfig(dir, { store: { path: `${dir}/corrupt.ring` }, sealOnClose: false });
  await logSome(cfg, 6);
  const victim = ringRecords(cfg.store.path)[3]! as ChainedEvent;
  // Flip a byte inside the victim's payload (found by its unique id).
  const bytes = readFileSync(cfg.store.path);
  const at = bytes.indexOf(Buffer.from(victim.id));
  assert.ok(at > 0);
  const fd = openSync(cfg.store.path, 'r+');
  writeSync(fd, Buffer.from([bytes[at]! ^ 0x01]), 0, 1, at);
  closeSync(fd);
  const log = await SecurityLogger.open(cfg);
  assert.equal(log.status().lastSeq, 8, 'the stream went on: seven records and the damage report');
  await log.close();
  const recs = ringRecords(cfg.store.path);
  assert.equal(
    recs.some((r) => r.seq === victim.seq),
    false,
  );
  const report = recs.find((r) => r.name === 'log_store_corrupt')!;
  assert.equal(report.attrs.from_seq, victim.seq);
  assert.equal(report.attrs.to_seq, victim.seq);
  assert.equal(report.attrs.store, 'ring');
  assert.ok((report.attrs.bytes as number) > 0);
});
