/**
 * `npm run bench -- query`: the query side of the collector's SQLite store.
 *
 * 1. Commit rate of the store with three index sets on a fresh file (1,000
 *    devices interleaved, batches of 100 records of ~400 B, 10 batches per
 *    transaction, WAL + synchronous=FULL): no query index, migration 1's five,
 *    and the current schema. Also CPU µs and bytes written per row, steadier
 *    than the rate on a shared machine.
 * 2. A store of N events (default 10M) with the current schema, then p50/p95
 *    of Store.queryEvents for the queries of docs/query.md and of getEventById.
 *    Latencies are store calls on a warm OS page cache, without HTTP and
 *    without the log_access commit.
 *
 * Environment:
 *   SECLOG_BENCH_EVENTS       events in the query store (default 10000000)
 *   SECLOG_BENCH_DB           keep the query store at this path and reuse it when it
 *                             already holds that many events (a 10M build takes minutes)
 *   SECLOG_BENCH_COMMIT_ROWS  rows per index-set measurement (default 300000; 0 skips part 1)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchWrite, EventQuery, IncomingRecord, Migration, Store } from '@seclog/collector';
import { openSqliteStore, SQLITE_MIGRATIONS } from '@seclog/collector';
import { canonicalize, type Hash, type SecurityEvent } from '@seclog/core';
import Database from 'better-sqlite3';
import { type Figure, report } from './harness.js';

const DEVICES = 1000;
/** Part 1 (as DESIGN.md §7 states the ingest target): batches of 100, 10 per transaction. */
const BATCH = 100;
const GROUP = 10;
const NAMES = [
  'authn_login_fail',
  'authn_login_success',
  'authn_logout',
  'session_start',
  'session_end',
  'authz_fail',
  'config_change',
  'account_create',
  'account_lock',
  'update_install',
  'update_fail',
  'sys_startup',
  'sys_shutdown',
  'time_sync',
  'crypto_key_rotate',
  'net_conn_blocked',
  'net_conn_open',
  'log_access',
  'crypto_verify_fail',
  'authz_grant',
];
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
const OUTCOMES = ['success', 'failure', 'unknown'] as const;
const T0_MS = Date.UTC(2026, 0, 5);
const HOUR_US = 3_600_000_000;

/** A small deterministic PRNG, so two runs build the same store. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const homeIp = (dev: number, k: number) => `10.${(dev >> 8) & 255}.${dev & 255}.${1 + k}`;
const poolIp = (n: number) => `203.0.${Math.floor(n / 250) % 20}.${n % 250}`;
const homeUser = (dev: number, k: number) => `op-${String(dev).padStart(4, '0')}-${k}`;
const deviceId = (dev: number) => `dev-${String(dev).padStart(4, '0')}`;

/**
 * Batches of records from 1,000 devices in turn, one every `spacingUs` per device
 * (± half), so a batch covers `batchSize` × spacing of device time; clocks are
 * synchronised within ±2 s except one device in 100, off by up to ±3 h.
 * 60% of records name an actor: IPs are 70% one of the device's two consoles, 30%
 * one of 5,000 others; users 70% one of the device's three operators, 30% one of 200.
 */
class Generator {
  readonly #seq = new Array<number>(DEVICES).fill(0);
  readonly #clockUs: number[];
  /** Each device's clock error: within ±2 s (synchronised), or within ±3 h for 1 device in 100. */
  readonly #offsetUs: number[];
  readonly #r: () => number;
  readonly #spacingUs: number;
  readonly #batchSize: number;
  readonly #digest = new Uint8Array(32).fill(7) as Hash;
  #dev = 0;
  /** Every 997th record id, for the id lookups. */
  readonly sampleIds: string[] = [];
  count = 0;

  constructor(spacingUs: number, batchSize = BATCH, seed = 1) {
    this.#batchSize = batchSize;
    this.#r = prng(seed);
    this.#spacingUs = spacingUs;
    this.#clockUs = Array.from({ length: DEVICES }, (_, d) => T0_MS * 1000 + d * 997);
    this.#offsetUs = Array.from({ length: DEVICES }, (_, d) => Math.round((this.#r() - 0.5) * (d % 100 === 42 ? 6 * HOUR_US : 4_000_000)));
  }

  get endUs(): number {
    return Math.max(...this.#clockUs);
  }

  batch(): BatchWrite {
    const dev = this.#dev;
    this.#dev = (dev + 1) % DEVICES;
    const r = this.#r;
    const device = deviceId(dev);
    const stream = `${device}.s1`;
    const records: IncomingRecord[] = new Array(this.#batchSize);
    for (let i = 0; i < this.#batchSize; i++) {
      const seq = ++(this.#seq[dev] as number);
      // The fleet's clock moves `spacingUs` per record of each device; a record is stamped within half
      // a spacing of it, plus its device's clock error.
      const tick = (this.#clockUs[dev] as number) + this.#spacingUs;
      this.#clockUs[dev] = tick;
      const us = tick + (this.#offsetUs[dev] as number) + Math.floor(this.#spacingUs * (r() - 0.5));
      const ms = Math.floor(us / 1000);
      const withActor = r() < 0.6;
      const ip = r() < 0.7 ? homeIp(dev, Math.floor(r() * 2)) : poolIp(Math.floor(r() * 5000));
      const user = r() < 0.7 ? homeUser(dev, Math.floor(r() * 3)) : `user${Math.floor(r() * 200)}`;
      const name = NAMES[Math.floor(r() * NAMES.length)] as string;
      const hex = ms.toString(16).padStart(12, '0');
      const rand = Math.floor(r() * 2 ** 48)
        .toString(16)
        .padStart(12, '0');
      const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${rand.slice(0, 3)}-9${rand.slice(3, 6)}-${rand.slice(0, 6)}${(this.count & 0xffffff).toString(16).padStart(6, '0')}`;
      if (this.count % 997 === 0) this.sampleIds.push(id);
      const record: SecurityEvent = {
        v: 1,
        id,
        name,
        time: `${new Date(ms).toISOString().slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`,
        severity: SEVERITIES[Math.floor(r() * 5)] as (typeof SEVERITIES)[number],
        outcome: OUTCOMES[Math.floor(r() * 3)] as (typeof OUTCOMES)[number],
        device: { id: device },
        ...(withActor ? { actor: { ip, user, port: 40000 + Math.floor(r() * 20000) } } : {}),
        attrs: { method: 'password', reason: 'bad_password' },
        ...(r() < 0.2 ? { message: `${name} for ${user} from ${ip}` } : {}),
        stream,
        seq,
        boot: 'b7e1c2',
        mono_ms: seq * 20,
        prev: 'a3f1c9e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8',
      };
      records[i] = {
        record,
        canonical: canonicalize(record),
        digest: this.#digest,
        chainHash: this.#digest,
        receivedUs: T0_MS * 1000 + this.count,
      };
      this.count++;
    }
    const seq = this.#seq[dev] as number;
    return { device, stream, records, cursor: { device, stream, ackedSeq: seq, head: this.#digest } };
  }

  group(batches = GROUP): BatchWrite[] {
    return Array.from({ length: batches }, () => this.batch());
  }
}

function writtenBytes(): number {
  try {
    return Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

interface CommitFigures {
  rowsPerSec: number;
  cpuUsPerRow: number;
  writtenBytesPerRow: number;
  avgRecordBytes: number;
}

/** Commits `rows` rows into a new file store with `migrations`; the records are generated before the clock starts. */
function commitRate(dir: string, label: string, migrations: readonly Migration[], rows: number): CommitFigures {
  const path = join(dir, `commit-${label}.db`);
  const store = openSqliteStore(path, { migrations });
  const gen = new Generator(20_000); // 50 events/s per device: a live fleet
  const groups = Array.from({ length: Math.ceil(rows / (BATCH * GROUP)) }, () => gen.group());
  const n = groups.length * BATCH * GROUP;
  let bytes = 0;
  for (const g of groups) for (const b of g) for (const r of b.records) bytes += r.canonical.length;
  const w0 = writtenBytes();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const g of groups) store.commitBatches(g);
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const written = writtenBytes() - w0;
  store.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  return { rowsPerSec: n / s, cpuUsPerRow: (cpu.user + cpu.system) / n, writtenBytesPerRow: written / n, avgRecordBytes: bytes / n };
}

const NO_QUERY_INDEX: Migration = {
  id: 10_000,
  name: 'bench_no_query_index',
  up: (db) => {
    const names = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL")
      .pluck()
      .all() as string[];
    for (const name of names) db.exec(`DROP INDEX ${name}`);
  },
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface Measured {
  p50: number;
  p95: number;
  avgEvents: number;
}

/** Latency percentiles of `run`; a run that returns `{ n, ms }` times only its own part. */
function measure(run: (i: number) => number | { n: number; ms: number }, n = 300, warmup = 30): Measured {
  for (let i = 0; i < warmup; i++) run(i);
  const ms: number[] = [];
  let events = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = run(warmup + i);
    const took = performance.now() - t0;
    events += typeof r === 'number' ? r : r.n;
    ms.push(typeof r === 'number' ? took : r.ms);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), avgEvents: events / n };
}

/**
 * The query store. Built through commitBatches (the store's own insert, 100 batches per
 * transaction) with the query indexes dropped, then indexed in one pass per index: the same
 * database as ingest would leave, minutes faster (the commit rates are part 1's business).
 */
function buildStore(path: string, events: number): { store: Store; gen: Generator; built: boolean } {
  // 10M events over about a week of device time: one event a minute per device, shipped ten at a
  // time (a batch spans ~10 minutes of its device's clock).
  const spacingUs = Math.max(1000, Math.floor((7 * 24 * HOUR_US * DEVICES) / events));
  const gen = new Generator(spacingUs, 10);
  const store = openSqliteStore(path);
  const have = store.eventCount();
  if (have === events && store.getMeta('bench_query_events') === String(events)) {
    // Same seed: generate again (without storing) only to know the ids and the time range.
    while (gen.count < events) gen.batch();
    return { store, gen, built: false };
  }
  if (have !== 0)
    throw new Error(`${path} holds ${have} events, not a bench store of ${events}; remove it or set SECLOG_BENCH_DB elsewhere`);
  const raw = new Database(path);
  const indexes = raw
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL")
    .all() as {
    name: string;
    sql: string;
  }[];
  for (const i of indexes) raw.exec(`DROP INDEX ${i.name}`);
  const t0 = performance.now();
  let last = t0;
  while (gen.count < events) {
    const group: BatchWrite[] = [];
    for (let i = 0; i < 10 && gen.count < events; i++) group.push(...gen.group(100));
    store.commitBatches(group);
    if (performance.now() - last > 15_000) {
      last = performance.now();
      process.stderr.write(
        `  stored ${gen.count.toLocaleString('en-US')} events (${Math.round(gen.count / ((last - t0) / 1000)).toLocaleString('en-US')}/s)\n`,
      );
    }
  }
  for (const i of indexes) {
    const ti = performance.now();
    raw.exec(i.sql);
    process.stderr.write(`  index ${i.name}: ${((performance.now() - ti) / 1000).toFixed(1)} s\n`);
  }
  raw.exec('ANALYZE');
  raw.close();
  store.setMeta('bench_query_events', String(events));
  return { store, gen, built: true };
}

export async function run(): Promise<void> {
  const events = Number(process.env.SECLOG_BENCH_EVENTS ?? 10_000_000);
  const commitRows = Number(process.env.SECLOG_BENCH_COMMIT_ROWS ?? 300_000);
  if (!Number.isSafeInteger(events) || events < DEVICES * BATCH)
    throw new Error(`SECLOG_BENCH_EVENTS must be an integer ≥ ${DEVICES * BATCH}`);
  const dir = mkdtempSync(join(tmpdir(), 'seclog-bench-query-'));
  const figures: Figure[] = [];
  try {
    if (commitRows > 0) {
      const before4 = SQLITE_MIGRATIONS.filter((m) => m.id < 4);
      const sets: [string, string, readonly Migration[]][] = [
        ['none', 'no query index', [...SQLITE_MIGRATIONS, NO_QUERY_INDEX]],
        ['m1', "migration 1's five indexes", before4],
        ['current', 'current schema', SQLITE_MIGRATIONS],
      ];
      for (const [label, what, migrations] of sets) {
        const c = commitRate(dir, label, migrations, commitRows);
        process.stderr.write(
          `  commit ${what}: ${Math.round(c.rowsPerSec)} rows/s, ${c.cpuUsPerRow.toFixed(1)} µs CPU/row, ${Math.round(c.writtenBytesPerRow)} B written/row (${Math.round(c.avgRecordBytes)} B records)\n`,
        );
        figures.push(
          { name: `commit, ${what}`, value: c.rowsPerSec, unit: 'rows/s', better: 'higher' },
          { name: `commit CPU, ${what}`, value: c.cpuUsPerRow, unit: 'µs/row', better: 'lower' },
          { name: `commit bytes written, ${what}`, value: c.writtenBytesPerRow, unit: 'B/row', better: 'lower' },
        );
      }
    }

    const path = process.env.SECLOG_BENCH_DB ?? join(dir, 'query.db');
    process.stderr.write(`  query store: ${events.toLocaleString('en-US')} events at ${path}\n`);
    const t0 = performance.now();
    const { store, gen, built } = buildStore(path, events);
    process.stderr.write(`  query store ${built ? 'built' : 'reused'} in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    const r = prng(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const dev = () => Math.floor(r() * DEVICES);
    const startUs = T0_MS * 1000;
    const spanUs = gen.endUs - startUs;
    const windowAt = (): { fromUs: number; toUs: number } => {
      const fromUs = startUs + Math.floor(r() * Math.max(1, spanUs - HOUR_US));
      return { fromUs, toUs: fromUs + HOUR_US };
    };
    const q = (query: Omit<EventQuery, 'limit'>, limit = 100) => store.queryEvents({ ...query, limit }).events.length;
    const kinds: [string, () => number | { n: number; ms: number }][] = [
      ['device + 1 h window', () => q({ device: deviceId(dev()), ...windowAt() })],
      ['device, newest 100', () => q({ device: deviceId(dev()) })],
      ['ip (a console of one device)', () => q({ ip: homeIp(dev(), Math.floor(r() * 2)) })],
      ['ip (one of 5,000 shared)', () => q({ ip: poolIp(Math.floor(r() * 5000)) })],
      ['ip + 1 h window', () => q({ ip: poolIp(Math.floor(r() * 5000)), ...windowAt() })],
      ['user', () => q({ user: r() < 0.5 ? homeUser(dev(), Math.floor(r() * 3)) : `user${Math.floor(r() * 200)}` })],
      ['name + 1 h window', () => q({ name: pick(NAMES), ...windowAt() })],
      ['1 h window, no other filter', () => q({ ...windowAt() })],
      ['severity + outcome', () => q({ severity: pick(SEVERITIES), outcome: pick(OUTCOMES) })],
      ['q, common text', () => q({ text: `user${Math.floor(r() * 200)}` })],
      ['q, text that matches nothing (one full scan budget)', () => q({ text: 'no-such-text' })],
      ['q + device', () => q({ device: deviceId(dev()), text: 'bad_password' })],
      [
        'page 10 of a device (100 per page, cursor of page 9)',
        () => {
          const device = deviceId(dev());
          let before: number | undefined;
          for (let p = 0; p < 9 && (p === 0 || before !== undefined); p++) {
            before = store.queryEvents({ device, limit: 100, ...(before === undefined ? {} : { beforePos: before }) }).nextBeforePos;
          }
          const t0 = performance.now();
          const n = store.queryEvents({ device, limit: 100, ...(before === undefined ? {} : { beforePos: before }) }).events.length;
          return { n, ms: performance.now() - t0 };
        },
      ],
      ['events/:id', () => (store.getEventById(pick(gen.sampleIds)) === undefined ? 0 : 1)],
    ];
    for (const [name, fn] of kinds) {
      const m = measure(fn);
      process.stderr.write(
        `  ${name}: p50 ${m.p50.toFixed(2)} ms, p95 ${m.p95.toFixed(2)} ms, ${m.avgEvents.toFixed(1)} events on average\n`,
      );
      figures.push(
        { name: `${name} p50`, value: m.p50, unit: 'ms', better: 'lower' },
        { name: `${name} p95`, value: m.p95, unit: 'ms', better: 'lower' },
      );
    }
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report('query', figures);
}
