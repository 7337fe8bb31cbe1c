/**
 * Seal checks at ingest (issue C item 3): every log_seal of a device stream
 * verified under its epoch key and against the seal before it, batch by batch
 * and across restarts and gaps. A failure is recorded as log_integrity_fail
 * and the records are still stored. Where a whole stream shows the failure,
 * core's SealVerifier must name the same kind.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type ChainedEvent, type LogSealAttrs, SealVerifier } from '@seclog/core';
import { IngestHarness, k0Of, POLICY, StreamBuilder, T0_MS, testDevice } from './ingest-harness.js';

let h: IngestHarness;
beforeEach(() => {
  h = new IngestHarness();
});
afterEach(() => h.close());

const dev = (id: string) => h.enrol(testDevice(id, k0Of(id)));

/** Core's verdict on the whole stream: the kind of its first failure, or 'ok'. */
function coreVerdict(s: StreamBuilder, records: readonly ChainedEvent[] = s.records): string {
  const v = new SealVerifier({ k0: s.k0, deviceId: s.device, policy: s.policy }).verify(records);
  return v.failure?.kind ?? 'ok';
}

/** Sends the stream in batches cut at the given seqs (each cut starts a new batch). */
async function sendCut(s: StreamBuilder, cuts: number[]): Promise<void> {
  const d = h.store.getDevice(s.device) ?? dev(s.device);
  const edges = [1, ...cuts, s.lastSeq + 1];
  for (let i = 0; i + 1 < edges.length; i++) await h.ack(d, s.range(edges[i]!, edges[i + 1]! - 1));
}

const flip = (hex: string): string => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

describe('good seals', () => {
  test('verified across several batches and a restart: no failure, one seal row per seal', async () => {
    const s = new StreamBuilder('s-ok').epochs(3, 5);
    await sendCut(s, [8, 13]);
    h.restart();
    s.epochs(2, 4);
    await sendCut(
      s,
      [19, 27].filter((c) => c <= s.lastSeq),
    );
    assert.equal(coreVerdict(s), 'ok');
    assert.deepEqual(h.failures(), []);
    const last = h.store.sealBefore('s-ok', s.stream, Number.MAX_SAFE_INTEGER);
    assert.deepEqual([last?.seq, last?.epoch], [s.lastSeq, 4]);
    assert.equal(h.store.sealBefore('s-ok', s.stream, 7)?.epoch, 0);
    assert.equal(h.store.sealAfter('s-ok', s.stream, 6)?.seq, 12);
  });

  test('seals inside a gap: the seal after the gap waits, and the fill links them all', async () => {
    for (const order of ['front', 'back'] as const) {
      const s = new StreamBuilder(`s-gap-${order}`).epochs(4, 3);
      const d = dev(s.device);
      await h.ack(d, s.range(1, 4));
      await h.ack(d, s.range(13, 16)); // seal of epoch 3 names seq 12, in the gap
      if (order === 'front') {
        await h.ack(d, s.range(5, 8));
        await h.ack(d, s.range(9, 12));
      } else {
        await h.ack(d, s.range(9, 12));
        await h.ack(d, s.range(5, 8));
      }
      s.epochs(1, 2);
      await h.ack(d, s.range(17, s.lastSeq));
    }
    assert.deepEqual(h.failures(), []);
  });

  test('epochs closed on the grid and by record count, empty ones too, as an agent seals them', async () => {
    const s = new StreamBuilder('s-agent');
    let t = T0_MS + 10;
    for (let i = 0; i < 120; i++) {
      // Bursts, quiet minutes (empty epochs), and a record exactly on a grid line.
      t += i % 40 === 39 ? 3 * POLICY.epochMs : i === 60 ? POLICY.epochMs - (t % POLICY.epochMs) : 200;
      s.addAt(t);
    }
    const seals = s.records.filter((r) => r.name === 'log_seal').length;
    assert.ok(seals >= 8, `${seals} seals`);
    assert.equal(coreVerdict(s), 'ok');
    await sendCut(s, [17, 40, 41, 90]);
    assert.deepEqual(h.failures(), []);
  });

  test('a device that never seals is not held to the epoch clock', async () => {
    const s = new StreamBuilder('s-none').add(3);
    s.push('authn_login_fail', { method: 'password', reason: 'bad_password' }, T0_MS + 5 * POLICY.epochMs);
    s.add(60);
    await sendCut(s, [3]);
    assert.deepEqual(h.failures(), []);
  });
});

describe('bad seals are stored and reported once, with the kind core gives', () => {
  test('a tag that verifies under no key: bad_seal', async () => {
    const s = new StreamBuilder('s-tag').epochs(2, 3);
    s.add(3).sealWith((a) => ({ ...a, tag: flip(a.tag) }));
    assert.equal(coreVerdict(s), 'bad_seal');
    await sendCut(s, [5]);
    assert.deepEqual(h.failures(), [['bad_seal', 12]]);
    assert.equal(h.stored('s-tag', s.stream).records.length, 12, 'the records are stored');
    const fail = h.own().find((r) => r.name === 'log_integrity_fail')!;
    assert.deepEqual([fail.attrs.device_id, fail.attrs.stream, fail.attrs.epoch], ['s-tag', s.stream, 2]);
  });

  test('a seal made again with a later key: resealed', async () => {
    const s = new StreamBuilder('s-reseal').epochs(2, 3);
    s.add(2).sealWith((a) => s.tagWith(a, a.epoch + 3));
    assert.equal(coreVerdict(s), 'resealed');
    await sendCut(s, [9]);
    assert.deepEqual(h.failures(), [['resealed', 11]]);
  });

  test('a skipped epoch: resealed', async () => {
    const s = new StreamBuilder('s-skip').epochs(2, 3);
    const prev = s.records.at(-1)!;
    s.add(2);
    s.forgeSeal(s.nextSealAttrs(prev, (prev.attrs as LogSealAttrs).epoch + 2), (prev.attrs as LogSealAttrs).epoch + 2);
    assert.equal(coreVerdict(s), 'resealed');
    await sendCut(s, [3, 9]);
    assert.deepEqual(h.failures(), [['resealed', 11]]);
  });

  test('an epoch that ended without its seal: truncated, once, also after a restart', async () => {
    const s = new StreamBuilder('s-late').epochs(1, 3);
    s.add(2);
    s.push('authn_login_fail', { method: 'password', reason: 'bad_password' }, T0_MS + POLICY.epochMs + 5);
    assert.equal(coreVerdict(s), 'truncated');
    await sendCut(s, [4]);
    assert.deepEqual(h.failures(), [['truncated', 7]]);
    s.add(2);
    await h.ack(h.store.getDevice('s-late')!, s.range(8, 9));
    h.restart();
    s.add(1);
    await h.ack(h.store.getDevice('s-late')!, s.range(10, 10));
    assert.deepEqual(h.failures(), [['truncated', 7]]);
    // The next seal ends the open epoch; it is checked as usual.
    s.seal();
    await h.ack(h.store.getDevice('s-late')!, s.range(11, 11));
    assert.equal(h.failures().length, 1);
  });

  test('more records than an epoch may hold without a seal: truncated', async () => {
    const s = new StreamBuilder('s-count').epochs(1, 2).add(POLICY.maxRecords + 1);
    assert.equal(coreVerdict(s), 'truncated');
    await sendCut(s, [20]);
    assert.deepEqual(h.failures(), [['truncated', 3 + POLICY.maxRecords + 1]]);
  });

  test('a record stamped before the open epoch began: time_outside_epoch', async () => {
    const s = new StreamBuilder('s-time').epochs(1, 3);
    const end = Date.parse((s.records.at(-1)!.attrs as LogSealAttrs).epoch_end);
    s.push('authn_login_fail', { method: 'password', reason: 'bad_password' }, end - 10);
    assert.equal(coreVerdict(s), 'time_outside_epoch');
    await sendCut(s, [4]);
    assert.deepEqual(h.failures(), [['time_outside_epoch', 5]]);
  });

  test('a bad seal inside a gap is reported when the gap fills; so is a skipped epoch after it', async () => {
    const s = new StreamBuilder('s-gapbad').epochs(1, 3); // seal at 4
    s.add(3).sealWith((a) => ({ ...a, tag: flip(a.tag) })); // seal at 8, bad
    s.add(3).seal(); // seal at 12 (its prev_seal_tag is the true tag, not the stored one)
    const d = dev('s-gapbad');
    await h.ack(d, s.range(1, 4));
    await h.ack(d, s.range(10, 12));
    assert.deepEqual(h.failures(), []);
    await h.ack(d, s.range(5, 9));
    assert.deepEqual(h.failures(), [
      ['bad_seal', 8],
      ['resealed', 12],
    ]);
  });

  test('an epoch far beyond what the grid allows is refused without deriving its key', async () => {
    const s = new StreamBuilder('s-far').epochs(1, 2);
    const prev = s.records.at(-1)!;
    s.add(1);
    const attrs = { ...s.nextSealAttrs(prev, 2 ** 40), tag: '0'.repeat(64) };
    s.push('log_seal', attrs);
    const t0 = performance.now();
    await sendCut(s, []);
    assert.ok(performance.now() - t0 < 2_000);
    assert.deepEqual(h.failures(), [['bad_seal', 5]]);
  });

  test('a seal whose fields contradict each other (validates as a record, not as a seal): bad_seal', async () => {
    const s = new StreamBuilder('s-malformed').add(2);
    s.sealWith((a) => ({ ...a, first_seq: 5 }));
    await sendCut(s, []);
    assert.deepEqual(h.failures(), [['bad_seal', 3]]);
    assert.equal(h.store.sealBefore('s-malformed', s.stream, 99), undefined, 'no seal row for it');
  });
});
