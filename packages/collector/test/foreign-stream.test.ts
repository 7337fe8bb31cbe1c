// ForeignStreams on a real collector: records without chain fields are chained per attributed device
// in passthrough/<source>, after the stored head (also after a restart), concurrent appends queue
// instead of forking, every record is a Merkle leaf, and verifyDataDir passes over the store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ChainedEvent, SecurityEvent } from '@seclog/core';
import { canonicalize, createMerkleTree, decodeOtlpLogs, equalHashes, LIMITS, recordChainHashHex, ZERO_HASH_HEX } from '@seclog/core';
import { loadConfig } from '../src/config/load.js';
import { addDevice } from '../src/enrol/enrol.js';
import { foreignStreamId } from '../src/ingest/foreign-stream.js';
import { storedLeafData } from '../src/integrate/leaf-hash.js';
import { type Collector, openCollector } from '../src/server/collector.js';
import type { StoredEvent } from '../src/store/types.js';
import { verifyDataDir } from '../src/verify/verify-store.js';
import { deviceChain } from './ingest-fixtures.js';

let dir: string;
let c: Collector | undefined;

const open = async (): Promise<Collector> => {
  const config = loadConfig({ env: {}, cwd: dir, flags: { dataDir: join(dir, 'data') } });
  c = await openCollector(config, { processMetrics: false });
  return c;
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seclog-foreign-'));
  await open();
});
after(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Passthrough events (and one catalogue event when `login` is set) attributed to `device`, as the OTLP decoder makes them. */
function foreignEvents(device: string, n: number, tag: string, login = false): SecurityEvent[] {
  const logRecords: unknown[] = Array.from({ length: n }, (_, i) => ({
    timeUnixNano: String(BigInt(Date.now()) * 1_000_000n + BigInt(i)),
    severityNumber: 9,
    body: { stringValue: `${tag} line ${i}` },
  }));
  if (login) {
    logRecords.push({
      eventName: 'authn_login_fail',
      attributes: [
        { key: 'user.name', value: { stringValue: 'admin' } },
        { key: 'method', value: { stringValue: 'password' } },
        { key: 'reason', value: { stringValue: 'bad_password' } },
      ],
    });
  }
  const r = decodeOtlpLogs(
    { resourceLogs: [{ scopeLogs: [{ logRecords }] }] },
    { deviceId: device, attribution: 'token', receivedAt: { ms: Date.now(), us: 0 } },
  );
  assert.deepEqual(r.rejected, []);
  return r.events;
}

function rowsOf(col: Collector, device: string, stream: string): { row: StoredEvent; rec: ChainedEvent }[] {
  const s = col.data.store;
  return s
    .readEvents(0, s.eventCount())
    .filter((r) => r.device === device && r.stream === stream)
    .map((row) => ({ row, rec: JSON.parse(row.canonical) as ChainedEvent }));
}

/** The stored records of a stream form one chain from seq 1: each prev is its predecessor's chain hash. */
function assertOneChain(col: Collector, device: string, stream: string, count: number): void {
  const rows = rowsOf(col, device, stream).sort((a, b) => (a.row.seq ?? 0) - (b.row.seq ?? 0));
  assert.equal(rows.length, count);
  let prev = ZERO_HASH_HEX;
  for (const [i, { row, rec }] of rows.entries()) {
    assert.equal(row.seq, i + 1);
    assert.equal(rec.seq, i + 1);
    assert.equal(rec.stream, stream);
    assert.equal(rec.prev, prev, `seq ${i + 1} links to its predecessor`);
    assert.equal(recordChainHashHex(rec), Buffer.from(row.chainHash).toString('hex'));
    prev = recordChainHashHex(rec);
  }
  const cursor = col.data.store.getCursor(device, stream);
  assert.equal(cursor?.ackedSeq, count);
  assert.equal(Buffer.from(cursor.head).toString('hex'), prev);
}

test('records are chained after the stored head of passthrough/<source>, one stream per device and source', async () => {
  const col = c as Collector;
  const stream = foreignStreamId('otlp');
  assert.equal(stream, 'passthrough/otlp');
  assert.deepEqual(await col.ingest.foreign.append({ device: 'cam-1', source: 'otlp', events: foreignEvents('cam-1', 3, 'a') }), {
    stored: 3,
  });
  assert.deepEqual(
    await col.ingest.foreign.append({ device: 'cam-1', source: 'otlp', events: foreignEvents('cam-1', 2, 'b', true), authenticated: true }),
    { stored: 3 },
  );
  await col.ingest.foreign.append({ device: 'cam-2', source: 'otlp', events: foreignEvents('cam-2', 1, 'c') });
  await col.ingest.foreign.append({ device: 'cam-1', source: 'syslog', events: foreignEvents('cam-1', 1, 'd') });
  assertOneChain(col, 'cam-1', stream, 6);
  assertOneChain(col, 'cam-2', stream, 1);
  assertOneChain(col, 'cam-1', 'passthrough/syslog', 1);

  const recs = rowsOf(col, 'cam-1', stream).map((r) => r.rec);
  const login = recs.find((r) => r.name === 'authn_login_fail');
  assert.ok(login, 'a catalogue event is chained like a passthrough record');
  assert.equal(login.actor?.user, 'admin');
  assert.equal(recs.filter((r) => r.name === 'passthrough').length, 5);
  for (const r of recs) {
    assert.equal(r.device.id, 'cam-1');
    assert.deepEqual(r.tq, { synced: false, source: 'unknown' }, 'a foreign clock is not vouched for');
  }
  assert.equal(recs[3]?.attrs.attribution, 'token');
  assert.deepEqual(await col.ingest.foreign.append({ device: 'cam-1', source: 'otlp', events: [] }), { stored: 0 });
});

test('an event of another device or with chain fields of its own is refused before anything is stored', async () => {
  const col = c as Collector;
  const before = col.data.store.eventCount();
  const wrong = foreignEvents('cam-9', 1, 'x');
  await assert.rejects(
    col.ingest.foreign.append({ device: 'cam-1', source: 'otlp', events: [...foreignEvents('cam-1', 1, 'ok'), ...wrong] }),
    {
      code: 'EVENT_INVALID',
      details: { index: 1, field: 'device.id' },
    },
  );
  const chained = { ...(foreignEvents('cam-1', 1, 'y')[0] as SecurityEvent), seq: 4 };
  await assert.rejects(col.ingest.foreign.append({ device: 'cam-1', source: 'otlp', events: [chained] }), {
    code: 'EVENT_INVALID',
    details: { index: 0, field: 'seq' },
  });
  assert.equal(col.data.store.eventCount(), before);
  assertOneChain(col, 'cam-1', 'passthrough/otlp', 6);
});

test('a device batch may not name a stream the collector chains (passthrough/…, collector.…)', async () => {
  const col = c as Collector;
  addDevice(col.data.enrol, 'cam-5', 'low', 'http://127.0.0.1');
  const row = col.data.store.getDevice('cam-5');
  assert.ok(row);
  await col.ingest.foreign.append({ device: 'cam-5', source: 'otlp', events: foreignEvents('cam-5', 1, 'mine') });
  const before = col.data.store.eventCount();
  for (const stream of ['passthrough/otlp', 'collector.0123456789abcdef']) {
    const records = deviceChain('cam-5', 2, stream);
    await assert.rejects(col.ingest.ingest(row, { device: 'cam-5', stream, records }), {
      code: 'INGEST_STREAM_RESERVED',
      details: { field: 'stream', stream },
    });
  }
  assert.equal(col.data.store.eventCount(), before);
  assertOneChain(col, 'cam-5', 'passthrough/otlp', 1);
});

test('a passthrough record filled to the record limit is cut further so that its chain fields fit too', async () => {
  const col = c as Collector;
  const big = (k: string) => ({ key: k, value: { stringValue: k.repeat(1500) } });
  const r = decodeOtlpLogs(
    {
      resourceLogs: [
        {
          resource: { attributes: ['a', 'b', 'c'].map(big) },
          scopeLogs: [{ logRecords: [{ body: { stringValue: 'y'.repeat(9000) }, attributes: ['d', 'e', 'f'].map(big) }] }],
        },
      ],
    },
    { deviceId: 'cam-6', attribution: 'token', receivedAt: { ms: Date.now(), us: 0 } },
  );
  const ev = r.events[0] as SecurityEvent;
  const unchained = Buffer.byteLength(canonicalize(ev));
  assert.ok(unchained > LIMITS.recordBytes - 200, `the decoder filled the record (${unchained} bytes)`);
  assert.deepEqual(await col.ingest.foreign.append({ device: 'cam-6', source: 'otlp', events: [ev] }), { stored: 1 });
  const [stored] = rowsOf(col, 'cam-6', 'passthrough/otlp');
  assert.ok(stored);
  assert.ok(Buffer.byteLength(stored.row.canonical) <= LIMITS.recordBytes, `${Buffer.byteLength(stored.row.canonical)} bytes`);
  assert.ok((stored.rec.message?.length ?? 0) < (ev.message?.length ?? 0), 'the message was cut further');
  assert.equal(Buffer.byteLength(canonicalize(ev)), unchained, 'the caller’s event is left alone');
});

test('concurrent appends to one stream queue on the lock: one chain, no fork, seqs dense', async () => {
  const col = c as Collector;
  const before = col.data.store.getCursor('gw-1', 'passthrough/otlp')?.ackedSeq ?? 0;
  const results = await Promise.all(
    Array.from({ length: 25 }, (_, i) =>
      col.ingest.foreign.append({ device: 'gw-1', source: 'otlp', events: foreignEvents('gw-1', 1 + (i % 3), `p${i}`) }),
    ),
  );
  const total = results.reduce((n, r) => n + r.stored, 0);
  assert.equal(total, 25 + 8 * (0 + 1 + 2));
  assertOneChain(col, 'gw-1', 'passthrough/otlp', before + total);
});

test('foreign records are Merkle leaves, the chain continues after a restart, and verifyDataDir passes', async () => {
  let col = c as Collector;
  await col.committer.drain();
  const s = col.data.store;
  assert.equal(col.integrator.size, s.eventCount());
  const fresh = createMerkleTree();
  fresh.appendLeaves(s.readEvents(0, s.eventCount()).map(storedLeafData));
  assert.ok(equalHashes(fresh.root(), col.integrator.tree.root()), 'the integrator appended every record, foreign ones included');

  await col.close();
  c = undefined;
  col = await open();
  await col.ingest.foreign.append({ device: 'cam-1', source: 'otlp', events: foreignEvents('cam-1', 2, 'after restart') });
  assertOneChain(col, 'cam-1', 'passthrough/otlp', 8);
  const [first, second] = rowsOf(col, 'cam-1', 'passthrough/otlp')
    .map((r) => r.rec)
    .filter((r) => r.seq >= 7);
  assert.ok(first && second);
  assert.notEqual(first.boot, rowsOf(col, 'cam-1', 'passthrough/otlp')[0]?.rec.boot, 'a new process is a new boot');
  assert.equal(second.boot, first.boot);
  await col.close();
  c = undefined;

  const r = await verifyDataDir(join(dir, 'data'), { workers: 0, chunkLevel: 3 });
  assert.equal(r.ok, true, JSON.stringify(r));
  if (r.ok) {
    assert.equal(r.events, r.treeSize);
    assert.ok(r.events >= 8 + 1 + 1 + 49, `${r.events} records verified`);
  }
  await open();
});
