/**
 * The SNTP client against a real NTP server: Debian's chronyd, started here
 * on a free loopback port with `-x` so it never touches the system clock,
 * serving its local clock at stratum 8 (`local stratum 8`).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type EventInput, prepareEvent, validateEvent } from '@seclog/core';
import { parseServerAddress, type ServerAddress } from '../src/time/sntp/server-address.js';
import { pollServer, type ServerPoll, type ServerPollOptions } from '../src/time/sntp/sntp-poll.js';
import { TimeQualityTracker } from '../src/time/time-quality-tracker.js';

const LOCAL_STRATUM = 8;
// SECLOG_CHRONYD names another binary (or a missing one, to see the skip)
const CHRONYD = (
  process.env.SECLOG_CHRONYD ? [process.env.SECLOG_CHRONYD] : ['/usr/sbin/chronyd', '/sbin/chronyd', '/usr/local/sbin/chronyd']
).find((p) => existsSync(p));
const REQUIRE_ALL = process.env.SECLOG_TEST_REQUIRE_ALL === '1';
const MISSING = 'chronyd not found: install Debian package chrony (apt-get install chrony)';

if (!CHRONYD && REQUIRE_ALL) {
  test('chronyd is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MISSING));
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp6');
    s.once('error', () => resolve(false));
    s.bind(0, '::1', () => s.close(() => resolve(true)));
  });
}

function pollOpts(o: Partial<ServerPollOptions> = {}): ServerPollOptions {
  return {
    samples: 1,
    sampleSpacingMs: 0,
    timeoutMs: 2000, // generous: a loaded CI machine may not schedule chronyd for a while
    maxRootDistanceMs: 1000,
    clockResolutionMs: 1,
    now: Date.now,
    mono: () => performance.now(),
    ...o,
  };
}

function addr(spec: string): ServerAddress {
  const a = parseServerAddress(spec);
  assert.ok(!('problem' in a), spec);
  return a;
}

interface Chrony {
  port: number;
  ipv6: boolean;
  child: ChildProcess;
  dir: string;
  output: () => string;
}

/**
 * Start chronyd in a temp dir. As root it drops to the `_chrony` user the
 * Debian package creates (or stays root when that user is missing); as
 * another user it needs `-U` (skip the root check), which is enough for a
 * server on an unprivileged port that never adjusts the clock.
 */
async function startChrony(): Promise<Chrony> {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-chrony-'));
  const ipv6 = await ipv6Loopback();
  const isRoot = process.getuid?.() === 0;
  const hasChronyUser = existsSync('/etc/passwd') && /^_chrony:/m.test(readFileSync('/etc/passwd', 'utf8'));
  let lastOutput = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort();
    const conf = join(dir, 'chrony.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bindaddress 127.0.0.1',
        'allow 127.0.0.1',
        ...(ipv6 ? ['bindaddress ::1', 'allow ::1'] : []),
        `local stratum ${LOCAL_STRATUM}`,
        `pidfile ${join(dir, 'chronyd.pid')}`,
        // no command port, no command socket: nothing else of the host's chrony is touched
        'cmdport 0',
        'bindcmdaddress /',
        '',
      ].join('\n'),
    );
    const args = ['-x', '-d', '-f', conf];
    if (!isRoot) args.push('-U');
    else if (!hasChronyUser) args.push('-u', 'root');
    const child = spawn(CHRONYD!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    // ready when it answers with a usable sample
    const deadline = performance.now() + 10_000;
    while (!exited && performance.now() < deadline) {
      const p = await pollServer(addr(`127.0.0.1:${port}`), pollOpts({ timeoutMs: 200 }));
      if (p.samples.length > 0) return { port, ipv6, child, dir, output: () => output };
      await new Promise((r) => setTimeout(r, 100));
    }
    lastOutput = output;
    await stopChrony({ port, ipv6, child, dir, output: () => output }, false);
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`chronyd did not start or answer:\n${lastOutput}`);
}

async function stopChrony(c: Chrony, removeDir = true): Promise<void> {
  if (c.child.exitCode === null && c.child.signalCode === null) {
    const exited = new Promise((r) => c.child.once('exit', r));
    c.child.kill('SIGTERM');
    const timer = setTimeout(() => c.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  if (removeDir) rmSync(c.dir, { recursive: true, force: true });
}

let chrony: Chrony | undefined;
before(async () => {
  if (CHRONYD) chrony = await startChrony();
});
after(async () => {
  if (chrony) await stopChrony(chrony);
});

function requireChrony(t: { skip: (msg: string) => void }): Chrony | undefined {
  if (!chrony) t.skip(MISSING);
  return chrony;
}

function describe(p: ServerPoll): string {
  return JSON.stringify({ samples: p.samples, rejections: p.rejections });
}

test(`chronyd: a sane offset (|offset| < 1 s), stratum ${LOCAL_STRATUM} (its local stratum), every check passed`, async (t) => {
  const c = requireChrony(t);
  if (!c) return;
  const p = await pollServer(addr(`127.0.0.1:${c.port}`), pollOpts({ samples: 4, sampleSpacingMs: 20 }));
  assert.equal(p.samples.length, 4, describe(p));
  assert.deepEqual(p.rejections, []);
  assert.ok(p.estimate);
  assert.ok(Math.abs(p.estimate.offsetMs) < 1000, `offset ${p.estimate.offsetMs} ms`);
  // chrony serves its local reference at the configured stratum
  assert.equal(p.estimate.stratum, LOCAL_STRATUM);
  for (const s of p.samples) {
    assert.equal(s.leap, 0);
    assert.equal(s.version, 4);
    assert.ok(s.delayMs >= 0 && s.delayMs < 500, `delay ${s.delayMs}`);
  }
  t.diagnostic(
    `chronyd offset ${p.estimate.offsetMs.toFixed(3)} ms, delay ${p.estimate.delayMs.toFixed(3)} ms, error bound ${p.estimate.errorMs.toFixed(3)} ms`,
  );
});

test('chronyd over IPv6 ([::1])', async (t) => {
  const c = requireChrony(t);
  if (!c) return;
  if (!c.ipv6) {
    t.skip('no IPv6 loopback here');
    return;
  }
  const p = await pollServer(addr(`[::1]:${c.port}`), pollOpts({ samples: 2 }));
  assert.equal(p.address, '::1');
  assert.equal(p.samples.length, 2, describe(p));
  assert.ok(Math.abs(p.estimate!.offsetMs) < 1000);
});

test('chronyd, local clock injected 1 h fast: the offset reads −1 h', async (t) => {
  const c = requireChrony(t);
  if (!c) return;
  const p = await pollServer(addr(`127.0.0.1:${c.port}`), pollOpts({ samples: 2, now: () => Date.now() + 3_600_000 }));
  assert.equal(p.samples.length, 2, describe(p));
  assert.ok(Math.abs(p.estimate!.offsetMs + 3_600_000) < 1000, `offset ${p.estimate!.offsetMs}`);
});

test('chronyd: the tracker syncs, emits time_sync regained, and its tq validates on a device record', async (t) => {
  const c = requireChrony(t);
  if (!c) return;
  const events: { name: string; input: EventInput }[] = [];
  const tracker = new TimeQualityTracker({
    servers: [`127.0.0.1:${c.port}`],
    samples: 3,
    sampleSpacingMs: 20,
    timeoutMs: 2000,
    onEvent: (name, input) => events.push({ name, input }),
  });
  const report = await tracker.pollNow();
  assert.equal(report.selection.kind, 'ok', JSON.stringify(report));
  const tq = tracker.tq();
  assert.equal(tq.synced, true);
  assert.equal(tq.source, 'ntp');
  assert.ok(Math.abs(tq.offset_ms!) < 1000);
  assert.ok(tq.accuracy_ms! >= Math.abs(tq.offset_ms!) && tq.accuracy_ms! < 1000);
  assert.deepEqual(
    events.map((e) => [e.name, e.input.attrs?.state, e.input.attrs?.server]),
    [['time_sync', 'regained', `127.0.0.1:${c.port}`]],
  );
  const { event } = prepareEvent('time_sync', events[0]!.input, { device: { id: 'dev-1' }, redaction: { salt: new Uint8Array(16) }, tq });
  const record = { ...event, stream: 'dev-1.s1', seq: 1, boot: 'b1', mono_ms: 5, prev: '0'.repeat(64), tq };
  assert.deepEqual(validateEvent(record, { chained: true }), []);
  t.diagnostic(`tq ${JSON.stringify(tq)}`);
});
