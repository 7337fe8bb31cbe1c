import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordChainHashHex } from '../src/chain/chain-hash.js';
import { isSeclogError } from '../src/errors.js';
import { type ChainedEvent, ZERO_HASH_HEX } from '../src/event/types.js';
import { validateEvent } from '../src/event/validate.js';
import { microsFromEventTime } from '../src/seal/epoch-time.js';
import { EpochKeys, sealKey } from '../src/seal/key-schedule.js';
import { computeSealTag, sealBody } from '../src/seal/seal-body.js';
import type { SealVerification, VerifySealedOptions } from '../src/seal/seal-result.js';
import { SealVerifier } from '../src/seal/seal-verifier.js';
import { Sealer } from '../src/seal/sealer.js';
import { buildStream, DEVICE_ID, POLICY, T0_MS } from './chain-fixtures.test.js';
import { appendForgedSeal, keyForward, rechain, resume, sealOf, shiftTime } from './seal-fixtures.test.js';

const K0: Buffer = Buffer.alloc(32, 0x5a);

function located(r: SealVerification): { kind: string; seq: number } | 'ok' {
  return r.failure === null ? 'ok' : { kind: r.failure.kind, seq: r.failure.seq };
}

describe('SealVerifier', () => {
  const s = buildStream({ seed: 31, records: 400 });
  const v = new SealVerifier({ k0: s.k0, deviceId: DEVICE_ID, policy: POLICY });
  const seals = s.records.flatMap((r, i) => (r.name === 'log_seal' ? [i] : []));
  const lastSeal = seals[seals.length - 1] as number;
  const at = (i: number) => s.records[i] as ChainedEvent;

  test('seal records are valid log_seal catalogue records', () => {
    for (const i of seals) assert.deepEqual(validateEvent(at(i), { chained: true }), []);
  });

  test('reports the sealed range, the unsealed tail and the seal count', () => {
    const r = v.verify(s.records, { nowMs: s.endMs, expectedLastSeq: s.records.length });
    assert.deepEqual(r, {
      ok: true,
      first: 1,
      last: s.records.length,
      sealed: { first: 1, last: sealOf(at(lastSeal)).last_seq },
      unsealedTail: s.records.length - sealOf(at(lastSeal)).last_seq,
      seals: seals.length,
      lastEpoch: seals.length - 1,
      failure: null,
    });
  });

  test('a window starting mid-stream verifies from its own anchor', () => {
    const r = v.verify(s.records.slice(100, 300));
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    assert.equal(r.sealed?.first, 101);
  });

  test('CVE-2023-31438 truncate-and-resume', () => {
    // Cut back into the epoch before the third-last seal (three seals go), then keep writing.
    const cut = (seals[seals.length - 3] as number) - 1;
    const survivor = seals[seals.length - 4] as number;
    const kept = s.records.slice(0, cut);
    const want = { kind: 'truncated', seq: at(survivor).seq + 1 };
    const cases: [string, ChainedEvent[], VerifySealedOptions][] = [
      ['resumed at the present, unsealed', resume(kept, s.stream, 8, s.endMs), { nowMs: s.endMs + 9000 }],
      [
        'resumed with times backdated into the open epoch',
        resume(kept, s.stream, 3, microsFromEventTime(at(cut - 1).time) / 1000, 1),
        { nowMs: s.endMs },
      ],
      ['resumed, and the verifier knows only what the records say', resume(kept, s.stream, 8, s.endMs), {}],
      [
        'resumed past the collector high-water mark',
        resume(kept, s.stream, 40, s.endMs),
        { nowMs: s.endMs + 41_000, expectedLastSeq: s.records.length },
      ],
    ];
    for (const [name, window, opts] of cases) assert.deepEqual(located(v.verify(window, opts)), want, name);
    assert.deepEqual(located(v.verify(kept, { expectedLastSeq: s.records.length })), { kind: 'truncated', seq: cut + 1 }, 'cut only');
    // Sealing the resumed records with the key held now cannot help: that is a later key.
    const f = s.finalState as NonNullable<typeof s.finalState>;
    const resumed = resume(kept, s.stream, 4, s.endMs);
    const survivorSeal = sealOf(at(survivor));
    const sealedResume = appendForgedSeal(resumed, s.stream, {
      epoch: survivorSeal.epoch + 1,
      key: Buffer.from(f.key, 'hex'),
      prevSealTag: survivorSeal.tag,
      firstSeq: at(survivor).seq + 1,
      oldestRetainedSeq: 1,
      epochStart: survivorSeal.epoch_end,
      epochEnd: shiftTime(survivorSeal.epoch_end, 1000),
    });
    assert.deepEqual(located(v.verify(sealedResume, { nowMs: s.endMs })), { kind: 'resealed', seq: at(survivor).seq + 1 });
  });

  test('CVE-2023-31439 re-seal with a later key', () => {
    const f = s.finalState as NonNullable<typeof s.finalState>;
    const kE = Buffer.from(f.key, 'hex');
    const j = 5; // rewrite epoch 5 onwards: drop its seal and all later ones, edit a record, re-seal
    const prevSeal = seals[j - 1] as number;
    const rest = s.records.slice(prevSeal + 1).filter((r) => r.name !== 'log_seal');
    rest[2] = { ...(rest[2] as ChainedEvent), attrs: { ...(rest[2] as ChainedEvent).attrs, reason: 'other' } };
    const rewritten = rechain(s.records.slice(0, prevSeal + 1), rest, s.stream);
    const p = sealOf(at(prevSeal));
    const forged = (epoch: number, key: Buffer, prevSealTag = p.tag) =>
      appendForgedSeal(rewritten, s.stream, {
        epoch,
        key,
        prevSealTag,
        firstSeq: at(prevSeal).seq + 1,
        oldestRetainedSeq: 1,
        epochStart: p.epoch_end,
        epochEnd: shiftTime(p.epoch_end, 1000),
      });
    const want = { kind: 'resealed', seq: at(prevSeal).seq + 1 };
    assert.deepEqual(located(v.verify(forged(j, kE))), want, 'claims the old epoch, tagged with the current key');
    assert.deepEqual(located(v.verify(forged(f.epoch, kE))), want, 'claims its own (later) epoch: not consecutive');
    assert.deepEqual(located(v.verify(forged(f.epoch + 3, keyForward(f.key, f.epoch, f.epoch + 3)))), want, 'claims a future epoch');
    // The next seal the device would make, with a prev_seal_tag that does not chain.
    const next = appendForgedSeal(s.records.slice(0, lastSeal + 1), s.stream, {
      epoch: f.epoch,
      key: kE,
      prevSealTag: 'f'.repeat(64),
      firstSeq: at(lastSeal).seq + 1,
      oldestRetainedSeq: 1,
      epochStart: sealOf(at(lastSeal)).epoch_end,
      epochEnd: shiftTime(sealOf(at(lastSeal)).epoch_end, 1000),
    });
    assert.deepEqual(located(v.verify(next)), { kind: 'resealed', seq: at(lastSeal).seq + 1 }, 'prev_seal_tag does not chain');
    // A whole rewrite from seq 1, sealed as epoch 0 with the current key.
    const all = rechain(
      [],
      s.records.filter((r) => r.name !== 'log_seal'),
      s.stream,
    );
    const whole = appendForgedSeal(all, s.stream, {
      epoch: 0,
      key: kE,
      prevSealTag: ZERO_HASH_HEX,
      firstSeq: 1,
      oldestRetainedSeq: 1,
      epochStart: sealOf(at(seals[0] as number)).epoch_start,
      epochEnd: shiftTime(sealOf(at(seals[0] as number)).epoch_start, 1000),
    });
    assert.deepEqual(located(v.verify(whole)), { kind: 'resealed', seq: 1 }, 'rewritten from the genesis');
  });

  test('bad seals: a tag no key made, another device, a seal that lies about its place', () => {
    const i = seals[3] as number;
    const flip = (mut: (r: ChainedEvent) => void) => {
      const r = structuredClone(at(i));
      mut(r);
      return rechain(s.records.slice(0, i), [r, ...s.records.slice(i + 1, i + 20)], s.stream);
    };
    const seq = at(i).seq;
    assert.deepEqual(located(v.verify(flip((r) => (r.attrs.tag = `${'0'.repeat(63)}1`)))), { kind: 'bad_seal', seq });
    assert.deepEqual(located(v.verify(flip((r) => (r.attrs.oldest_retained_seq = 2)))), { kind: 'bad_seal', seq });
    const other = new SealVerifier({ k0: s.k0, deviceId: 'cam-18', policy: POLICY });
    assert.deepEqual(located(other.verify(s.records)), { kind: 'bad_seal', seq: at(seals[0] as number).seq });
  });

  test('time outside its epoch, within and beyond the allowed skew', () => {
    // A seal after the first few whose epoch holds at least three records; the victim is in the middle.
    const i = seals.find((k, n) => n > 3 && sealOf(at(k)).last_seq - sealOf(at(k)).first_seq >= 2) as number;
    const idx = i - 2;
    const startMs = microsFromEventTime(sealOf(at(i)).epoch_start) / 1000;
    const endMs = microsFromEventTime(sealOf(at(i)).epoch_end) / 1000;
    const moved = (time: string) => rechain(s.records.slice(0, idx), [{ ...at(idx), time }, ...s.records.slice(idx + 1, i)], s.stream);
    // A record made by a (compromised or broken) logger with a false time, then sealed: the chain and tag are fine.
    const sealed = (time: string) => {
      const w = moved(time);
      const p = sealOf(at(i));
      const sealer = new Sealer({
        ...(s.finalState as NonNullable<typeof s.finalState>),
        epoch: p.epoch,
        key: keyForward(s.k0.toString('hex'), 0, p.epoch).toString('hex'),
        epochStartUs: microsFromEventTime(p.epoch_start),
        firstSeq: p.first_seq,
        prevSealTag: p.prev_seal_tag,
      });
      const head = { seq: w.length, hash: recordChainHashHex(w[w.length - 1] as ChainedEvent) };
      const attrs = sealer.seal({ lastSeq: head.seq, chainHead: head.hash, oldestRetainedSeq: p.oldest_retained_seq, nowMs: endMs });
      assert.equal(attrs.tag.length, 64);
      const out = appendForgedSeal(w, s.stream, {
        epoch: 0,
        key: Buffer.alloc(32),
        prevSealTag: ZERO_HASH_HEX,
        firstSeq: 1,
        oldestRetainedSeq: 1,
        epochStart: attrs.epoch_start,
        epochEnd: attrs.epoch_end,
      });
      const rec = out[out.length - 1] as ChainedEvent;
      rec.attrs = attrs;
      return out;
    };
    const want = { kind: 'time_outside_epoch', seq: at(idx).seq };
    const early = new Date(startMs - 1500).toISOString().replace('Z', '000Z');
    assert.deepEqual(located(v.verify(sealed(early), { skewMs: 1000 })), want, 'backdated beyond the skew');
    assert.equal(v.verify(sealed(early), { skewMs: 2000 }).ok, true, 'within the skew');
    const late = new Date(endMs + 1500).toISOString().replace('Z', '000Z');
    assert.deepEqual(located(v.verify(sealed(late), { skewMs: 1000 })), want, 'postdated beyond the skew');
  });

  test('front cut beyond what the ring capacity explains, and the intact ring window', () => {
    const ring = buildStream({ seed: 41, records: 500, capacityBytes: 24 * 1024 });
    const rv = new SealVerifier({ k0: ring.k0, deviceId: DEVICE_ID, policy: POLICY });
    const window = ring.records.slice(ring.ringFrom);
    const opts = { capacityBytes: 24 * 1024, maxRecordBytes: ring.maxStoredBytes };
    assert.equal(rv.verify(window, opts).ok, true, 'overwritten records are explained by the bytes written since');
    const cut = window.slice(3);
    assert.deepEqual(located(rv.verify(cut, opts)), { kind: 'front_cut', seq: (cut[0] as ChainedEvent).seq - 1 });
    assert.equal(rv.verify(cut).ok, true, 'without the capacity a window may start anywhere');
  });

  test('an epoch that ended without a seal in the window is truncation, also for a stream with no seal yet', () => {
    const young = buildStream({ seed: 51, records: 3 });
    const yv = new SealVerifier({ k0: young.k0, deviceId: DEVICE_ID, policy: POLICY });
    assert.equal(yv.verify(young.records, { nowMs: young.endMs }).ok, true);
    assert.deepEqual(located(yv.verify(young.records, { nowMs: T0_MS + 5 * POLICY.epochMs })), { kind: 'truncated', seq: 1 });
    assert.equal(yv.verify(young.records, { nowMs: T0_MS + 5 * POLICY.epochMs, graceMs: 5 * POLICY.epochMs }).ok, true, 'within the grace');
  });

  test('a verifier refuses a bad policy or key', () => {
    assert.throws(
      () => new SealVerifier({ k0: Buffer.alloc(3), deviceId: DEVICE_ID, policy: POLICY }),
      (e) => isSeclogError(e, 'SEAL_KEY_INVALID'),
    );
    assert.throws(
      () => new SealVerifier({ k0: K0, deviceId: DEVICE_ID, policy: { ...POLICY, epochMs: 0 } }),
      (e) => isSeclogError(e, 'SEAL_STATE_INVALID'),
    );
  });

  test('a tag is HMAC(sk_e, JCS(body)) over every attr but the tag, plus device id and stream', () => {
    const a = sealOf(at(seals[2] as number));
    const { tag, ...rest } = a;
    const sk = sealKey(new EpochKeys(s.k0).keyAt(a.epoch));
    assert.equal(computeSealTag(sk, sealBody(rest, DEVICE_ID, s.stream)), tag);
    const body = sealBody(rest, DEVICE_ID, s.stream);
    assert.deepEqual(Object.keys(body).sort(), [...Object.keys(rest), 'device_id', 'stream'].sort());
  });
});

// Shrunk counterexample of seal-properties ("forged before 0 (random prev: true) of window
// seqs 5831..5831"): a forged copy of a seal placed before it was reported as bad_seal.
test('regression: a forged copy placed before a seal is inserted at its seq, not a bad seal', () => {
  const s = buildStream({ seed: 31, records: 400 });
  const v = new SealVerifier({ k0: s.k0, deviceId: DEVICE_ID, policy: POLICY });
  const seal = s.records.find((r) => r.name === 'log_seal' && r.seq > 1) as ChainedEvent;
  const forged: ChainedEvent = { ...structuredClone(seal), message: 'nothing happened here', prev: ZERO_HASH_HEX.replace(/^0/, '1') };
  const r = v.verify([forged, seal], { stream: s.stream });
  assert.deepEqual(r.failure && { kind: r.failure.kind, seq: r.failure.seq }, { kind: 'inserted', seq: seal.seq });
});
