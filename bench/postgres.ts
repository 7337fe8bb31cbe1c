/**
 * `npm run bench -- postgres`: the collector on PostgreSQL (issue I item 5).
 *
 * A throwaway PostgreSQL cluster (initdb + pg_ctl on a free port, fsync and
 * full-page writes ON, as in production; the tests run theirs without) on this
 * machine, then:
 *
 * 1. Durable ingest with 1, 2 and 3 collector processes on one database
 *    (`openCollector` children with `db`, one shared data directory for the
 *    keys), 1,000 devices spread over the nodes by index, the collector
 *    bench's sealed and chained batches of 100, a closed loop of 64 batches
 *    in flight. Each node count gets a fresh database. Reported: acknowledged
 *    records/s, and records per CPU second of the collectors and of all of
 *    them plus the PostgreSQL server processes — on 2 cores the point is the
 *    cost per record and per node, not linear scaling.
 * 2. Queries: a store of N events (default 10M; the query bench's fleet,
 *    bench/query-workload.ts) filled through `PgStore.commitBatches` with the
 *    query indexes dropped and rebuilt afterwards, then p50/p95 of the queries
 *    of docs/query.md through `PgStore.queryEvents` (store calls, no HTTP).
 *
 * Environment: SECLOG_BENCH_PG_NODES (node counts, default "1,2,3"),
 * SECLOG_BENCH_SECONDS (5, per ingest phase), SECLOG_BENCH_EVENTS (query
 * store size, default 10000000; 0 skips part 2), SECLOG_BENCH_QUERIES (only
 * the queries whose names contain one of these comma-separated words).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchWrite } from '@seclog/collector';
import { addDevice, openDataDir, openPgStore } from '@seclog/collector';
import pg from 'pg';
import { type ChildCollector, startChildCollector } from '../packages/collector/test/support/child-collector.js';
import { type PgCluster, startPgCluster } from '../packages/collector/test/support/pg-cluster.js';
import { summariseProfile } from './cpu-profile.js';
import { type Figure, report } from './harness.js';
import { agent, BATCH, closedLoopOver, Feed, newEncodeStats, type Target, type Tokens } from './ingest-load.js';
import { DEVICES, Generator, HOUR_US, queryFigures, T0_MS } from './query-workload.js';

const env = process.env;
// An empty list ("SECLOG_BENCH_PG_NODES=") skips the ingest phases.
const NODE_COUNTS = (env.SECLOG_BENCH_PG_NODES ?? '1,2,3')
  .split(',')
  .filter((n) => n.trim() !== '')
  .map(Number);
const PHASE_MS = Number(env.SECLOG_BENCH_SECONDS ?? 5) * 1000;
const WARMUP_MS = 1500;
const CONCURRENCY = 64;
/** Records/s the encoded batches are provisioned for. */
const PROVISION = 60_000;
/** SECLOG_BENCH_PROFILE=1: the first node of each phase runs from the sources under --cpu-prof (its threads' profiles are summarised). */
const PROFILE = env.SECLOG_BENCH_PROFILE === '1';

/** The PIDs of the cluster's server processes: the postmaster listening on `port` and its children. */
function postgresPids(port: number): number[] {
  const procs: { pid: number; ppid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.split(') ')[1]?.split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      procs.push({ pid: Number(entry), ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  const master = procs.find((p) => p.cmd.includes('postgres') && p.cmd.includes(`-p ${port}`));
  if (master === undefined) return [];
  return [master.pid, ...procs.filter((p) => p.ppid === master.pid).map((p) => p.pid)];
}

/** CPU seconds per thread of a process, by thread name (what a worker thread or libuv's pool costs). */
function threadCpu(pid: number): string {
  const out: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpu = (Number(f[11]) + Number(f[12])) / 100;
      if (cpu > 0.05) out.push(`${name}#${tid}=${cpu.toFixed(2)}s`);
    } catch {
      // ended
    }
  }
  return out.join(' ');
}

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

async function ingestPhase(cluster: PgCluster, root: string, nodes: number, figures: Figure[]): Promise<void> {
  const dbName = `bench_ingest_${nodes}`;
  await sql(cluster.url(), `CREATE DATABASE ${dbName}`);
  const db = cluster.url(dbName);
  const dataDir = join(root, `keys-${nodes}`);
  const dd = await openDataDir(dataDir, undefined, { db });
  const files = dd.store.transaction(() =>
    Array.from({ length: DEVICES }, (_, i) => addDevice(dd.enrol, `cam-${String(i).padStart(4, '0')}`, 'high', 'http://127.0.0.1')),
  );
  dd.close();
  const tokenOf = new Map(files.map((f) => [f.device, f.token]));
  const tokens: Tokens = { get: (d) => tokenOf.get(d) as string };
  const feeds = files.map((f) => new Feed(f));
  const stats = newEncodeStats();
  const batches = Math.ceil((PROVISION * (WARMUP_MS + PHASE_MS)) / 1000 / BATCH / DEVICES) + 1;
  for (const f of feeds) f.generate(batches, undefined, stats);

  const children: ChildCollector[] = [];
  try {
    const profileDir = join(root, `profile-${nodes}`);
    for (let i = 0; i < nodes; i++) {
      const profiled = PROFILE && i === 0 ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], launcher: 'tsx' as const } : {};
      children.push(await startChildCollector(dataDir, { flags: { db }, ...profiled }));
    }
    const targets: Target[] = children.map((c) => ({ url: new URL(c.url), pid: c.pid }));
    const nodeOf = new Map(files.map((f, i) => [f.device, (targets[i % nodes] as Target).url]));
    const route = (device: string) => nodeOf.get(device) as URL;
    const collectorsOnly = await closedLoopOver(targets, route, feeds, tokens, CONCURRENCY, WARMUP_MS, PHASE_MS);
    // The same load again, now counting the database server's CPU too.
    for (const f of feeds) if (f.bodies.length < batches) f.generate(batches - f.bodies.length, undefined, stats);
    const withDb = await closedLoopOver(targets, route, feeds, tokens, CONCURRENCY, WARMUP_MS, PHASE_MS, () => postgresPids(cluster.port));
    const events = Number((await sql(db, 'SELECT count(*) AS n FROM events')).rows[0].n);
    if (env.SECLOG_BENCH_THREADS === '1') for (const c of children) process.stdout.write(`node ${c.pid} threads: ${threadCpu(c.pid)}\n`);
    process.stdout.write(
      `${nodes} node(s): ${Math.round(collectorsOnly.rate)} and ${Math.round(withDb.rate)} records/s; ` +
        `${Math.round(collectorsOnly.perCpuSecond)} per collector CPU second, ${Math.round(withDb.perCpuSecond)} per CPU second with PostgreSQL; ` +
        `${events} events stored${collectorsOnly.ranOut || withDb.ranOut ? ' (ran out of encoded batches)' : ''}\n`,
    );
    figures.push(
      {
        name: `${nodes} collector(s): durable ingest, acknowledged`,
        value: (collectorsOnly.rate + withDb.rate) / 2,
        unit: 'records/s',
        better: 'higher',
      },
      {
        name: `${nodes} collector(s): records per CPU second of the collectors`,
        value: collectorsOnly.perCpuSecond,
        unit: 'records/cpu-s',
        better: 'higher',
      },
      {
        name: `${nodes} collector(s): records per CPU second, collectors + PostgreSQL`,
        value: withDb.perCpuSecond,
        unit: 'records/cpu-s',
        better: 'higher',
      },
      {
        name: `${nodes} collector(s): CPU µs per record, collectors + PostgreSQL`,
        value: 1e6 / withDb.perCpuSecond,
        unit: 'µs',
        better: 'lower',
      },
    );
    for (const c of children.splice(0)) {
      const code = await c.stop();
      if (code !== 0) throw new Error(`a collector did not stop cleanly (${String(code)}): ${c.stderr()}`);
    }
    if (PROFILE) {
      for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
        process.stdout.write(`\nCPU of ${file} (node 1 of ${nodes}, whole run)\n${summariseProfile(join(profileDir, file))}\n`);
      }
    }
  } finally {
    for (const c of children) c.process.kill('SIGKILL');
  }
}

/** Fills a PostgreSQL store with `events` of the query fleet (indexes dropped during the fill), then times the queries. */
async function queryPhase(cluster: PgCluster, events: number, figures: Figure[]): Promise<void> {
  await sql(cluster.url(), 'CREATE DATABASE bench_query');
  const db = cluster.url('bench_query');
  const store = openPgStore(db);
  try {
    const indexes = (
      await sql(
        db,
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname NOT IN (SELECT conname FROM pg_constraint)",
      )
    ).rows as { indexname: string; indexdef: string }[];
    for (const i of indexes) await sql(db, `DROP INDEX ${i.indexname}`);
    // The fleet's records are received in January 2026: that month's partition holds them (not DEFAULT, as it would
    // for a month the store did not create ahead of time).
    await sql(db, `SELECT seclog_ensure_event_partitions(${T0_MS * 1000}, ${T0_MS * 1000})`);
    // The query bench's spacing: about a week of device time whatever the size.
    const gen = new Generator(Math.max(1000, Math.floor((7 * 24 * HOUR_US * DEVICES) / events)), 10);
    const t0 = performance.now();
    let last = t0;
    while (gen.count < events) {
      const group: BatchWrite[] = [];
      for (let i = 0; i < 10 && gen.count < events; i++) group.push(...gen.group(100));
      store.commitBatches(group);
      if (performance.now() - last > 15_000) {
        last = performance.now();
        process.stderr.write(`  stored ${gen.count.toLocaleString('en-US')} events (${Math.round(gen.count / ((last - t0) / 1000))}/s)\n`);
      }
    }
    const fillS = (performance.now() - t0) / 1000;
    figures.push({
      name: `query store fill through commitBatches, no query index`,
      value: events / fillS,
      unit: 'rows/s',
      better: 'higher',
    });
    for (const i of indexes) {
      const ti = performance.now();
      // A partitioned table's index definition reads `ON ONLY events`, which would build it on no partition.
      await sql(db, i.indexdef.replace(' ON ONLY ', ' ON '));
      process.stderr.write(`  index ${i.indexname}: ${((performance.now() - ti) / 1000).toFixed(1)} s\n`);
    }
    await sql(db, 'VACUUM ANALYZE events');
    // A partitioned table has no storage of its own: its size is its partitions'.
    const size = Number(
      (
        await sql(
          db,
          "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) AS b FROM pg_inherits WHERE inhparent = 'events'::regclass",
        )
      ).rows[0].b,
    );
    figures.push({
      name: `events table with indexes, ${events.toLocaleString('en-US')} events`,
      value: size / 2 ** 20,
      unit: 'MiB',
      better: 'lower',
    });
    for (const f of queryFigures(store, gen)) figures.push({ ...f, name: `${events.toLocaleString('en-US')} events: ${f.name}` });
  } finally {
    store.close();
  }
}

export async function run(): Promise<void> {
  const events = Number(env.SECLOG_BENCH_EVENTS ?? 10_000_000);
  const root = mkdtempSync(join(tmpdir(), 'seclog-bench-pg-'));
  const cluster = await startPgCluster({
    durable: true,
    settings: ['shared_buffers=512MB', 'max_wal_size=4GB', 'checkpoint_timeout=30min', 'maintenance_work_mem=512MB'],
  });
  const figures: Figure[] = [];
  try {
    for (const n of NODE_COUNTS) await ingestPhase(cluster, root, n, figures);
    if (events > 0) await queryPhase(cluster, events, figures);
    figures.push({ name: 'machine load average (1 min) at the end', value: loadavg()[0] ?? Number.NaN, unit: 'runnable', better: 'lower' });
    report('postgres', figures);
  } catch (err) {
    process.stderr.write(`PostgreSQL server log (tail):\n${cluster.log().slice(-3000)}\n`);
    throw err;
  } finally {
    agent.destroy();
    await cluster.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}
