/**
 * The agent's shipper against a real collector (issue D items 6 and 9): the
 * collector runs in-process on a temp data dir, a device is enrolled, and a
 * chain of real records built with core's chain functions is shipped from a
 * memory source. Lives in cli because only cli may depend on both agent and
 * collector.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  createHttpTransport,
  MemoryShipSource,
  type ShipProfile,
  Shipper,
  type ShipperOptions,
  type ShipReport,
  shipReportEvent,
  type Transport,
} from '@seclog/agent';
import { addDevice, type Collector, loadConfig, openCollector } from '@seclog/collector';
import {
  advanceHead,
  type ChainedEvent,
  type ChainHead,
  canonicalize,
  eventTimeNow,
  genesisHead,
  nextChainFields,
  uuidv7,
} from '@seclog/core';

const root = mkdtempSync(join(tmpdir(), 'seclog-ship-e2e-'));
after(() => rmSync(root, { recursive: true, force: true }));

const PROFILE: ShipProfile = { realtime: true, batchMaxEvents: 50, batchMaxAgeMs: 20, uploadIntervalMs: 0, shipCriticalAtOnce: true };

interface Running {
  c: Collector;
  url: string;
  dataDir: string;
}

async function startCollector(name: string, flags: Record<string, unknown> = {}, port = 0): Promise<Running> {
  const dir = join(root, name);
  const dataDir = join(dir, 'data');
  const { http, ...rest } = flags as { http?: Record<string, unknown> };
  const config = loadConfig({ env: {}, cwd: root, flags: { dataDir, http: { port, ...http }, ...rest } });
  const c = await openCollector(config);
  const url = await c.listen();
  return { c, url, dataDir };
}

/** A device's stream: real chained records, appended to a memory source. */
class Device {
  readonly source: MemoryShipSource;
  #head: ChainHead;
  readonly #boot = uuidv7();

  constructor(readonly id: string) {
    const stream = uuidv7();
    this.#head = genesisHead(stream);
    this.source = new MemoryShipSource(stream);
  }

  get stream(): string {
    return this.source.stream;
  }

  /**
   * Append `n` records; `spoil` may make one invalid (it is still chained, as a
   * device would have hashed it); `tamper` changes a record after it was hashed,
   * so the next record's `prev` no longer matches it.
   */
  append(n: number, spoil?: (rec: Record<string, unknown>) => void, tamper?: (rec: Record<string, unknown>) => void): void {
    for (let i = 0; i < n; i++) {
      const chain = nextChainFields(this.#head, { boot: this.#boot, monoMs: (this.#head.seq + 1) * 10 });
      const first = chain.seq === 1;
      const rec: Record<string, unknown> = {
        v: 1,
        id: uuidv7(),
        name: first ? 'stream_start' : 'authn_login_fail',
        time: eventTimeNow(Date.now()),
        severity: first ? 'low' : 'medium',
        outcome: first ? 'success' : 'failure',
        device: { id: this.id },
        ...(first ? {} : { actor: { user: 'admin', ip: '203.0.113.9' } }),
        attrs: first ? { reason: 'first_start' } : { method: 'password', reason: 'bad_password' },
        ...chain,
        tq: { synced: true, source: 'ntp' },
      };
      spoil?.(rec);
      this.#head = advanceHead(this.#head, rec as unknown as ChainedEvent);
      tamper?.(rec);
      this.source.append({ seq: chain.seq, canonical: canonicalize(rec) });
    }
  }
}

function shipper(r: Running, device: Device, token: string, extra: Partial<ShipperOptions> = {}): { s: Shipper; reports: ShipReport[] } {
  const reports: ShipReport[] = [];
  const s = new Shipper({
    url: r.url,
    device: device.id,
    token,
    source: device.source,
    profile: PROFILE,
    backoff: { baseMs: 20, maxMs: 200 },
    onReport: (x) => reports.push(x),
    ...extra,
  });
  s.start();
  return { s, reports };
}

/** The seqs the collector stored for the stream, in commit order. */
function storedSeqs(c: Collector, stream: string): number[] {
  const store = c.data.store;
  return store
    .readEvents(0, store.eventCount())
    .filter((e) => e.stream === stream)
    .map((e) => e.seq as number);
}

function ownEvents(c: Collector, name: string): Record<string, unknown>[] {
  const store = c.data.store;
  return store
    .readEvents(0, store.eventCount())
    .map((e) => JSON.parse(e.canonical) as Record<string, unknown>)
    .filter((e) => e.name === name && (e.device as { id: string }).id === 'collector');
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('every record is delivered once, in order, and the source mark follows the acknowledgements', async () => {
  const r = await startCollector('in-order');
  try {
    const dev = new Device('cam-1');
    const file = addDevice(r.c.data.enrol, dev.id, 'high', r.url);
    dev.append(180);
    const { s, reports } = shipper(r, dev, file.token);
    await s.flush({ timeoutMs: 10_000 });
    dev.append(70);
    await s.flush({ timeoutMs: 10_000 });
    await s.close();
    assert.deepEqual(storedSeqs(r.c, dev.stream), range(1, 250));
    assert.equal(dev.source.ackedSeq(), 250);
    assert.ok(dev.source.ackCalls.every((x, i, a) => i === 0 || x >= a[i - 1]!));
    assert.deepEqual(reports, []);
  } finally {
    await r.c.close();
  }
});

test('outage: the collector stops and comes back on the same port; every record is delivered once and in order', async () => {
  const first = await startCollector('outage');
  const port = Number(new URL(first.url).port);
  const dev = new Device('cam-2');
  const file = addDevice(first.c.data.enrol, dev.id, 'high', first.url);
  dev.append(100);
  const { s, reports } = shipper(first, dev, file.token);
  let second: Running | undefined;
  try {
    await s.flush({ timeoutMs: 10_000 });
    // Stop while records keep coming.
    const stopping = first.c.close();
    for (let i = 0; i < 10; i++) {
      dev.append(20);
      await new Promise((res) => setTimeout(res, 15));
    }
    await stopping;
    await new Promise((res) => setTimeout(res, 300));
    assert.ok(s.status().failures > 0, 'the shipper noticed the outage');
    assert.ok(dev.source.ackedSeq() < 300);
    second = await startCollector('outage', {}, port);
    await s.flush({ timeoutMs: 15_000 });
    const seqs = storedSeqs(second.c, dev.stream);
    assert.equal(seqs.length, 300, 'each record stored once');
    assert.deepEqual(seqs, range(1, 300), 'in order');
    assert.equal(dev.source.ackedSeq(), 300);
    assert.ok(reports.some((x) => x.kind === 'collector-unreachable'));
    assert.equal(reports.at(-1)?.kind, 'collector-reachable');
  } finally {
    await s.close();
    await second?.c.close();
    await first.c.close();
  }
});

test('429: the shipper waits for details.retryAfterMs before resending, and delivers everything', async () => {
  const r = await startCollector('rate', { ingest: { perDeviceRatePerSec: 100 } });
  const seen: { status: number; at: number; retryAfterMs?: number }[] = [];
  const inner = createHttpTransport({ url: new URL(r.url), timeoutMs: 10_000 });
  const transport: Transport = {
    async request(method, path, headers, body) {
      const ans = await inner.request(method, path, headers, body);
      if (method === 'POST') {
        const details =
          ans.status === 429
            ? (JSON.parse(ans.body.toString()) as { error: { details: { retryAfterMs: number } } }).error.details
            : undefined;
        seen.push({ status: ans.status, at: Date.now(), ...(details ? { retryAfterMs: details.retryAfterMs } : {}) });
      }
      return ans;
    },
    close: () => inner.close(),
  };
  try {
    const dev = new Device('cam-3');
    const file = addDevice(r.c.data.enrol, dev.id, 'high', r.url);
    dev.append(250);
    const { s, reports } = shipper(r, dev, file.token, { transport });
    await s.flush({ timeoutMs: 15_000 });
    await s.close();
    assert.deepEqual(storedSeqs(r.c, dev.stream), range(1, 250));
    const limited = seen.map((x, i) => ({ ...x, i })).filter((x) => x.status === 429);
    assert.ok(limited.length > 0, 'the collector rate-limited the drain');
    for (const l of limited) {
      const next = seen[l.i + 1]!;
      assert.ok(next.at - l.at >= l.retryAfterMs!, `resent after ${next.at - l.at} ms, asked ${l.retryAfterMs} ms`);
    }
    assert.deepEqual(reports, [], 'rate limiting is not an outage');
  } finally {
    await r.c.close();
  }
});

test('a record the collector refuses is isolated and skipped with a report; the rest is delivered', async () => {
  const r = await startCollector('poison');
  try {
    const dev = new Device('cam-4');
    const file = addDevice(r.c.data.enrol, dev.id, 'high', r.url);
    dev.append(39);
    dev.append(1, (rec) => {
      (rec.attrs as Record<string, unknown>).reason = undefined;
      delete (rec.attrs as Record<string, unknown>).reason;
    });
    dev.append(60);
    const { s, reports } = shipper(r, dev, file.token);
    await s.flush({ timeoutMs: 10_000 });
    await s.close();
    assert.deepEqual(
      storedSeqs(r.c, dev.stream),
      range(1, 100).filter((x) => x !== 40),
    );
    const rejected = reports.filter((x) => x.kind === 'record-rejected');
    assert.equal(rejected.length, 1);
    const rej = rejected[0]!;
    assert.ok(rej.kind === 'record-rejected');
    assert.deepEqual([rej.seq, rej.status, rej.code], [40, 400, 'INGEST_RECORD_INVALID']);
    // The local record the logger writes for it.
    assert.deepEqual(shipReportEvent(rej)?.input.attrs, { from_seq: 40, to_seq: 40, count: 1, reason: 'rejected' });
    // The collector saw the hole and said so in its own stream.
    const gaps = ownEvents(r.c, 'log_gap').map((e) => e.attrs as Record<string, unknown>);
    assert.ok(
      gaps.some((g) => g.from_seq === 40 && g.to_seq === 40),
      JSON.stringify(gaps),
    );
    assert.equal(dev.source.ackedSeq(), 100);
  } finally {
    await r.c.close();
  }
});

test('a broken chain (409) is isolated the same way: one record skipped with a report, the rest delivered', async () => {
  const r = await startCollector('broken');
  try {
    const dev = new Device('cam-5');
    const file = addDevice(r.c.data.enrol, dev.id, 'high', r.url);
    dev.append(20);
    // Record 21 is changed after hashing: record 22 names the hash of the original.
    dev.append(1, undefined, (rec) => {
      (rec.actor as Record<string, unknown>).user = 'root';
    });
    dev.append(29);
    const { s, reports } = shipper(r, dev, file.token);
    await s.flush({ timeoutMs: 10_000 });
    await s.close();
    assert.deepEqual(
      storedSeqs(r.c, dev.stream),
      range(1, 50).filter((x) => x !== 22),
    );
    const rejected = reports.flatMap((x) => (x.kind === 'record-rejected' ? [[x.seq, x.status]] : []));
    assert.deepEqual(rejected, [[22, 409]]);
    assert.ok(ownEvents(r.c, 'log_integrity_fail').length > 0, 'the collector recorded the broken chain');
  } finally {
    await r.c.close();
  }
});

test('gap fill: records the collector lacks are sent again from the device and fill the gap', async () => {
  const r = await startCollector('gap-fill');
  try {
    const dev = new Device('cam-6');
    const file = addDevice(r.c.data.enrol, dev.id, 'high', r.url);
    dev.append(30);
    // A first run shipped from a store that lacked 11..20 (say, read errors): the collector has a gap.
    const partial = new MemoryShipSource(dev.stream);
    for (const rec of dev.source.readFrom(1, 30, 1 << 20)) if (rec.seq <= 10 || rec.seq > 20) partial.append(rec);
    const firstRun = new Shipper({ url: r.url, device: dev.id, token: file.token, source: partial, profile: PROFILE });
    firstRun.start();
    await firstRun.flush({ timeoutMs: 10_000 });
    await firstRun.close();
    assert.deepEqual(storedSeqs(r.c, dev.stream), [...range(1, 10), ...range(21, 30)]);
    // The next run has all records: the cursor lists the gap and the shipper fills it.
    const { s, reports } = shipper(r, dev, file.token);
    await s.flush({ timeoutMs: 10_000 });
    await s.close();
    assert.deepEqual(
      storedSeqs(r.c, dev.stream).sort((a, b) => a - b),
      range(1, 30),
    );
    assert.deepEqual(reports, [{ kind: 'gap-filled', from: 11, to: 21 }]);
    assert.equal(dev.source.ackedSeq(), 30);
  } finally {
    await r.c.close();
  }
});

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('TLS: a pinned fingerprint or CA is accepted; a wrong pin, or no pin for a self-signed collector, is refused', async (t) => {
  if (!haveOpenssl()) {
    if (process.env.SECLOG_TEST_REQUIRE_ALL === '1') assert.fail('openssl is required for the TLS test (apt-get install openssl)');
    t.skip('openssl not found: install it to run the TLS pinning test');
    return;
  }
  const dir = join(root, 'tls');
  execFileSync('mkdir', ['-p', dir]);
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
    ].concat(['-subj', '/CN=seclog-e2e', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']),
    { stdio: 'ignore' },
  );
  const pem = readFileSync(cert, 'utf8');
  const fingerprint = new X509Certificate(pem).fingerprint256;
  const r = await startCollector('tls', { http: { tls: { certFile: cert, keyFile: key } } });
  try {
    assert.match(r.url, /^https:/);
    const ship = async (id: string, tls: ShipperOptions['tls'], timeoutMs: number) => {
      const dev = new Device(id);
      const file = addDevice(r.c.data.enrol, dev.id, 'high', r.url);
      dev.append(20);
      const { s, reports } = shipper(r, dev, file.token, tls ? { tls } : {});
      const flushed = await s.flush({ timeoutMs }).then(
        () => true,
        () => false,
      );
      await s.close();
      return { flushed, reports, stored: storedSeqs(r.c, dev.stream).length };
    };

    const pinned = await ship('cam-t1', { certSha256: fingerprint }, 10_000);
    assert.deepEqual([pinned.flushed, pinned.stored], [true, 20]);

    const ca = await ship('cam-t2', { ca: pem }, 10_000);
    assert.deepEqual([ca.flushed, ca.stored], [true, 20]);

    const wrong = await ship('cam-t3', { certSha256: 'ab'.repeat(32) }, 1000);
    assert.deepEqual([wrong.flushed, wrong.stored], [false, 0]);
    const tlsFail = wrong.reports.find((x) => x.kind === 'tls-failed');
    assert.ok(tlsFail?.kind === 'tls-failed');
    assert.equal(tlsFail.reason, 'pin_mismatch');
    assert.equal(tlsFail.fingerprint, fingerprint.replace(/:/g, '').toLowerCase(), 'the report names the certificate presented');
    assert.equal(shipReportEvent(tlsFail)?.name, 'tls_fail');
    assert.equal(wrong.reports.filter((x) => x.kind === 'tls-failed').length, 1, 'reported once, not per retry');

    const unpinned = await ship('cam-t4', undefined, 1000);
    assert.deepEqual([unpinned.flushed, unpinned.stored], [false, 0]);
    const unknownCa = unpinned.reports.find((x) => x.kind === 'tls-failed');
    assert.equal(unknownCa?.kind === 'tls-failed' && unknownCa.reason, 'unknown_ca');
  } finally {
    await r.c.close();
  }
});
