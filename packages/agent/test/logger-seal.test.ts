/**
 * Seals written by the logger (issue D item 4): one at the end of every
 * epoch, empty or not (by time, by record count, missed epochs after
 * downtime, early at close), each verifying with core's SealVerifier from
 * the escrowed k_0; the evolved-away key is gone from the ring file; and a
 * power cut between a seal and the state write is recovered at open.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type ChainedEvent, evolveKey, type SealerPolicy, SealVerifier } from '@seclog/core';
import { type LoggerConfig, RingStore, SecurityLogger } from '../src/index.js';
import { deviceConfig, ringRecords, scratch, TestClock } from './logger-setup.js';

const dir = scratch('logger-seal');

function verify(cfg: LoggerConfig, recs: ChainedEvent[]): ReturnType<SealVerifier['verify']> {
  return new SealVerifier({ k0: Buffer.from(cfg.sealKey!, 'hex'), deviceId: cfg.device, policy: cfg.seal as SealerPolicy }).verify(recs);
}

const seals = (recs: ChainedEvent[]) =>
  recs.filter((r) => r.name === 'log_seal').map((r) => r.attrs as { epoch: number; first_seq: number; last_seq: number });

test('a seal per epoch: by time (also empty ones), by record count, at close; all verify from k_0', async () => {
  const clock = new TestClock();
  const cfg = deviceConfig(dir, { store: { path: `${dir}/a.ring` }, now: clock.now, t0Ms: clock.ms - 5000 });
  cfg.seal = { ...cfg.seal!, maxRecords: 5 };
  const log = await SecurityLogger.open(cfg);
  await log.loginFailed({ user: 'a', method: 'password', reason: 'bad_password' });
  clock.advance(60_000);
  // Epoch 0 ended on its grid line: sealed before this record is appended.
  await log.loginFailed({ user: 'b', method: 'password', reason: 'bad_password' });
  assert.equal(log.status().sealEpoch, 1);
  clock.advance(3 * 60_000);
  await log.systemStarted({ reason: 'power_on' });
  assert.equal(log.status().sealEpoch, 4, 'epoch 1 (one record) and the empty epochs 2 and 3 were sealed');
  for (let i = 0; i < 12; i++) await log.faultDetected({ fault: 'overtemp' });
  assert.equal(log.status().sealEpoch, 6, 'an epoch holds at most maxRecords (5) records');
  await log.close();

  const recs = ringRecords(cfg.store.path);
  const v = verify(cfg, recs);
  assert.equal(v.ok, true, JSON.stringify(v.failure));
  const s = seals(recs);
  assert.deepEqual(
    s.map((x) => x.epoch),
    [0, 1, 2, 3, 4, 5, 6],
  );
  assert.deepEqual(
    s.map((x) => x.last_seq - x.first_seq + 1),
    [2, 1, 0, 0, 5, 5, 3],
    'records per epoch: empty epochs are sealed too, and close() sealed the last one early',
  );
  assert.equal(v.seals, 7);
});

test('the key of a closed epoch is overwritten in the ring file; only the current one is there', async () => {
  const clock = new TestClock();
  const cfg = deviceConfig(dir, { store: { path: `${dir}/b.ring` }, now: clock.now, t0Ms: clock.ms, sealOnClose: false });
  const k0 = Buffer.from(cfg.sealKey!, 'hex');
  const k1 = evolveKey(k0, 0);
  const k2 = evolveKey(k1, 1);
  const log = await SecurityLogger.open(cfg);
  const file = (): string => readFileSync(cfg.store.path).toString('latin1');
  assert.ok(file().includes(k0.toString('hex')), 'epoch 0 is keyed by k_0 (the check can see a key)');
  clock.advance(60_000);
  await log.loggedOut({ user: 'a' });
  clock.advance(60_000);
  await log.loggedOut({ user: 'b' });
  assert.equal(log.status().sealEpoch, 2);
  const bytes = file();
  assert.equal(bytes.includes(k0.toString('hex')), false, 'k_0 is gone');
  assert.equal(bytes.includes(k1.toString('hex')), false, 'k_1 is gone');
  assert.ok(bytes.includes(k2.toString('hex')), 'k_2 is the state');
  await log.close();
});

test('a non-critical event that closes an epoch does not wait for the key evolution; a copy of the file taken then recovers, the key goes soon after', async () => {
  const clock = new TestClock();
  const cfg = deviceConfig(dir, { store: { path: `${dir}/e.ring` }, now: clock.now, t0Ms: clock.ms, sealOnClose: false });
  const k0 = Buffer.from(cfg.sealKey!, 'hex').toString('hex');
  const log = await SecurityLogger.open(cfg);
  clock.advance(60_000);
  // session_start is not critical: it resolves with the record in the ring, the seal before it appended.
  await log.sessionStarted({ user: 'a', source: 'ssh' });
  assert.equal(log.status().sealEpoch, 1);
  assert.ok(readFileSync(cfg.store.path).toString('latin1').includes(k0), 'k_0 is still in the slots on the call’s turn');
  // A power cut now (the file as it stands): the seal is in the ring, the state still holds k_0.
  const cut = `${dir}/e-cut.ring`;
  copyFileSync(cfg.store.path, cut);
  // The evolution reaches both slots within a few fsyncs of the thread pool.
  const t0 = Date.now();
  while (readFileSync(cfg.store.path).toString('latin1').includes(k0)) {
    assert.ok(Date.now() - t0 < 5_000, 'k_0 was still in the file after 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  await log.close();

  const recovered = await SecurityLogger.open({ ...cfg, store: { ...cfg.store, path: cut } });
  assert.equal(recovered.status().sealEpoch, 1, 'the seal in the copy moved the sealer on');
  clock.advance(60_000);
  await recovered.loginFailed({ user: 'b', method: 'password', reason: 'bad_password' });
  await recovered.close();
  const recs = ringRecords(cut);
  const v = verify(cfg, recs);
  assert.equal(v.ok, true, JSON.stringify(v.failure));
  assert.deepEqual(
    seals(recs).map((s) => s.epoch),
    [0, 1],
  );
});

test('downtime: at open, every epoch that ended while the device was off is sealed, in turn', async () => {
  const clock = new TestClock();
  const cfg = deviceConfig(dir, { store: { path: `${dir}/c.ring` }, now: clock.now, t0Ms: clock.ms });
  let log = await SecurityLogger.open(cfg);
  await log.loginFailed({ user: 'a', method: 'password', reason: 'bad_password' });
  await log.close();
  clock.advance(5 * 60_000 + 30_000);
  log = await SecurityLogger.open(cfg);
  await log.loginFailed({ user: 'b', method: 'password', reason: 'bad_password' });
  await log.close();
  const recs = ringRecords(cfg.store.path);
  const v = verify(cfg, recs);
  assert.equal(v.ok, true, JSON.stringify(v.failure));
  // Epoch 0 closed early at the first close; epoch 1 ran to its grid line; 2..5 were empty; 6 closed at the second close.
  assert.deepEqual(
    seals(recs).map((s) => s.epoch),
    [0, 1, 2, 3, 4, 5, 6],
  );
});

test('a power cut between a seal and the state write: the seal is replayed at open and the stream goes on verifying', async () => {
  const clock = new TestClock();
  const cfg = deviceConfig(dir, { store: { path: `${dir}/d.ring` }, now: clock.now, t0Ms: clock.ms, sealOnClose: false });
  let log = await SecurityLogger.open(cfg);
  await log.loginFailed({ user: 'a', method: 'password', reason: 'bad_password' });
  await log.close();
  const ring = RingStore.open({ path: cfg.store.path, capacityBytes: 4096 });
  const before = ring.state;
  await ring.close();

  clock.advance(60_000);
  log = await SecurityLogger.open(cfg);
  assert.equal(log.status().sealEpoch, 1, 'epoch 0 was sealed at open');
  await log.close();
  // Put back the state as it was before that seal: the seal record is on disk, the key evolution is not.
  const again = RingStore.open({ path: cfg.store.path, capacityBytes: 4096 });
  again.setState(before, { erase: true });
  await again.close();

  log = await SecurityLogger.open(cfg);
  assert.equal(log.status().sealEpoch, 1, 'the seal found in the ring moved the sealer on');
  clock.advance(60_000);
  await log.loginFailed({ user: 'b', method: 'password', reason: 'bad_password' });
  await log.close();
  const recs = ringRecords(cfg.store.path);
  assert.equal(recs.filter((r) => r.name === 'stream_start').length, 1, 'still one stream');
  const v = verify(cfg, recs);
  assert.equal(v.ok, true, JSON.stringify(v.failure));
  assert.deepEqual(
    seals(recs).map((s) => s.epoch),
    [0, 1],
  );
});

test('while the device is idle, the epoch timer seals each epoch as it ends', async () => {
  const cfg = deviceConfig(dir, { store: { path: `${dir}/e.ring` }, sealOnClose: false });
  cfg.seal = { ...cfg.seal!, epochMs: 300 };
  const log = await SecurityLogger.open(cfg);
  await new Promise((r) => setTimeout(r, 1000));
  const epochs = log.status().sealEpoch!;
  await log.close();
  assert.ok(epochs >= 2, `epoch ${epochs} open after 1 s of 300 ms epochs`);
  const recs = ringRecords(cfg.store.path);
  assert.equal(seals(recs).length, epochs);
  assert.equal(verify(cfg, recs).ok, true);
});
