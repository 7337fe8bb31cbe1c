/**
 * `npm run bench -- verify`: `seclog verify` throughput (DESIGN.md §7:
 * ≥ 500k events/s on 2 cores), for a bundle file and for a whole data
 * directory, on one thread and on worker threads, against the raw SHA-256
 * rate of the same run.
 *
 * The data directory is built once and kept in the temp directory
 * (seclog-bench-verify-<n>, reused while its marker file is there): n events
 * (default 1,000,000; SECLOG_BENCH_VERIFY_EVENTS) of 1,000 enrolled devices,
 * ~330 B records in sealed streams (a seal every 100 records), committed in
 * groups of ten batches of 100 as the group committer does, integrated into
 * the tree, with a checkpoint signed every 100k leaves. The bundle is an
 * export of all of it. Times are wall-clock of the whole call, worker
 * start-up included (from source the worker is bundled with esbuild first).
 */
import { hash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addDevice,
  type BatchWrite,
  exportEvents,
  type IncomingRecord,
  Integrator,
  openDataDir,
  verifyBundleFile,
  verifyDataDir,
} from '@seclog/collector';
import {
  type ChainedEvent,
  canonicalize,
  chainHash,
  createSealerState,
  eventTimeNow,
  type Hash,
  Sealer,
  type SecurityEvent,
  ZERO_HASH_HEX,
} from '@seclog/core';
import { type Figure, report } from './harness.js';

const DEVICES = 1000;
const SEAL_EVERY = 100;
const BATCH = 100;
const GROUP = 10;
const CHECKPOINT_EVERY = 100_000;

interface Device {
  id: string;
  stream: string;
  sealer: Sealer;
  seq: number;
  head: Buffer;
  inEpoch: number;
  nowMs: number;
}

function record(d: Device, ev: SecurityEvent, receivedUs: number): IncomingRecord {
  d.seq++;
  const rec = {
    ...ev,
    stream: d.stream,
    seq: d.seq,
    boot: 'b7e1c2d4',
    mono_ms: d.seq * 3,
    prev: d.head.toString('hex'),
  } as ChainedEvent;
  const canonical = canonicalize(rec);
  const digest = hash('sha256', canonical, 'buffer') as Uint8Array as Hash;
  d.head = chainHash(d.seq, d.head, digest);
  return { record: rec, canonical, digest, chainHash: d.head as Uint8Array as Hash, receivedUs };
}

/** The next BATCH records of a device, sealed early every SEAL_EVERY records. */
function nextBatch(d: Device, receivedUs: number): IncomingRecord[] {
  const out: IncomingRecord[] = [];
  while (out.length < BATCH) {
    d.nowMs++;
    if (d.inEpoch === SEAL_EVERY || d.sealer.sealDue(d.nowMs, d.seq)) {
      const attrs = d.sealer.seal({ lastSeq: d.seq, chainHead: d.head.toString('hex'), oldestRetainedSeq: 1, nowMs: d.nowMs });
      const time = eventTimeNow(d.nowMs);
      out.push(
        record(
          d,
          {
            v: 1,
            id: `0193a1f2-0000-7000-8000-${(d.seq + 1).toString(16).padStart(12, '0')}`,
            name: 'log_seal',
            time,
            severity: 'info',
            outcome: 'success',
            device: { id: d.id },
            attrs,
            tq: { synced: true, source: 'ntp', accuracy_ms: 4 },
          },
          receivedUs,
        ),
      );
      d.inEpoch = 0;
      continue;
    }
    const n = d.seq + 1;
    out.push(
      record(
        d,
        {
          v: 1,
          id: `0193a1f2-0000-7000-9000-${n.toString(16).padStart(12, '0')}`,
          name: 'authn_login_fail',
          time: eventTimeNow(d.nowMs),
          severity: 'medium',
          outcome: 'failure',
          device: { id: d.id, fw: '2.4.1', model: 'IPC-300' },
          actor: { user: `user${n % 97}`, ip: `203.0.113.${n % 250}` },
          attrs: { method: 'password', reason: 'bad_password' },
          tq: { synced: true, source: 'ntp', accuracy_ms: 12 },
        },
        receivedUs,
      ),
    );
    d.inEpoch++;
  }
  return out;
}

async function buildDataDir(dir: string, events: number): Promise<void> {
  const marker = join(dir, 'bench-complete');
  if (existsSync(marker)) return;
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const dd = await openDataDir(dir, 'bench.example/verify');
  try {
    const devices: Device[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const file = addDevice(dd.enrol, `dev-${i}`, 'high', 'http://127.0.0.1');
      const stream = `dev-${i}.s1`;
      devices.push({
        id: file.device,
        stream,
        sealer: new Sealer(createSealerState({ ...file.seal, deviceId: file.device, stream, k0: Buffer.from(file.sealKey, 'hex') })),
        seq: 0,
        head: Buffer.from(ZERO_HASH_HEX, 'hex'),
        inEpoch: 0,
        nowMs: file.seal.t0Ms,
      });
    }
    const integrator = new Integrator(dd.store, {
      origin: dd.key.origin,
      signer: dd.key.signer,
      checkpointIntervalMs: 1000,
      chunk: 20_000,
    });
    let written = 0;
    let signedAt = 0;
    let next = 0;
    while (written < events) {
      const group: BatchWrite[] = [];
      for (let g = 0; g < GROUP && written < events; g++) {
        const d = devices[next++ % DEVICES] as Device;
        const records = nextBatch(d, Date.now() * 1000);
        group.push({
          device: d.id,
          stream: d.stream,
          records,
          cursor: { device: d.id, stream: d.stream, ackedSeq: d.seq, head: d.head as Uint8Array as Hash },
        });
        written += records.length;
      }
      dd.store.commitBatches(group);
      if (written - signedAt >= CHECKPOINT_EVERY) {
        integrator.integrate();
        integrator.checkpoint();
        signedAt = written;
        process.stderr.write(`  built ${written} events (${((performance.now() - t0) / 1000).toFixed(0)} s)\r`);
      }
    }
    // integrate first: stop() would otherwise leave a checkpoint timer armed after the store closes.
    integrator.integrate();
    integrator.stop();
  } finally {
    dd.close();
  }
  writeFileSync(marker, `${events}\n`);
  process.stderr.write(`\n  data directory built in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}

function rawSha(bytes: number): number {
  const input = Buffer.alloc(bytes, 1);
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    for (let i = 0; i < 100_000; i++) hash('sha256', input, 'buffer');
    best = Math.max(best, 100_000 / ((performance.now() - t) / 1000));
  }
  return best;
}

export async function run(): Promise<void> {
  const events = Number(process.env.SECLOG_BENCH_VERIFY_EVENTS ?? 1_000_000);
  const cores = availableParallelism();
  const dir = join(tmpdir(), `seclog-bench-verify-${events}`);
  await buildDataDir(dir, events);
  const bundle = join(tmpdir(), `seclog-bench-verify-${events}.bundle`);
  const dd = await openDataDir(dir);
  let exported: Awaited<ReturnType<typeof exportEvents>>;
  try {
    rmSync(bundle, { force: true });
    // The export's own log_access record lands in the store; it is not in the tree until a collector runs.
    exported = await exportEvents(
      { store: dd.store, verifierKey: dd.key.verifierKey, record: dd.enrol.record },
      { selection: {}, out: bundle, actor: 'bench' },
    );
  } finally {
    dd.close();
  }
  const vkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
  const figures: Figure[] = [
    { name: 'load average (1 min) at the start', value: loadavg()[0] as number, unit: 'runnable', better: 'lower' },
  ];
  const bytes = statSync(bundle).size;
  figures.push({
    name: `export bundle (${exported.events} events, ${(bytes / 2 ** 20).toFixed(0)} MiB)`,
    value: exported.events / exported.seconds,
    unit: 'events/s',
    better: 'higher',
  });
  // Wall-clock rate, and the rate per CPU-second of the whole process (all threads): the
  // second is what a busy shared machine distorts least; on an idle one wall ≈ cores × it.
  const cpuSeconds = (since: NodeJS.CpuUsage): number => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1e6;
  };
  for (const workers of [0, cores]) {
    const cpu = process.cpuUsage();
    const v = await verifyBundleFile(bundle, { verifierKeys: [vkey], workers });
    const used = cpuSeconds(cpu);
    if (!v.result.ok) throw new Error(`the bench bundle does not verify: ${JSON.stringify(v.result)}`);
    figures.push({ name: `verify FILE, ${workers} workers`, value: v.result.events / v.seconds, unit: 'events/s', better: 'higher' });
    figures.push({ name: `  per CPU-second (all threads)`, value: v.result.events / used, unit: 'events/cpu-s', better: 'higher' });
  }
  for (const workers of [0, cores]) {
    const cpu = process.cpuUsage();
    const r = await verifyDataDir(dir, { workers });
    const used = cpuSeconds(cpu);
    if (!r.ok) throw new Error(`the bench store does not verify: ${JSON.stringify(r)}`);
    figures.push({ name: `verify --data, ${workers} workers`, value: r.events / r.seconds, unit: 'events/s', better: 'higher' });
    figures.push({ name: `  per CPU-second (all threads)`, value: r.events / used, unit: 'events/cpu-s', better: 'higher' });
  }
  const raw88 = rawSha(88);
  const raw330 = rawSha(330);
  figures.push({ name: 'raw sha256 crypto.hash 88 B (one core)', value: raw88, unit: 'hashes/s', better: 'higher' });
  figures.push({ name: 'raw sha256 crypto.hash 330 B (one core)', value: raw330, unit: 'hashes/s', better: 'higher' });
  // Per event: record digest (~330 B) + chain input (88 B) + leaf (~120 B) + ~1 node (65 B); a bundle adds its line for the trailer.
  const limit = cores / (1 / raw330 + 3 / raw88);
  figures.push({ name: `hashing alone, 4 hashes per event on ${cores} cores`, value: limit, unit: 'events/s', better: 'higher' });
  figures.push({ name: 'target (DESIGN.md §7)', value: 500_000, unit: 'events/s', better: 'higher' });
  report('verify', figures);
}
