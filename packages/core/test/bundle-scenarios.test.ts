/**
 * What the log itself may hold (a fork, an unlogged gap, a bad or re-made
 * seal: every leaf proved, the history still wrong), what a server may show
 * (immudb's linear fake), and the usage errors that are not verification
 * failures.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VerifyBundleOptions } from '../src/bundle/bundle-result.js';
import { createBundleVerifier, verifyBundle } from '../src/bundle/verify-bundle.js';
import { advanceHead, nextChainFields } from '../src/chain/chain-head.js';
import { isSeclogError } from '../src/errors.js';
import type { ChainedEvent } from '../src/event/types.js';
import { EpochKeys } from '../src/seal/key-schedule.js';
import { computeSealTag, type LogSealAttrs, sealBody } from '../src/seal/seal-body.js';
import {
  buildLog,
  checkpointAt,
  type DeviceStream,
  exportLines,
  fixedKey,
  joinLines,
  ORIGIN,
  type TestLog,
} from './bundle-fixtures.test.js';
import { eventCount, located, parseEvent, writeEvent } from './bundle-tampers.test.js';
import { headAfter } from './seal-fixtures.test.js';

const OPTS = (log: TestLog): VerifyBundleOptions => ({ verifierKeys: [log.vkey], origin: ORIGIN, sealKeys: log.sealKeys });
const whole = (log: TestLog) => joinLines(exportLines(log, { size: log.entries.length }));
/** The line of a record in an export of the whole log: leaf index + 2. */
const lineOf = (log: TestLog, pick: (r: ChainedEvent) => boolean, nth = 0) =>
  (log.entries.filter((e) => pick(e.record))[nth]?.leafIndex ?? -9) + 2;

/**
 * Re-chain stream records from position `from` on, and re-make every later seal so that it describes
 * its place and follows the seal before it (tags under the device's real keys): the stream stays
 * consistent around whatever was changed at `from − 1`.
 */
function relink(s: DeviceStream, from: number): void {
  const keys = new EpochKeys(s.k0);
  let head = headAfter(s.records[0]?.stream as string, s.records.slice(0, from));
  let lastTag = String(s.records.slice(0, from).findLast((r) => r.name === 'log_seal')?.attrs.tag);
  for (let i = from; i < s.records.length; i++) {
    const r = s.records[i] as ChainedEvent;
    const c = { ...r, ...nextChainFields(head, { boot: r.boot, monoMs: r.mono_ms }) } as ChainedEvent;
    if (c.name === 'log_seal') {
      const a = { ...(c.attrs as unknown as LogSealAttrs), chain_head: c.prev, prev_seal_tag: lastTag };
      a.tag = computeSealTag(keys.sealKeyAt(a.epoch), sealBody(a, s.deviceId, c.stream));
      c.attrs = a;
      lastTag = a.tag;
    }
    head = advanceHead(head, c);
    s.records[i] = c;
  }
}

/** Position of the n-th seal of a stream. */
const sealAt = (s: DeviceStream, n: number) =>
  s.records.findIndex((r, i) => r.name === 'log_seal' && s.records.slice(0, i).filter((x) => x.name === 'log_seal').length === n);

describe('what the log holds, proved and still wrong', () => {
  test('a fork: two records of one seq, both in the log', () => {
    const log = buildLog(31, 3, 80, (streams) => {
      const r = streams[1]?.records[20] as ChainedEvent;
      streams[1]?.records.splice(21, 0, { ...r, message: 'the other history' });
    });
    const second = lineOf(log, (r) => r.device.id === 'cam-18' && r.seq === 21, 1);
    assert.deepEqual(located(verifyBundle(whole(log), OPTS(log))), { kind: 'forked', line: second });
  });

  test('a gap the collector did not log', () => {
    const log = buildLog(32, 3, 80, (streams) => {
      const s = streams[1] as DeviceStream;
      s.records.splice(
        s.records.findIndex((r, i) => i > 10 && r.name !== 'log_seal' && s.records[i + 1]?.name !== 'log_seal'),
        1,
      );
    });
    const r = verifyBundle(whole(log), OPTS(log));
    assert.ok(!r.ok && r.kind === 'deleted' && r.deviceId === 'cam-18', JSON.stringify(r));
    // Under a name filter such gaps are the filter's.
    assert.ok(
      verifyBundle(joinLines(exportLines(log, { size: log.entries.length, filter: { names: ['config_change', 'log_seal'] } })), OPTS(log))
        .ok,
    );
  });

  const badTag = (make: (a: LogSealAttrs, s: DeviceStream) => string) =>
    buildLog(33, 3, 80, (streams) => {
      const s = streams[2] as DeviceStream;
      const at = sealAt(s, 3);
      const seal = s.records[at] as ChainedEvent;
      const a = seal.attrs as unknown as LogSealAttrs;
      s.records[at] = { ...seal, attrs: { ...a, tag: make(a, s) } };
      relink(s, at + 1);
    });
  const fourthSeal = (log: TestLog) => lineOf(log, (r) => r.device.id === 'cam-19' && r.name === 'log_seal', 3);

  test('a seal whose tag is wrong: bad_seal with the k_0; without it, checked structurally and said so', () => {
    const log = badTag(() => 'ab'.repeat(32));
    assert.deepEqual(located(verifyBundle(whole(log), OPTS(log))), { kind: 'bad_seal', line: fourthSeal(log) });
    const r = verifyBundle(whole(log), { verifierKeys: [log.vkey], origin: ORIGIN });
    assert.ok(r.ok && r.sealed?.tagsChecked === 0 && r.sealed.uncheckedDevices.length === 3, JSON.stringify(r));
    const partial = verifyBundle(whole(log), { ...OPTS(log), sealKeys: new Map([['cam-17', log.sealKeys.get('cam-17') as Buffer]]) });
    assert.ok(partial.ok && partial.sealed?.tagsChecked !== 0, JSON.stringify(partial));
    assert.deepEqual(partial.sealed?.uncheckedDevices, ['cam-18', 'cam-19']);
  });

  test('CVE-2023-31439: a seal re-made with a later epoch key', () => {
    const log = badTag((a, s) => computeSealTag(new EpochKeys(s.k0).sealKeyAt(a.epoch + 2), sealBody(a, s.deviceId, `${s.deviceId}.s1`)));
    assert.deepEqual(located(verifyBundle(whole(log), OPTS(log))), { kind: 'bad_seal', line: fourthSeal(log) });
  });

  test('CVE-2023-31438 traces: epochs skipped after a truncation show without any key', () => {
    const log = buildLog(34, 3, 80, (streams) => {
      const s = streams[2] as DeviceStream;
      const at = sealAt(s, 3);
      const seal = s.records[at] as ChainedEvent;
      s.records[at] = { ...seal, attrs: { ...seal.attrs, epoch: (seal.attrs.epoch as number) + 2 } };
      relink(s, at + 1);
    });
    const r = verifyBundle(whole(log), { verifierKeys: [log.vkey], origin: ORIGIN });
    assert.deepEqual(located(r), { kind: 'bad_seal', line: lineOf(log, (x) => x.device.id === 'cam-19' && x.name === 'log_seal', 3) });
  });
});

describe('what a server may show', () => {
  const log = buildLog(35, 2, 80);
  test('immudb linear fake: a re-chained history that is not the tree', () => {
    // A stream the collector chains (no seals): only the tree can tell.
    const lines = exportLines(log, { size: log.entries.length, filter: { streams: ['passthrough/gw-0042'] } });
    const n = eventCount(lines);
    // Rewrite record 5 and re-link every later record of the stream, with consistent leaf hashes.
    let prev: ChainedEvent | undefined;
    for (let k = 0; k < n; k++) {
      const e = parseEvent(lines[1 + k] as string);
      if (k === 5) e.record.message = 'nothing to see';
      if (k > 5 && prev)
        e.record = { ...e.record, ...nextChainFields(headAfter(prev.stream, [prev]), { boot: e.record.boot, monoMs: e.record.mono_ms }) };
      if (k >= 5) lines[1 + k] = writeEvent(e);
      prev = e.record;
    }
    const r = verifyBundle(joinLines(lines), OPTS(log));
    assert.ok(!r.ok && r.kind === 'modified', JSON.stringify(r));
  });

  test('a consistency proof altered in the file is modified, not a fork', () => {
    const lines = exportLines(log, { size: log.entries.length, consistencyFrom: 50 });
    const i = lines.findIndex((l) => l.startsWith('{"consistency":'));
    lines[i] = (lines[i] as string).replace(/"proof":\["./, (m) => `${m.slice(0, -1)}${m.endsWith('A') ? 'B' : 'A'}`);
    const r = verifyBundle(joinLines(lines), { ...OPTS(log), trustedCheckpoint: checkpointAt(log, 50) });
    assert.deepEqual(located(r), { kind: 'modified', line: i + 1 });
  });

  test('an empty file, and a cut last line pushed through the incremental verifier', () => {
    assert.deepEqual(located(verifyBundle('', OPTS(log))), { kind: 'truncated', line: 1 });
    const lines = exportLines(log, { size: 30 });
    const v = createBundleVerifier(OPTS(log));
    for (const l of lines.slice(0, 10)) v.push(l);
    v.push((lines[10] as string).slice(0, 40));
    assert.deepEqual(located(v.end()), { kind: 'truncated', line: 11 });
  });
});

describe('usage errors throw, with their codes', () => {
  const log = buildLog(36, 1, 30);
  const text = whole(log);
  const code = (c: string) => (err: unknown) => isSeclogError(err) && err.code === c;
  const CASES: [string, () => unknown, string][] = [
    ['not a bundle', () => verifyBundle('{"hello":1}\n', OPTS(log)), 'BUNDLE_FORMAT_INVALID'],
    ['a later version', () => verifyBundle(text.replace('"version":1', '"version":2'), OPTS(log)), 'BUNDLE_VERSION_UNSUPPORTED'],
    ['no pinned key', () => verifyBundle(text, { verifierKeys: [], origin: ORIGIN }), 'BUNDLE_OPTIONS_INVALID'],
    ['a malformed pinned key', () => verifyBundle(text, { verifierKeys: ['nope'], origin: ORIGIN }), 'BUNDLE_OPTIONS_INVALID'],
    [
      'a seal key of 16 bytes',
      () => verifyBundle(text, { ...OPTS(log), sealKeys: new Map([['cam-17', new Uint8Array(16)]]) }),
      'BUNDLE_OPTIONS_INVALID',
    ],
    [
      'a trusted checkpoint signed by another key',
      () => verifyBundle(text, { ...OPTS(log), trustedCheckpoint: checkpointAt(log, 3, undefined, 'other.example/log') }),
      'BUNDLE_OPTIONS_INVALID',
    ],
    [
      'a trusted checkpoint newer than the bundle',
      () => verifyBundle(joinLines(exportLines(log, { size: 10 })), { ...OPTS(log), trustedCheckpoint: checkpointAt(log, 12) }),
      'BUNDLE_CONSISTENCY_MISSING',
    ],
    [
      'no consistency proof from the trusted size',
      () => verifyBundle(text, { ...OPTS(log), trustedCheckpoint: checkpointAt(log, 12) }),
      'BUNDLE_CONSISTENCY_MISSING',
    ],
  ];
  for (const [name, run, c] of CASES) test(name, () => assert.throws(run, code(c)));

  test('an integrity failure outranks a missing consistency proof', () => {
    const r = verifyBundle(text.replace('"receivedUs":', '"receivedUs":1'), { ...OPTS(log), trustedCheckpoint: checkpointAt(log, 12) });
    assert.equal(located(r) === 'ok' ? 'ok' : 'failed', 'failed');
  });

  test('a pinned key list may hold witnesses; the key ID reported is the log key', () => {
    const r = verifyBundle(text, { ...OPTS(log), verifierKeys: [fixedKey('witness.example', 1).verifierKey, log.vkey] });
    assert.ok(r.ok && r.keyId === log.vkey.split('+')[1], JSON.stringify(r));
  });
});
