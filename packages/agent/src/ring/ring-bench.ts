/**
 * Figures of the ring store, for `npm run bench -- agent` and the notes in
 * docs/agent-ring.md: what an append costs, what durability costs in the
 * ways the logger uses it, and how long recovery takes per GiB. Run it on
 * the disk the device will use: fsync latency is a property of the disk.
 */
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RingStore } from './ring-store.js';

export interface RingBenchOptions {
  /** Directory for the ring files (removed afterwards). */
  readonly dir: string;
  /** Ring used for the append figures (default 64 MiB). */
  readonly capacityBytes?: number;
  /** Appends per figure (default 100,000). */
  readonly records?: number;
  /** Payload size (default 300 bytes, a typical canonical record). */
  readonly payloadBytes?: number;
  /** Records per durable() group (default 100). */
  readonly groupSize?: number;
  /** Critical events measured one at a time, append then durable() (default 500). */
  readonly criticalSamples?: number;
  /** Ring filled to capacity and reopened for the recovery figure (default: capacityBytes). */
  readonly recoveryCapacityBytes?: number;
}

export interface LatencyMs {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface RingBenchResult {
  readonly payloadBytes: number;
  readonly records: number;
  /** append() alone: frame, CRC-32C, one pwrite (wall clock, and CPU time of this process). */
  readonly appendUs: number;
  readonly appendCpuUs: number;
  /** append() plus one durable() per group of `groupSize` (group commit, one fdatasync per group). */
  readonly groupedDurableUs: number;
  readonly groupSize: number;
  /** append() plus syncSoon() for every record (fsync within 100 ms, shared). */
  readonly syncSoonUs: number;
  readonly syncSoonFsyncs: number;
  /** One critical event: append then await durable(), one at a time. */
  readonly criticalDurableMs: LatencyMs;
  /** A bare write + fdatasync of the same size on the same disk, for reference. */
  readonly bareFsyncMs: LatencyMs;
  readonly recovery: {
    readonly capacityBytes: number;
    readonly records: number;
    /** Open of a full ring, payload CRCs checked as `auto` does for this size (wall clock, and CPU time). */
    readonly seconds: number;
    readonly secondsPerGiB: number;
    readonly cpuSecondsPerGiB: number;
    readonly payloadBytesVerified: number;
    /** Open with every payload CRC checked. */
    readonly fullSeconds: number;
    readonly fullSecondsPerGiB: number;
    readonly fullCpuSecondsPerGiB: number;
  };
}

const GiB = 1024 ** 3;

function payloadFor(size: number): Buffer {
  const p = Buffer.alloc(size, 0x61);
  p.write('{"v":1,"name":"authn_login_fail","seq":');
  return p;
}

/** CPU time (user + system) of this process in µs since `from`: robust to other load on the machine. */
function cpuUs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return d.user + d.system;
}

function latency(samples: number[]): LatencyMs {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? 0 };
}

export async function measureRingStore(o: RingBenchOptions): Promise<RingBenchResult> {
  const cap = o.capacityBytes ?? 64 * 1024 * 1024;
  const n = o.records ?? 100_000;
  const size = o.payloadBytes ?? 300;
  const group = o.groupSize ?? 100;
  const payload = payloadFor(size);
  const file = (name: string): string => join(o.dir, name);
  const openRing = (name: string, capacityBytes = cap): RingStore => RingStore.open({ path: file(name), capacityBytes });
  let seq = 0;

  // append alone
  let r = openRing('bench-append.ring');
  let t = performance.now();
  let c = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    payload.writeUInt32BE(i, 40);
    r.append(payload, ++seq);
  }
  const appendUs = ((performance.now() - t) * 1000) / n;
  const appendCpuUs = cpuUs(c) / n;

  // grouped durable
  t = performance.now();
  for (let i = 0; i < n; i += group) {
    for (let k = 0; k < group; k++) r.append(payload, ++seq);
    await r.durable();
  }
  const groupedDurableUs = ((performance.now() - t) * 1000) / (Math.ceil(n / group) * group);

  // syncSoon per record
  const before = r.stats().fsyncs;
  t = performance.now();
  const waits: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    r.append(payload, ++seq);
    waits.push(r.syncSoon());
    if (i % 1000 === 999) await new Promise((res) => setImmediate(res));
  }
  await Promise.all(waits);
  const syncSoonUs = ((performance.now() - t) * 1000) / n;
  const syncSoonFsyncs = r.stats().fsyncs - before;

  // critical, one at a time
  const crit: number[] = [];
  for (let i = 0; i < (o.criticalSamples ?? 500); i++) {
    const t0 = performance.now();
    r.append(payload, ++seq);
    await r.durable();
    crit.push(performance.now() - t0);
  }
  await r.close();
  rmSync(file('bench-append.ring'), { force: true });

  // bare write + fdatasync for reference, in place in a preallocated file as the ring writes
  const bare: number[] = [];
  const fd = openSync(file('bench-bare.bin'), 'w');
  const samples = o.criticalSamples ?? 500;
  writeSync(fd, Buffer.alloc(samples * payload.length), 0, samples * payload.length, 0);
  fdatasyncSync(fd);
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    writeSync(fd, payload, 0, payload.length, i * payload.length);
    fdatasyncSync(fd);
    bare.push(performance.now() - t0);
  }
  closeSync(fd);
  rmSync(file('bench-bare.bin'), { force: true });

  // recovery of a full ring
  const rcap = o.recoveryCapacityBytes ?? cap;
  r = openRing('bench-recovery.ring', rcap);
  const fill = Math.ceil((rcap / (size + 28)) * 1.05);
  for (let i = 0; i < fill; i++) r.append(payload, i + 1);
  await r.close();
  c = process.cpuUsage();
  const a = openRing('bench-recovery.ring', rcap);
  const recCpu = cpuUs(c) / 1e6;
  const rec = a.recovery;
  const records = a.stats().records;
  await a.close();
  c = process.cpuUsage();
  const b = RingStore.open({ path: file('bench-recovery.ring'), capacityBytes: rcap, verifyOnOpen: 'full' });
  const fullCpu = cpuUs(c) / 1e6;
  const full = b.recovery;
  await b.close();
  rmSync(file('bench-recovery.ring'), { force: true });

  return {
    payloadBytes: size,
    records: n,
    appendUs,
    appendCpuUs,
    groupedDurableUs,
    groupSize: group,
    syncSoonUs,
    syncSoonFsyncs,
    criticalDurableMs: latency(crit),
    bareFsyncMs: latency(bare),
    recovery: {
      capacityBytes: rcap,
      records,
      seconds: rec.durationMs / 1000,
      secondsPerGiB: rec.durationMs / 1000 / (rcap / GiB),
      cpuSecondsPerGiB: recCpu / (rcap / GiB),
      payloadBytesVerified: rec.payloadBytesVerified,
      fullSeconds: full.durationMs / 1000,
      fullSecondsPerGiB: full.durationMs / 1000 / (rcap / GiB),
      fullCpuSecondsPerGiB: fullCpu / (rcap / GiB),
    },
  };
}
