/**
 * `npm run bench -- agent`: what the device SDK costs the product (issue D
 * item 10).
 *
 * The device is a child process of its own, run from an esbuild bundle of
 * this file and the workspace sources with plain `node` (as a product would
 * run built code), so its RSS is the SDK's and not that of tsx or of the
 * collector code the load side needs. It opens SecurityLogger on temp rings
 * under the high profile (a seal every 1,000 records or minute) and runs:
 *
 *   floor      4 KiB pwrite + fdatasync, in place in a preallocated temp file
 *              beside the rings: synchronously, as the ring runs a critical
 *              event's fsync on a fast disk, and through the libuv pool, as
 *              it runs the others (ring/inline-sync.ts). No critical event
 *              can be faster than the first.
 *   critical   authn_login_fail (authentication is critical: the promise
 *              resolves after the fsync that covers the record), awaited one
 *              at a time, then by 8 concurrent callers (group commit: one
 *              fsync serves everyone waiting); how many of the fsyncs ran
 *              inline, and how many of those were slower than the policy's
 *              2 ms
 *   cost       session_start (not critical: in the ring at once, fsynced
 *              within 100 ms) in a closed loop, each call awaited; the clock
 *              stops when the last record is durable. Then pino writing the
 *              same fields object to a file through pino.destination({ sync:
 *              false }), the same number of calls in the same loop, the clock
 *              stopping when end() has written, fsynced and closed the file.
 *              Three such pairs of rounds, alternating; the figures pool them.
 *   drain      a logger enrolled with addDevice on a collector's data dir
 *              records DRAIN_EVENTS while nothing listens on its port; then a
 *              real collector starts there (a child process, as in the
 *              collector bench) and flush() is timed until the collector has
 *              acknowledged everything. Shipping settings are the high
 *              profile's (batches of 100, one in flight); only the backoff is
 *              shortened (50–250 ms) so the reconnect does not wait out a long
 *              retry. The collector's cursor is checked afterwards.
 *   RSS        of the device process, sampled every 100 ms: with the SDK
 *              loaded, idle after open, during the cost loop, during the drain.
 *
 * No collector takes part in the floor, critical and cost parts: that logger
 * points at 127.0.0.1:9, where nothing listens, so its connects are refused
 * and the shipper backs off (500 ms doubling to 60 s); the logger has no
 * option that switches shipping off. No SNTP servers are configured
 * (tq.source `unknown`).
 *
 * Environment: SECLOG_BENCH_SECONDS (4: the cost loops' budget, all rounds),
 * SECLOG_BENCH_COST_ROUNDS (3: alternating rounds of ours and pino's),
 * SECLOG_BENCH_DRAIN_EVENTS (50000), SECLOG_BENCH_CRITICAL (400: sequential
 * calls; 8 callers make as many each, halved), SECLOG_BENCH_INLINE_SYNC_MS
 * (the ring's inlineSyncMaxMs; 0: every fsync in the thread pool, as before
 * critical fsyncs ran inline), SECLOG_BENCH_PROFILE=1 (the
 * device runs from the sources under --cpu-prof; prints where its time went
 * during the cost loop).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  fdatasync,
  fdatasyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoggerConfig, type Receipt, SecurityLogger, type ShipReport } from '@seclog/agent';
import { generateSealKey, sealPolicyFor } from '@seclog/core';
import { type Figure, report } from './harness.js';

const env = process.env;
const COST_MS = Number(env.SECLOG_BENCH_SECONDS ?? 4) * 1000;
const COST_MAX_EVENTS = 250_000;
const COST_WARMUP_EVENTS = 20_000;
const COST_ROUNDS = Math.max(1, Number(env.SECLOG_BENCH_COST_ROUNDS ?? 3));
const DRAIN_EVENTS = Number(env.SECLOG_BENCH_DRAIN_EVENTS ?? 50_000);
const CRITICAL = Number(env.SECLOG_BENCH_CRITICAL ?? 400);
const CONCURRENT_CALLERS = 8;
const FSYNC_SAMPLES = 400;
const PROFILE = env.SECLOG_BENCH_PROFILE === '1';
/** The ring's inlineSyncMaxMs (default: the ring's, 2 ms); 0 runs every fsync in the thread pool, as before inline syncs. */
const INLINE_SYNC_MAX_MS = env.SECLOG_BENCH_INLINE_SYNC_MS === undefined ? undefined : Number(env.SECLOG_BENCH_INLINE_SYNC_MS);
const MiB = 1024 * 1024;
/** Room for the cost loop's records (~0.6 KiB each) without overwriting: an overflowing ring would add drop accounting. */
const COST_RING_BYTES = 192 * MiB;
const DRAIN_RING_BYTES = 64 * MiB;
/** Nothing listens on the discard port of loopback: the shipper's connects are refused and it backs off. */
const NO_COLLECTOR = 'http://127.0.0.1:9';
/** Set in the device child's environment only. */
const DEVICE_ROLE = 'SECLOG_BENCH_AGENT_DEVICE';

/** A non-critical event, as a web admin panel would log it; pino gets the same object. */
const SESSION = {
  actor: { user: 'maintainer', ip: '198.51.100.23', port: 50412 },
  attrs: { source: 'web', role: 'operator', idle_timeout_seconds: 900 },
};
/** A critical one (authentication group). */
const LOGIN_FAIL = {
  actor: { user: 'admin', ip: '203.0.113.9' },
  attrs: { method: 'password', reason: 'bad_password' },
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));
const mib = (n: number) => n / MiB;

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

function latency(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: s.at(-1) ?? Number.NaN };
}

// ---- messages between the bench and the device child ----------------------------------------

/** The device file the drain logger uses, as `seclog device add --out` writes it. */
type DrainDevice = Omit<LoggerConfig, 'store'>;

type ToDevice = { kind: 'start'; root: string; drain: DrainDevice } | { kind: 'collector-up' };

interface LoopResult {
  events: number;
  usPerEvent: number;
  cpuUsPerEvent: number;
}

interface DeviceResults {
  rss: { loaded: number; idle: number; cost: number; drainRecord: number; drainFlush: number };
  floor: { sync: Latency; pool: Latency };
  critical: {
    sequential: Latency;
    seqFsyncsPerCall: number;
    /** Of the sequential calls' fsyncs: how many ran on the event-loop thread, and how many of those took over inlineSyncMaxMs. */
    seqInline: number;
    seqSlowInline: number;
    concurrent: Latency;
    concFsyncsPerCall: number;
    concRate: number;
  };
  cost: {
    ours: LoopResult;
    theirs: LoopResult;
    /** log.event ÷ pino, wall clock, round by round. */
    roundRatios: number[];
    /** Window of the measured loop on the monotonic clock (µs), for the CPU profile. */
    fromUs: string;
    toUs: string;
    frameBytes: number;
    ownRecords: number;
    fsyncs: number;
    lineBytes: number;
  };
  drain: {
    record: LoopResult;
    stream: string;
    lastSeq: number;
    backlog: number;
    seconds: number;
    reconnectMs: number;
    cpuUsPerEvent: number;
    reports: string[];
  };
}

type FromDevice = { kind: 'recorded' } | { kind: 'done'; results: DeviceResults };

// ---- the device ----------------------------------------------------------------------------

/** This process's RSS, sampled every 100 ms between start() and stop() (the max). */
class RssSampler {
  max = 0;
  #timer: NodeJS.Timeout | undefined;

  start(): void {
    this.max = process.memoryUsage.rss();
    this.#timer = setInterval(() => {
      this.max = Math.max(this.max, process.memoryUsage.rss());
    }, 100);
  }

  stop(): number {
    clearInterval(this.#timer);
    this.max = Math.max(this.max, process.memoryUsage.rss());
    return this.max;
  }
}

/** Resolves once every record the logger appended is on disk (the ring's fsync within 100 ms). */
async function untilDurable(log: SecurityLogger): Promise<void> {
  for (;;) {
    const s = log.status();
    if (s.ring !== null && s.ring.durableSeq >= s.lastSeq) return;
    await sleep(1);
  }
}

/**
 * 4 KiB write + fdatasync in place, cycling through a preallocated 4 MiB
 * file (the ring writes in place too): synchronously, and with the fsync
 * through the libuv pool as the ring's group commit does it, which adds a
 * thread hand-off each way.
 */
async function fdatasyncFloor(dir: string): Promise<{ sync: Latency; pool: Latency }> {
  const path = join(dir, 'fsync-floor.bin');
  const block = Buffer.alloc(4096, 0x5a);
  const blocks = 1024;
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < blocks; i++) writeSync(fd, block, 0, block.length, i * block.length);
    fdatasyncSync(fd);
    const sync: number[] = [];
    const pool: number[] = [];
    for (let i = 0; i < FSYNC_SAMPLES; i++) {
      block.writeUInt32BE(i, 0);
      const t0 = performance.now();
      writeSync(fd, block, 0, block.length, (i % blocks) * block.length);
      fdatasyncSync(fd);
      sync.push(performance.now() - t0);
    }
    for (let i = 0; i < FSYNC_SAMPLES; i++) {
      block.writeUInt32BE(i, 4);
      const t0 = performance.now();
      writeSync(fd, block, 0, block.length, (i % blocks) * block.length);
      await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
      pool.push(performance.now() - t0);
    }
    return { sync: latency(sync), pool: latency(pool) };
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/** Critical events awaited one at a time, then by CONCURRENT_CALLERS loops; fsyncs per call from the ring's count. */
async function criticalLatency(log: SecurityLogger): Promise<DeviceResults['critical']> {
  const fsyncs = () => log.status().ring?.fsyncs ?? 0;
  const inline = () => log.status().ring?.inlineFsyncs ?? 0;
  const slowInline = () => log.status().ring?.slowInlineFsyncs ?? 0;
  const call = (): Promise<Receipt> => log.event('authn_login_fail', LOGIN_FAIL);
  for (let i = 0; i < 20; i++) await call();

  const seq: number[] = [];
  let f0 = fsyncs();
  const i0 = inline();
  const s0 = slowInline();
  for (let i = 0; i < CRITICAL; i++) {
    const t0 = performance.now();
    await call();
    seq.push(performance.now() - t0);
  }
  const seqFsyncsPerCall = (fsyncs() - f0) / CRITICAL;
  const seqInline = inline() - i0;
  const seqSlowInline = slowInline() - s0;

  const conc: number[] = [];
  const perCaller = Math.ceil(CRITICAL / 2);
  f0 = fsyncs();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT_CALLERS }, async () => {
      for (let i = 0; i < perCaller; i++) {
        const t0 = performance.now();
        await call();
        conc.push(performance.now() - t0);
      }
    }),
  );
  const concSeconds = (performance.now() - t) / 1000;
  return {
    sequential: latency(seq),
    seqFsyncsPerCall,
    seqInline,
    seqSlowInline,
    concurrent: latency(conc),
    concFsyncsPerCall: (fsyncs() - f0) / conc.length,
    concRate: conc.length / concSeconds,
  };
}

/**
 * `call` in a closed loop: each call awaited before the next, the event loop
 * given a turn every 1,024 calls (timers and I/O completions: the ring's
 * fsync, pino's writes). Runs `count` calls, or until `budgetMs` (at most
 * `max`); `finish` (durability, pino's end) is inside the clock.
 */
async function closedLoop(
  call: () => unknown,
  finish: () => Promise<void>,
  limit: { count: number } | { budgetMs: number; max: number },
): Promise<LoopResult> {
  const max = 'count' in limit ? limit.count : limit.max;
  const deadline = 'budgetMs' in limit ? performance.now() + limit.budgetMs : Number.POSITIVE_INFINITY;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (n < max) {
    await call();
    n++;
    if ((n & 1023) === 0) {
      await yieldToLoop();
      if (performance.now() >= deadline) break;
    }
  }
  await finish();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { events: n, usPerEvent: (ms * 1000) / n, cpuUsPerEvent: (used.user + used.system) / n };
}

/** A pino file destination, opened before the clock starts. */
async function openPino(file: string) {
  const { default: pino } = await import('pino');
  const dest = pino.destination({ dest: file, sync: false });
  await new Promise<void>((resolve) => dest.once('ready', () => resolve()));
  const logger = pino(dest);
  return {
    call: (): void => logger.info(SESSION, 'session_start'),
    // end() writes what is buffered, fsyncs and closes: sonic-boom's flush(cb) does not wait when minLength is 0.
    finish: () =>
      new Promise<void>((resolve, reject) => {
        dest.once('close', () => resolve());
        dest.once('error', reject);
        dest.end();
      }),
  };
}

/** Loops of one kind taken together: events, and time per event over all of them. */
function pooled(loops: readonly LoopResult[]): LoopResult {
  const events = loops.reduce((a, l) => a + l.events, 0);
  const us = loops.reduce((a, l) => a + l.usPerEvent * l.events, 0);
  const cpu = loops.reduce((a, l) => a + l.cpuUsPerEvent * l.events, 0);
  return { events, usPerEvent: us / events, cpuUsPerEvent: cpu / events };
}

/**
 * The SDK's loop and pino's, in COST_ROUNDS alternating rounds (ours, then
 * pino for as many calls), so that a machine that speeds up or slows down
 * during the run (a shared virtual machine does, by 30 % from minute to
 * minute here) weighs on both sides alike.
 */
async function costLoop(log: SecurityLogger, dir: string, rss: RssSampler): Promise<DeviceResults['cost']> {
  const call = (): Promise<Receipt> => log.event('session_start', SESSION);
  // Warm-up (JIT, the ring's caches), made durable before the clock starts.
  await closedLoop(call, () => untilDurable(log), { count: COST_WARMUP_EVENTS });
  const before = log.status();
  const ours: LoopResult[] = [];
  const theirs: LoopResult[] = [];
  let fromUs = 0n;
  let toUs = 0n;
  let lineBytes = 0;
  for (let round = 0; round < COST_ROUNDS; round++) {
    // The first round is the one sampled for RSS and profiled: pino is not loaded yet.
    if (round === 0) {
      rss.start();
      fromUs = process.hrtime.bigint() / 1000n;
    }
    ours.push(
      await closedLoop(call, () => untilDurable(log), {
        budgetMs: COST_MS / COST_ROUNDS,
        max: Math.ceil(COST_MAX_EVENTS / COST_ROUNDS),
      }),
    );
    if (round === 0) {
      toUs = process.hrtime.bigint() / 1000n;
      rss.stop();
      const warm = await openPino(join(dir, 'pino-warmup.log'));
      await closedLoop(warm.call, warm.finish, { count: COST_WARMUP_EVENTS });
    }
    const file = join(dir, `pino-${round}.log`);
    const p = await openPino(file);
    const events = (ours.at(-1) as LoopResult).events;
    theirs.push(await closedLoop(p.call, p.finish, { count: events }));
    lineBytes += statSync(file).size;
  }
  const after = log.status();
  const appended = after.lastSeq - before.lastSeq;
  const mine = pooled(ours);
  const pino = pooled(theirs);
  const ratios = ours.map((o, i) => o.usPerEvent / (theirs[i] as LoopResult).usPerEvent);
  return {
    ours: mine,
    theirs: pino,
    roundRatios: ratios,
    fromUs: String(fromUs),
    toUs: String(toUs),
    frameBytes: (after.ring!.usedBytes - before.ring!.usedBytes) / appended,
    // Records the logger wrote itself during the loops: seals (one per 1,000 records under `high`) and any others.
    ownRecords: appended - mine.events,
    fsyncs: after.ring!.fsyncs - before.ring!.fsyncs,
    lineBytes: lineBytes / pino.events,
  };
}

async function drainRun(root: string, device: DrainDevice, rss: RssSampler, collectorUp: Promise<void>) {
  let reachableAt: number | undefined;
  const reports: ShipReport['kind'][] = [];
  const log = await SecurityLogger.open({
    ...device,
    store: { path: join(root, 'drain.ring'), capacity: DRAIN_RING_BYTES },
    ship: { backoff: { baseMs: 50, maxMs: 250 } },
    onReport: (r) => {
      reports.push(r.kind);
      if (r.kind === 'collector-reachable') reachableAt ??= performance.now();
    },
  });
  rss.start();
  const record = await closedLoop(
    () => log.event('session_start', SESSION),
    () => untilDurable(log),
    { count: DRAIN_EVENTS },
  );
  const recordRss = rss.stop();
  const before = log.status();
  send({ kind: 'recorded' });
  await collectorUp;
  rss.start();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await log.flush({ timeoutMs: 90_000 });
  const done = performance.now();
  const used = process.cpuUsage(cpu);
  const flushRss = rss.stop();
  const status = log.status();
  await log.close();
  const backlog = before.lastSeq - (before.ring?.ackedSeq ?? 0);
  return {
    recordRss,
    flushRss,
    results: {
      record,
      stream: status.stream,
      lastSeq: status.lastSeq,
      backlog,
      seconds: (done - t0) / 1000,
      reconnectMs: (reachableAt ?? done) - t0,
      cpuUsPerEvent: (used.user + used.system) / backlog,
      reports,
    },
  };
}

function send(m: FromDevice): void {
  process.send?.(m);
}

async function device(): Promise<void> {
  const messages: ToDevice[] = [];
  const waiting: ((m: ToDevice) => void)[] = [];
  process.on('message', (m: ToDevice) => {
    const w = waiting.shift();
    if (w) w(m);
    else messages.push(m);
  });
  const next = () => new Promise<ToDevice>((resolve) => (messages.length > 0 ? resolve(messages.shift()!) : waiting.push(resolve)));

  const start = await next();
  if (start.kind !== 'start') throw new Error(`device: expected start, got ${start.kind}`);
  const rss = new RssSampler();
  const loaded = process.memoryUsage.rss();
  const log = await SecurityLogger.open({
    collector: NO_COLLECTOR,
    device: 'cam-bench',
    token: 'sld_bench',
    sealKey: generateSealKey().toString('hex'),
    profile: 'high',
    seal: sealPolicyFor('high', Date.now()),
    store: {
      path: join(start.root, 'cost.ring'),
      capacity: COST_RING_BYTES,
      ...(INLINE_SYNC_MAX_MS === undefined ? {} : { inlineSyncMaxMs: INLINE_SYNC_MAX_MS }),
    },
  });
  rss.start();
  await sleep(2000);
  const idle = rss.stop();

  const floor = await fdatasyncFloor(start.root);
  const critical = await criticalLatency(log);
  const cost = await costLoop(log, start.root, rss);
  const costRss = rss.max;
  await log.close();

  const collectorUp = next().then((m) => {
    if (m.kind !== 'collector-up') throw new Error(`device: expected collector-up, got ${m.kind}`);
  });
  const drain = await drainRun(start.root, start.drain, rss, collectorUp);
  send({
    kind: 'done',
    results: {
      rss: { loaded, idle, cost: costRss, drainRecord: drain.recordRss, drainFlush: drain.flushRss },
      floor,
      critical,
      cost,
      drain: drain.results,
    },
  });
  process.disconnect?.();
}

if (env[DEVICE_ROLE] === '1') await device();

// ---- the bench: enrolment, the collector, figures ------------------------------------------

const repo = fileURLToPath(new URL('../', import.meta.url));
const self = fileURLToPath(import.meta.url);
const tsxArgs = ['--conditions=seclog-source', '--import', 'tsx', self];

/**
 * Node arguments that run this file as the device: an esbuild bundle of it
 * with the agent and core sources (third-party packages stay external and
 * resolve through a node_modules link; the collector, which only the bench
 * side imports, stays out), or tsx on the source when esbuild is missing or
 * a CPU profile should name the .ts files.
 */
async function deviceLauncher(root: string): Promise<{ args: string[]; how: string }> {
  if (PROFILE) return { args: tsxArgs, how: 'tsx (profile)' };
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return { args: tsxArgs, how: 'tsx (no esbuild)' };
  }
  const dir = join(root, 'bundle');
  mkdirSync(dir);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'junction');
  const outfile = join(dir, 'agent-device.mjs');
  await esbuild.build({
    entryPoints: [self],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    packages: 'external',
    external: ['../packages/collector/*'],
    alias: {
      '@seclog/core': join(repo, 'packages/core/src/index.ts'),
      '@seclog/agent': join(repo, 'packages/agent/src/index.ts'),
    },
    logLevel: 'warning',
  });
  return { args: [outfile], how: 'esbuild bundle, plain node' };
}

/** A loopback port nothing listens on right now (the drain's collector takes it later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function figuresOf(r: DeviceResults, held: { seq: number; gaps: number }, load: [number, number], how: string): Figure[] {
  const { ours, theirs } = r.cost;
  const { critical: crit, floor, drain } = r;
  const f = (name: string, value: number, unit: string, better: Figure['better']): Figure => ({ name, value, unit, better });
  return [
    f('log.event, non-critical (session_start), closed loop', 1e6 / ours.usPerEvent, 'events/s', 'higher'),
    f('  wall clock per event', ours.usPerEvent, 'µs', 'lower'),
    f('  CPU time per event (all threads)', ours.cpuUsPerEvent, 'µs', 'lower'),
    f('  events in the measured loop', ours.events, 'events', 'higher'),
    f('  records the logger added (seals)', r.cost.ownRecords, 'records', 'lower'),
    f('  ring fsyncs during the loop', r.cost.fsyncs, 'fsyncs', 'lower'),
    f('  ring bytes per record (frame included)', r.cost.frameBytes, 'B', 'lower'),
    f('pino to a file, sync: false, same fields, same loop', 1e6 / theirs.usPerEvent, 'events/s', 'higher'),
    f('  wall clock per event', theirs.usPerEvent, 'µs', 'lower'),
    f('  CPU time per event (all threads)', theirs.cpuUsPerEvent, 'µs', 'lower'),
    f('  bytes per line', r.cost.lineBytes, 'B', 'lower'),
    f('log.event ÷ pino, wall clock per event (target ≤ 2)', ours.usPerEvent / theirs.usPerEvent, 'x', 'lower'),
    f('log.event ÷ pino, CPU time per event', ours.cpuUsPerEvent / theirs.cpuUsPerEvent, 'x', 'lower'),
    f(`  wall-clock ratio, lowest of ${r.cost.roundRatios.length} alternating rounds`, Math.min(...r.cost.roundRatios), 'x', 'lower'),
    f(`  wall-clock ratio, highest of ${r.cost.roundRatios.length} alternating rounds`, Math.max(...r.cost.roundRatios), 'x', 'lower'),
    f('disk floor: 4 KiB write + fdatasync (sync), p50', floor.sync.p50, 'ms', 'lower'),
    f('  p99', floor.sync.p99, 'ms', 'lower'),
    f('  max', floor.sync.max, 'ms', 'lower'),
    f('disk floor, fdatasync through the libuv pool, p50', floor.pool.p50, 'ms', 'lower'),
    f('  p99', floor.pool.p99, 'ms', 'lower'),
    f('  max', floor.pool.max, 'ms', 'lower'),
    f(`critical event durable, sequential (${CRITICAL} calls), p50`, crit.sequential.p50, 'ms', 'lower'),
    f('  p99 (target ≤ 2)', crit.sequential.p99, 'ms', 'lower'),
    f('  max', crit.sequential.max, 'ms', 'lower'),
    f('  fsyncs per call', crit.seqFsyncsPerCall, 'fsyncs', 'lower'),
    f('  of those fsyncs, run on the event-loop thread (inline)', crit.seqInline, 'fsyncs', 'higher'),
    f('  inline fsyncs slower than inlineSyncMaxMs (2 ms)', crit.seqSlowInline, 'fsyncs', 'lower'),
    f(`critical event durable, ${CONCURRENT_CALLERS} concurrent callers, p50`, crit.concurrent.p50, 'ms', 'lower'),
    f('  p99', crit.concurrent.p99, 'ms', 'lower'),
    f('  max', crit.concurrent.max, 'ms', 'lower'),
    f('  fsyncs per call (group commit)', crit.concFsyncsPerCall, 'fsyncs', 'lower'),
    f('  durable critical events/s, all callers', crit.concRate, 'events/s', 'higher'),
    f(`drain: recording ${DRAIN_EVENTS} events, collector down`, 1e6 / drain.record.usPerEvent, 'events/s', 'higher'),
    f('  backlog when the collector started', drain.backlog, 'records', 'higher'),
    f('  collector listening → flush() resolved', drain.seconds, 's', 'lower'),
    f('  drain rate (backlog ÷ that time)', drain.backlog / drain.seconds, 'events/s', 'higher'),
    f('  of which waiting for the first ack (backoff ≤ 250 ms)', drain.reconnectMs, 'ms', 'lower'),
    f('  device CPU time per delivered event', drain.cpuUsPerEvent, 'µs', 'lower'),
    f('  records the collector holds (= last seq, no gaps)', held.seq, 'records', 'higher'),
    f('RSS: SDK loaded, before open', mib(r.rss.loaded), 'MiB', 'lower'),
    f('RSS: idle, 2 s after open (max)', mib(r.rss.idle), 'MiB', 'lower'),
    f('RSS: busy, cost loop (max)', mib(r.rss.cost), 'MiB', 'lower'),
    f('RSS: busy, recording the backlog (max)', mib(r.rss.drainRecord), 'MiB', 'lower'),
    f('RSS: busy, draining it (max)', mib(r.rss.drainFlush), 'MiB', 'lower'),
    f('CPU cores on the machine', cpus().length, 'cores', 'higher'),
    f('machine load average (1 min) at the start', load[0], 'runnable', 'lower'),
    f('machine load average (1 min) at the end', load[1], 'runnable', 'lower'),
  ].map((x) => (how.startsWith('esbuild') || !x.name.startsWith('RSS') ? x : { ...x, name: `${x.name} [${how}]` }));
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'seclog-bench-agent-'));
  const loadStart = loadavg()[0] ?? Number.NaN;
  // Only the bench side needs the collector; the device bundle leaves it out.
  const { addDevice, openDataDir } = await import('../packages/collector/src/index.js');
  const { startChildCollector } = await import('../packages/collector/test/support/child-collector.js');
  type Collector = Awaited<ReturnType<typeof startChildCollector>>;
  let deviceProc: ChildProcess | undefined;
  let collector: Collector | undefined;
  try {
    const dataDir = join(root, 'collector');
    const port = await freePort();
    const dd = await openDataDir(dataDir);
    const file = addDevice(dd.enrol, 'cam-drain', 'high', `http://127.0.0.1:${port}`);
    dd.close();

    const launch = await deviceLauncher(root);
    const profileDir = join(root, 'profile');
    const execArgv = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const child = spawn(process.execPath, [...execArgv, ...launch.args], {
      env: { ...process.env, [DEVICE_ROLE]: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    deviceProc = child;
    process.stdout.write(`agent bench: device process ${child.pid} (${launch.how}), drain collector on port ${port}\n`);
    const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
    const results = await new Promise<DeviceResults>((resolve, reject) => {
      child.on('message', (m: FromDevice) => {
        if (m.kind === 'done') resolve(m.results);
        else if (m.kind === 'recorded') {
          startChildCollector(dataDir, { flags: { http: { port } } }).then((c) => {
            collector = c;
            child.send({ kind: 'collector-up' } satisfies ToDevice);
          }, reject);
        }
      });
      void exited.then((how) => reject(new Error(`the device process exited (${how}) before reporting`)));
      child.send({ kind: 'start', root, drain: file } satisfies ToDevice);
    });
    const how = await exited;
    deviceProc = undefined;
    if (how !== 0) throw new Error(`the device process exited with ${how}`);
    const stopped = await collector?.stop();
    collector = undefined;
    if (stopped !== 0) throw new Error(`the collector did not stop cleanly (${String(stopped)})`);

    // What the collector holds of the drained stream: everything up to the last seq, no open gap.
    const check = await openDataDir(dataDir);
    const held = {
      seq: check.store.getCursor(file.device, results.drain.stream)?.ackedSeq ?? 0,
      gaps: check.store.listGaps(file.device, results.drain.stream).length,
    };
    check.close();
    if (held.seq !== results.drain.lastSeq || held.gaps !== 0) {
      throw new Error(`the collector holds seq ${held.seq} of ${results.drain.lastSeq} with ${held.gaps} gaps after flush()`);
    }
    const loadEnd = loadavg()[0] ?? Number.NaN;
    report('agent', figuresOf(results, held, [loadStart, loadEnd], launch.how));

    if (PROFILE) {
      const { summariseProfile } = await import('./cpu-profile.js');
      const prof = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (prof === undefined) throw new Error('the device wrote no CPU profile');
      const kept = join(tmpdir(), `seclog-agent-device-${Date.now()}.cpuprofile`);
      copyFileSync(join(profileDir, prof), kept);
      const window = summariseProfile(kept, BigInt(results.cost.fromUs), BigInt(results.cost.toUs));
      process.stdout.write(`\ndevice CPU during the cost loop (${kept}, opens in Chrome DevTools)\n${window}\n`);
    }
  } finally {
    deviceProc?.kill('SIGKILL');
    collector?.process.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}
