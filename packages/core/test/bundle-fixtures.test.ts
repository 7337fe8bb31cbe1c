/**
 * A realistic collector log for the bundle tests: several sealed device
 * streams of catalogue events (prepareEvent + Sealer, as the agent writes
 * them), a foreign syslog source kept as passthrough records and the
 * collector's own events, both chained by the collector in streams of its
 * own, interleaved by receive time into one Merkle tree. One device loses a
 * run of records on the way, and the collector logs the gap (log_gap).
 * Checkpoints at any size come from the one tree: its perfect nodes serve
 * every earlier size too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildBundle, type RecordBundleEvent } from '../src/bundle/build-bundle.js';
import { type BundleFilter, compileFilter } from '../src/bundle/format.js';
import { catalogueEntries } from '../src/catalogue/registry.js';
import type { CatalogueEntry } from '../src/catalogue/types.js';
import { advanceHead, genesisHead, nextChainFields } from '../src/chain/chain-head.js';
import { signCheckpoint } from '../src/checkpoint/checkpoint.js';
import { createNoteSigner, generateNoteKey, type NoteSigner } from '../src/checkpoint/note-key.js';
import { type PrepareContext, prepareEvent } from '../src/event/prepare.js';
import type { ChainedEvent, SecurityEvent } from '../src/event/types.js';
import { validateEvent } from '../src/event/validate.js';
import { parseRfc5424 } from '../src/formats/syslog/rfc5424-parse.js';
import { syslogToPassthrough } from '../src/formats/syslog/syslog-passthrough.js';
import { recordLeafHash } from '../src/log/record-leaf.js';
import type { Hash } from '../src/merkle/hash.js';
import { MemoryNodeStore } from '../src/merkle/node-store.js';
import { createMerkleTree, type MerkleTree } from '../src/merkle/tree.js';
import { createSealerState, Sealer, type SealerPolicy } from '../src/seal/sealer.js';
import { prng } from './chain-fixtures.test.js';

export const ORIGIN = 'log.example.com/seclog';
export const COLLECTOR_ID = 'seclog-collector';
export const T0_MS = Date.UTC(2026, 10, 27, 13, 0, 0);
export const POLICY: SealerPolicy = { t0Ms: T0_MS, epochMs: 60_000, maxRecords: 12 };
export const SOAK = process.env.SECLOG_SOAK === '1';

/** Catalogue events a device emits on its own (not the seal, stream or collector machinery). */
const DEVICE_EVENTS: readonly CatalogueEntry[] = catalogueEntries().filter(
  (e) => e.origin !== 'collector' && !['log_seal', 'stream_start', 'passthrough', 'log_gap'].includes(e.name),
);

/** UUIDv7 ids from a clock and a seeded PRNG, so that a log built twice from one seed is the same log. */
function seededIds(rand: () => number): (ms: number) => string {
  const hex = (n: number, digits: number) => Math.floor(n).toString(16).padStart(digits, '0');
  const r16 = () => hex(rand() * 0x10000, 4);
  return (ms) => {
    const t = hex(ms, 12);
    return `${t.slice(0, 8)}-${t.slice(8)}-7${r16().slice(1)}-${hex(8 + rand() * 4, 1)}${r16().slice(1)}-${r16()}${r16()}${r16()}`;
  };
}

/** A chainer for one stream: stamps chain fields and keeps the head, as the agent's logger does. */
function chainer(stream: string) {
  let head = genesisHead(stream);
  return {
    get head() {
      return head;
    },
    append(ev: SecurityEvent, monoMs: number): ChainedEvent {
      const rec = { ...ev, ...nextChainFields(head, { boot: 'b7e1c2', monoMs }) } as ChainedEvent;
      head = advanceHead(head, rec);
      return rec;
    },
  };
}

export interface DeviceStream {
  deviceId: string;
  k0: Buffer;
  records: ChainedEvent[];
}

/** A sealed device stream of `n` catalogue events (seals on top), opening with stream_start. */
export function deviceStream(deviceId: string, seed: number, n: number): DeviceStream {
  const rand = prng(seed);
  const stream = `${deviceId}.s1`;
  const k0 = Buffer.from(Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
  const sealer = new Sealer(createSealerState({ ...POLICY, deviceId, stream, k0 }));
  const ids = seededIds(rand);
  let now = T0_MS + 1 + rand() * 1000;
  const ctx: PrepareContext = {
    device: { id: deviceId, fw: '2.4.1', model: 'IPC-300' },
    redaction: { salt: new Uint8Array(32).fill(7) },
    now: () => now,
    newId: () => ids(now),
    tq: { synced: true, source: 'ntp', accuracy_ms: 4 },
  };
  const chain = chainer(stream);
  const records: ChainedEvent[] = [];
  const append = (ev: SecurityEvent) => records.push(chain.append(ev, Math.floor(now - T0_MS)));
  append(prepareEvent('stream_start', { attrs: { reason: 'first_start' } }, ctx).event);
  for (let i = 0; i < n; i++) {
    now += rand() < 0.93 ? 1 + rand() * (POLICY.epochMs / 8) : rand() * 3 * POLICY.epochMs;
    while (sealer.sealDue(now, chain.head.seq)) {
      const attrs = sealer.seal({ lastSeq: chain.head.seq, chainHead: chain.head.hash, oldestRetainedSeq: 1, nowMs: now });
      append(prepareEvent('log_seal', { attrs }, ctx).event);
    }
    const entry = DEVICE_EVENTS[Math.floor(rand() * DEVICE_EVENTS.length)] as CatalogueEntry;
    const { attrs, actor, target, message, outcome, severity } = entry.example;
    const input = { attrs: { ...attrs }, ...(actor ? { actor: { ...actor } } : {}), ...(target ? { target: { ...target } } : {}) };
    append(
      prepareEvent(
        entry.name,
        { ...input, ...(message ? { message } : {}), ...(outcome ? { outcome } : {}), ...(severity ? { severity } : {}) },
        ctx,
      ).event,
    );
  }
  return { deviceId, k0, records };
}

/** One record of the log: where it sits and when the collector received it. */
export interface LogEntry extends RecordBundleEvent {
  readonly leafHash: Hash;
}

export interface TestLog {
  readonly entries: LogEntry[];
  readonly tree: MerkleTree;
  readonly store: MemoryNodeStore;
  readonly sealKeys: Map<string, Buffer>;
  readonly signer: NoteSigner;
  readonly vkey: string;
  /** Device whose stream lost records on the way, and the seqs lost. */
  readonly lost: { deviceId: string; from: number; to: number };
}

const SYSLOG = (i: number) =>
  `<38>1 2026-11-27T13:${String(10 + (i % 40)).padStart(2, '0')}:02.${String(i).padStart(6, '0')}Z gw-0042 sshd ${800 + (i % 50)} - [origin ip="192.0.2.7" software="OpenSSH"] Failed password for root from 203.0.113.${i % 250} port ${40000 + i} ssh2`;

/**
 * The log: `devices` sealed streams of `perDevice` events each, plus passthrough and collector records.
 * `alter` may rewrite the device streams before they reach the collector (what a compromised device or
 * collector would store).
 */
export function buildLog(seed: number, devices: number, perDevice: number, alter?: (streams: DeviceStream[]) => void): TestLog {
  const rand = prng(seed);
  const streams = Array.from({ length: devices }, (_, d) => deviceStream(`cam-${17 + d}`, seed * 100 + d, perDevice));
  alter?.(streams);
  // What arrives, in device time order: each stream's records, minus a run lost in transit on the first device.
  const lostFrom = 2 + Math.floor(rand() * Math.max(1, (streams[0]?.records.length ?? 4) - 4));
  const lost = { deviceId: streams[0]?.deviceId ?? '', from: lostFrom, to: lostFrom + 1 + Math.floor(rand() * 3) };
  const arriving: { rec: ChainedEvent; us: number }[] = [];
  for (const s of streams) {
    // A device ships in seq order, so its records arrive in seq order, whatever the latency.
    let us = 0;
    for (const rec of s.records) {
      if (s.deviceId === lost.deviceId && rec.seq >= lost.from && rec.seq <= lost.to) continue;
      us = Math.max(us + 1, Date.parse(rec.time) * 1000 + Math.floor(rand() * 900_000));
      arriving.push({ rec, us });
    }
  }
  arriving.sort((a, b) => a.us - b.us);
  const ids = seededIds(rand);
  const collectorCtx = (us: number): PrepareContext => ({
    device: { id: COLLECTOR_ID, fw: '0.1.0' },
    redaction: { salt: new Uint8Array(32) },
    now: () => us / 1000,
    newId: () => ids(us / 1000),
    tq: { synced: true, source: 'ntp', accuracy_ms: 1 },
  });
  const own = chainer('collector/events');
  const foreign = chainer('passthrough/gw-0042');
  const entries: LogEntry[] = [];
  let lastUs = 0;
  const put = (record: ChainedEvent, us: number) => {
    lastUs = Math.max(lastUs + 1, us);
    entries.push({ leafIndex: entries.length, receivedUs: lastUs, record, leafHash: recordLeafHash(record, lastUs) });
  };
  let foreignCount = 0;
  for (const { rec, us } of arriving) {
    put(rec, us);
    if (rec.device.id === lost.deviceId && rec.seq === lost.to + 1) {
      const attrs = { stream: rec.stream, from_seq: lost.from, to_seq: lost.to, count: lost.to - lost.from + 1, device_id: lost.deviceId };
      put(own.append(prepareEvent('log_gap', { attrs }, collectorCtx(lastUs)).event, 0), lastUs + 1);
    }
    const r = rand();
    if (r < 0.08) {
      const msg = parseRfc5424(SYSLOG(foreignCount++));
      const ev = syslogToPassthrough(msg, {
        deviceId: 'gw-0042',
        receivedAt: { ms: Math.floor(lastUs / 1000), us: 0 },
        sourceIp: '192.0.2.7',
      });
      // The collector chains what arrives without chain fields, saying how far it trusts the sender's clock.
      const id = ids(lastUs / 1000);
      put(foreign.append({ ...ev, id, tq: ev.tq ?? { synced: false, source: 'unknown' } }, 0), lastUs + 1);
    } else if (r < 0.1) {
      const ev = prepareEvent(
        'log_access',
        { actor: { user: 'auditor', ip: '198.51.100.9' }, attrs: { action: 'export', records: 1 + Math.floor(r * 1000) } },
        collectorCtx(lastUs),
      ).event;
      put(own.append(ev, 0), lastUs + 1);
    }
  }
  const store = new MemoryNodeStore();
  const tree = createMerkleTree(store);
  for (const e of entries) tree.appendLeafHash(e.leafHash);
  const signer = createNoteSigner(fixedKey(ORIGIN, seed).signerKey);
  return {
    entries,
    tree,
    store,
    sealKeys: new Map(streams.map((s) => [s.deviceId, s.k0])),
    signer,
    vkey: fixedKey(ORIGIN, seed).verifierKey,
    lost,
  };
}

/** The same log with the record at leaf `at` rewritten (message changed) and the tree rebuilt: another history from `at` on. */
export function forkLog(log: TestLog, at: number): TestLog {
  const entries = log.entries.map((e) => {
    if (e.leafIndex !== at) return e;
    const record = { ...e.record, message: 'rewritten history' };
    return { ...e, record, leafHash: recordLeafHash(record, e.receivedUs) };
  });
  const store = new MemoryNodeStore();
  const tree = createMerkleTree(store);
  for (const e of entries) tree.appendLeafHash(e.leafHash);
  return { ...log, entries, store, tree };
}

const keys = new Map<string, { signerKey: string; verifierKey: string }>();
/** One Ed25519 key per name and seed for the whole run (key generation is the slow part of signing). */
export function fixedKey(name: string, seed: number): { signerKey: string; verifierKey: string } {
  const k = `${name} ${seed}`;
  let v = keys.get(k);
  if (v === undefined) {
    v = generateNoteKey(name);
    keys.set(k, v);
  }
  return v;
}

export function checkpointAt(log: TestLog, size: number, signer: NoteSigner = log.signer, origin = ORIGIN): string {
  return signCheckpoint({ origin, size, root: log.tree.root(size), extensions: [] }, [signer]);
}

export interface ExportOptions {
  size: number;
  filter?: BundleFilter;
  consistencyFrom?: number;
  checkpoint?: string;
  vkey?: string;
}

/** The entries an export of the first `size` leaves with `filter` selects. */
export function selectEntries(log: TestLog, size: number, filter: BundleFilter = {}): LogEntry[] {
  const match = compileFilter(filter);
  return log.entries.slice(0, size).filter((e) => match(e.leafIndex, e.receivedUs, e.record.device.id, e.record.stream, e.record.name));
}

/** The bundle's lines, without their LF. */
export function exportLines(log: TestLog, o: ExportOptions): string[] {
  const events = selectEntries(log, o.size, o.filter);
  const lines = buildBundle({
    checkpoint: o.checkpoint ?? checkpointAt(log, o.size),
    vkey: o.vkey ?? log.vkey,
    events,
    nodeHash: (level, index) => log.store.getNode(level, index) as Hash,
    createdUs: T0_MS * 1000 + 86_400_000_000,
    ...(o.filter ? { filter: o.filter } : {}),
    ...(o.consistencyFrom !== undefined ? { consistencyFrom: o.consistencyFrom } : {}),
  });
  return [...lines].map((l) => l.slice(0, -1));
}

export const joinLines = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');

// The checks of the log builder itself run only when this file is the test file, not in every importer.
if (/bundle-fixtures\.test\.(ts|mjs)$/.test(process.argv[1] ?? '')) {
  test('the log builder writes valid chained records of several sources, with one logged gap', () => {
    const log = buildLog(1, 3, 120);
    for (const e of log.entries) assert.deepEqual(validateEvent(e.record, { chained: true }), [], `leaf ${e.leafIndex}`);
    const sources = new Set(log.entries.map((e) => e.record.stream));
    assert.ok(sources.has('collector/events') && sources.has('passthrough/gw-0042') && sources.size === 5);
    assert.ok(log.entries.some((e) => e.record.name === 'log_seal'));
    const gaps = log.entries.filter((e) => e.record.name === 'log_gap');
    assert.equal(gaps.length, 1);
    assert.deepEqual([gaps[0]?.record.attrs.from_seq, gaps[0]?.record.attrs.to_seq], [log.lost.from, log.lost.to]);
    assert.ok(log.entries.every((e, i) => i === 0 || e.receivedUs > (log.entries[i - 1] as LogEntry).receivedUs));
  });
}
