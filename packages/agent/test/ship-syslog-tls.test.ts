/**
 * The shipper's syslog-tls transport against a small RFC 5425 receiver
 * started here (node:tls with a throwaway certificate made by the openssl
 * CLI) that decodes what arrives with core's frame decoder, RFC 5424 parser
 * and seclog decoder: every record arrives once, as the very canonical text
 * the ring holds; the acked mark follows the writes; a new shipper resumes
 * from the mark (nothing is re-sent); a connection the receiver drops is
 * re-opened and shipping goes on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tls from 'node:tls';
import {
  type ChainedEvent,
  canonicalize,
  createSyslogFrameDecoder,
  decodeEventSyslog,
  eventTimeNow,
  parseRfc5424,
  recordChainHashHex,
  uuidv7,
  ZERO_HASH_HEX,
} from '@seclog/core';
import { MemoryShipSource, Shipper, type ShipReport } from '../src/index.js';
import { waitFor } from './ship-fake-collector.js';
import { REALTIME } from './ship-setup.js';

const OPENSSL = process.env.SECLOG_OPENSSL || 'openssl';
const haveOpenssl = (() => {
  try {
    execFileSync(OPENSSL, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const MISSING = 'openssl not found: install Debian package openssl';
if (!haveOpenssl && process.env.SECLOG_TEST_REQUIRE_ALL === '1') test('openssl is available', () => assert.fail(MISSING));
const skip = haveOpenssl ? false : MISSING;

const dir = mkdtempSync(join(tmpdir(), 'seclog-ship-syslog-'));
let cert = '';
let key = '';
before(() => {
  if (!haveOpenssl) return;
  execFileSync(
    OPENSSL,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      'k.pem',
      '-out',
      'c.pem',
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  cert = readFileSync(join(dir, 'c.pem'), 'utf8');
  key = readFileSync(join(dir, 'k.pem'), 'utf8');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function chain(device: string, n: number): ChainedEvent[] {
  const out: ChainedEvent[] = [];
  const stream = uuidv7();
  const boot = uuidv7();
  let prev = ZERO_HASH_HEX;
  for (let seq = 1; seq <= n; seq++) {
    const rec: ChainedEvent = {
      v: 1,
      id: uuidv7(),
      name: 'authn_login_fail',
      time: eventTimeNow(Date.now()),
      severity: 'medium',
      outcome: 'failure',
      device: { id: device },
      actor: { user: 'admin', ip: '203.0.113.9' },
      // A message with the characters syslog framing and SD escaping care about.
      attrs: { method: 'password', reason: 'bad_password' },
      message: `try ${seq}: "] \\ \n next line`,
      stream,
      seq,
      boot,
      mono_ms: seq * 10,
      prev,
      tq: { synced: true, source: 'ntp' },
    };
    prev = recordChainHashHex(rec);
    out.push(rec);
  }
  return out;
}

/** An RFC 5425 receiver: octet-counted frames, each decoded back to the seclog record. */
class Receiver {
  readonly received: ChainedEvent[] = [];
  readonly errors: string[] = [];
  readonly sockets = new Set<tls.TLSSocket>();
  connections = 0;
  port = 0;
  readonly #server: tls.Server;

  constructor() {
    this.#server = tls.createServer({ cert, key }, (sock) => {
      this.connections++;
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
      sock.on('error', () => undefined);
      const dec = createSyslogFrameDecoder({ framing: 'octet-counting', maxFrameBytes: 65_536 });
      sock.on('data', (chunk: Buffer) => {
        try {
          for (const frame of dec.push(chunk)) {
            const msg = parseRfc5424(Buffer.from(frame).toString('utf8'));
            this.received.push(decodeEventSyslog(msg) as ChainedEvent);
          }
        } catch (err) {
          this.errors.push((err as Error).message);
          sock.destroy();
        }
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as { port: number }).port;
  }

  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.#server.close(() => r()));
  }
}

function shipper(rx: Receiver, source: MemoryShipSource, reports: ShipReport[] = []): Shipper {
  return new Shipper({
    url: 'http://127.0.0.1:1',
    device: 'gw-s',
    token: 'sld_unused',
    source,
    profile: { ...REALTIME, batchMaxEvents: 7 },
    transport: 'syslog-tls',
    syslogTls: { host: '127.0.0.1', port: rx.port, ca: cert, servername: 'localhost' },
    backoff: { baseMs: 10, maxMs: 50 },
    requestTimeoutMs: 2000,
    onReport: (r) => reports.push(r),
  });
}

test('records go out as octet-counted seclog RFC 5424 frames over TLS and decode to the ring canonical text', { skip }, async () => {
  const rx = new Receiver();
  await rx.start();
  const recs = chain('gw-s', 30);
  const source = new MemoryShipSource(recs[0]!.stream);
  for (const r of recs) source.append({ seq: r.seq, canonical: canonicalize(r) });
  const s = shipper(rx, source);
  try {
    s.start();
    await s.flush({ timeoutMs: 5000 });
    assert.equal(source.ackedSeq(), 30, 'marked shipped once written');
    await waitFor(() => rx.received.length === 30, 3000, 'all frames');
    assert.deepEqual(rx.errors, []);
    assert.deepEqual(
      rx.received.map((e) => canonicalize(e)),
      recs.map((r) => canonicalize(r)),
      'every record once, in order, unchanged',
    );
    assert.equal(rx.connections, 1, 'one connection for every batch');
  } finally {
    await s.close({ graceMs: 100 });
    await rx.stop();
  }

  // A new shipper on the same source resumes from the acked mark: nothing is sent twice.
  const rx2 = new Receiver();
  await rx2.start();
  const more = chain('gw-s', 35).slice(30);
  const s2 = shipper(rx2, source);
  try {
    s2.start();
    await s2.flush({ timeoutMs: 5000 });
    assert.equal(rx2.received.length, 0, 'nothing new, nothing sent');
    // (records 31..35 of another chain stand in for later records of this stream)
    for (const r of more) source.append({ seq: r.seq, canonical: canonicalize({ ...r, stream: recs[0]!.stream }) });
    await s2.flush({ timeoutMs: 5000 });
    await waitFor(() => rx2.received.length === 5, 3000, 'the new records');
    assert.deepEqual(
      rx2.received.map((e) => e.seq),
      [31, 32, 33, 34, 35],
    );
  } finally {
    await s2.close({ graceMs: 100 });
    await rx2.stop();
  }
});

test('a dropped connection is re-opened and shipping goes on; an unreachable receiver is an outage', { skip }, async () => {
  const rx = new Receiver();
  await rx.start();
  const recs = chain('gw-s', 40);
  const source = new MemoryShipSource(recs[0]!.stream);
  const reports: ShipReport[] = [];
  const s = shipper(rx, source, reports);
  try {
    for (const r of recs.slice(0, 20)) source.append({ seq: r.seq, canonical: canonicalize(r) });
    s.start();
    await s.flush({ timeoutMs: 5000 });
    await waitFor(() => rx.received.length === 20, 3000, 'first 20');
    for (const sock of rx.sockets) sock.destroy();
    await new Promise((r) => setTimeout(r, 50));
    for (const r of recs.slice(20)) source.append({ seq: r.seq, canonical: canonicalize(r) });
    await s.flush({ timeoutMs: 5000 });
    await waitFor(() => rx.received.length >= 40, 3000, 'the rest');
    const seqs = rx.received.map((e) => e.seq);
    assert.deepEqual(
      [...new Set(seqs)].sort((a, b) => a - b),
      Array.from({ length: 40 }, (_, i) => i + 1),
      'every record arrived',
    );
    assert.ok(rx.connections >= 2, 'a second connection');
  } finally {
    await s.close({ graceMs: 100 });
    await rx.stop();
  }
  // Nobody listening: the records stay unacknowledged and the failure is reported.
  const source2 = new MemoryShipSource('stream-x');
  for (const r of chain('gw-s', 3)) source2.append({ seq: r.seq, canonical: canonicalize({ ...r, stream: 'stream-x' }) });
  const reports2: ShipReport[] = [];
  const dead = shipper(rx, source2, reports2);
  try {
    dead.start();
    await assert.rejects(dead.flush({ timeoutMs: 300 }), { code: 'AGENT_FLUSH_TIMEOUT' });
    assert.equal(source2.ackedSeq(), 0);
    assert.ok(reports2.some((r) => r.kind === 'collector-unreachable'));
  } finally {
    await dead.close({ graceMs: 50 });
  }
});
