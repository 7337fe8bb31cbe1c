/**
 * `npm run bench -- collector`: durable HTTP ingest of a real collector
 * (DESIGN.md §7, issue C item 11).
 *
 * The collector runs in a child process (openCollector on a temp data dir,
 * SQLite WAL + synchronous=FULL, HTTP on loopback, the code of the tests'
 * collector-child entry); this process is the load generator, so client and
 * server never share an event loop. 1,000 devices are enrolled with the
 * `high` profile; each ships one stream of chained records with real
 * `log_seal` records on its enrolment policy (core's Sealer keyed by its k_0),
 * in batches of 100, each closed by a seal (99 events + 1 seal). Bodies are
 * encoded before the clock starts.
 *
 *   max       closed loop, CONCURRENCY batches in flight (one per device at
 *             a time): acknowledged records/s after a warm-up
 *   bare      better-sqlite3, same pragmas, the same rows (the 14 columns the
 *             collector stores) into a table without secondary indexes, 1,000
 *             rows per transaction, in this process
 *   latency   open loop at half the measured maximum, batches sent on a fixed
 *             schedule; latency from the scheduled send to the ACK (a late
 *             send counts against the server: no coordinated omission)
 *   RSS       of the server process, sampled every 100 ms
 *
 * Environment: SECLOG_BENCH_DEVICES (1000), SECLOG_BENCH_CONCURRENCY (64),
 * SECLOG_BENCH_SECONDS (5, per measured phase), SECLOG_BENCH_PROVISION
 * (150000: records/s to encode batches for), SECLOG_BENCH_RATE (the open
 * loop's records/s instead of half the maximum), SECLOG_BENCH_PROFILE=1
 * (server under --cpu-prof from the sources; prints where its time went
 * during the max phase, and keeps the .cpuprofile in the temp directory).
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainedEvent, Hash } from '@seclog/core';
import { addDevice, type BatchWrite, createApiToken, openDataDir, openSqliteStore } from '../packages/collector/src/index.js';
import { type ChildCollector, startChildCollector } from '../packages/collector/test/support/child-collector.js';
import { bareInsert } from './bare-insert.js';
import { summariseProfile } from './cpu-profile.js';
import { type Figure, report } from './harness.js';
import { agent, BATCH, closedLoop, Feed, newEncodeStats, openLoop, type Row, RssProbe, type Tokens } from './ingest-load.js';

const env = process.env;
const DEVICES = Number(env.SECLOG_BENCH_DEVICES ?? 1000);
const CONCURRENCY = Number(env.SECLOG_BENCH_CONCURRENCY ?? 64);
const PHASE_MS = Number(env.SECLOG_BENCH_SECONDS ?? 5) * 1000;
const PROFILE = env.SECLOG_BENCH_PROFILE === '1';
/** Records/s the encoded batches are provisioned for (the max phase ends early, and says so, when they run out). */
const PROVISION = Number(env.SECLOG_BENCH_PROVISION ?? 150_000);
const WARMUP_MS = 1500;

/**
 * The same rows through the collector's Store (its real schema and indexes),
 * 10 batches of 100 per commitBatches call: what the store costs before any
 * HTTP, validation, hashing or Merkle work.
 */
function storeOnly(path: string, rows: readonly Row[]): { rate: number; perCpuSecond: number } {
  const store = openSqliteStore(path);
  const batches: BatchWrite[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const slice = rows.slice(i, i + BATCH).filter((r) => r.device === rows[i]!.device);
    const { device, stream } = slice[0]!;
    const receivedUs = Date.now() * 1000;
    const records = slice.map((r) => ({
      record: JSON.parse(r.canonical) as ChainedEvent,
      canonical: r.canonical,
      digest: r.digest as Uint8Array as Hash,
      chainHash: r.chainHash as Uint8Array as Hash,
      receivedUs,
    }));
    const last = slice.at(-1)!;
    batches.push({ device, stream, records, cursor: { device, stream, ackedSeq: last.seq, head: last.chainHash as Uint8Array as Hash } });
  }
  let n = 0;
  for (const b of batches) n += b.records.length;
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < batches.length; i += 10) store.commitBatches(batches.slice(i, i + 10));
  const rate = n / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  store.close();
  return { rate, perCpuSecond: n / ((used.user + used.system) / 1e6) };
}

const mib = (n: number) => n / (1024 * 1024);

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'seclog-bench-collector-'));
  let child: ChildCollector | undefined;
  try {
    const dataDir = join(root, 'data');
    const t0 = performance.now();
    const dd = await openDataDir(dataDir);
    const metricsToken = createApiToken(dd.enrol, 'auditor', 'bench').token;
    const files = dd.store.transaction(() =>
      Array.from({ length: DEVICES }, (_, i) => addDevice(dd.enrol, `cam-${String(i).padStart(4, '0')}`, 'high', 'http://127.0.0.1')),
    );
    dd.close();
    const tokenOf = new Map(files.map((f) => [f.device, f.token]));
    const tokens: Tokens = { get: (d) => tokenOf.get(d)! };
    const feeds = files.map((f) => new Feed(f));
    const rows: Row[] = [];
    const stats = newEncodeStats();
    // Enough for the warm-up and the max phase at up to PROVISION records/s.
    const maxBatches = Math.ceil((PROVISION * (WARMUP_MS + PHASE_MS)) / 1000 / BATCH / DEVICES) + 1;
    for (const f of feeds) f.generate(maxBatches, rows, stats);
    process.stdout.write(
      `collector bench: ${DEVICES} devices enrolled, ${maxBatches * DEVICES} batches encoded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    const profileDir = join(root, 'profile');
    const reported = { value: 0 };
    child = await startChildCollector(dataDir, {
      ...(PROFILE ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], launcher: 'tsx' as const } : {}),
      rssMs: 200,
      onRss: (n) => {
        reported.value = n;
      },
    });
    const url = new URL(child.url);
    const rss = new RssProbe(child.pid, reported);
    const idleRss = rss.read();

    rss.start();
    const maxStartNs = process.hrtime.bigint() + BigInt(WARMUP_MS) * 1_000_000n;
    const max = await closedLoop(url, feeds, tokens, child.pid, CONCURRENCY, WARMUP_MS, PHASE_MS);
    const maxEndNs = process.hrtime.bigint();
    const rssAtMax = rss.stop();
    process.stdout.write(
      `max: ${Math.round(max.rate)} records/s over ${max.seconds.toFixed(1)} s at ${CONCURRENCY} in flight${max.ranOut ? ' (ran out of encoded batches)' : ''}\n`,
    );

    // Half the maximum, open loop; top the feeds up first (outside any clock).
    const half = Number(env.SECLOG_BENCH_RATE ?? max.rate / 2);
    const needBatches = Math.ceil((half * (PHASE_MS + 1000)) / 1000 / BATCH / DEVICES) + 1;
    for (const f of feeds) if (f.bodies.length < needBatches) f.generate(needBatches - f.bodies.length, rows, stats);
    rss.start();
    const latency = await openLoop(url, feeds, tokens, half, PHASE_MS);
    const rssAtHalf = rss.stop();
    process.stdout.write(`latency at ${Math.round(half)} records/s: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms\n`);

    // Seal and chain failures never refuse a batch, they are recorded: /metrics counts them.
    const scrape = await fetch(`${child.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    const text = await scrape.text();
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    const groupBatches = sample('seclog_commit_group_batches_sum') / sample('seclog_commit_group_batches_count');
    const commitMs = (1000 * sample('seclog_commit_duration_seconds_sum')) / sample('seclog_commit_duration_seconds_count');
    let integrityFailures = 0;
    for (const m of text.matchAll(/^seclog_integrity_failures_total\{kind="([^"]*)"\} (\S+)$/gm)) {
      integrityFailures += Number(m[2]);
      if (Number(m[2]) > 0) process.stdout.write(`collector recorded ${m[2]} integrity failures of kind ${m[1]}\n`);
    }
    assertEqual(await child.stop(), 0, `the collector did not stop cleanly: ${child.stderr()}`);
    child = undefined;

    const bare = bareInsert(join(root, 'bare.db'), rows);
    const store = storeOnly(join(root, 'store.db'), rows);
    const [load1] = loadavg();
    const figures: Figure[] = [
      {
        name: `durable ingest, ${DEVICES} devices, batches of ${BATCH} (acknowledged)`,
        value: max.rate,
        unit: 'records/s',
        better: 'higher',
      },
      { name: 'bare better-sqlite3 insert, same rows, 1,000/tx', value: bare.rate, unit: 'rows/s', better: 'higher' },
      { name: '  ingest ÷ bare insert', value: max.rate / bare.rate, unit: 'x', better: 'higher' },
      { name: 'Store.commitBatches alone, same rows, 1,000/tx', value: store.rate, unit: 'rows/s', better: 'higher' },
      { name: '  store ÷ bare insert', value: store.rate / bare.rate, unit: 'x', better: 'higher' },
      { name: 'durable ingest per second of server CPU', value: max.perCpuSecond, unit: 'records/cpu-s', better: 'higher' },
      { name: 'bare insert per second of CPU', value: bare.perCpuSecond, unit: 'rows/cpu-s', better: 'higher' },
      { name: '  ingest ÷ bare insert, per CPU second', value: max.perCpuSecond / bare.perCpuSecond, unit: 'x', better: 'higher' },
      { name: 'Store.commitBatches per second of CPU', value: store.perCpuSecond, unit: 'rows/cpu-s', better: 'higher' },
      { name: 'server CPU share during the max phase', value: max.cpuShare, unit: 'cores', better: 'higher' },
      { name: 'load generator CPU share during the max phase', value: max.clientCpuShare, unit: 'cores', better: 'lower' },
      { name: `ACK latency p50 at half load (${Math.round(half)} records/s)`, value: latency.p50, unit: 'ms', better: 'lower' },
      { name: 'ACK latency p99 at half load', value: latency.p99, unit: 'ms', better: 'lower' },
      { name: 'server RSS, max under max load', value: mib(rssAtMax), unit: 'MiB', better: 'lower' },
      { name: 'server RSS, max at half load', value: mib(rssAtHalf), unit: 'MiB', better: 'lower' },
      { name: 'server RSS, idle after start', value: mib(idleRss), unit: 'MiB', better: 'lower' },
      { name: 'event size (JCS, before chain fields)', value: stats.eventBytes / stats.sampled, unit: 'B', better: 'lower' },
      { name: 'record size as stored (JCS, chained)', value: stats.recordBytes / stats.records, unit: 'B', better: 'lower' },
      { name: 'log_seal records among those encoded', value: stats.seals, unit: 'records', better: 'higher' },
      { name: 'batches per group commit (mean, whole run, /metrics)', value: groupBatches, unit: 'batches', better: 'higher' },
      { name: 'group commit transaction (mean, whole run, /metrics)', value: commitMs, unit: 'ms', better: 'lower' },
      { name: 'integrity failures the collector recorded (must be 0)', value: integrityFailures, unit: 'records', better: 'lower' },
      { name: 'machine load average (1 min) at the end', value: load1 ?? Number.NaN, unit: 'runnable', better: 'lower' },
    ];
    report('collector', figures);

    if (PROFILE) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error('the server wrote no CPU profile');
      // Outside the repository: a profile is megabytes, and bench/results keeps only figures.
      const kept = join(tmpdir(), `seclog-collector-server-${Date.now()}.cpuprofile`);
      copyFileSync(join(profileDir, file), kept);
      process.stdout.write(
        `\nserver CPU during the max phase (${kept}, opens in Chrome DevTools)\n${summariseProfile(kept, maxStartNs / 1000n, maxEndNs / 1000n)}\n`,
      );
    }
  } finally {
    child?.process.kill('SIGKILL');
    agent.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}

function assertEqual(a: unknown, b: unknown, message: string): void {
  if (a !== b) throw new Error(`${message} (${String(a)} ≠ ${String(b)})`);
}
